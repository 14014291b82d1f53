import { settleFromJson } from '../../../shared/settlement.ts';
import { parseJsonInput, type Command } from '../main.ts';

/**
 * CLI.md `settle`: the standard policy model of DOMAIN.md §6a over one admission's fee lines.
 * The computation is shared/settlement.ts, the same one the app's preview and the slip use.
 */
const settle: Command = async ({ readStdin }) => settleFromJson(parseJsonInput(await readStdin()));
export default settle;
