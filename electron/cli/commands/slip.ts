import { toText } from '../../../shared/money.ts';
import { parseSlipInput, renderSlipPdf } from '../../pdf/slipPdf.ts';
import { parseJsonInput, type Command } from '../main.ts';
import { parsePdfArgs, writeFileAtomic } from './pledge.ts';

/**
 * CLI.md `slip --out <file.pdf> [--reprint]`: computes the settlement with shared/settlement.ts
 * (the same computation as `settle`) and prints its slip (DOMAIN §7, 004 附件10).
 */
const slip: Command = async ({ args, readStdin }) => {
  const { out, flags } = parsePdfArgs(args, ['reprint']);
  const input = parseSlipInput(parseJsonInput(await readStdin()));
  const { pdf, pages, result } = await renderSlipPdf(input, { reprint: flags.has('reprint') });
  await writeFileAtomic(out, pdf);
  return {
    pages,
    bytes: pdf.length,
    medfee_sumamt: toText(result.medfee_sumamt),
    fund_pay_sumamt: toText(result.fund_pay_sumamt),
    psn_cash_pay: toText(result.psn_cash_pay),
  };
};
export default slip;
