import { isOutpatientSettleInput, settleOutpatientFromJson } from '../../../shared/outpatientJson.ts';
import { settleFromJson } from '../../../shared/settlement.ts';
import { parseJsonInput, type Command } from '../main.ts';

/**
 * CLI.md `settle`: the standard policy model of DOMAIN.md §6a over one admission's fee lines.
 * The computation is shared/settlement.ts, the same one the app's preview and the slip use.
 * An input with an `outpatient` member is a visit (issue 16 §5, docs/outpatient.md "CLI"):
 * shared/outpatientJson.ts, the engine of the desk's outpatient estimate.
 */
const settle: Command = async ({ readStdin }) => {
  const json = parseJsonInput(await readStdin());
  return isOutpatientSettleInput(json) ? settleOutpatientFromJson(json) : settleFromJson(json);
};
export default settle;
