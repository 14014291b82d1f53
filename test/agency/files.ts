import type http from 'node:http';
import type Database from 'better-sqlite3';
import { expectedEntry, readZip, writeZip, ZipError } from '../../electron/agency/zip.ts';
import { readAmount, readDate, readText, type JsonObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readDetailFile, resultFileText, type DetailRow, type ResultRow } from '../../shared/agency/files.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import type { AgencyProfile } from './gateway.ts';

/**
 * The reference agency's file transactions (docs/reconciliation.md): 9101 keeps an uploaded ZIP
 * under a new file_qury_no, 9102 gives it back — as raw bytes with `Range` (tif, plain: a cut
 * download resumes) or inside the encrypted envelope (gm, whole only) — and 3202 reads the
 * hospital's detail file, compares it with the agency's settlements and answers a result file to
 * fetch with 9102. Its refusals are FileRefusal; server.ts turns them into business refusals.
 */

export class FileRefusal extends Error {}

export interface FileTxContext {
  env: RequestEnvelope;
  inst: { code: string; admdvs: string };
  store: { db: Database.Database };
  now: Date;
}

/** Bounds of what the agency keeps: a ZIP and the text inside it. */
export const AGENCY_MAX_ZIP_BYTES = 8 * 1024 * 1024;
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

export const FILES_SCHEMA = `
CREATE TABLE IF NOT EXISTS agency_files (
  file_qury_no TEXT PRIMARY KEY,
  fixmedins_code TEXT NOT NULL,
  filename TEXT NOT NULL,
  bytes BLOB NOT NULL,
  created_at TEXT NOT NULL
);`;

function node(env: RequestEnvelope, name: string): JsonObject {
  const v = env.input[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FileRefusal(`交易输入缺少 ${name} 节点`);
  return v as JsonObject;
}

function required(o: JsonObject, f: string, where: string): string {
  const v = readText(o[f]);
  if (v === null) throw new FileRefusal(`${where}.${f} 不能为空`);
  return v;
}

export function keepFile(ctx: FileTxContext, filename: string, bytes: Buffer): string {
  ctx.store.db.exec(FILES_SCHEMA);
  // The serial comes from the store, so numbers stay unique across restarts on a pinned clock.
  const serial = (ctx.store.db.prepare('SELECT coalesce(max(rowid), 0) + 1 AS n FROM agency_files').get() as { n: number }).n;
  const no = `F${ctx.inst.admdvs}${ctx.now.getTime()}${String(serial).padStart(6, '0')}`;
  ctx.store.db.prepare('INSERT INTO agency_files (file_qury_no, fixmedins_code, filename, bytes, created_at) VALUES (?, ?, ?, ?, ?)').run(no, ctx.inst.code, filename, bytes, ctx.now.toISOString());
  return no;
}

function fileOf(ctx: FileTxContext, no: string): { filename: string; bytes: Buffer } {
  ctx.store.db.exec(FILES_SCHEMA);
  const row = ctx.store.db.prepare('SELECT filename, bytes FROM agency_files WHERE file_qury_no = ? AND fixmedins_code = ?').get(no, ctx.inst.code) as { filename: string; bytes: Buffer } | undefined;
  if (!row) throw new FileRefusal(`文件查询号（file_qury_no）${no} 不存在或不属于本机构`);
  return row;
}

/** `in` as Base64 text or an array of byte values (what a Java gateway reads into byte[]). */
function bytesOf(v: unknown): Buffer {
  if (typeof v === 'string' && v !== '' && /^[A-Za-z0-9+/=\s]+$/.test(v)) return Buffer.from(v, 'base64');
  if (Array.isArray(v) && v.length > 0 && v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= -128 && b <= 255)) return Buffer.from(v.map((b) => (b as number) & 0xff));
  throw new FileRefusal('fsUploadIn.in 应为文件内容（Base64 或字节数组）');
}

function checkedZip(bytes: Buffer, what: string): ReturnType<typeof readZip> {
  if (bytes.length > AGENCY_MAX_ZIP_BYTES) throw new FileRefusal(`${what}超过 ${AGENCY_MAX_ZIP_BYTES} 字节`);
  try {
    return readZip(bytes, { maxEntryBytes: MAX_ENTRY_BYTES });
  } catch (e) {
    if (e instanceof ZipError) throw new FileRefusal(`${what}不是有效的 ZIP 文件：${e.message}`);
    throw e;
  }
}

export function tx9101(ctx: FileTxContext): JsonObject {
  const d = node(ctx.env, 'fsUploadIn');
  const filename = required(d, 'filename', 'fsUploadIn');
  if (required(d, 'fixmedins_code', 'fsUploadIn') !== ctx.inst.code) throw new FileRefusal('fsUploadIn.fixmedins_code 与本机构不一致');
  const bytes = bytesOf(d.in);
  checkedZip(bytes, '上传文件');
  return { file_qury_no: keepFile(ctx, filename, bytes), filename };
}

export function tx9102(ctx: FileTxContext): JsonObject {
  const d = node(ctx.env, 'fsDownloadIn');
  if (required(d, 'fixmedins_code', 'fsDownloadIn') !== ctx.inst.code) throw new FileRefusal('fsDownloadIn.fixmedins_code 与本机构不一致');
  const f = fileOf(ctx, required(d, 'file_qury_no', 'fsDownloadIn'));
  return { file_qury_no: d.file_qury_no, filename: f.filename, file_size: f.bytes.length, in: f.bytes.toString('base64') };
}

interface AgencySettlement {
  setl_id: string;
  kind: 'settle' | 'reversal';
  mdtrt_id: string;
  psn_no: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  msgid: string;
}

function amountOf(d: JsonObject, f: string): Decimal {
  let v: Decimal | null;
  try {
    v = readAmount(d[f], f);
  } catch {
    v = null;
  }
  if (v === null) throw new FileRefusal(`data.${f} 应为金额`);
  return v;
}

/** 3202 对明细账: the hospital's detail file against the agency's settlements of the days. */
export function tx3202(ctx: FileTxContext): JsonObject {
  const d = node(ctx.env, 'data');
  const begin = readDate(d.stmt_begndate);
  const end = readDate(d.stmt_enddate);
  if (!begin || !end || begin > end) throw new FileRefusal('对账起止日期（stmt_begndate / stmt_enddate）不正确');
  const f = fileOf(ctx, required(d, 'file_qury_no', 'data'));
  let rows: DetailRow[];
  try {
    const entry = expectedEntry(checkedZip(f.bytes, '对账明细文件'));
    rows = readDetailFile(Buffer.from(entry.data).toString('utf8'));
  } catch (e) {
    if (e instanceof FileRefusal) throw e;
    throw new FileRefusal(`对账明细文件无法读取：${e instanceof Error ? e.message : String(e)}`);
  }
  // The totals sent must be those of the file: a file and totals from different runs are refused.
  const medfee = sum(rows.map((r) => new Decimal(r.medfee_sumamt)));
  const fund = sum(rows.map((r) => new Decimal(r.fund_pay_sumamt)));
  if (!medfee.eq(amountOf(d, 'medfee_sumamt')) || !fund.eq(amountOf(d, 'fund_pay_sumamt')) || String(rows.length) !== String(d.fixmedins_setl_cnt)) {
    throw new FileRefusal(`对账明细文件与报送的合计不一致（文件 ${rows.length} 笔，医疗费 ${toText(medfee)}，基金 ${toText(fund)}）`);
  }
  // Per 清算类别 (clr_type, national-interface.md 3202) when the request names one: outpatient (11) and stays (21) apart.
  const clrType = readText(d.clr_type);
  const ours = ctx.store.db.prepare(`SELECT setl_id, kind, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, msgid FROM settlements WHERE fixmedins_code = ? AND setl_date BETWEEN ? AND ?${clrType ? ' AND clr_type = ?' : ''} ORDER BY id`)
    .all(...[ctx.inst.code, begin, end, ...(clrType ? [clrType] : [])]) as AgencySettlement[];
  const bySetl = new Map(ours.map((s) => [s.setl_id, s]));
  const seen = new Set<string>();
  const result: ResultRow[] = [];
  for (const r of rows) {
    const s = bySetl.get(r.setl_id);
    if (!s) {
      result.push({ psn_no: r.psn_no, mdtrt_id: r.mdtrt_id, setl_id: r.setl_id, msgid: '', stmt_rslt: '1', refd_setl_flag: r.refd_setl_flag, memo: '经办机构无此结算记录' });
      continue;
    }
    seen.add(s.setl_id);
    const diffs: string[] = [];
    const cmp = (label: string, hosp: string, agency: string): void => {
      if (!new Decimal(hosp).eq(new Decimal(agency))) diffs.push(`${label} 经办机构 ${agency} 医院 ${hosp}`);
    };
    cmp('医疗费总额', r.medfee_sumamt, s.medfee_sumamt);
    cmp('基金支付总额', r.fund_pay_sumamt, s.fund_pay_sumamt);
    cmp('个人账户支出', r.acct_pay, s.acct_pay);
    const flag = s.kind === 'reversal' ? '1' : '0';
    if (flag !== r.refd_setl_flag) diffs.push(`退费结算标志 经办机构 ${flag} 医院 ${r.refd_setl_flag}`);
    result.push({ psn_no: s.psn_no, mdtrt_id: s.mdtrt_id, setl_id: s.setl_id, msgid: s.msgid, stmt_rslt: diffs.length === 0 ? '0' : '1', refd_setl_flag: flag, memo: diffs.length === 0 ? '' : `金额不符：${diffs.join('；')}` });
  }
  for (const s of ours) {
    if (seen.has(s.setl_id)) continue;
    result.push({ psn_no: s.psn_no, mdtrt_id: s.mdtrt_id, setl_id: s.setl_id, msgid: s.msgid, stmt_rslt: '1', refd_setl_flag: s.kind === 'reversal' ? '1' : '0', memo: '医院未上报此结算（经办机构有记录）' });
  }
  const name = `${ctx.inst.code}_${begin.replace(/-/g, '')}_3202_result.txt`;
  const zip = writeZip([{ name, data: Buffer.from(resultFileText(result), 'utf8') }], ctx.now);
  const no = keepFile(ctx, `${name}.zip`, zip);
  return { fileinfo: { file_qury_no: no, filename: `${name}.zip`, dld_endtime: null }, stmtinfo: { stmt_rslt: result.every((r) => r.stmt_rslt === '0') ? '0' : '1', setl_cnt: result.length } };
}

/**
 * A 9102 answered on tif or plain: the file itself (application/zip), `Range: bytes=N-` honoured
 * with a 206, `accept-ranges: bytes` said. Returns false when the answer is not a file to send
 * so (gm, a refusal, another transaction): the caller sends the envelope as usual.
 */
export function sendFileAnswer(req: http.IncomingMessage, res: http.ServerResponse, profile: AgencyProfile, infno: string | null, answerText: string, delivery: 'whole' | 'half' | 'none'): boolean {
  if (profile === 'gm' || infno !== '9102') return false;
  let answer: JsonObject;
  try {
    answer = JSON.parse(answerText) as JsonObject;
  } catch {
    return false;
  }
  const out = answer.output as JsonObject | null | undefined;
  if (answer.infcode !== 0 || typeof out !== 'object' || out === null || typeof out.in !== 'string') return false;
  const bytes = Buffer.from(out.in, 'base64');
  const m = /^bytes=(\d+)-$/.exec(typeof req.headers.range === 'string' ? req.headers.range.trim() : '');
  const start = m ? Number(m[1]) : 0;
  if (delivery === 'none') {
    res.socket?.destroy();
    res.destroy();
    return true;
  }
  const headers: Record<string, string> = {
    'content-type': 'application/zip',
    'accept-ranges': 'bytes',
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(String(out.filename ?? 'file.zip'))}`,
  };
  if (m && start >= bytes.length) {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.length}` });
    res.end();
    return true;
  }
  const body = bytes.subarray(start);
  res.writeHead(m ? 206 : 200, { ...headers, 'content-length': String(body.length), ...(m ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
  if (delivery === 'half') {
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
    return true;
  }
  res.end(body);
  return true;
}
