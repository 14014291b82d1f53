import { infTimeCST, readAmount, readText, type JsonObject } from '../../shared/agency/envelope.ts';
import { SETTLEMENT_AMOUNT_FIELDS } from '../../shared/agency/settlement.ts';
import { SCHEMES, type Scheme } from '../../shared/codes.ts';
import { todayCST } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { Decimal, sum, toText, ZERO } from '../../shared/money.ts';
import { computeOutpatient, outpatientGroup, outpatientPolicyOf } from '../../shared/outpatient.ts';
import { engineLine, enginePolicy, pickPolicy, settleGroupOf } from '../../shared/settlementFlow.ts';
import { parsePolicy, splitLine } from '../../shared/settlement.ts';
import {
  amountOf, catalogueItemOf, decimalOf, Failure, findPerson, listOf, need, nextSeq, nodeOf, registrationOf, requirePsnRegion, serial, text,
  type CatalogueRow, type PersonRow, type SettlementRow, type TxContext,
} from './server.ts';

/**
 * The reference agency's outpatient transactions (issue 16 §6): 2201 挂号 → 2203 就诊信息 →
 * 2204 费用明细 per 收费批次 → 2206 预结算 / 2207 结算 → 2208 结算撤销, 2205 明细撤销, 2202 挂号撤销.
 * Every write is to tables in the undo log (outpatientSchema.ts, `settlements`), so 2601 takes
 * each back. The money is shared/outpatient.ts over the lines split with the shared engine's
 * splitLine and the insured region's policy (`outpatient` block) picked as for a stay.
 */

interface VisitRow {
  mdtrt_id: string;
  psn_no: string;
  insuplc_admdvs: string;
  insutype: string;
  ipt_otp_no: string;
  begntime: string;
  status: 'registered' | 'cancelled';
  mdtrtinfo: string | null;
  diseinfo: string | null;
}

function findVisit(ctx: TxContext, mdtrtId: string, psnNo: string): VisitRow {
  const v = ctx.store.db.prepare('SELECT * FROM otp_visits WHERE mdtrt_id = ? AND fixmedins_code = ?').get(mdtrtId, ctx.inst.code) as VisitRow | undefined;
  if (!v) throw new Failure(`门诊就诊ID不存在：${mdtrtId}`);
  if (v.psn_no !== psnNo) throw new Failure('人员编号与就诊信息不一致');
  if (v.status === 'cancelled') throw new Failure(`该门诊挂号已撤销：就诊ID ${mdtrtId}`);
  return v;
}

/** Settlements of the visit not taken back by a 2208, with the batches each settled. */
function activeSettlements(ctx: TxContext, mdtrtId: string): (SettlementRow & { chrg_bchnos: string | null })[] {
  return ctx.store.db.prepare(`SELECT * FROM settlements s WHERE s.mdtrt_id = ? AND s.kind = 'settle' AND s.clr_type = '11'
    AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.kind = 'reversal' AND r.reverses = s.setl_id)`).all(mdtrtId) as (SettlementRow & { chrg_bchnos: string | null })[];
}

function settledBatches(ctx: TxContext, mdtrtId: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of activeSettlements(ctx, mdtrtId)) for (const b of JSON.parse(s.chrg_bchnos ?? '[]') as string[]) out.set(b, s.setl_id);
  return out;
}

/** 2201 门诊挂号: a visit and its mdtrt_id. */
export function tx2201(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no', 'insutype', 'begntime', 'mdtrt_cert_type', 'mdtrt_cert_no', 'ipt_otp_no', 'dept_code', 'dept_name'], 'data');
  requirePsnRegion(ctx.env);
  const psnNo = text(d, 'psn_no');
  const person = findPerson(ctx.store, psnNo);
  if (!person) throw new Failure(`人员编号不存在：${psnNo}`);
  const insutype = text(d, 'insutype');
  if (!(JSON.parse(person.insuinfo) as JsonObject[]).some((i) => i.insutype === insutype)) throw new Failure(`该人员未参加险种 ${insutype}`);
  const otpNo = text(d, 'ipt_otp_no');
  const db = ctx.store.db;
  const dup = db.prepare(`SELECT mdtrt_id FROM otp_visits WHERE fixmedins_code = ? AND ipt_otp_no = ? AND status <> 'cancelled'`).get(ctx.inst.code, otpNo) as { mdtrt_id: string } | undefined;
  if (dup) throw new Failure(`门诊号已挂号：${otpNo}（就诊ID ${dup.mdtrt_id}）`);
  const mdtrtId = `${ctx.inst.admdvs}M${serial(nextSeq(ctx.store, 'otp_visits'), 11)}`;
  db.prepare(`INSERT INTO otp_visits (mdtrt_id, fixmedins_code, psn_no, insuplc_admdvs, insutype, ipt_otp_no, begntime, status, registration, msgid)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?)`).run(mdtrtId, ctx.inst.code, psnNo, ctx.env.insuplc_admdvs, insutype, otpNo, text(d, 'begntime'), JSON.stringify(d), ctx.env.msgid);
  return { data: { mdtrt_id: mdtrtId, psn_no: psnNo, ipt_otp_no: otpNo, exp_content: '' } };
}

/** 2202 门诊挂号撤销: refused while a settlement of the visit stands. */
export function tx2202(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no', 'mdtrt_id'], 'data');
  requirePsnRegion(ctx.env);
  const v = findVisit(ctx, text(d, 'mdtrt_id'), text(d, 'psn_no'));
  const open = activeSettlements(ctx, v.mdtrt_id)[0];
  if (open) throw new Failure(`该门诊已结算（结算ID ${open.setl_id}），不能撤销挂号，请先撤销结算`);
  ctx.store.db.prepare(`UPDATE otp_visits SET status = 'cancelled' WHERE mdtrt_id = ?`).run(v.mdtrt_id);
  return {};
}

/** 2203 就诊信息上传: med_type, the disease and the diagnoses; at least one 西医 diagnosis. */
export function tx2203(ctx: TxContext): JsonObject {
  const m = nodeOf(ctx.env, 'mdtrtinfo');
  need(m, ['mdtrt_id', 'psn_no', 'med_type', 'begntime'], 'mdtrtinfo');
  requirePsnRegion(ctx.env);
  const v = findVisit(ctx, text(m, 'mdtrt_id'), text(m, 'psn_no'));
  const medType = text(m, 'med_type');
  if (!['11', '13', '14'].includes(medType)) throw new Failure(`医疗类别（med_type）${medType} 不是本机构可办理的门诊类别（11 普通门诊、13 急诊、14 门诊慢特病）`);
  if (medType === '14' && readText(m.dise_codg) === null) throw new Failure('门诊慢特病（med_type 14）须填写病种编码（dise_codg）');
  const dise = listOf(ctx.env, 'diseinfo');
  dise.forEach((x, i) => need(x, ['diag_type', 'diag_srt_no', 'diag_code', 'diag_name'], `diseinfo 第 ${i + 1} 条`));
  if (!dise.some((x) => text(x, 'diag_type') === '1')) throw new Failure('诊断信息（diseinfo）缺少西医诊断（diag_type 1）');
  if (activeSettlements(ctx, v.mdtrt_id).length > 0) throw new Failure('该门诊已结算，不能修改就诊信息，请先撤销结算');
  ctx.store.db.prepare('UPDATE otp_visits SET mdtrtinfo = ?, diseinfo = ? WHERE mdtrt_id = ?').run(JSON.stringify(m), JSON.stringify(dise), v.mdtrt_id);
  return {};
}

const OTP_FEE_REQUIRED = ['feedetl_sn', 'mdtrt_id', 'psn_no', 'chrg_bchno', 'fee_ocur_time', 'med_list_codg', 'medins_list_codg',
  'det_item_fee_sumamt', 'cnt', 'pric', 'bilg_dept_codg', 'bilg_dept_name', 'bilg_dr_codg', 'bilg_dr_name'] as const;

/** 2204 门诊费用明细上传: the lines of one or more 收费批次, answered with each line's split (as 2301). */
export function tx2204(ctx: TxContext): JsonObject {
  const lines = listOf(ctx.env, 'feedetail');
  requirePsnRegion(ctx.env);
  const db = ctx.store.db;
  const insert = db.prepare('INSERT INTO otp_fees (mdtrt_id, chrg_bchno, feedetl_sn, det_item_fee_sumamt, line, msgid) VALUES (?, ?, ?, ?, ?, ?)');
  const seen = new Set<string>();
  const result = lines.map((line, i) => {
    const where = `feedetail 第 ${i + 1} 条`;
    need(line, OTP_FEE_REQUIRED, where);
    const v = findVisit(ctx, text(line, 'mdtrt_id'), text(line, 'psn_no'));
    if (v.mdtrtinfo === null) throw new Failure(`${where}：该门诊尚未上传就诊信息（2203），不能上传费用`);
    const batch = text(line, 'chrg_bchno');
    const settled = settledBatches(ctx, v.mdtrt_id).get(batch);
    if (settled) throw new Failure(`${where}：收费批次 ${batch} 已结算（结算ID ${settled}），不能再上传费用`);
    const sn = text(line, 'feedetl_sn');
    if (seen.has(`${v.mdtrt_id}/${sn}`) || db.prepare('SELECT 1 FROM otp_fees WHERE mdtrt_id = ? AND feedetl_sn = ?').get(v.mdtrt_id, sn)) throw new Failure(`${where}：费用明细流水号重复：${sn}`);
    seen.add(`${v.mdtrt_id}/${sn}`);
    const amount = amountOf(line, 'det_item_fee_sumamt', where)!;
    const cnt = decimalOf(line, 'cnt', where);
    const pric = decimalOf(line, 'pric', where);
    insert.run(v.mdtrt_id, batch, sn, toText(amount), JSON.stringify(line), ctx.env.msgid);
    const item = catalogueOf(ctx, text(line, 'med_list_codg'));
    // The hospital region splits each line by its own catalogue (004 第三十六条(一)), with the shared engine's line rule.
    const split = splitLine(lineFor(line, item));
    return {
      feedetl_sn: sn, chrg_bchno: batch, det_item_fee_sumamt: toText(amount), cnt: cnt.toString(), pric: pric.toString(),
      inscp_scp_amt: toText(split.in), preselfpay_amt: toText(split.pre), overlmt_amt: toText(split.over), fulamt_ownpay_amt: toText(split.full),
      pric_uplmt_amt: item?.pric_uplmt_amt ?? null, selfpay_prop: item?.selfpay_prop ?? '1', chrgitm_lv: item?.chrgitm_lv ?? '03',
      med_chrgitm_type: item?.med_chrgitm_type ?? '14', memo: item ? '' : '目录外项目，按全自费处理',
    };
  });
  return { result };
}

function catalogueOf(ctx: TxContext, code: string): CatalogueRow | undefined {
  return ctx.store.db.prepare('SELECT * FROM catalogue WHERE med_list_codg = ? ORDER BY id DESC LIMIT 1').get(code) as CatalogueRow | undefined;
}

function lineFor(line: JsonObject, item: CatalogueRow | undefined) {
  const code = text(line, 'med_list_codg');
  return engineLine({
    feedetlSn: text(line, 'feedetl_sn'), medListCodg: code, name: text(line, 'medins_list_codg') || code,
    cnt: decimalOf(line, 'cnt', 'feedetail').toString(), pric: decimalOf(line, 'pric', 'feedetail').toString(),
    amount: toText(amountOf(line, 'det_item_fee_sumamt', 'feedetail')!),
    // UNVERIFIED: hosp_appr_flag "2" read as 审批不通过 — the patient pays the line in full (as 2301).
    selfPay: text(line, 'hosp_appr_flag') === '2', item: item ? catalogueItemOf(item) : null,
  });
}

/** 2205 门诊费用明细撤销: one batch, or "0000" = every batch not settled. A settled batch needs its 2208 first. */
export function tx2205(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['mdtrt_id', 'chrg_bchno', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const v = findVisit(ctx, text(d, 'mdtrt_id'), text(d, 'psn_no'));
  const batch = text(d, 'chrg_bchno');
  const settled = settledBatches(ctx, v.mdtrt_id);
  const db = ctx.store.db;
  if (batch === '0000') {
    if (settled.size > 0) throw new Failure(`该门诊有已结算的收费批次（${[...settled.keys()].join('、')}），请先撤销结算（2208）`);
    if (db.prepare('DELETE FROM otp_fees WHERE mdtrt_id = ?').run(v.mdtrt_id).changes === 0) throw new Failure(`该门诊没有可撤销的费用明细：就诊ID ${v.mdtrt_id}`);
    return {};
  }
  const s = settled.get(batch);
  if (s) throw new Failure(`收费批次 ${batch} 已结算（结算ID ${s}），请先撤销结算（2208）`);
  if (db.prepare('DELETE FROM otp_fees WHERE mdtrt_id = ? AND chrg_bchno = ?').run(v.mdtrt_id, batch).changes === 0) throw new Failure(`收费批次不存在：${batch}（就诊ID ${v.mdtrt_id}）`);
  return {};
}

export interface SeedChronicInput {
  psnNo: string;
  code: string;
  name: string;
  begndate: string;
  enddate?: string | null;
  /** The disease's limits, where the region answers them (UNVERIFIED names): per year and per visit. */
  lmtAmt?: string | null;
  sinLmtAmt?: string | null;
}

/** A 门诊慢特病 registration as the insured region holds it (5301). */
export function seedChronicRegistration(db: TxContext['store']['db'], r: SeedChronicInput): void {
  db.prepare('INSERT INTO chronic_registrations (psn_no, opsp_dise_code, opsp_dise_name, begndate, enddate, lmt_amt, sin_lmt_amt) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(r.psnNo, r.code, r.name, r.begndate, r.enddate ?? null, r.lmtAmt ?? null, r.sinLmtAmt ?? null);
}

type ChronicRow = { opsp_dise_code: string; opsp_dise_name: string; begndate: string; enddate: string | null; lmt_amt?: string; sin_lmt_amt?: string };

/** The registrations valid on the day; a limit is answered only where the region holds one (no key otherwise). */
function chronicOn(ctx: TxContext, psnNo: string, day: string): ChronicRow[] {
  const rows = ctx.store.db.prepare(`SELECT opsp_dise_code, opsp_dise_name, begndate, enddate, lmt_amt, sin_lmt_amt FROM chronic_registrations WHERE psn_no = ? AND begndate <= ? AND (enddate IS NULL OR enddate >= ?) ORDER BY id`)
    .all(psnNo, day, day) as { opsp_dise_code: string; opsp_dise_name: string; begndate: string; enddate: string | null; lmt_amt: string | null; sin_lmt_amt: string | null }[];
  return rows.map(({ lmt_amt, sin_lmt_amt, ...r }) => ({ ...r, ...(lmt_amt !== null ? { lmt_amt } : {}), ...(sin_lmt_amt !== null ? { sin_lmt_amt } : {}) }));
}

/**
 * 5301 人员慢特病备案查询 (national-interface.md sequence; output field names UNVERIFIED, as the public
 * modules read them: feedetail[]{opsp_dise_code, opsp_dise_name, begndate, enddate}). A query.
 */
export function tx5301(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no'], 'data');
  requirePsnRegion(ctx.env);
  if (!findPerson(ctx.store, text(d, 'psn_no'))) throw new Failure(`人员编号不存在：${text(d, 'psn_no')}`);
  return { feedetail: chronicOn(ctx, text(d, 'psn_no'), todayCST(ctx.now)) };
}

const OTP_SETTLE_REQUIRED = ['psn_no', 'mdtrt_cert_type', 'mdtrt_cert_no', 'med_type', 'medfee_sumamt', 'psn_setlway', 'mdtrt_id', 'insutype', 'acct_used_flag'] as const;

/** This year's outpatient deductible met and pool paid by the person's other outpatient settlements, net of refunds. */
function outpatientYear(ctx: TxContext, psnNo: string, insutype: string, year: string): { dedc: Decimal; pool: Decimal } {
  // A refund counts in the year of the settlement it refunds (a 跨年 refund gives back last year's, 004 第四十五条).
  const rows = ctx.store.db.prepare(`SELECT s.setlinfo FROM settlements s LEFT JOIN settlements o ON o.setl_id = s.reverses
    WHERE s.psn_no = ? AND s.insutype = ? AND s.clr_type = '11' AND substr(coalesce(o.setl_date, s.setl_date), 1, 4) = ?`).all(psnNo, insutype, year) as { setlinfo: string }[];
  const of = (f: string) => sum(rows.map((r) => readAmount((JSON.parse(r.setlinfo) as { setlinfo: JsonObject }).setlinfo[f]) ?? ZERO));
  return { dedc: of('act_pay_dedc'), pool: of('hifp_pay') };
}

/** The agency's 2206/2207 answer from its own books (never the desk's amounts). */
function computeVisit(ctx: TxContext, setlId: string | null): { out: { setlinfo: JsonObject; setldetail: JsonObject[] }; batches: string[]; v: VisitRow } {
  const d = nodeOf(ctx.env, 'data');
  need(d, OTP_SETTLE_REQUIRED, 'data');
  requirePsnRegion(ctx.env);
  const v = findVisit(ctx, text(d, 'mdtrt_id'), text(d, 'psn_no'));
  if (v.mdtrtinfo === null) throw new Failure('该门诊尚未上传就诊信息（2203），不能结算');
  const info = JSON.parse(v.mdtrtinfo) as JsonObject;
  const medType = text(info, 'med_type');
  if (text(d, 'med_type') !== medType) throw new Failure(`医疗类别（med_type）${text(d, 'med_type')} 与就诊信息的 ${medType} 不一致`);
  const person = findPerson(ctx.store, v.psn_no) as PersonRow;
  // 门诊慢特病: only for a disease the person is registered for on the day (issue 16 §2).
  if (medType === '14' && !chronicOn(ctx, v.psn_no, todayCST(ctx.now)).some((c) => c.opsp_dise_code === text(info, 'dise_codg'))) {
    throw new Failure(`该参保人无病种 ${text(info, 'dise_codg')} 的有效门诊慢特病备案，不能按门诊慢特病结算`);
  }
  const settled = settledBatches(ctx, v.mdtrt_id);
  const only = readText(d.chrg_bchno);
  const rows = (ctx.store.db.prepare('SELECT chrg_bchno, line FROM otp_fees WHERE mdtrt_id = ? ORDER BY id').all(v.mdtrt_id) as { chrg_bchno: string; line: string }[])
    .filter((r) => !settled.has(r.chrg_bchno) && (only === null || r.chrg_bchno === only));
  if (rows.length === 0) throw new Failure(only === null ? '该门诊没有未结算的费用明细（2204），不能结算' : `收费批次 ${only} 没有未结算的费用明细`);
  const fees = rows.map((r) => {
    const line = JSON.parse(r.line) as JsonObject;
    return lineFor(line, catalogueOf(ctx, text(line, 'med_list_codg')));
  });
  const total = sum(fees.map((f) => f.amount));
  const sent = amountOf(d, 'medfee_sumamt', 'data')!;
  if (!sent.eq(total)) throw new Failure(`医疗费总额（medfee_sumamt）${toText(sent)} 与已上传的费用明细合计 ${toText(total)} 不一致`);

  const day = todayCST(ctx.now);
  const policies = (ctx.store.db.prepare('SELECT * FROM policies WHERE insutype = ?').all(v.insutype) as { id: number; version: string; insuplc_admdvs: string; insutype: string; year: number; body: string }[])
    .map((p) => ({ id: p.id, version: p.version, insuplcAdmdvs: p.insuplc_admdvs, insutype: p.insutype, year: p.year, body: JSON.parse(p.body) as unknown }));
  const policy = pickPolicy(policies, { insuredRegion: v.insuplc_admdvs, insutype: v.insutype, dischargedOn: day });
  const otp = policy ? outpatientPolicyOf(policy.body) : null;
  if (!policy || !otp) throw new Failure(`未找到参保地 ${v.insuplc_admdvs} 险种 ${v.insutype} ${day.slice(0, 4)} 年度的门诊待遇政策`);
  const reg = registrationOf(ctx.store, person.certno);
  const emergency = medType === '13';
  // Registration rules as for a stay (004 第二十二条); an emergency counts as registered (第三十七条).
  if (!ctx.registrationExtension && !emergency && (!reg || reg.status !== 'active')) throw new Failure('该参保人无有效的异地就医备案信息，不能办理门诊异地就医直接结算');
  const group = outpatientGroup(reg && reg.status === 'active' ? settleGroupOf(reg.grp) : 'unregistered', emergency);
  const reduction = parsePolicy(enginePolicy(policy.body)).reduction[group];
  const insuinfo = (JSON.parse(person.insuinfo) as JsonObject[]).find((i) => i.insutype === v.insutype) ?? {};
  const year = outpatientYear(ctx, v.psn_no, v.insutype, day.slice(0, 4));
  let r;
  try {
    r = computeOutpatient({
      policy: otp, scheme: (SCHEMES as readonly string[]).includes(v.insutype) ? (v.insutype as Scheme) : '310',
      reduction, medType, deductibleUsedThisYear: year.dedc, poolPaidThisYear: year.pool,
      useAccount: text(d, 'acct_used_flag') === '1', accountBalance: readAmount(insuinfo.balc) ?? ZERO, fees,
    });
  } catch (e) {
    if (e instanceof InputError) throw new Failure(`结算计算失败：${e.message}`);
    throw e;
  }
  const setlinfo: JsonObject = {
    mdtrt_id: v.mdtrt_id, ...(setlId !== null ? { setl_id: setlId } : {}),
    psn_no: person.psn_no, psn_name: person.psn_name, psn_cert_type: person.psn_cert_type, certno: person.certno, gend: person.gend, naty: person.naty, brdy: person.brdy,
    insutype: v.insutype, psn_type: readText(insuinfo.psn_type) ?? '', cvlserv_flag: readText(insuinfo.cvlserv_flag) ?? '0', med_type: medType,
    mdtrt_cert_type: text(d, 'mdtrt_cert_type'), setl_time: infTimeCST(ctx.now),
    medfee_sumamt: toText(r.medfee_sumamt), fulamt_ownpay_amt: toText(r.fulamt_ownpay_amt), overlmt_selfpay: toText(r.overlmt_selfpay), preselfpay_amt: toText(r.preselfpay_amt),
    inscp_scp_amt: toText(r.inscp_scp_amt), act_pay_dedc: toText(r.act_pay_dedc), hifp_pay: toText(r.hifp_pay), pool_prop_selfpay: r.pool_prop_selfpay.toFixed(4),
    cvlserv_pay: '0.00', hifes_pay: '0.00', hifmi_pay: '0.00', hifob_pay: '0.00', maf_pay: '0.00', hosp_part_amt: '0.00', oth_pay: '0.00',
    fund_pay_sumamt: toText(r.fund_pay_sumamt), psn_part_amt: toText(r.psn_part_amt), acct_pay: toText(r.acct_pay), psn_cash_pay: toText(r.psn_cash_pay),
    balc: toText((readAmount(insuinfo.balc) ?? ZERO).minus(r.acct_pay)), medins_setl_id: ctx.env.msgid, clr_optins: ctx.inst.admdvs, clr_way: '01', clr_type: '11',
    policy_version: policy.version,
  };
  const setldetail = r.setldetail.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt), inscp_scp_amt: toText(r.inscp_scp_amt), crt_payb_lmt_amt: null, setl_proc_info: null }));
  return { out: { setlinfo, setldetail }, batches: [...new Set(rows.map((x) => x.chrg_bchno))], v };
}

/** 2206 门诊预结算: the same computation, nothing stored. */
export function tx2206(ctx: TxContext): JsonObject {
  return computeVisit(ctx, null).out;
}

/** 2207 门诊结算: a settlement of the visit's unsettled lines (or of one batch), with a setl_id. */
export function tx2207(ctx: TxContext): JsonObject {
  const setlId = `${ctx.inst.admdvs}S${serial(nextSeq(ctx.store, 'settlements'), 11)}`;
  const { out, batches, v } = computeVisit(ctx, setlId);
  const s = out.setlinfo;
  const amt = (f: string): string => (typeof s[f] === 'string' ? (s[f] as string) : '0.00');
  ctx.store.db.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid, clr_type, chrg_bchnos)
    VALUES (?, 'settle', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '11', ?)`).run(
    setlId, ctx.inst.code, v.mdtrt_id, v.psn_no, v.insutype, infTimeCST(ctx.now), todayCST(ctx.now),
    amt('medfee_sumamt'), amt('fund_pay_sumamt'), amt('acct_pay'), amt('psn_cash_pay'), JSON.stringify(out), ctx.env.msgid, JSON.stringify(batches),
  );
  return out;
}

/**
 * 2208 门诊结算撤销 (national-interface.md: setl_id, mdtrt_id, psn_no): any earlier settlement of the
 * visit, not only the last (隔笔, 004 第四十五条), one of an earlier year (跨年) and one already
 * claimed or cleared (清算后: a record of its own date, declared in the claim of its own period).
 * Its batches are free again for 2205 and a new 2207.
 */
export function tx2208(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['setl_id', 'mdtrt_id', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const db = ctx.store.db;
  const s = db.prepare(`SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ? AND kind = 'settle' AND clr_type = '11'`).get(text(d, 'setl_id'), ctx.inst.code) as (SettlementRow & { chrg_bchnos: string | null }) | undefined;
  if (!s || s.mdtrt_id !== text(d, 'mdtrt_id')) throw new Failure(`门诊结算ID不存在：${text(d, 'setl_id')}`);
  if (s.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与结算信息不一致');
  const done = db.prepare(`SELECT setl_id FROM settlements WHERE kind = 'reversal' AND reverses = ?`).get(s.setl_id) as { setl_id: string } | undefined;
  if (done) throw new Failure(`该结算已撤销（撤销结算ID ${done.setl_id}）`);
  const original = JSON.parse(s.setlinfo) as { setlinfo: JsonObject; setldetail: JsonObject[] };
  const setlId = `${ctx.inst.admdvs}S${serial(nextSeq(ctx.store, 'settlements'), 11)}`;
  const negate = (x: unknown): unknown => (typeof x === 'string' && /^-?\d+\.\d{2}$/.test(x) ? toText(new Decimal(x).negated()) : x);
  const setlinfo: JsonObject = { ...original.setlinfo, setl_id: setlId, setl_time: infTimeCST(ctx.now), medins_setl_id: ctx.env.msgid };
  for (const f of SETTLEMENT_AMOUNT_FIELDS) if (f !== 'balc' && f in setlinfo) setlinfo[f] = negate(setlinfo[f]);
  const setldetail = original.setldetail.map((x) => ({ ...x, fund_payamt: negate(x.fund_payamt), inscp_scp_amt: negate(x.inscp_scp_amt) }));
  const neg = (t: string): string => toText(new Decimal(t).negated());
  db.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid, clr_type, chrg_bchnos)
    VALUES (?, 'reversal', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '11', ?)`).run(
    setlId, s.setl_id, ctx.inst.code, s.mdtrt_id, s.psn_no, s.insutype, infTimeCST(ctx.now), todayCST(ctx.now),
    neg(s.medfee_sumamt), neg(s.fund_pay_sumamt), neg(s.acct_pay), neg(s.psn_cash_pay), JSON.stringify({ setlinfo, setldetail }), ctx.env.msgid, s.chrg_bchnos,
  );
  return { setlinfo, setldetail };
}

