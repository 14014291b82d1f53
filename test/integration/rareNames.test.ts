import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdmissionDetail, PdfFile } from '../../shared/api/admission.ts';
import type { ClaimExportFile, ClaimPreview } from '../../shared/api/claim.ts';
import type { IdentityResult } from '../../shared/api/identity.ts';
import type { FeeImportResult, SettlementPreview, SettlementState, SlipDocument } from '../../shared/api/settlement.ts';
import { checkCharacter } from '../../shared/citizenId.ts';
import { addDays, addMonths, todayCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { seedPerson, seedRegistration, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import { FEE_HEADER, ITEM } from '../support/settlementFixtures.ts';

/**
 * Issue 17, "done when": a patient whose name has one character each of CJK Ext B, C, D, E, F, G
 * and two of the compatibility block goes through identity → admission → pledge (a pledger with
 * rare characters) → fees (a GB18030 file) → settlement → slip → claim tables → xlsx, on a real
 * desk (SQLite file) against the reference agency over real HTTP, and the name comes back
 * exactly — from the database, the agency's records, pdftotext and the xlsx (read by ExcelJS and
 * as the raw XML in the zip). Between desk and agency a recording proxy keeps the bytes on the
 * wire: the names travel as UTF-8, literally. PNG renders of the slip and the pledge go to
 * test/artifacts/ to be looked at.
 */
const RARE = {
  extB: '\u{2003E}', // 𠀾
  extC: '\u{2A700}',
  extD: '\u{2B740}',
  extE: '\u{2B820}',
  extF: '\u{2CEB0}',
  extG: '\u{30000}',
  compatStable: '\u{FA0E}', // 﨎: in the compatibility block but a unified ideograph, NFC leaves it
  compat: '\u{FA10}', // 塚: a compatibility ideograph, NFC would turn it into U+585A
};
const NAME = `欧阳${Object.values(RARE).join('')}明`;
const PLEDGER = `王${RARE.extB}${RARE.extC}芳`;
const DOCTOR = `李${RARE.extD}`;
const ITEM_NAME = `${ITEM.bed.name}${RARE.extE}`;
const CODE_POINTS = ['6b27', '9633', '2003e', '2a700', '2b740', '2b820', '2ceb0', '30000', 'fa0e', 'fa10', '660e'];

const TODAY = todayCST();
const idNo = (first17: string) => first17 + checkCharacter(first17);
const CERTNO = idNo('42010219800101123');
const CARD = 'R42010017';
const ARTIFACTS = 'test/artifacts';
const work = mkdtempSync(path.join(tmpdir(), 'rare-names-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Exchange { path: string; request: Buffer; response: Buffer; responseType: string | undefined }

/** Forwards every request to the agency unchanged and keeps the raw bytes both ways. */
async function recordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; close: () => Promise<void> }> {
  const to = new URL(target);
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = Buffer.concat(chunks);
      const fwd = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (up) => {
        const back: Buffer[] = [];
        up.on('data', (c: Buffer) => back.push(c));
        up.on('end', () => {
          const response = Buffer.concat(back);
          exchanges.push({ path: req.url ?? '', request, response, responseType: up.headers['content-type'] });
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(response);
        });
      });
      fwd.on('error', () => { res.writeHead(502); res.end(); });
      fwd.end(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${to.pathname === '/' ? '/' : to.pathname}`,
    exchanges,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

let agency: ReferenceAgency;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
let clerk: string;

beforeEach(async () => {
  agency = await startDemoAgency();
  seedDemoAgency(agency.store);
  proxy = await recordingProxy(agency.url);
  ctx = await startDeskHost({ dataDir: mkdtempSync(path.join(work, 'desk-')), agencyUrl: proxy.url });
  await ctx.desk.connectivity.check();
  const login = async (name: string) => ((await api(ctx.host, 'auth.login', { login: name, password: 'demo1234' })).body.result as { token: string }).token;
  clerk = await login('clerk01');
});
afterEach(async () => {
  await ctx.desk.syncWorker.stop().catch(() => undefined);
  await ctx.desk.rechecks.idle();
  await ctx.desk.roster.idle();
  await ctx.stop();
  await proxy.close();
  await agency.close();
});

async function ok<T>(method: string, input: unknown, token = clerk): Promise<T> {
  const r = await api(ctx.host, method, input, token);
  if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message} (${r.body.error?.path})`);
  return r.body.result as T;
}

function seedRarePerson(name: string, certno = CERTNO, cardNo = CARD, psnNo = 'RARE000001'): void {
  seedPerson(agency.store, {
    psnNo, certno, psnName: name, gend: '1', brdy: '1980-01-01', cardNo,
    insuinfo: [{ insutype: '310', psnType: '11', insuplcAdmdvs: '420102', balc: '1200.00', psnInsuStas: '1', cvlservFlag: '0' }],
  });
  seedRegistration(agency.store, {
    agencyId: `REG-${psnNo}`, certno, psnNo, psnName: name, insuplcAdmdvs: '420102',
    group: 'resettledRetiree', basis: 'proof', destination: '340100', effectiveFrom: '2024-05-01', proofSuppliedOn: null, status: 'active',
  });
}

const flat = (s: string) => s.replace(/\s+/g, '');
const codePoints = (s: string) => [...s].map((c) => c.codePointAt(0)!.toString(16));
const sql = <T>(q: string, ...args: unknown[]) => ctx.desk.db.$client.prepare(q).all(...args) as T[];

function run(tool: string, args: string[]): string {
  const r = spawnSync(`/usr/bin/${tool}`, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  return r.stdout;
}

/** pdftotext of the PDF (raw order), pdffonts, and the PDF with a 100 dpi PNG of page 1 kept under test/artifacts/ to be looked at. */
function pdf(base64: string, name: string): { text: string; fonts: string } {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, Buffer.from(base64, 'base64'));
  run('pdftoppm', ['-png', '-r', '100', '-singlefile', file, path.join(ARTIFACTS, name)]);
  return { text: run('pdftotext', ['-raw', file, '-']), fonts: run('pdffonts', [file]) };
}

/** Every string cell of the first sheet, read back by ExcelJS. */
async function xlsxCells(base64: string): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
  const cells: string[] = [];
  wb.worksheets[0]!.eachRow((row) => row.eachCell((cell) => { if (typeof cell.value === 'string') cells.push(cell.value); }));
  return cells;
}

describe('a name with a character of each CJK extension', () => {
  it('the test name is what it claims: eleven characters, Ext B–G each once, and NFC would change it', () => {
    expect(codePoints(NAME)).toEqual(CODE_POINTS);
    expect(NAME.normalize('NFC')).not.toBe(NAME);
    expect(NAME.normalize('NFC')).toContain('\u585A');
  });

  it('identity → admission → pledge → GB18030 fees → settlement → slip → claim tables → xlsx, the name exact at every step', async () => {
    seedRarePerson(NAME);

    // Identity (1101 over HTTP): shown as the agency sent it, no note for real rare characters.
    const id = await ok<IdentityResult>('identity.check', { credential: `${CARD}|${CERTNO}`, admissionDate: TODAY });
    expect(id.person.name).toBe(NAME);
    expect(id.person.nameNote).toBeNull();
    expect(id.check).toMatchObject({ online: true, direct: true });
    expect(sql<{ psn_name: string }>('SELECT psn_name FROM persons WHERE certno = ?', CERTNO)).toEqual([{ psn_name: NAME }]);

    // Admission (2401), trauma: the pledge is signed by a relative with rare characters in the name.
    const adm = await ok<AdmissionDetail>('admission.create', {
      checkId: id.check.id, iptNo: 'ZY-RARE-0001', admittedAt: `${TODAY} 00:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
      diagCode: 'S72.000', diagName: '股骨颈骨折', doctorCode: 'D0012', doctorName: DOCTOR, medType: '22', emergency: false, trauma: true, thirdParty: false,
    });
    expect(adm.patientName).toBe(NAME);
    const pledgeForm = {
      pledger: { relationship: '子女', name: PLEDGER, certType: '居民身份证', certNo: idNo('34010419800101123'), phone: '13912345678' },
      injury: { time: `${addDays(TODAY, -1)}T14`, place: '合肥市蜀山区长江西路', account: '下楼时自行摔倒致右髋部受伤' },
    };
    const signed = await ok<AdmissionDetail>('pledge.record', { admissionId: adm.id, form: pledgeForm });
    expect(signed.pledges[0]).toMatchObject({ pledgerName: PLEDGER });
    const pledge = pdf((await ok<PdfFile>('pledge.pdf', { admissionId: adm.id, pledgeId: signed.pledges[0]!.id })).base64, 'rare-names-pledge');
    expect(flat(pledge.text)).toContain(NAME);
    expect(flat(pledge.text)).toContain(PLEDGER);

    // Fees from the HIS in GB18030 (four-byte sequences: GBK cannot hold them).
    const line = (sn: string, item: { code: string; hosp: string; name: string }, cnt: string, pric: string, amount: string, time: string) =>
      [sn, '', `${TODAY} ${time}`, item.code, item.hosp, item.name, cnt, pric, amount, 'A03', '骨科', 'D0012', DOCTOR, '0', '', '0'].join(',');
    const csv = [FEE_HEADER, line('R1', { ...ITEM.bed, name: ITEM_NAME }, '1', '45', '45.00', '00:30:00'), line('R2', ITEM.drug, '20', '12.5', '250.00', '00:40:00'), line('R3', ITEM.surgery, '1', '4200', '4200.00', '01:00:00')].join('\r\n') + '\r\n';
    const bytes = iconv.encode(csv, 'gb18030');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const imported = await ok<FeeImportResult>('fees.import', { admissionId: adm.id, fileName: '费用明细（GBK）.csv', contentBase64: bytes.toString('base64') });
    expect(imported).toMatchObject({ encoding: 'gb18030' });
    expect(sql<{ name: string; bilg_dr_name: string }>('SELECT name, bilg_dr_name FROM fee_lines ORDER BY id')).toEqual([
      { name: ITEM_NAME, bilg_dr_name: DOCTOR }, { name: ITEM.drug.name, bilg_dr_name: DOCTOR }, { name: ITEM.surgery.name, bilg_dr_name: DOCTOR },
    ]);

    // Settlement, delivered to the agency (2401, 2301, 2304) through the proxy.
    const preview = await ok<SettlementPreview>('settlement.preview', { admissionId: adm.id, dischargedOn: TODAY });
    const { settlementId } = await ok<{ settlementId: number }>('settlement.commit', { admissionId: adm.id, dischargedOn: TODAY, expectedTotal: preview.amounts.medfee_sumamt, fingerprint: preview.fingerprint });
    expect((await ctx.desk.syncWorker.drain(60)).pending).toBe(0);
    const state = await ok<SettlementState>('settlement.state', { admissionId: adm.id });
    expect(state.active!.agency[0]!.setlId).toMatch(/^340104S/);

    // The agency received the doctor's name unchanged (its own records, parsed from the 2301 it got; 2301 has no item name).
    const agencyLines = (agency.store.db.prepare('SELECT line FROM fee_details ORDER BY id').all() as { line: string }[]).map((r) => JSON.parse(r.line) as Record<string, string>);
    expect(agencyLines.map((l) => [l.feedetl_sn, l.bilg_dr_name])).toEqual([['R1', DOCTOR], ['R2', DOCTOR], ['R3', DOCTOR]]);

    // On the wire: UTF-8, literally (no \u escapes, no GB18030 bytes), both ways.
    const utf8 = (s: string) => Buffer.from(s, 'utf8');
    const answer1101 = proxy.exchanges.filter((e) => e.request.includes(utf8('"1101"')));
    expect(answer1101.length).toBeGreaterThan(0);
    expect(answer1101.every((e) => e.response.includes(utf8(NAME)))).toBe(true);
    expect(answer1101[0]!.responseType ?? 'application/json; charset=utf-8').toMatch(/utf-8/i);
    const sent2301 = proxy.exchanges.filter((e) => e.request.includes(utf8('"2301"')));
    expect(sent2301.length).toBeGreaterThan(0);
    expect(sent2301.some((e) => e.request.includes(utf8(DOCTOR)))).toBe(true);
    for (const e of proxy.exchanges) {
      expect(e.request.includes(iconv.encode(RARE.extB, 'gb18030'))).toBe(false);
      expect(/\\u[dD][89abAB]/.test(e.request.toString('latin1'))).toBe(false);
    }
    // The 2304 answer's psn_name, read back by the desk: the same code points.
    const sent2304 = proxy.exchanges.find((e) => e.request.includes(utf8('"2304"')) && e.response.includes(utf8('setl_id')));
    expect(sent2304).toBeDefined();
    const setlinfo = (JSON.parse(sent2304!.response.toString('utf8')) as { output: { setlinfo: { psn_name: string } } }).output.setlinfo;
    expect(codePoints(setlinfo.psn_name)).toEqual(CODE_POINTS);

    // The slip.
    const slip = await ok<SlipDocument>('settlement.slipPdf', { settlementId });
    const slipPdf = pdf(slip.pdfBase64, 'rare-names-slip');
    // The name cell wraps the eleven characters onto two lines: the text is whole once the line break is taken out.
    expect(flat(slipPdf.text)).toContain(NAME);
    expect(slipPdf.fonts).toMatch(/YidiRare/);

    // The claim tables of the month, in the window (days 1–5 of the next month).
    ctx.desk.setClock(() => `${addMonths(TODAY.slice(0, 8) + '01', 1).slice(0, 8)}02`);
    const period = TODAY.slice(0, 7);
    const claim = await ok<ClaimPreview>('claim.preview', { period });
    expect(claim.items.some((i) => i.settlementId === settlementId)).toBe(true);
    const detailPdf = await ok<ClaimExportFile>('claim.export', { period, table: 'detail', format: 'pdf' });
    expect(flat(pdf(detailPdf.base64, 'rare-names-claim-detail').text)).toContain(NAME);
    const detailXlsx = await ok<ClaimExportFile>('claim.export', { period, table: 'detail', format: 'xlsx' });
    const cells = await xlsxCells(detailXlsx.base64);
    expect(cells).toContain(NAME);
    // The same from the file's own XML (shared strings or inline), without ExcelJS.
    const xlsxFile = path.join(work, 'detail.xlsx');
    writeFileSync(xlsxFile, Buffer.from(detailXlsx.base64, 'base64'));
    const xml = run('unzip', ['-p', xlsxFile, 'xl/sharedStrings.xml', 'xl/worksheets/*.xml']);
    expect(xml).toContain(NAME);
  });
});

describe('a name the agency sends with a private-use code point or "?" (issue 17 point 3)', () => {
  it.each([
    ['private-use', `王\u{E3A1}芳`, '第 2 个字是私用区编码 U+E3A1'],
    ['question mark', '欧阳?明', '第 3 个字是问号“?”'],
  ])('%s: shown as received with a note, and the patient is admitted', async (_kind, name, note) => {
    seedRarePerson(name);
    const id = await ok<IdentityResult>('identity.check', { credential: `${CARD}|${CERTNO}`, admissionDate: TODAY });
    expect(id.person.name).toBe(name);
    expect(id.person.nameNote).toContain(note);
    expect(id.person.nameNote).toContain('不影响核验、入院和结算');
    expect(id.check).toMatchObject({ online: true, direct: true });
    // Stored as received, and shown again the same.
    expect(sql<{ psn_name: string }>('SELECT psn_name FROM persons WHERE certno = ?', CERTNO)).toEqual([{ psn_name: name }]);
    expect((await ok<IdentityResult>('identity.show', { checkId: id.check.id })).person).toMatchObject({ name, nameNote: id.person.nameNote });
    const adm = await ok<AdmissionDetail>('admission.create', {
      checkId: id.check.id, iptNo: `ZY-ODD-${_kind === 'private-use' ? 1 : 2}`, admittedAt: `${TODAY} 00:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
      diagCode: 'J18.900', diagName: '肺炎', doctorCode: 'D0012', doctorName: '李明', medType: '21', emergency: false, trauma: false, thirdParty: false,
    });
    expect(adm.patientName).toBe(name);
    expect((await ctx.desk.syncWorker.drain(30)).pending).toBe(0);
    expect(agency.store.count('admissions')).toBe(1);
  });
});
