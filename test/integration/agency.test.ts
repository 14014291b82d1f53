import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  AgencyClient,
  BusinessError,
  NetworkError,
  RejectedError,
  ServerError,
  signHeaders,
  type BatchItemResult,
  type Page,
} from '../../electron/agency/client.ts';
import {
  AgencyMessageError,
  buildRequest,
  isNationalMsgid,
  makeMsgid,
  parseResponse,
  readAdmission,
  readAmount,
  readClaimAck,
  readFeeResults,
  readPersonInfo,
  readRequest,
  readSettlement,
  readSignIn,
  readStatement,
  type EnvelopeContext,
  type RequestEnvelope,
} from '../../shared/agency/envelope.ts';
import { InputError } from '../../shared/errors.ts';
import { startReferenceAgency, type Institution, type ReferenceAgency } from '../agency/server.ts';

// shared/ lives beside the project's root (CI clones the project with shared/ next to it).
const SAMPLES_DIR = fileURLToPath(new URL('../../../shared/reference/samples/', import.meta.url));

const INST: Institution = { code: 'H34010400001', name: '测试医院', key: 'test-key-0001', admdvs: '340104' };
const OTHER: Institution = { code: 'H34010400002', name: '另一家医院', key: 'test-key-0002', admdvs: '340104' };

// One fixed instant for agency and desk: settlement dates and reconciliation days are then known.
const NOW = new Date('2026-03-10T02:00:00Z');
const TODAY = '2026-03-10';
const clock = (): Date => NOW;

const CTX: EnvelopeContext = {
  fixmedinsCode: INST.code, fixmedinsName: INST.name, mdtrtareaAdmvs: INST.admdvs, recerSysCode: 'YDJY', opter: 'c01', opterName: '测试收费员',
};

let seq = 0;
function envelope(infno: string, input: Record<string, unknown>, ctx: EnvelopeContext = CTX): RequestEnvelope {
  seq += 1;
  return buildRequest(ctx, infno, input, { msgid: makeMsgid(ctx.fixmedinsCode, NOW, seq), now: NOW, insuplcAdmdvs: '110105' });
}

const PERSON = {
  psnNo: '11000000000000000001', certno: '11010519491231002X', psnName: '测试患者', gend: '1', brdy: '1949-12-31', cardNo: 'A00000001',
  insuinfo: [{ insutype: '310', psnType: '12', insuplcAdmdvs: '110105', balc: '1234.56', empName: '测试单位', psnInsuDate: '1990-07-01' }],
};

async function setup(options: { timeoutMs?: number } = {}): Promise<{ agency: ReferenceAgency; client: AgencyClient }> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST, OTHER], now: clock });
  onTestFinished(() => agency.close());
  agency.store.seedPerson(PERSON);
  agency.store.seedRegistration({ certno: PERSON.certno, psnNo: PERSON.psnNo, psnName: PERSON.psnName, insuplcAdmdvs: '110105', group: 'resettledRetiree', destination: '340100', effectiveFrom: '2025-06-01' });
  const client = new AgencyClient({ baseUrl: agency.url, fixmedinsCode: INST.code, key: INST.key, timeoutMs: options.timeoutMs ?? 3000, now: clock });
  return { agency, client };
}

function admissionInput(iptNo: string): Record<string, unknown> {
  return {
    mdtrtinfo: {
      psn_no: PERSON.psnNo, insutype: '310', begntime: '2026-03-01 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, med_type: '21',
      ipt_no: iptNo, atddr_no: 'D0001', chfpdr_name: '测试医生', adm_diag_dscr: '社区获得性肺炎', adm_dept_codg: 'A03', adm_dept_name: '呼吸内科',
      adm_bed: '12', dscg_maindiag_code: 'J18.900', dscg_maindiag_name: '肺炎',
    },
    diseinfo: [{ psn_no: PERSON.psnNo, diag_type: '1', maindiag_flag: '1', diag_srt_no: '1', diag_code: 'J18.900', diag_name: '肺炎', diag_dept: '呼吸内科', dise_dor_no: 'D0001', dise_dor_name: '测试医生', diag_time: '2026-03-01 09:00:00' }],
  };
}

/** A signed request made by hand, so the exact bytes of the answer can be compared. */
async function rawPost(agency: ReferenceAgency, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const text = JSON.stringify(body);
  const res = await fetch(`${agency.url}${path}`, {
    method: 'POST',
    headers: { ...signHeaders(INST.code, INST.key, text, NOW), 'content-type': 'application/json' },
    body: text,
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, text: await res.text() };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------

describe('envelope: msgid and builders', () => {
  it('makeMsgid is code(12) + CST yyyyMMddHHmmss + 4-digit sequence', () => {
    // 16:30:05 UTC on Jan 2 is 00:30:05 on Jan 3 in China Standard Time.
    const id = makeMsgid('H34010400001', new Date('2026-01-02T16:30:05Z'), 7);
    expect(id).toBe('H34010400001202601030030050007');
    expect(id).toHaveLength(30);
    expect(isNationalMsgid(id)).toBe(true);
    expect(() => makeMsgid('H3401', NOW, 1)).toThrow(InputError);
    expect(() => makeMsgid(INST.code, NOW, 10000)).toThrow(InputError);
    expect(isNationalMsgid('20221211154403240156')).toBe(false);
  });

  it('buildRequest fills the national envelope; 9001 has no sign_no', () => {
    const e = buildRequest({ ...CTX, signNo: 'S1' }, '9001', { signIn: { opter_no: 'c01', ip: '127.0.0.1' } }, { msgid: makeMsgid(INST.code, NOW, 1), now: NOW });
    expect(e).toMatchObject({ infno: '9001', inf_time: '2026-03-10 10:00:00', infver: 'V1.0', opter_type: '1', sign_no: '', insuplc_admdvs: '' });
    expect(readRequest(e)).toMatchObject({ ok: true });
  });

  it('readAmount reads numbers, strings and "" and refuses a third decimal', () => {
    expect(readAmount(41509.0)?.toFixed(2)).toBe('41509.00');
    expect(readAmount('2.000000')?.toString()).toBe('2');
    expect(readAmount(-1307.01)?.toFixed(2)).toBe('-1307.01');
    expect(readAmount('')).toBeNull();
    expect(readAmount(null)).toBeNull();
    expect(() => readAmount('12.345', 'x')).toThrow(InputError);
    expect(() => readAmount('abc', 'x')).toThrow(InputError);
  });

  it('parseResponse refuses non-objects and unknown shapes with a typed error', () => {
    for (const bad of [null, 'x', 3, [], {}, { infcode: 'abc' }]) expect(() => parseResponse(bad)).toThrow(AgencyMessageError);
  });
});

describe('envelope: every real sample in reference/samples', () => {
  type Expect =
    | { kind: 'request' }
    | { kind: 'error'; code: string }
    | { kind: 'failure'; errMsgIncludes: string }
    | { kind: 'ok'; check?: (r: ReturnType<typeof parseResponse>) => void };
  const EXPECT: Record<string, Expect> = {
    '1101-response-hebei-qinhuangdao.json': { kind: 'ok', check: (r) => expect(readPersonInfo(r.output).insuinfo[0]?.balc?.toFixed(2)).toBe('26933.88') },
    '1101-response-shanghai.json': { kind: 'ok', check: (r) => {
      const p = readPersonInfo(r.output);
      expect(p.insuinfo[0]?.balc?.toFixed(2)).toBe('41509.00');
      expect(r.warn_msg).toBeNull();
    } },
    '1101-response-sichuan-dazhou.json': { kind: 'ok', check: (r) => {
      expect(r.infcode).toBe(0); // sent as the string "0"
      expect(readPersonInfo(r.output).brdy).toBe('2019-04-08'); // sent as "2019 - 04 - 08"
    } },
    '1162-nonstandard-response-hebei.json': { kind: 'error', code: 'NONSTANDARD' },
    '2207-response-hebei-qinhuangdao.json': { kind: 'ok', check: (r) => expect(readSettlement(r.output).amounts.acct_pay?.toFixed(2)).toBe('4.52') },
    '2301-response-chongqing.json': { kind: 'ok', check: (r) => expect(readFeeResults(r.output)).toHaveLength(16) },
    '2303-response-chongqing.json': { kind: 'ok', check: (r) => expect(readSettlement(r.output).amounts.psn_cash_pay?.toFixed(2)).toBe('3982.02') },
    '2304-response-chongqing.json': { kind: 'ok', check: (r) => expect(readSettlement(r.output).amounts.fund_pay_sumamt?.toFixed(2)).toBe('18785.39') },
    '2304-response-hunan-changsha.json': { kind: 'ok', check: (r) => {
      const s = readSettlement(r.output);
      expect(s.setldetail[0]?.fundPayamt).toBeNull(); // ""
      expect(s.amounts.medfee_sumamt?.toFixed(2)).toBe('3338.10');
    } },
    '2304-response-hunan-shaoyang.json': { kind: 'ok', check: (r) => expect(readSettlement(r.output).setldetail[0]?.fundPayType).toBeNull() },
    '2305-response-chongqing.json': { kind: 'ok', check: (r) => expect(readSettlement(r.output).amounts.medfee_sumamt?.toFixed(2)).toBe('-3379.26') },
    '2401-error-response-zhejiang.json': { kind: 'failure', errMsgIncludes: '在院状态' },
    '2601-error-response-zhejiang.json': { kind: 'failure', errMsgIncludes: '冲正失败' },
    '3201-gateway-error-response-zhejiang.json': { kind: 'error', code: 'GATEWAY_ERROR' },
    '5261-response-hainan.json': { kind: 'ok', check: (r) => {
      const s = readSettlement(r.output);
      expect(s.amounts.inscp_scp_amt).toBeNull(); // ""
      expect(s.amounts.medfee_sumamt?.toFixed(2)).toBe('3300.00'); // spelled med_fee_sumamt
      expect(s.certno).toBe('11010519491231002X'); // spelled cert_no
    } },
    '9001-response-zhejiang.json': { kind: 'ok', check: (r) => expect(readSignIn(r.output).signNo).toBe('680003') },
    'encrypted-response-jilin.json': { kind: 'error', code: 'ENCRYPTED' },
    // Requests, not responses: read with the request reader.
    'envelope-request-1301-zhejiang-jinhua.json': { kind: 'request' },
    'envelope-request-2401-liaoning.json': { kind: 'request' },
    'feeupload-2204or2301-response-chongqing.json': { kind: 'ok', check: (r) => expect(readFeeResults(r.output)[0]?.detItemFeeSumamt?.toFixed(2)).toBe('1.50') },
  };
  const files = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();

  it('the table above covers every sample file', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !(f in EXPECT))).toEqual([]);
  });

  it.each(files)('%s', (file) => {
    const raw = JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as unknown;
    const want = EXPECT[file];
    if (!want) throw new Error(`no expectation for ${file}`);
    if (want.kind === 'request') {
      const r = readRequest(raw);
      expect(r.ok).toBe(true);
      return;
    }
    if (want.kind === 'error') {
      const e = (() => {
        try {
          parseResponse(raw);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(AgencyMessageError);
      expect((e as AgencyMessageError).code).toBe(want.code);
      if (want.code === 'ENCRYPTED') expect((e as Error).message).toBe('报文已加密，无法解析');
      return;
    }
    const r = parseResponse(raw);
    if (want.kind === 'failure') {
      expect(r.ok).toBe(false);
      expect(r.infcode).toBe(-1);
      expect(r.err_msg).toContain(want.errMsgIncludes);
      return;
    }
    expect(r.ok).toBe(true);
    want.check?.(r);
  });
});

// ---------------------------------------------------------------------------------------------

describe('reference agency over HTTP', () => {
  it('9001 signs in and 1101 returns the seeded person in national shape with the registration', async () => {
    const { client } = await setup();
    const sign = await client.call(envelope('9001', { signIn: { opter_no: 'c01', mac: '', ip: '127.0.0.1' } }));
    expect(readSignIn(sign.output).signNo).toMatch(/^20260310\d{10}$/);

    const r = await client.call(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01', certno: PERSON.certno, psn_name: PERSON.psnName } }));
    expect(r.output?.baseinfo).toMatchObject({ psn_no: PERSON.psnNo, certno: PERSON.certno, psn_name: '测试患者', gend: '1', brdy: '1949-12-31', age: 76 });
    expect(r.output?.insuinfo).toEqual([expect.objectContaining({ insutype: '310', psn_type: '12', insuplc_admdvs: '110105', balc: '1234.56', psn_insu_stas: '1' })]);
    expect(r.output?.idetinfo).toEqual([]);
    const p = readPersonInfo(r.output);
    expect(p.insuinfo[0]?.balc?.toFixed(2)).toBe('1234.56');
    expect(p.registration).toMatchObject({ group: 'resettledRetiree', basis: 'proof', destination: '340100', effectiveFrom: '2025-06-01', proofSuppliedOn: null, status: 'active' });
    // By social security card as well.
    const byCard = await client.call(envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'A00000001', card_sn: 'X', psn_cert_type: '01' } }));
    expect(readPersonInfo(byCard.output).psnNo).toBe(PERSON.psnNo);

    const unknown = await rejectionOf(client.call(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '110105194912310037', psn_cert_type: '01' } })));
    expect(unknown).toBeInstanceOf(BusinessError);
    expect((unknown as BusinessError).errMsg).toContain('未查询到该人员');
    expect((unknown as BusinessError).errMsg).toContain('110105********0037');
  });

  it('a bad signature, an unknown institution and a skewed clock are 401 → RejectedError', async () => {
    const { agency } = await setup();
    const e1 = await rejectionOf(new AgencyClient({ baseUrl: agency.url, fixmedinsCode: INST.code, key: 'wrong-key', now: clock }).call(envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } })));
    expect(e1).toBeInstanceOf(RejectedError);
    expect(e1).toMatchObject({ status: 401, code: 'BAD_SIGNATURE', retryable: false });
    const e2 = await rejectionOf(new AgencyClient({ baseUrl: agency.url, fixmedinsCode: 'H99999999999', key: INST.key, now: clock }).ping());
    expect(e2).toMatchObject({ status: 401, code: 'UNKNOWN_INSTITUTION' });
    const late = (): Date => new Date(NOW.getTime() + 6 * 60 * 1000);
    const e3 = await rejectionOf(new AgencyClient({ baseUrl: agency.url, fixmedinsCode: INST.code, key: INST.key, now: late }).ping());
    expect(e3).toMatchObject({ status: 401, code: 'TIMESTAMP_SKEW' });
    expect(agency.store.count('messages')).toBe(0);
  });

  it('validates the envelope: msgid of another institution, missing fields, unknown infno', async () => {
    const { agency, client } = await setup();
    const foreign = { ...envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } }), msgid: makeMsgid(OTHER.code, NOW, 1) };
    const e1 = await rejectionOf(client.call(foreign));
    expect(e1).toBeInstanceOf(BusinessError);
    expect((e1 as BusinessError).errMsg).toContain('前 12 位应为本机构编号');

    const { opter: _opter, ...noOpter } = envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } });
    const e2 = await rejectionOf(client.call(noOpter as RequestEnvelope));
    expect((e2 as BusinessError).errMsg).toContain('缺少必填字段：经办人（opter）');

    const e3 = await rejectionOf(client.call(envelope('9999', { data: {} })));
    expect((e3 as BusinessError).errMsg).toBe('不支持的交易：9999');

    const e4 = await rejectionOf(client.call(envelope('2401', { mdtrtinfo: { psn_no: PERSON.psnNo } })));
    expect((e4 as BusinessError).errMsg).toContain('mdtrtinfo 缺少必填字段');
    expect(agency.store.count('admissions')).toBe(0);
  });

  it('batch returns one result per msgid, in order, and a failed item does not fail the others', async () => {
    const { agency, client } = await setup();
    const items = [
      envelope('9001', { signIn: { opter_no: 'c01', ip: '127.0.0.1' } }),
      envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } }),
      envelope('2404', { data: { mdtrt_id: 'nope', psn_no: PERSON.psnNo } }),
      envelope('2401', admissionInput('ZY001')),
    ];
    const results = await client.batch(items);
    expect(results.map((r) => r.msgid)).toEqual(items.map((e) => e.msgid));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
    const failed = results[2] as Extract<BatchItemResult, { ok: false }>;
    expect(failed.error).toBeInstanceOf(BusinessError);
    expect(failed.error.message).toContain('就诊ID不存在');
    expect(readAdmission((results[3] as Extract<BatchItemResult, { ok: true }>).response.output).mdtrtId).toMatch(/^340104\d{12}$/);
    expect(agency.store.count('messages')).toBe(4);
  });

  it('a repeated msgid gets the first answer byte for byte and is stored once', async () => {
    const { agency, client } = await setup();
    const e = envelope('2401', admissionInput('ZY002'));
    const first = await rawPost(agency, '/api/2401', e);
    const second = await rawPost(agency, '/api/2401', e);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(agency.store.count('messages')).toBe(1);
    expect(agency.store.count('admissions')).toBe(1);
    expect(agency.store.message(e.msgid)?.response).toBe(first.text);
    // Through a batch too, and through the client.
    const batch = await rawPost(agency, '/api/batch', { items: [e] });
    expect(batch.text).toBe(`{"results":[${first.text}]}`);
    const again = await client.call(e);
    expect(readAdmission(again.output).mdtrtId).toBe(readAdmission(parseResponse(JSON.parse(first.text)).output).mdtrtId);
    expect(agency.store.count('admissions')).toBe(1);
    // The same msgid for a different transaction is refused, not answered with the old result.
    const reused = await rejectionOf(client.call({ ...envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } }), msgid: e.msgid }));
    expect((reused as BusinessError).errMsg).toContain('已用于交易 2401');
  });

  it('faults: refuse, drop, garbage and a timeout are NetworkError; 500 is ServerError', async () => {
    const { agency, client } = await setup({ timeoutMs: 300 });
    const sign = (): RequestEnvelope => envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } });

    agency.faults.set({ mode: 'refuse', times: 1 });
    const refused = await rejectionOf(client.call(sign()));
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).retryable).toBe(true);

    agency.faults.set({ mode: 'garbage', times: 1 });
    expect(await rejectionOf(client.call(sign()))).toMatchObject({ name: 'NetworkError', kind: 'garbage' });

    agency.faults.set({ mode: 'delay', ms: 2000, times: 1 });
    expect(await rejectionOf(client.call(sign()))).toMatchObject({ name: 'NetworkError', kind: 'timeout' });

    agency.faults.set({ mode: 'status500', times: 1 });
    const e500 = await rejectionOf(client.call(sign()));
    expect(e500).toBeInstanceOf(ServerError);
    expect(e500).toMatchObject({ status: 500, retryable: true });

    // Drop: the agency processed and stored the message, the answer was cut; the retry gets it.
    const adm = envelope('2401', admissionInput('ZY003'));
    agency.faults.set({ mode: 'drop', times: 1 });
    expect(await rejectionOf(client.call(adm))).toMatchObject({ name: 'NetworkError', kind: 'dropped' });
    expect(agency.store.count('admissions')).toBe(1);
    const retried = await client.call(adm);
    expect(readAdmission(retried.output).mdtrtId).toBeTruthy();
    expect(agency.store.count('admissions')).toBe(1);
    expect(agency.faults.list()).toEqual([]); // every one-shot fault used up
    expect(await client.ping()).toBe(true);
  });

  it('faults: failItem fails exactly the named batch item with infcode -1', async () => {
    const { agency, client } = await setup();
    const items = [0, 1, 2].map(() => envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } }));
    agency.faults.set({ mode: 'failItem', msgid: items[1]!.msgid, times: 1 });
    const results = await client.batch(items);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const failed = results[1] as Extract<BatchItemResult, { ok: false }>;
    expect(failed.error).toBeInstanceOf(BusinessError);
    expect((failed.error as BusinessError).response.infcode).toBe(-1);
    expect(failed.error.retryable).toBe(false);
    // By index, on a single call (index 0).
    agency.faults.set({ mode: 'failItem', index: 0, times: 1 });
    expect(await rejectionOf(client.call(envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } })))).toBeInstanceOf(BusinessError);
    // Injected refusals leave no trace: the failed item goes through once the fault is gone.
    expect((await client.batch([items[1]!]))[0]?.ok).toBe(true);
    expect(agency.store.count('sign_ins')).toBe(3);
  });

  it('faults: crashAfterAnswer then a retry with the same msgid is processed once, same outcome', async () => {
    const { agency, client } = await setup();
    const adm = envelope('2401', admissionInput('ZY004'));
    agency.faults.set({ mode: 'crashAfterAnswer', times: 1 });
    const first = await client.call(adm);
    expect(agency.store.count('messages')).toBe(0);
    expect(agency.store.count('admissions')).toBe(0);
    const second = await client.call(adm);
    expect(readAdmission(second.output).mdtrtId).toBe(readAdmission(first.output).mdtrtId);
    expect(agency.store.count('messages')).toBe(1);
    expect(agency.store.count('admissions')).toBe(1);
    const third = await client.call(adm);
    expect(third).toEqual(second);
  });

  it('faults can be switched over HTTP from loopback; a stopped agency is refused; ping reports it', async () => {
    const { agency, client } = await setup();
    const set = await fetch(`${agency.url}/__faults`, { method: 'POST', body: JSON.stringify({ mode: 'status500' }), signal: AbortSignal.timeout(3000) });
    expect(set.status).toBe(200);
    expect(await client.ping()).toBe(false);
    await fetch(`${agency.url}/__faults`, { method: 'POST', body: JSON.stringify({ mode: 'none' }), signal: AbortSignal.timeout(3000) });
    expect(await client.ping()).toBe(true);
    await agency.close();
    expect(await client.ping()).toBe(false);
    expect(await rejectionOf(client.call(envelope('9001', { signIn: { opter_no: 'c01', ip: '1' } })))).toMatchObject({ name: 'NetworkError', kind: 'refused' });
  });

  it('paging walks every item with an opaque cursor; the roster holds registrations to this region', async () => {
    const { agency, client } = await setup();
    agency.store.seedCatalogue(Array.from({ length: 25 }, (_, i) => ({
      medListCodg: `XM${String(i).padStart(6, '0')}`, name: `项目${i}`, medChrgitmType: '05', chrgitmLv: i % 3 === 0 ? '02' : '01',
      selfpayProp: i % 3 === 0 ? '0.1' : '0', pricUplmtAmt: i % 5 === 0 ? '12.500000' : null, begndate: '2026-01-01',
    })));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (let guard = 0; guard < 10; guard++) {
      const p: Page = await client.page('catalogue', cursor, 10);
      pages += 1;
      expect(p.total).toBe(25);
      seen.push(...p.items.map((x) => String(x.med_list_codg)));
      cursor = p.nextCursor;
      if (cursor === null) break;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe('XM000000');

    agency.store.seedRegistration({ certno: '110105194912310037', insuplcAdmdvs: '110105', group: 'referral', destination: '320100', effectiveFrom: '2026-01-01' });
    const roster = await client.page('roster', null, 100);
    expect(roster.total).toBe(1);
    expect(roster.items[0]).toMatchObject({ certno: PERSON.certno, group: 'resettledRetiree', destination: '340100', status: 'active' });

    agency.store.seedPolicy({ version: 'P-110105-310-2026', insuplcAdmdvs: '110105', insutype: '310', year: 2026, body: { deductible: { '3': '1000.00' } } });
    const policies = await client.page('policies', null, 5);
    expect(policies.items[0]).toMatchObject({ version: 'P-110105-310-2026', body: { deductible: { '3': '1000.00' } } });

    expect(await rejectionOf(client.page('catalogue', 'not-a-cursor', 10))).toMatchObject({ name: 'RejectedError', status: 400, code: 'BAD_CURSOR' });
  });

  it('an inpatient stay: admit, fees, discharge, settle, reconcile, reverse, claim', async () => {
    const { agency, client } = await setup();
    agency.store.seedCatalogue({ medListCodg: 'XM0001', name: '静脉输液', medChrgitmType: '05', chrgitmLv: '01', begndate: '2026-01-01' });
    // The agency recomputes with the shared engine: Beijing pools at province level (110000); a
    // 5.00 deductible and a flat 80 % leave the pool 20.00 of the 30.00 in scope (ZZ9999 is not
    // in its catalogue: 12.50 self-paid).
    const flat = [{ upTo: null, ratio: '0.80' }];
    agency.store.seedPolicy({ version: '110000-310-2026-T', insuplcAdmdvs: '110000', insutype: '310', year: 2026, body: {
      version: '110000-310-2026-T', scheme: '310', deductible: { '1': '5.00', '2': '5.00', '3': '5.00' }, repeatDeductibleFactor: '1',
      bands: { '1': flat, '2': flat, '3': flat }, reduction: { longTerm: '0', referral: '0.10', emergency: '0.10', otherTemporary: '0.20', unregistered: '0.30' },
      annualCap: '300000.00', poolFundType: '310100', supplementary: { fundType: '330100', ratio: '0.85', annualCap: '400000.00' }, civilServantRatio: '0',
    } });
    const admitted = await client.call(envelope('2401', admissionInput('ZY100')));
    const mdtrtId = readAdmission(admitted.output).mdtrtId;

    const line = (sn: string, code: string, amount: string | number, cnt: string, pric: string): Record<string, unknown> => ({
      feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: PERSON.psnNo, med_type: '21', fee_ocur_time: '2026-03-02 10:00:00', med_list_codg: code,
      medins_list_codg: `H-${code}`, det_item_fee_sumamt: amount, cnt, pric, bilg_dept_codg: 'A03', bilg_dept_name: '呼吸内科', bilg_dr_codg: 'D0001', bilg_dr_name: '测试医生',
    });
    const fees = await client.call(envelope('2301', { feedetail: [line('1', 'XM0001', '30.00', '2', '15'), line('2', 'ZZ9999', 12.5, '1', '12.5')] }));
    const results = readFeeResults(fees.output);
    expect(results.map((r) => [r.feedetlSn, r.detItemFeeSumamt?.toFixed(2), r.chrgitmLv])).toEqual([['1', '30.00', '01'], ['2', '12.50', '03']]);
    const dupLine = await rejectionOf(client.call(envelope('2301', { feedetail: [line('1', 'XM0001', '30.00', '2', '15')] })));
    expect((dupLine as BusinessError).errMsg).toContain('费用明细流水号重复');

    const settle = { psn_no: PERSON.psnNo, mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, medfee_sumamt: '42.50', psn_setlway: '01', mdtrt_id: mdtrtId,
      insutype: '310', acct_used_flag: '0', fund_pay_sumamt: '20.00', acct_pay: '0.00', psn_cash_pay: '22.50', hifp_pay: '20.00',
      setldetail: [{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '20.00' }] };
    const early = await rejectionOf(client.call(envelope('2304', { data: settle })));
    expect((early as BusinessError).errMsg).toContain('尚未办理出院');
    await client.call(envelope('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo, insutype: '310', endtime: '2026-03-09 10:00:00', dscg_way: '1' } }));

    const preview = await client.call(envelope('2303', { data: settle }));
    expect(readSettlement(preview.output).setlId).toBeNull();
    const settleEnv = envelope('2304', { data: settle });
    const settled = readSettlement((await client.call(settleEnv)).output);
    expect(settled.setlId).toMatch(/^340104S\d{11}$/);
    expect(settled.medinsSetlId).toBe(settleEnv.msgid);
    expect(settled.amounts.medfee_sumamt?.toFixed(2)).toBe('42.50');
    expect(settled.amounts.psn_cash_pay?.toFixed(2)).toBe('22.50');
    expect(settled.setldetail).toEqual([expect.objectContaining({ fundPayType: '310100', fundPayamt: expect.anything() })]);
    expect(settled.setldetail[0]?.fundPayamt?.toFixed(2)).toBe('20.00');

    const stmt = (medfee: string, cnt: number): Record<string, unknown> => ({ data: {
      insutype: '310', clr_type: '21', setl_optins: '110105', stmt_begndate: TODAY, stmt_enddate: TODAY, medfee_sumamt: medfee, fund_pay_sumamt: '20.00', acct_pay: '0', fixmedins_setl_cnt: cnt,
    } });
    expect(readStatement((await client.call(envelope('3201', stmt('42.50', 1)))).output)).toMatchObject({ stmtRslt: '0' });
    const off = readStatement((await client.call(envelope('3201', stmt('42.60', 1)))).output);
    expect(off.stmtRslt).toBe('1');
    expect(off.dscr).toContain('医疗费总额：医院 42.60，经办机构 42.50');

    const reversal = readSettlement((await client.call(envelope('2305', { data: { mdtrt_id: mdtrtId, setl_id: settled.setlId, psn_no: PERSON.psnNo } }))).output);
    expect(reversal.amounts.medfee_sumamt?.toFixed(2)).toBe('-42.50');
    expect(reversal.setlId).not.toBe(settled.setlId);
    const twice = await rejectionOf(client.call(envelope('2305', { data: { mdtrt_id: mdtrtId, setl_id: settled.setlId, psn_no: PERSON.psnNo } })));
    expect((twice as BusinessError).errMsg).toContain('该结算已撤销');
    // Settlement and reversal net to zero over two records.
    expect(readStatement((await client.call(envelope('3201', { data: { ...stmt('0', 2).data as object, fund_pay_sumamt: '0.00' } }))).output).stmtRslt).toBe('0');

    const claim = { clr_type: '21', clr_way: '01', setlym: '202602', psntime: 0, medfee_sumamt: '0.00', med_sumfee: '0.00', fund_appy_sum: '0.00', cash_payamt: '0.00', acct_pay: '0.00', begndate: '2026-02-01', enddate: '2026-02-28', insutype: '310' };
    const ack = readClaimAck((await client.call(envelope('3203', { data: claim }))).output);
    expect(ack.clrAppyEvtId).toMatch(/^340104C\d{11}$/);
    expect((await rejectionOf(client.call(envelope('3203', { data: claim })))) as BusinessError).toMatchObject({ errMsg: expect.stringContaining('已申报') });
    expect(agency.store.count('settlements')).toBe(2);
    expect(agency.store.count('claims')).toBe(1);
  });

  it('a real platform gateway error or encrypted answer reaches the worker as RejectedError, a non-envelope as NetworkError', async () => {
    // A stand-in platform that answers every request with one of the real samples.
    let body = '';
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = new AgencyClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, fixmedinsCode: INST.code, key: INST.key, timeoutMs: 3000 });
    const cases: [string, Record<string, unknown>][] = [
      ['3201-gateway-error-response-zhejiang.json', { name: 'RejectedError', code: 'GATEWAY_ERROR' }],
      ['encrypted-response-jilin.json', { name: 'RejectedError', code: 'ENCRYPTED', message: '报文已加密，无法解析' }],
      ['1162-nonstandard-response-hebei.json', { name: 'RejectedError', code: 'NONSTANDARD' }],
      ['2401-error-response-zhejiang.json', { name: 'BusinessError', retryable: false }],
    ];
    for (const [file, want] of cases) {
      body = readFileSync(join(SAMPLES_DIR, file), 'utf8');
      expect(await rejectionOf(client.call(envelope('2401', admissionInput('ZY900'))))).toMatchObject(want);
    }
    body = '{"hello":"world"}';
    expect(await rejectionOf(client.call(envelope('9001', { signIn: {} })))).toMatchObject({ name: 'NetworkError', kind: 'garbage' });
    body = readFileSync(join(SAMPLES_DIR, '2304-response-hunan-changsha.json'), 'utf8');
    expect(readSettlement((await client.call(envelope('2304', { data: {} }))).output).amounts.hifp_pay?.toFixed(2)).toBe('2769.63');
  });
});
