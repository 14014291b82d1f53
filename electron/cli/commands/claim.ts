import { buildClaim, parseClaimInput } from '../../../shared/claim.ts';
import type { Command } from '../main.ts';
import { parseJsonInput } from '../main.ts';

/**
 * CLI.md `claim`: the monthly claim (DOMAIN §9) of the settlements on stdin. It calls the same
 * shared/claim.ts the app uses; an invalid input becomes exit 2 through the InputError it throws.
 */
const claim: Command = async ({ readStdin }) => buildClaim(parseClaimInput(parseJsonInput(await readStdin())));
export default claim;
