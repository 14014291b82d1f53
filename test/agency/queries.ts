import { readText, type JsonObject } from '../../shared/agency/envelope.ts';
import { FileRefusal, type FileTxContext } from './files.ts';

/**
 * The reference agency's stay queries (shared/agency/queries.ts): 5203 a settlement as it holds
 * it, 5204 the fee lines it received, 5303 the person's stays it sees in hospital — read from the
 * same store the other transactions write. Refusals are FileRefusal (a business refusal).
 */

function data(ctx: FileTxContext): JsonObject {
  const d = ctx.env.input.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new FileRefusal('交易输入缺少 data 节点');
  return d as JsonObject;
}

function need(d: JsonObject, f: string): string {
  const v = readText(d[f]);
  if (v === null) throw new FileRefusal(`data.${f} 不能为空`);
  return v;
}

interface SettlementRow { setl_id: string; kind: string; mdtrt_id: string; psn_no: string; setl_time: string; medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string; psn_cash_pay: string; setlinfo: string }

export function tx5203(ctx: FileTxContext): JsonObject {
  const d = data(ctx);
  const s = ctx.store.db.prepare('SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ? AND psn_no = ?').get(need(d, 'setl_id'), ctx.inst.code, need(d, 'psn_no')) as SettlementRow | undefined;
  if (!s) throw new FileRefusal(`结算信息不存在：${String(d.setl_id)}`);
  const reversed = ctx.store.db.prepare(`SELECT count(*) AS n FROM settlements WHERE kind = 'reversal' AND reverses = ?`).get(s.setl_id) as { n: number };
  return {
    setlinfo: {
      ...(JSON.parse(s.setlinfo) as JsonObject),
      setl_id: s.setl_id, mdtrt_id: s.mdtrt_id, psn_no: s.psn_no, setl_time: s.setl_time, medfee_sumamt: s.medfee_sumamt,
      fund_pay_sumamt: s.fund_pay_sumamt, acct_pay: s.acct_pay, psn_cash_pay: s.psn_cash_pay, refd_setl_flag: reversed.n > 0 ? '1' : '0',
    },
  };
}

export function tx5204(ctx: FileTxContext): JsonObject {
  const d = data(ctx);
  const mdtrtId = need(d, 'mdtrt_id');
  const adm = ctx.store.db.prepare('SELECT psn_no FROM admissions WHERE mdtrt_id = ? AND fixmedins_code = ?').get(mdtrtId, ctx.inst.code) as { psn_no: string } | undefined;
  if (!adm || adm.psn_no !== need(d, 'psn_no')) throw new FileRefusal(`就诊信息不存在：${mdtrtId}`);
  const rows = ctx.store.db.prepare('SELECT feedetl_sn, med_list_codg, det_item_fee_sumamt, cnt, pric FROM fee_details WHERE mdtrt_id = ? ORDER BY id').all(mdtrtId) as JsonObject[];
  return { feedetail: rows };
}

export function tx5303(ctx: FileTxContext): JsonObject {
  const psn = need(data(ctx), 'psn_no');
  const rows = ctx.store.db.prepare(`SELECT mdtrt_id, ipt_no, begntime, insutype, med_type FROM admissions WHERE psn_no = ? AND fixmedins_code = ? AND status = 'admitted' ORDER BY id`).all(psn, ctx.inst.code) as JsonObject[];
  return { data: rows };
}

export const QUERY_TRANSACTIONS: Record<string, (ctx: FileTxContext) => JsonObject> = { '5203': tx5203, '5204': tx5204, '5303': tx5303 };
