import { decideEligibility, parseEligibilityInput } from '../../../shared/eligibility.ts';
import { parseJsonInput, type Command } from '../main.ts';

/** CLI.md `eligibility`: a refusal is an answer (exit 0); only invalid input exits 2. */
const eligibility: Command = async ({ readStdin }) => {
  const input = parseEligibilityInput(parseJsonInput(await readStdin()));
  return decideEligibility(input);
};
export default eligibility;
