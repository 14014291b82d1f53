import { firstDayOf, lastDayOf, parsePeriod, type ClaimLine, type ClrType } from '../claim.ts';
import type { CalendarDate } from '../dates.ts';
import { AgencyMessageError, isObject, objectAt, readText, type JsonObject } from './envelope.ts';

/**
 * The clearing messages (national-interface.md §2): 3201 对总账 (its reader) and 3203 清算申请
 * (builder and reader). 3202 and the file transactions 9101/9102 are in files.ts.
 */

/** The input `data` of national transaction 3203 (reference/national-interface.md). */
export interface National3203Input {
  clr_type: ClrType;
  clr_way: '01';
  setlym: string;
  psntime: number;
  medfee_sumamt: string;
  med_sumfee: string;
  fund_appy_sum: string;
  cash_payamt: string;
  acct_pay: string;
  begndate: CalendarDate;
  enddate: CalendarDate;
}

/**
 * The 3203 fields for one claim line of `period`.
 * - clr_type: the line's 清算类别, 21 住院 when untyped; clr_way '01' 按项目 (stays and visits are settled by item).
 * - med_sumfee (医保认可费用总额) = medfee_sumamt: the claim input carries no in-scope amount per
 *   settlement, and hospital code in the field does the same (hsa-his, Hunan,
 *   InsureReckonBOImpl: `setMedSumfee(medfee_sumamt)`).
 * - begndate/enddate: the period's first and last day; when `settledOnById` is given and the
 *   line carries deferred items from earlier months, begndate moves back to the earliest of them
 *   so the range covers every settlement declared.
 */
export function national3203Input(period: string, line: ClaimLine, settledOnById?: ReadonlyMap<string, CalendarDate>): National3203Input {
  const p = parsePeriod(period);
  let begndate = firstDayOf(p);
  if (settledOnById) {
    for (const id of line.settlementIds) {
      const on = settledOnById.get(id);
      if (on !== undefined && on < begndate) begndate = on;
    }
  }
  return {
    clr_type: line.clr_type ?? '21',
    clr_way: '01',
    setlym: p.replace('-', ''),
    psntime: line.psntime,
    medfee_sumamt: line.medfee_sumamt,
    med_sumfee: line.medfee_sumamt,
    fund_appy_sum: line.fund_appy_sum,
    cash_payamt: line.cash_payamt,
    acct_pay: line.acct_pay,
    begndate,
    enddate: lastDayOf(p),
  };
}

// 3201
export function readStatement(output: JsonObject | null): { stmtRslt: '0' | '1'; dscr: string | null; setlOptins: string | null } {
  const s = objectAt(output, 'stmtinfo');
  const r = readText(s?.stmt_rslt);
  if (!s || (r !== '0' && r !== '1')) throw new AgencyMessageError('MALFORMED', '对总账结果缺少对账结果（stmt_rslt）');
  return { stmtRslt: r, dscr: readText(s.stmt_rslt_dscr), setlOptins: readText(s.setl_optins) };
}

// 3203: hsa-his reads output.result.clr_appy_evt_id, openhis-itaii output.clr_appy_evt_id.
export function readClaimAck(output: JsonObject | null): { clrAppyEvtId: string } {
  const direct = output?.clr_appy_evt_id;
  const id = readText(isObject(direct) ? direct.clr_appy_evt_id : direct) ?? readText(objectAt(output, 'result')?.clr_appy_evt_id);
  if (id === null) throw new AgencyMessageError('MALFORMED', '清算申请结果缺少清算申请事件ID（clr_appy_evt_id）');
  return { clrAppyEvtId: id };
}
