// Over 400 lines: the national wire against the reference agency: envelope, sign-in, msgid, 2601 and faults share one server setup.
import { createDecipheriv, createHash } from 'node:crypto';
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
  type Page,
  type SignInProvider,
} from '../../electron/agency/client.ts';
import { readAgencyConfig, type AgencyConfig, type GatewayProfileName } from '../../electron/agency/config.ts';
import { signHeaders } from '../../electron/agency/extension.ts';
import { sm2GenerateKeyPair } from '../../electron/agency/gm/sm.ts';
import { AgencyMessageError, buildRequest, makeMsgid, parseResponse, readAmount, readPersonInfo, readRequest, readSignIn, type AgencyResponse, type EnvelopeContext, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readAdmission } from '../../shared/agency/admission.ts';
import { readFeeResults, readSettlement } from '../../shared/agency/settlement.ts';
import { readClaimAck, readStatement } from '../../shared/agency/claim.ts';
import { build2201, build2202, build2203, build2204, build2205, build2207, build2208, readVisitRegistration } from '../../shared/agency/outpatient.ts';
import { isDuplicateMsgid, isReversalNotInEffect, isSignInRefusal, psnNoOf, STATE_CHANGING } from '../../shared/agency/transactions.ts';
import { InputError } from '../../shared/errors.ts';
import type { Decimal } from '../../shared/money.ts';
import { CHECKED_TOTALS, compareWithAgency, type CheckedTotal } from '../../shared/settlementFlow.ts';
import { startReferenceAgency, type Institution, type ReferenceAgency } from '../agency/server.ts';

/**
 * The agency client against the reference agency as the platform behaves (docs/agency.md,
 * national-interface.md §0–§1): one transaction per request in one of three gateway profiles,
 * nothing but 9001 without a live sign_no, a repeated msgid refused (报文ID重复, never replayed),
 * 2601 冲正 taking back any state-changing transaction, faults typed into the four error classes.
 */

// shared/ lives beside the project's root (CI clones the project with shared/ next to it).
const SAMPLES_DIR = fileURLToPath(new URL('../../../shared/reference/samples/', import.meta.url));

const INST: Institution = { code: 'H34010400001', name: '测试医院', key: 'test-key-0001', admdvs: '340104' };
const OTHER: Institution = { code: 'H34010400002', name: '另一家医院', key: 'test-key-0002', admdvs: '340104' };
const OPTER = { login: 'c01', name: '测试收费员' };

// One fixed instant for agency and desk: settlement dates and reconciliation days are then known.
const NOW = new Date('2026-03-10T02:00:00Z');
const TODAY = '2026-03-10';

const CTX: EnvelopeContext = {
  fixmedinsCode: INST.code, fixmedinsName: INST.name, mdtrtareaAdmvs: INST.admdvs, recerSysCode: 'YBXT', opter: OPTER.login, opterName: OPTER.name,
};

let seq = 0;
/** A fresh envelope (new msgid every time) with an empty sign_no: the client's sign-in stamps it. */
function envelope(infno: string, input: Record<string, unknown>, ctx: EnvelopeContext = CTX): RequestEnvelope {
  seq += 1;
  return buildRequest(ctx, infno, input, { msgid: makeMsgid(ctx.fixmedinsCode, NOW, seq), now: NOW, insuplcAdmdvs: '110105' });
}

/** The same business under a new msgid (what the outbox worker does after a 冲正). */
function again(e: RequestEnvelope): RequestEnvelope {
  seq += 1;
  return { ...e, msgid: makeMsgid(e.fixmedins_code, NOW, seq) };
}

const signInInput = (login = OPTER.login): Record<string, unknown> => ({ signIn: { opter_no: login, mac: '00:00:00:00:00:00', ip: '127.0.0.1' } });

const PERSON = {
  psnNo: '11000000000000000001', certno: '11010519491231002X', psnName: '测试患者', gend: '1', brdy: '1949-12-31', cardNo: 'A00000001',
  insuinfo: [{ insutype: '310', psnType: '12', insuplcAdmdvs: '110105', balc: '1234.56', empName: '测试单位', psnInsuDate: '1990-07-01' }],
};

/**
 * The desk's sign-in in miniature (the real SignInManager is tested in signIn.test.ts): one
 * 9001 per operator through transmit, kept until the client reports a 签到 refusal.
 */
class MemorySignIn implements SignInProvider {
  signIns = 0;
  invalidated = 0;
  private readonly signNos = new Map<string, string>();
  constructor(private readonly client: () => AgencyClient) {}
  async signNoFor(opter: { login: string; name: string }): Promise<string> {
    const have = this.signNos.get(opter.login);
    if (have) return have;
    this.signIns += 1;
    const answer = await this.client().transmit(envelope('9001', signInInput(opter.login), { ...CTX, opter: opter.login, opterName: opter.name }));
    const signNo = readSignIn(answer.output).signNo;
    this.signNos.set(opter.login, signNo);
    return signNo;
  }
  invalidate(login: string, signNo: string): void {
    if (this.signNos.get(login) === signNo) {
      this.signNos.delete(login);
      this.invalidated += 1;
    }
  }
  current(login = OPTER.login): string | undefined {
    return this.signNos.get(login);
  }
}

/** The connection as the desk reads it (readAgencyConfig), from settings only: the environment of the test run is kept out. */
function configFor(agency: { url: string; extUrl?: string }, settings: Record<string, string> = {}, timeoutMs = 3000): AgencyConfig {
  return readAgencyConfig({
    setting: (k) => settings[k],
    env: {},
    fixmedinsCode: INST.code,
    overrides: { url: agency.url, extUrl: agency.extUrl ?? null, extKey: INST.key, timeoutMs },
  });
}

interface Harness {
  agency: ReferenceAgency;
  client: AgencyClient;
  signIn: MemorySignIn;
  /** Moves the clock of agency and desk alike. */
  advance(ms: number): void;
  /** client.call of a fresh envelope. */
  send(infno: string, input: Record<string, unknown>): Promise<AgencyResponse>;
}

function makeClient(config: AgencyConfig, now: () => Date, signIn: 'memory' | null = 'memory'): { client: AgencyClient; signIn: MemorySignIn } {
  let client: AgencyClient | null = null;
  const provider = new MemorySignIn(() => client!);
  client = new AgencyClient({ config, fixmedinsCode: INST.code, signIn: signIn === 'memory' ? provider : null, now });
  return { client, signIn: provider };
}

async function setup(options: { timeoutMs?: number; signInMaxAgeMs?: number; institutions?: Institution[]; profile?: GatewayProfileName; settings?: Record<string, string>; tokenTtlSeconds?: number } = {}): Promise<Harness> {
  let t = NOW.getTime();
  const clock = (): Date => new Date(t);
  const agency = await startReferenceAgency({
    port: 0, institutions: options.institutions ?? [INST, OTHER], profile: options.profile ?? 'tif', now: clock,
    signInMaxAgeMs: options.signInMaxAgeMs, tokenTtlSeconds: options.tokenTtlSeconds,
  });
  onTestFinished(() => agency.close());
  agency.store.seedPerson(PERSON);
  agency.store.seedRegistration({ certno: PERSON.certno, psnNo: PERSON.psnNo, psnName: PERSON.psnName, insuplcAdmdvs: '110105', group: 'resettledRetiree', destination: '340100', effectiveFrom: '2025-06-01' });
  const settings = { 'agency.profile': options.profile ?? 'tif', ...options.settings };
  const { client, signIn } = makeClient(configFor(agency, settings, options.timeoutMs), clock);
  return {
    agency, client, signIn,
    advance: (ms) => {
      t += ms;
    },
    send: (infno, input) => client.call(envelope(infno, input)),
  };
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

function feeLine(mdtrtId: string, sn: string, code: string, amount: string | number, cnt: string, pric: string): Record<string, unknown> {
  return {
    feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: PERSON.psnNo, med_type: '21', fee_ocur_time: '2026-03-02 10:00:00', med_list_codg: code,
    medins_list_codg: `H-${code}`, det_item_fee_sumamt: amount, cnt, pric, bilg_dept_codg: 'A03', bilg_dept_name: '呼吸内科', bilg_dr_codg: 'D0001', bilg_dr_name: '测试医生',
  };
}

const feesInput = (mdtrtId: string): Record<string, unknown> => ({ feedetail: [feeLine(mdtrtId, '1', 'XM0001', '30.00', '2', '15'), feeLine(mdtrtId, '2', 'ZZ9999', 12.5, '1', '12.5')] });
const dischargeInput = (mdtrtId: string): Record<string, unknown> => ({ dscginfo: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo, insutype: '310', endtime: '2026-03-09 10:00:00', dscg_way: '1' } });
const settleData = (mdtrtId: string): Record<string, unknown> => ({
  psn_no: PERSON.psnNo, mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, medfee_sumamt: '42.50', psn_setlway: '01', mdtrt_id: mdtrtId,
  insutype: '310', acct_used_flag: '0', fund_pay_sumamt: '20.00', acct_pay: '0.00', psn_cash_pay: '22.50', hifp_pay: '20.00',
  setldetail: [{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '20.00' }],
});
const CLAIM = { clr_type: '21', clr_way: '01', setlym: '202602', psntime: 0, medfee_sumamt: '0.00', med_sumfee: '0.00', fund_appy_sum: '0.00', cash_payamt: '0.00', acct_pay: '0.00', begndate: '2026-02-01', enddate: '2026-02-28', insutype: '310' };

/**
 * What the agency settles with: Beijing pools at province level (110000); a 5.00 deductible and a
 * flat 80 % leave the pool 20.00 of the 30.00 in scope (ZZ9999 is not in its catalogue: 12.50 self-paid).
 */
function seedSettling(agency: ReferenceAgency): void {
  agency.store.seedCatalogue({ medListCodg: 'XM0001', name: '静脉输液', medChrgitmType: '05', chrgitmLv: '01', begndate: '2026-01-01' });
  const flat = [{ upTo: null, ratio: '0.80' }];
  agency.store.seedPolicy({ version: '110000-310-2026-T', insuplcAdmdvs: '110000', insutype: '310', year: 2026, body: {
    version: '110000-310-2026-T', scheme: '310', deductible: { '1': '5.00', '2': '5.00', '3': '5.00' }, repeatDeductibleFactor: '1',
    bands: { '1': flat, '2': flat, '3': flat }, reduction: { longTerm: '0', referral: '0.10', emergency: '0.10', otherTemporary: '0.20', unregistered: '0.30' },
    annualCap: '300000.00', poolFundType: '310100', supplementary: { fundType: '330100', ratio: '0.85', annualCap: '400000.00' }, civilServantRatio: '0',
    outpatient: { deductible: '5.00', ratio: '0.80', annualCap: '3000.00' },
  } });
}

/** 2601 冲正 of an envelope that was sent, as the worker builds it: psn_no from the original's input. */
function reversalOf(original: RequestEnvelope): RequestEnvelope {
  return envelope('2601', { data: { psn_no: psnNoOf(original.input), omsgid: original.msgid, oinfno: original.infno } });
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function businessRefusal(p: Promise<unknown>): Promise<BusinessError> {
  const e = await rejectionOf(p);
  expect(e).toBeInstanceOf(BusinessError);
  return e as BusinessError;
}

function admissionStatus(agency: ReferenceAgency): string[] {
  return (agency.store.db.prepare('SELECT status FROM admissions ORDER BY id').all() as { status: string }[]).map((r) => r.status);
}

/** A small HTTP server that keeps every request it gets and answers with `answer`. */
async function captureServer(answer: (req: { path: string; headers: http.IncomingHttpHeaders; body: string }) => { status?: number; body: string }): Promise<{ url: string; requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[] }> {
  const requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const a = answer(r);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', connection: 'close' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

// ---------------------------------------------------------------------------------------------

describe('envelope: builders and readers', () => {
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

describe('sign-in at the agency (9001 / 9002)', () => {
  it('nothing but 9001 goes through without a live sign_no; 9001 issues one and 1101 then answers the seeded person', async () => {
    const { agency, client } = await setup();
    const query = { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01', certno: PERSON.certno, psn_name: PERSON.psnName } };

    const none = await businessRefusal(client.transmit(envelope('1101', query)));
    expect(none.errMsg).toContain('未签到');
    expect(isSignInRefusal(none.errMsg)).toBe(true);
    const made = await businessRefusal(client.transmit({ ...envelope('1101', query), sign_no: '202603100000009999' }));
    expect(made.errMsg).toContain('不存在');
    expect(isSignInRefusal(made.errMsg)).toBe(true);
    // Refusals of the gate leave nothing behind.
    expect(agency.store.count('messages')).toBe(0);

    const sign = await client.transmit(envelope('9001', signInInput()));
    const { signNo, signTime } = readSignIn(sign.output);
    expect(signNo).toMatch(/^20260310\d{10}$/);
    expect(signTime).toBe('2026-03-10 10:00:00');
    expect(agency.store.db.prepare('SELECT opter, ended_at FROM sign_ins WHERE sign_no = ?').get(signNo)).toEqual({ opter: OPTER.login, ended_at: null });

    const r = await client.transmit({ ...envelope('1101', query), sign_no: signNo });
    expect(r.output?.baseinfo).toMatchObject({ psn_no: PERSON.psnNo, certno: PERSON.certno, psn_name: '测试患者', gend: '1', brdy: '1949-12-31', age: 76 });
    expect(r.output?.insuinfo).toEqual([expect.objectContaining({ insutype: '310', psn_type: '12', insuplc_admdvs: '110105', balc: '1234.56', psn_insu_stas: '1' })]);
    const p = readPersonInfo(r.output);
    expect(p.insuinfo[0]?.balc?.toFixed(2)).toBe('1234.56');
    expect(p.registration).toMatchObject({ group: 'resettledRetiree', basis: 'proof', destination: '340100', effectiveFrom: '2025-06-01', status: 'active' });
    // By social security card as well.
    const byCard = await client.transmit({ ...envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'A00000001', card_sn: 'X', psn_cert_type: '01' } }), sign_no: signNo });
    expect(readPersonInfo(byCard.output).psnNo).toBe(PERSON.psnNo);
    const unknown = await businessRefusal(client.transmit({ ...envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '110105194912310037', psn_cert_type: '01' } }), sign_no: signNo }));
    expect(unknown.errMsg).toContain('未查询到该人员');
    expect(unknown.errMsg).toContain('110105********0037');
    expect(isSignInRefusal(unknown.errMsg)).toBe(false);
  });

  it('a sign-in older than the agency’s limit is refused with 签到; a new 9001 works again', async () => {
    const h = await setup({ signInMaxAgeMs: 10 * 60_000 });
    const { signNo } = readSignIn((await h.client.transmit(envelope('9001', signInInput()))).output);
    const query = (): RequestEnvelope => ({ ...envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } }), sign_no: signNo });
    h.advance(9 * 60_000);
    await h.client.transmit(query());
    h.advance(2 * 60_000);
    const late = await businessRefusal(h.client.transmit(query()));
    expect(late.errMsg).toContain('签到已过期');
    expect(isSignInRefusal(late.errMsg)).toBe(true);
    const fresh = readSignIn((await h.client.transmit(envelope('9001', signInInput()))).output).signNo;
    expect(fresh).not.toBe(signNo);
    await h.client.transmit({ ...query(), sign_no: fresh });
  });

  it('9002 ends the sign-in: a transaction under it afterwards is refused with 签到, another sign-in is untouched', async () => {
    const { agency, client } = await setup();
    const mine = readSignIn((await client.transmit(envelope('9001', signInInput()))).output).signNo;
    const theirs = readSignIn((await client.transmit(envelope('9001', signInInput('c02'), { ...CTX, opter: 'c02', opterName: '另一收费员' }))).output).signNo;
    const query = (signNo: string): RequestEnvelope => ({ ...envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } }), sign_no: signNo });
    await client.transmit(query(mine));

    const out = await client.transmit({ ...envelope('9002', { signOut: { sign_no: mine, opter_no: OPTER.login } }), sign_no: mine });
    expect(out.infcode).toBe(0);
    expect(agency.store.db.prepare('SELECT ended_at FROM sign_ins WHERE sign_no = ?').get(mine)).toEqual({ ended_at: NOW.toISOString() });
    const after = await businessRefusal(client.transmit(query(mine)));
    expect(after.errMsg).toContain('已签退');
    expect(isSignInRefusal(after.errMsg)).toBe(true);
    expect((await client.transmit(query(theirs))).infcode).toBe(0);
    // 9002 of a sign_no the agency never issued is a business refusal.
    const bogus = await businessRefusal(client.transmit({ ...envelope('9002', { signOut: { sign_no: '202603100000000777', opter_no: OPTER.login } }), sign_no: theirs }));
    expect(bogus.errMsg).toContain('签到编号不存在');
  });

  it('call() stamps the operator’s sign_no on the envelope it sends; the stored request carries it', async () => {
    const { agency, client, signIn } = await setup();
    const e = envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    expect(e.sign_no).toBe('');
    await client.call(e);
    await client.call(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } }));
    expect(signIn.signIns).toBe(1);
    const stored = JSON.parse(agency.store.message(e.msgid)!.request) as RequestEnvelope;
    expect(stored.sign_no).toBe(signIn.current());
    expect(stored.sign_no).not.toBe('');
  });
});

describe('the envelope as the agency checks it', () => {
  it('refuses a msgid of another institution, a missing field, an unknown infno, foreign codes and regions; stores none of them', async () => {
    const h = await setup();
    const foreign = { ...envelope('9001', signInInput()), msgid: makeMsgid(OTHER.code, NOW, 1) };
    expect((await businessRefusal(h.client.call(foreign))).errMsg).toContain('前 12 位应为本机构编号');

    const { opter: _opter, ...noOpter } = envelope('9001', signInInput());
    expect((await businessRefusal(h.client.call(noOpter as RequestEnvelope))).errMsg).toContain('缺少必填字段：经办人（opter）');

    const short = { ...envelope('9001', signInInput()), msgid: `${INST.code}2026031010000` };
    expect((await businessRefusal(h.client.call(short))).errMsg).toContain('报文ID（msgid）格式不正确');

    const otherCode = { ...envelope('9001', signInInput()), fixmedins_code: OTHER.code };
    expect((await businessRefusal(h.client.call(otherCode))).errMsg).toContain(`与调用机构 ${INST.code} 不一致`);
    const otherRegion = { ...envelope('9001', signInInput()), mdtrtarea_admvs: '110105' };
    expect((await businessRefusal(h.client.call(otherRegion))).errMsg).toContain('就医地医保区划');
    // A desk extension sent to the platform is refused there (the client sends 3290 to the extension URL).
    const ext = await businessRefusal(h.client.transmit({ ...envelope('3290', { data: {} }), sign_no: await h.signIn.signNoFor(OPTER) }));
    expect(ext.errMsg).toContain('是桌面扩展交易');
    expect(h.agency.store.count('messages')).toBe(1); // only the 9001 of the sign-in

    expect((await businessRefusal(h.send('9999', { data: {} }))).errMsg).toBe('不支持的交易：9999');
    expect((await businessRefusal(h.send('2401', { mdtrtinfo: { psn_no: PERSON.psnNo } }))).errMsg).toContain('mdtrtinfo 缺少必填字段');
    expect((await businessRefusal(h.client.call({ ...envelope('2401', admissionInput('ZY001')), insuplc_admdvs: '' }))).errMsg).toContain('参保地医保区划（insuplc_admdvs）不能为空');
    expect(h.agency.store.count('admissions')).toBe(0);
  });
});

describe('a repeated msgid is refused, never answered again (报文ID重复)', () => {
  it('for a success, a business refusal and a sign-in alike; nothing is done twice and the first answer stays as it was', async () => {
    const h = await setup();
    const adm = envelope('2401', admissionInput('ZY002'));
    const first = await h.client.call(adm);
    const mdtrtId = readAdmission(first.output).mdtrtId;
    const storedAnswer = h.agency.store.message(adm.msgid)!.response;

    const dup = await businessRefusal(h.client.call(adm));
    expect(dup.errMsg).toContain('报文ID重复');
    expect(dup.errMsg).toContain(adm.msgid);
    expect(dup.errMsg).toContain('2401');
    expect(isDuplicateMsgid(dup.errMsg)).toBe(true);
    expect(isSignInRefusal(dup.errMsg)).toBe(false);
    expect(dup.response.output).toBeNull(); // not the first answer replayed
    expect(h.agency.store.count('admissions')).toBe(1);
    expect(h.agency.store.message(adm.msgid)!.response).toBe(storedAnswer);
    // The same msgid on another transaction is the same refusal.
    expect(isDuplicateMsgid((await businessRefusal(h.client.call({ ...envelope('2402', dischargeInput(mdtrtId)), msgid: adm.msgid }))).errMsg)).toBe(true);
    expect(admissionStatus(h.agency)).toEqual(['admitted']);

    const refused = envelope('2404', { data: { mdtrt_id: 'nope', psn_no: PERSON.psnNo } });
    expect((await businessRefusal(h.client.call(refused))).errMsg).toContain('就诊ID不存在');
    expect(isDuplicateMsgid((await businessRefusal(h.client.call(refused))).errMsg)).toBe(true);

    const sign = envelope('9001', signInInput());
    await h.client.call(sign);
    expect(isDuplicateMsgid((await businessRefusal(h.client.call(sign))).errMsg)).toBe(true);
    expect(h.agency.store.count('sign_ins')).toBe(2); // the client's own and this one, once
  });

  it('a message refused at the gate (sign-in, injected failItem) was not kept: its msgid can still be sent', async () => {
    const h = await setup();
    const adm = envelope('2401', admissionInput('ZY003'));
    const noSign = await businessRefusal(h.client.transmit(adm));
    expect(isSignInRefusal(noSign.errMsg)).toBe(true);
    h.agency.faults.set({ mode: 'failItem', msgid: adm.msgid, times: 1 });
    const injected = await businessRefusal(h.client.call(adm));
    expect(injected.response.infcode).toBe(-1);
    expect(injected.errMsg).toContain('注入的故障');
    expect(injected.retryable).toBe(false);
    expect(h.agency.store.count('admissions')).toBe(0);
    expect(readAdmission((await h.client.call(adm)).output).mdtrtId).toMatch(/^340104\d{12}$/);
    expect(h.agency.faults.list()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * One state-changing transaction with what it needs before it: `prepare` sends the earlier
 * steps and returns the input of the transaction under test; `state` reads what that
 * transaction changes, without ids the agency hands out afresh.
 */
interface ReversalCase {
  prepare(h: Harness): Promise<Record<string, unknown>>;
  state(h: Harness): unknown;
}

async function admit(h: Harness, iptNo = 'ZY200'): Promise<string> {
  return readAdmission((await h.send('2401', admissionInput(iptNo))).output).mdtrtId;
}

async function settledStay(h: Harness): Promise<{ mdtrtId: string; setlId: string }> {
  seedSettling(h.agency);
  const mdtrtId = await admit(h);
  await h.send('2301', feesInput(mdtrtId));
  await h.send('2402', dischargeInput(mdtrtId));
  const setlId = readSettlement((await h.send('2304', { data: settleData(mdtrtId) })).output).setlId!;
  return { mdtrtId, setlId };
}

const one = (h: Harness, sql: string): unknown => h.agency.store.db.prepare(sql).get();
const all = (h: Harness, sql: string): unknown => h.agency.store.db.prepare(sql).all();

// Outpatient (issue 16): 2201 挂号 → 2203 就诊信息 → 2204 per 收费批次 → 2207 → 2208.
const otpRegistration = (otpNo = 'MZ200') => build2201({
  psnNo: PERSON.psnNo, insutype: '310', begntime: '2026-03-10 09:00:00', certType: '02', certNo: PERSON.certno, otpNo,
  doctorCode: 'D01', doctorName: '陈医生', deptCode: 'M01', deptName: '内科门诊', caty: 'A03',
});
const otpInfo = (mdtrtId: string) => build2203({ mdtrtId, psnNo: PERSON.psnNo }, { medType: '11', begntime: '2026-03-10 09:00:00', diseCodg: null, diseName: null, deptName: '内科门诊', doctorCode: 'D01', doctorName: '陈医生' },
  [{ diagType: '1', code: 'J06.900', name: '急性上呼吸道感染', main: true }]);
const otpFees = (mdtrtId: string) => build2204({ mdtrtId, psnNo: PERSON.psnNo, medType: '11' }, 'B1', [{
  feedetlSn: '1', initFeedetlSn: null, feeOcurTime: '2026-03-10 09:10:00', medListCodg: 'XM0001', medinsListCodg: 'XM0001', detItemFeeSumamt: '10.00', cnt: '1', pric: '10',
  bilgDeptCodg: 'M01', bilgDeptName: '内科门诊', bilgDrCodg: 'D01', bilgDrName: '陈医生', selfPay: false, etipFlag: false, etipHospCode: null,
}]);
const otpSettle = (mdtrtId: string) => build2207({ mdtrtId, psnNo: PERSON.psnNo, certType: '02', certNo: PERSON.certno, insutype: '310', medType: '11' },
  { medfee_sumamt: '10.00', fulamt_ownpay_amt: '0.00', overlmt_selfpay: '0.00', preselfpay_amt: '0.00', inscp_scp_amt: '0.00' }, false);
async function otpVisit(h: Harness, fees = false): Promise<string> {
  const mdtrtId = readVisitRegistration((await h.send('2201', otpRegistration())).output).mdtrtId!;
  await h.send('2203', otpInfo(mdtrtId));
  if (fees) await h.send('2204', otpFees(mdtrtId));
  return mdtrtId;
}
async function otpSettled(h: Harness): Promise<{ mdtrtId: string; setlId: string }> {
  seedSettling(h.agency);
  const mdtrtId = await otpVisit(h, true);
  return { mdtrtId, setlId: readSettlement((await h.send('2207', otpSettle(mdtrtId))).output).setlId! };
}

const REVERSAL_CASES: Record<string, ReversalCase> = {
  '2401': {
    prepare: () => Promise.resolve(admissionInput('ZY201')),
    state: (h) => admissionStatus(h.agency),
  },
  '2402': {
    prepare: async (h) => dischargeInput(await admit(h)),
    state: (h) => one(h, 'SELECT status, endtime FROM admissions'),
  },
  '2403': {
    prepare: async (h) => ({ adminfo: { mdtrt_id: await admit(h), psn_no: PERSON.psnNo, adm_bed: '99', begntime: '2026-03-01 08:00:00' } }),
    state: (h) => one(h, `SELECT begntime, json_extract(detail, '$.mdtrtinfo.adm_bed') AS bed FROM admissions`),
  },
  '2404': {
    prepare: async (h) => ({ data: { mdtrt_id: await admit(h), psn_no: PERSON.psnNo } }),
    state: (h) => admissionStatus(h.agency),
  },
  '2405': {
    prepare: async (h) => {
      const mdtrtId = await admit(h);
      await h.send('2402', dischargeInput(mdtrtId));
      return { data: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } };
    },
    state: (h) => one(h, 'SELECT status, endtime FROM admissions'),
  },
  '2301': {
    prepare: async (h) => feesInput(await admit(h)),
    state: (h) => one(h, 'SELECT count(*) AS lines, group_concat(feedetl_sn) AS sns FROM fee_details'),
  },
  '2302': {
    prepare: async (h) => {
      const mdtrtId = await admit(h);
      await h.send('2301', feesInput(mdtrtId));
      return { data: { feedetl_sn: '0000', mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } };
    },
    state: (h) => one(h, 'SELECT count(*) AS lines FROM fee_details'),
  },
  '2304': {
    prepare: async (h) => {
      seedSettling(h.agency);
      const mdtrtId = await admit(h);
      await h.send('2301', feesInput(mdtrtId));
      await h.send('2402', dischargeInput(mdtrtId));
      return { data: settleData(mdtrtId) };
    },
    state: (h) => h.agency.store.db.prepare(`SELECT kind, medfee_sumamt, fund_pay_sumamt, psn_cash_pay FROM settlements ORDER BY id`).all(),
  },
  '2305': {
    prepare: async (h) => {
      const { mdtrtId, setlId } = await settledStay(h);
      return { data: { mdtrt_id: mdtrtId, setl_id: setlId, psn_no: PERSON.psnNo } };
    },
    state: (h) => h.agency.store.db.prepare(`SELECT kind, medfee_sumamt FROM settlements ORDER BY id`).all(),
  },
  '2201': {
    prepare: () => Promise.resolve(otpRegistration()),
    state: (h) => all(h, 'SELECT ipt_otp_no, status FROM otp_visits'),
  },
  '2202': {
    prepare: async (h) => build2202({ mdtrtId: await otpVisit(h), psnNo: PERSON.psnNo }, 'MZ200'),
    state: (h) => all(h, 'SELECT status FROM otp_visits'),
  },
  '2203': {
    prepare: async (h) => otpInfo(readVisitRegistration((await h.send('2201', otpRegistration())).output).mdtrtId!),
    state: (h) => all(h, 'SELECT mdtrtinfo IS NOT NULL AS info, diseinfo FROM otp_visits'),
  },
  '2204': {
    prepare: async (h) => otpFees(await otpVisit(h)),
    state: (h) => one(h, 'SELECT count(*) AS lines, group_concat(chrg_bchno) AS batches FROM otp_fees'),
  },
  '2205': {
    prepare: async (h) => build2205({ mdtrtId: await otpVisit(h, true), psnNo: PERSON.psnNo }, 'B1'),
    state: (h) => one(h, 'SELECT count(*) AS lines FROM otp_fees'),
  },
  '2207': {
    prepare: async (h) => {
      seedSettling(h.agency);
      return otpSettle(await otpVisit(h, true));
    },
    state: (h) => all(h, `SELECT kind, clr_type, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, chrg_bchnos FROM settlements ORDER BY id`),
  },
  '2208': {
    prepare: async (h) => {
      const { mdtrtId, setlId } = await otpSettled(h);
      return build2208({ mdtrtId, psnNo: PERSON.psnNo }, setlId);
    },
    state: (h) => all(h, `SELECT kind, medfee_sumamt, fund_pay_sumamt FROM settlements ORDER BY id`),
  },
  '3203': {
    prepare: () => Promise.resolve({ data: CLAIM }),
    state: (h) => ({
      claims: h.agency.store.db.prepare(`SELECT setlym, status FROM claims`).all(),
      feed: h.agency.store.count('clearing_feed'),
    }),
  },
  '3204': {
    prepare: async (h) => ({ data: { clr_appy_evt_id: readClaimAck((await h.send('3203', { data: CLAIM })).output).clrAppyEvtId } }),
    state: (h) => ({ claims: h.agency.store.db.prepare(`SELECT status FROM claims`).all(), feed: h.agency.store.count('clearing_feed') }),
  },
};

describe('2601 冲正 takes back every state-changing transaction', () => {
  it('the cases below cover exactly the STATE_CHANGING table', () => {
    expect(Object.keys(REVERSAL_CASES).sort()).toEqual(STATE_CHANGING.map((r) => r.infno).sort());
  });

  const reverseAndResend = async (infno: string): Promise<void> => {
    const h = await setup();
    const input = await REVERSAL_CASES[infno]!.prepare(h);
    const state = (): unknown => REVERSAL_CASES[infno]!.state(h);
    const before = state();
    const original = envelope(infno, input);
    expect((await h.client.call(original)).infcode).toBe(0);
    const done = state();
    expect(done).not.toEqual(before);

    const rev = reversalOf(original);
    const answer = await h.client.call(rev);
    expect(answer.output?.data).toMatchObject({ omsgid: original.msgid, oinfno: infno });
    expect(state()).toEqual(before);
    expect(h.agency.store.db.prepare('SELECT reversed_by FROM messages WHERE msgid = ?').get(original.msgid)).toEqual({ reversed_by: rev.msgid });

    // The original msgid stays used; the same business goes again under a new one and has the same effect.
    expect(isDuplicateMsgid((await businessRefusal(h.client.call(original))).errMsg)).toBe(true);
    expect((await h.client.call(again(original))).infcode).toBe(0);
    expect(state()).toEqual(done);
  };

  for (const { infno, label } of STATE_CHANGING) {
    it(`${infno} ${label}: its effect is gone after 2601, and the same business goes through again under a new msgid`, () => reverseAndResend(infno));
  }
});

describe('lostAfterCommit for each state-changing infno: committed, no answer; 2601 takes it back and a new msgid does it once', () => {
  for (const { infno, label } of STATE_CHANGING) {
    it(`${infno} ${label}`, async () => {
      const h = await setup();
      const input = await REVERSAL_CASES[infno]!.prepare(h);
      const state = (): unknown => REVERSAL_CASES[infno]!.state(h);
      const before = state();
      const original = envelope(infno, input);
      h.agency.faults.set({ mode: 'lostAfterCommit', infno, times: 1 });
      const lost = await rejectionOf(h.client.call(original));
      expect(lost).toBeInstanceOf(NetworkError);
      expect((lost as NetworkError).mayHaveArrived).toBe(true);
      expect(h.agency.faults.list()).toEqual([]);
      // The agency kept it: its effect is there although the desk heard nothing.
      expect(h.agency.store.message(original.msgid)).toMatchObject({ infno });
      const done = state();
      expect(done).not.toEqual(before);

      await h.client.call(reversalOf(original));
      expect(state()).toEqual(before);
      expect((await h.client.call(again(original))).infcode).toBe(0);
      expect(state()).toEqual(done);
    });
  }
});

describe('2405 出院撤销 and 2302 费用明细撤销 as the platform refuses them', () => {
  it('2405: an unknown stay, another person, a stay not discharged, a settled one, a cancelled one are refused in Chinese; a discharged one is in hospital again', async () => {
    const h = await setup();
    const undoDischarge = (mdtrtId: string, psnNo = PERSON.psnNo): Promise<AgencyResponse> => h.send('2405', { data: { mdtrt_id: mdtrtId, psn_no: psnNo } });

    expect((await businessRefusal(undoDischarge('340104999999999999'))).errMsg).toBe('就诊ID不存在：340104999999999999');
    const mdtrtId = await admit(h, 'ZY500');
    expect((await businessRefusal(undoDischarge(mdtrtId))).errMsg).toBe('该人员未办理出院，不能撤销出院');
    await h.send('2402', dischargeInput(mdtrtId));
    expect((await businessRefusal(undoDischarge(mdtrtId, '11000000000000000999'))).errMsg).toBe('人员编号与就诊信息不一致');
    expect((await businessRefusal(h.send('2405', { data: { mdtrt_id: mdtrtId } }))).errMsg).toBe('data 缺少必填字段：psn_no');
    expect(one(h, 'SELECT status, endtime FROM admissions')).toEqual({ status: 'discharged', endtime: '2026-03-09 10:00:00' });

    expect((await undoDischarge(mdtrtId)).infcode).toBe(0);
    expect(one(h, 'SELECT status, endtime FROM admissions')).toEqual({ status: 'admitted', endtime: null });
    expect((await businessRefusal(undoDischarge(mdtrtId))).errMsg).toBe('该人员未办理出院，不能撤销出院');
    // In hospital again: fees can go up, and the stay can be cancelled (2404) as the typical reversal ends.
    await h.send('2404', { data: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } });
    expect((await businessRefusal(undoDischarge(mdtrtId))).errMsg).toBe('该就诊已撤销，不能撤销出院');

    // Settled: 2305 first.
    const h2 = await setup();
    const { mdtrtId: settledId, setlId } = await settledStay(h2);
    const settled = await businessRefusal(h2.send('2405', { data: { mdtrt_id: settledId, psn_no: PERSON.psnNo } }));
    expect(settled.errMsg).toBe(`该就诊已结算（结算ID ${setlId}），请先撤销结算`);
    await h2.send('2305', { data: { mdtrt_id: settledId, setl_id: setlId, psn_no: PERSON.psnNo } });
    expect((await h2.send('2405', { data: { mdtrt_id: settledId, psn_no: PERSON.psnNo } })).infcode).toBe(0);
    expect(one(h2, 'SELECT status FROM admissions')).toEqual({ status: 'admitted' });
  });

  it('2405: refused while the person is in hospital on another stay', async () => {
    const h = await setup();
    const first = await admit(h, 'ZY510');
    await h.send('2402', dischargeInput(first));
    const second = await admit(h, 'ZY511');
    const e = await businessRefusal(h.send('2405', { data: { mdtrt_id: first, psn_no: PERSON.psnNo } }));
    expect(e.errMsg).toBe(`该人员是在院状态不能撤销出院，在院信息：就诊ID：${second}`);
    expect(admissionStatus(h.agency)).toEqual(['discharged', 'admitted']);
  });

  it('2302: one line by feedetl_sn or all with "0000"; unknown lines, an empty stay, a settled or cancelled one are refused in Chinese; a withdrawn line can be uploaded again', async () => {
    const h = await setup();
    const withdraw = (mdtrtId: string, sn: string): Promise<AgencyResponse> => h.send('2302', { data: { feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } });
    const lines = (): unknown => h.agency.store.db.prepare('SELECT feedetl_sn FROM fee_details ORDER BY id').all();

    expect((await businessRefusal(withdraw('340104999999999999', '0000'))).errMsg).toBe('就诊ID不存在：340104999999999999');
    const mdtrtId = await admit(h, 'ZY520');
    expect((await businessRefusal(withdraw(mdtrtId, '0000'))).errMsg).toBe(`该就诊没有可撤销的费用明细：就诊ID ${mdtrtId}`);
    await h.send('2301', feesInput(mdtrtId));
    expect((await businessRefusal(withdraw(mdtrtId, '7'))).errMsg).toBe(`费用明细流水号不存在：7（就诊ID ${mdtrtId}）`);
    expect((await businessRefusal(h.send('2302', { data: { feedetl_sn: '0000', mdtrt_id: mdtrtId, psn_no: '11000000000000000999' } }))).errMsg).toBe('人员编号与就诊信息不一致');
    expect((await businessRefusal(h.send('2302', { data: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } }))).errMsg).toBe('data 缺少必填字段：feedetl_sn');
    expect(lines()).toEqual([{ feedetl_sn: '1' }, { feedetl_sn: '2' }]);

    expect((await withdraw(mdtrtId, '2')).infcode).toBe(0);
    expect(lines()).toEqual([{ feedetl_sn: '1' }]);
    expect((await businessRefusal(withdraw(mdtrtId, '2'))).errMsg).toBe(`费用明细流水号不存在：2（就诊ID ${mdtrtId}）`);
    // The serial number is free again.
    await h.send('2301', { feedetail: [feeLine(mdtrtId, '2', 'ZZ9999', '10.00', '1', '10')] });
    expect(lines()).toEqual([{ feedetl_sn: '1' }, { feedetl_sn: '2' }]);
    expect((await withdraw(mdtrtId, '0000')).infcode).toBe(0);
    expect(lines()).toEqual([]);
    await h.send('2404', { data: { mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } });
    expect((await businessRefusal(withdraw(mdtrtId, '0000'))).errMsg).toBe('该就诊已撤销，不能撤销费用明细');

    const h2 = await setup();
    const { mdtrtId: settledId, setlId } = await settledStay(h2);
    const settled = await businessRefusal(h2.send('2302', { data: { feedetl_sn: '0000', mdtrt_id: settledId, psn_no: PERSON.psnNo } }));
    expect(settled.errMsg).toBe(`该就诊已结算（结算ID ${setlId}），不能撤销费用明细，请先撤销结算`);
    expect(h2.agency.store.count('fee_details')).toBe(2);
  });

  it('2601 of a 2302 is refused once a later 2301 re-used the withdrawn lines; 2601 of a 2301 is refused after its lines were withdrawn', async () => {
    const h = await setup();
    const mdtrtId = await admit(h, 'ZY530');
    const up = envelope('2301', feesInput(mdtrtId));
    await h.client.call(up);
    const del = envelope('2302', { data: { feedetl_sn: '0000', mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } });
    await h.client.call(del);
    const blocked = await businessRefusal(h.client.call(reversalOf(up)));
    expect(blocked.errMsg).toContain(`原交易之后已有交易（报文ID ${del.msgid}）`);
    expect(isReversalNotInEffect(blocked.errMsg)).toBe(false);
    // 2601 of the 2302 would bring back the lines: allowed while nothing re-used their serial numbers.
    await h.client.call(reversalOf(del));
    expect(h.agency.store.count('fee_details')).toBe(2);

    // One line withdrawn (a row that is not the newest), its serial number uploaded again: the
    // withdrawn row cannot come back beside the new one. Refused as a business failure, nothing changed.
    await h.client.call(envelope('2301', { feedetail: [feeLine(mdtrtId, '3', 'XM0001', '15.00', '1', '15')] }));
    const delOne = envelope('2302', { data: { feedetl_sn: '1', mdtrt_id: mdtrtId, psn_no: PERSON.psnNo } });
    await h.client.call(delOne);
    await h.client.call(envelope('2301', { feedetail: [feeLine(mdtrtId, '1', 'XM0001', '15.00', '1', '15')] }));
    const lines = (): unknown => h.agency.store.db.prepare('SELECT feedetl_sn, det_item_fee_sumamt FROM fee_details ORDER BY feedetl_sn').all();
    const kept = lines();
    const blocked2 = await businessRefusal(h.client.call(reversalOf(delOne)));
    expect(blocked2.errMsg).toContain('不能冲正');
    expect(isReversalNotInEffect(blocked2.errMsg)).toBe(false);
    expect(lines()).toEqual(kept);
    expect(h.agency.store.message(delOne.msgid)).toMatchObject({ reversed_by: null });
  });
});

describe('2601 refusals', () => {
  it('the original never arrived, was refused, or was reversed already: worded so isReversalNotInEffect reads "not in effect"', async () => {
    const h = await setup();
    const missing = await businessRefusal(h.send('2601', { data: { psn_no: PERSON.psnNo, omsgid: makeMsgid(INST.code, NOW, 9999), oinfno: '2401' } }));
    expect(missing.errMsg).toContain('原交易不存在');
    expect(isReversalNotInEffect(missing.errMsg)).toBe(true);

    const failed = envelope('2404', { data: { mdtrt_id: 'nope', psn_no: PERSON.psnNo } });
    await businessRefusal(h.client.call(failed));
    const notOk = await businessRefusal(h.client.call(reversalOf(failed)));
    expect(notOk.errMsg).toContain('原交易未成功');
    expect(isReversalNotInEffect(notOk.errMsg)).toBe(true);

    const adm = envelope('2401', admissionInput('ZY300'));
    await h.client.call(adm);
    await h.client.call(reversalOf(adm));
    const twice = await businessRefusal(h.client.call(reversalOf(adm)));
    expect(twice.errMsg).toContain('原交易已冲正');
    expect(isReversalNotInEffect(twice.errMsg)).toBe(true);
    // None of them is a sign-in or duplicate refusal.
    for (const e of [missing, notOk, twice]) {
      expect(isSignInRefusal(e.errMsg)).toBe(false);
      expect(isDuplicateMsgid(e.errMsg)).toBe(false);
    }
  });

  it('a later transaction touched the same rows: refused in words that do NOT read "not in effect"; reversing the later one first frees it', async () => {
    const h = await setup();
    const adm = envelope('2401', admissionInput('ZY301'));
    const mdtrtId = readAdmission((await h.client.call(adm)).output).mdtrtId;
    const dscg = envelope('2402', dischargeInput(mdtrtId));
    await h.client.call(dscg);

    const blocked = await businessRefusal(h.client.call(reversalOf(adm)));
    expect(blocked.errMsg).toContain('原交易之后已有交易');
    expect(blocked.errMsg).toContain(dscg.msgid);
    expect(isReversalNotInEffect(blocked.errMsg)).toBe(false);
    expect(admissionStatus(h.agency)).toEqual(['discharged']);

    await h.client.call(reversalOf(dscg));
    expect(admissionStatus(h.agency)).toEqual(['admitted']);
    await h.client.call(reversalOf(adm));
    expect(admissionStatus(h.agency)).toEqual([]);
  });

  it('a wrong oinfno, a wrong psn_no or a transaction that changes nothing: refused, and not read as "not in effect"', async () => {
    const h = await setup();
    const adm = envelope('2401', admissionInput('ZY302'));
    await h.client.call(adm);
    const wrongInfno = await businessRefusal(h.send('2601', { data: { psn_no: PERSON.psnNo, omsgid: adm.msgid, oinfno: '2402' } }));
    expect(wrongInfno.errMsg).toContain('原交易编号不一致');
    const wrongPsn = await businessRefusal(h.send('2601', { data: { psn_no: 'SOMEONE-ELSE', omsgid: adm.msgid, oinfno: '2401' } }));
    expect(wrongPsn.errMsg).toContain('人员编号');
    const query = envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    await h.client.call(query);
    const notReversible = await businessRefusal(h.send('2601', { data: { psn_no: '', omsgid: query.msgid, oinfno: '1101' } }));
    expect(notReversible.errMsg).toContain('不支持冲正');
    for (const e of [wrongInfno, wrongPsn, notReversible]) expect(isReversalNotInEffect(e.errMsg)).toBe(false);
    expect(admissionStatus(h.agency)).toEqual(['admitted']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('faults become the four error classes', () => {
  it('refuse, garbage and a timeout are NetworkError; 500 is ServerError; faults are used up', async () => {
    const h = await setup({ timeoutMs: 300 });
    await h.signIn.signNoFor(OPTER);
    const query = (): Promise<AgencyResponse> => h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });

    h.agency.faults.set({ mode: 'refuse', times: 1 });
    const refused = await rejectionOf(query());
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).retryable).toBe(true);

    h.agency.faults.set({ mode: 'garbage', times: 1 });
    const garbage = await rejectionOf(query());
    expect(garbage).toMatchObject({ name: 'NetworkError', kind: 'garbage', mayHaveArrived: true });

    h.agency.faults.set({ mode: 'delay', ms: 2000, times: 1 });
    expect(await rejectionOf(query())).toMatchObject({ name: 'NetworkError', kind: 'timeout', mayHaveArrived: true });

    h.agency.faults.set({ mode: 'status500', times: 1 });
    const e500 = await rejectionOf(query());
    expect(e500).toBeInstanceOf(ServerError);
    expect(e500).toMatchObject({ status: 500, retryable: true });

    expect(h.agency.faults.list()).toEqual([]);
    expect((await query()).infcode).toBe(0);
    expect(await h.client.ping()).toBe(true);
  });

  it('a fault aimed at one infno leaves the others alone', async () => {
    const h = await setup();
    h.agency.faults.set({ mode: 'status500', infno: '2304', times: 1 });
    await h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    expect(h.agency.faults.list()).toEqual([{ mode: 'status500', infno: '2304', times: 1 }]);
    expect(await rejectionOf(h.send('2304', { data: settleData('x') }))).toBeInstanceOf(ServerError);
    expect(h.agency.faults.list()).toEqual([]);
  });

  it('drop and lostAfterCommit: committed, the answer lost; the msgid is then 报文ID重复, and 2601 + a new msgid resolves it', async () => {
    const h = await setup();
    await h.signIn.signNoFor(OPTER);
    const adm = envelope('2401', admissionInput('ZY400'));
    h.agency.faults.set({ mode: 'drop', times: 1 });
    const dropped = await rejectionOf(h.client.call(adm));
    expect(dropped).toMatchObject({ name: 'NetworkError', kind: 'dropped', mayHaveArrived: true });
    expect(admissionStatus(h.agency)).toEqual(['admitted']);
    // No replay of the answer: the same msgid is refused, and the admission is not made twice.
    expect(isDuplicateMsgid((await businessRefusal(h.client.call(adm))).errMsg)).toBe(true);
    await h.client.call(reversalOf(adm));
    expect(admissionStatus(h.agency)).toEqual([]);
    const mdtrtId = readAdmission((await h.client.call(again(adm))).output).mdtrtId;
    expect(mdtrtId).toMatch(/^340104\d{12}$/);
    expect(admissionStatus(h.agency)).toEqual(['admitted']);

    const dscg = envelope('2402', dischargeInput(mdtrtId));
    h.agency.faults.set({ mode: 'lostAfterCommit', infno: '2402', times: 1 });
    const lost = await rejectionOf(h.client.call(dscg));
    expect(lost).toBeInstanceOf(NetworkError);
    expect((lost as NetworkError).mayHaveArrived).toBe(true);
    expect(admissionStatus(h.agency)).toEqual(['discharged']);
    expect(h.agency.store.message(dscg.msgid)).toBeDefined();
  });

  it('crashAfterAnswer: nothing was kept and nothing answered; the same msgid then goes through once, and 2601 of it would have said 原交易不存在', async () => {
    const h = await setup();
    await h.signIn.signNoFor(OPTER);
    const adm = envelope('2401', admissionInput('ZY401'));
    h.agency.faults.set({ mode: 'crashAfterAnswer', times: 1 });
    const crashed = await rejectionOf(h.client.call(adm));
    expect(crashed).toBeInstanceOf(NetworkError);
    expect((crashed as NetworkError).mayHaveArrived).toBe(true);
    expect(h.agency.store.message(adm.msgid)).toBeUndefined();
    expect(h.agency.store.count('admissions')).toBe(0);
    const notThere = await businessRefusal(h.client.call(reversalOf(adm)));
    expect(isReversalNotInEffect(notThere.errMsg)).toBe(true);
    expect(readAdmission((await h.client.call(adm)).output).mdtrtId).toBeTruthy();
    expect(h.agency.store.count('admissions')).toBe(1);
  });

  it('reversalAnswerLost: the 2601 committed without an answer; a second 2601 says 原交易已冲正 (not in effect)', async () => {
    const h = await setup();
    const adm = envelope('2401', admissionInput('ZY402'));
    await h.client.call(adm);
    h.agency.faults.set({ mode: 'reversalAnswerLost', times: 1 });
    // Only a 2601 is hit: a 1101 passes.
    await h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    const lost = await rejectionOf(h.client.call(reversalOf(adm)));
    expect(lost).toBeInstanceOf(NetworkError);
    expect(h.agency.store.count('admissions')).toBe(0);
    const second = await businessRefusal(h.client.call(reversalOf(adm)));
    expect(second.errMsg).toContain('原交易已冲正');
    expect(isReversalNotInEffect(second.errMsg)).toBe(true);
  });

  it('a stopped agency is refused (and never reached); ping says so', async () => {
    const h = await setup();
    await h.agency.close();
    expect(await h.client.ping()).toBe(false);
    const e = await rejectionOf(h.client.transmit(envelope('9001', signInInput())));
    expect(e).toMatchObject({ name: 'NetworkError', kind: 'refused', mayHaveArrived: false });
  });

  it('/__faults switches faults over HTTP from 127.0.0.1 only, and refuses an unknown mode', async () => {
    const h = await setup();
    const set = await fetch(`${h.agency.url}/__faults`, { method: 'POST', body: JSON.stringify({ mode: 'status500' }), signal: AbortSignal.timeout(3000) });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ faults: [{ mode: 'status500' }] });
    expect(await h.client.ping()).toBe(true); // ping is a GET: any answer, even a 500, means the gateway is there
    expect(await rejectionOf(h.client.transmit(envelope('9001', signInInput())))).toBeInstanceOf(ServerError);
    const bad = await fetch(`${h.agency.url}/__faults`, { method: 'POST', body: JSON.stringify({ mode: 'explode' }), signal: AbortSignal.timeout(3000) });
    expect(bad.status).toBe(400);
    await fetch(`${h.agency.url}/__faults`, { method: 'POST', body: JSON.stringify({ mode: 'none' }), signal: AbortSignal.timeout(3000) });
    expect(h.agency.faults.list()).toEqual([]);

    // From another address of this machine (127.0.0.2 is on lo, but it is not 127.0.0.1): 403, nothing set.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${h.agency.url}/__faults`, { method: 'POST', localAddress: '127.0.0.2' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ mode: 'status500' }));
    });
    expect(status).toBe(403);
    expect(h.agency.faults.list()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('desk extensions (roster, catalogue, policies pages) under /desk-ext/', () => {
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
    // The extensions need no sign-in: the pages above sent no 9001.
    expect(agency.store.count('sign_ins')).toBe(0);
  });

  it('the extensions keep their own HMAC headers: a wrong key is 401, no extension URL says so, the platform path does not serve them', async () => {
    const { agency } = await setup();
    const wrong = makeClient(readAgencyConfig({ setting: () => undefined, env: {}, fixmedinsCode: INST.code, overrides: { url: agency.url, extUrl: agency.extUrl, extKey: 'wrong-key', token: INST.key } }), () => NOW).client;
    expect(await rejectionOf(wrong.page('roster', null, 10))).toMatchObject({ name: 'RejectedError', status: 401, code: 'BAD_SIGNATURE' });
    const none = makeClient(configFor({ url: agency.url }), () => NOW).client;
    expect(await rejectionOf(none.page('roster', null, 10))).toMatchObject({ name: 'RejectedError', code: 'NO_EXTENSION' });
    // A signed extension request made by hand reaches /desk-ext/, and the same request is refused again (nonce reused).
    const headers = signHeaders(INST.code, INST.key, '', NOW, 'nonce-1');
    const ok = await fetch(`${agency.extUrl}/api/pages/roster?limit=5`, { headers, signal: AbortSignal.timeout(3000) });
    expect(ok.status).toBe(200);
    const replay = await fetch(`${agency.extUrl}/api/pages/roster?limit=5`, { headers, signal: AbortSignal.timeout(3000) });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'NONCE_REUSED' });
  });
});

describe('an inpatient stay through the client', () => {
  it('admit, fees, discharge, settle, reconcile, reverse, claim', async () => {
    const h = await setup();
    const { agency, client } = h;
    seedSettling(agency);
    const admitted = await h.send('2401', admissionInput('ZY100'));
    const mdtrtId = readAdmission(admitted.output).mdtrtId;
    expect(mdtrtId).toMatch(/^340104\d{12}$/);

    const fees = await h.send('2301', feesInput(mdtrtId));
    const results = readFeeResults(fees.output);
    expect(results.map((r) => [r.feedetlSn, r.detItemFeeSumamt?.toFixed(2), r.chrgitmLv])).toEqual([['1', '30.00', '01'], ['2', '12.50', '03']]);
    const dupLine = await businessRefusal(h.send('2301', { feedetail: [feeLine(mdtrtId, '1', 'XM0001', '30.00', '2', '15')] }));
    expect(dupLine.errMsg).toContain('费用明细流水号重复');

    const settle = settleData(mdtrtId);
    const early = await businessRefusal(h.send('2304', { data: settle }));
    expect(early.errMsg).toContain('尚未办理出院');
    await h.send('2402', dischargeInput(mdtrtId));

    const preview = await h.send('2303', { data: settle });
    expect(readSettlement(preview.output).setlId).toBeNull();
    const settleEnv = envelope('2304', { data: settle });
    const settled = readSettlement((await client.call(settleEnv)).output);
    expect(settled.setlId).toMatch(/^340104S\d{11}$/);
    expect(settled.medinsSetlId).toBe(settleEnv.msgid);
    expect(settled.amounts.medfee_sumamt?.toFixed(2)).toBe('42.50');
    expect(settled.amounts.psn_cash_pay?.toFixed(2)).toBe('22.50');
    expect(settled.setldetail[0]?.fundPayamt?.toFixed(2)).toBe('20.00');
    const twiceSettled = await businessRefusal(h.send('2304', { data: settle }));
    expect(twiceSettled.errMsg).toContain('请勿重复结算');

    const stmt = (medfee: string, fund: string, cnt: number): Record<string, unknown> => ({ data: {
      insutype: '310', clr_type: '21', setl_optins: '110105', stmt_begndate: TODAY, stmt_enddate: TODAY, medfee_sumamt: medfee, fund_pay_sumamt: fund, acct_pay: '0', fixmedins_setl_cnt: cnt,
    } });
    expect(readStatement((await h.send('3201', stmt('42.50', '20.00', 1))).output)).toMatchObject({ stmtRslt: '0' });
    const off = readStatement((await h.send('3201', stmt('42.60', '20.00', 1))).output);
    expect(off.stmtRslt).toBe('1');
    expect(off.dscr).toContain('医疗费总额：医院 42.60，经办机构 42.50');

    const reversal = readSettlement((await h.send('2305', { data: { mdtrt_id: mdtrtId, setl_id: settled.setlId, psn_no: PERSON.psnNo } })).output);
    expect(reversal.amounts.medfee_sumamt?.toFixed(2)).toBe('-42.50');
    expect(reversal.setlId).not.toBe(settled.setlId);
    const twice = await businessRefusal(h.send('2305', { data: { mdtrt_id: mdtrtId, setl_id: settled.setlId, psn_no: PERSON.psnNo } }));
    expect(twice.errMsg).toContain('该结算已撤销');
    // Settlement and reversal net to zero over two records.
    expect(readStatement((await h.send('3201', stmt('0', '0.00', 2))).output).stmtRslt).toBe('0');

    const ack = readClaimAck((await h.send('3203', { data: CLAIM })).output);
    expect(ack.clrAppyEvtId).toMatch(/^340104C\d{11}$/);
    expect((await businessRefusal(h.send('3203', { data: CLAIM }))).errMsg).toContain('已申报');
    expect(agency.store.count('settlements')).toBe(2);
    expect(agency.store.count('claims')).toBe(1);
    // One sign-in carried the whole stay.
    expect(h.signIn.signIns).toBe(1);
    expect(agency.store.count('sign_ins')).toBe(1);
  });
});

describe('answers of real platforms (samples) through the client', () => {
  it('a gateway error or encrypted answer is RejectedError, a business refusal BusinessError, a non-envelope NetworkError', async () => {
    // A stand-in platform that answers every request with one of the real samples.
    let body = '';
    const server = await captureServer(() => ({ body }));
    const { client } = makeClient(configFor({ url: server.url }), () => NOW, null);
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
    expect(server.requests).toHaveLength(6);
  });
});

// ---------------------------------------------------------------------------------------------

const GM_CLIENT_ID = 'GMCLIENT00000001';
const GM_SECRET = 'gm-secret-0001';
const GM_KEYS = sm2GenerateKeyPair();

interface ProfileSpec {
  institution: Institution;
  /** The desk's settings for it (agency.* keys, as the connection screen stores them). */
  settings: Record<string, string>;
  /** The same with one credential wrong. */
  wrong: Record<string, string>;
  wrongCode: string;
}

const PROFILES: Record<GatewayProfileName, ProfileSpec> = {
  tif: {
    institution: { ...INST, token: 'tif-token-0001' },
    settings: { 'agency.token': 'tif-token-0001' },
    wrong: { 'agency.token': 'not-the-token' },
    wrongCode: 'BAD_SIGNATURE',
  },
  gm: {
    institution: { ...INST, gm: { clientId: GM_CLIENT_ID, clientSecret: GM_SECRET, publicKeyHex: GM_KEYS.publicKeyHex } },
    settings: { 'agency.clientId': GM_CLIENT_ID, 'agency.clientSecret': GM_SECRET, 'agency.sm2PrivateKey': GM_KEYS.privateKeyHex },
    wrong: { 'agency.clientId': GM_CLIENT_ID, 'agency.clientSecret': 'not-the-secret', 'agency.sm2PrivateKey': GM_KEYS.privateKeyHex },
    wrongCode: 'GATEWAY_AUTH',
  },
  plain: {
    institution: { ...INST, apikey: 'apikey-0001' },
    settings: { 'agency.apikey': 'apikey-0001' },
    wrong: { 'agency.apikey': 'not-the-apikey' },
    wrongCode: 'BAD_APIKEY',
  },
};

function profileSetup(profile: GatewayProfileName, extra: { tokenTtlSeconds?: number } = {}): Promise<Harness> {
  const spec = PROFILES[profile];
  // A 前置机 (plain) serves one hospital: the institution list is just this one.
  return setup({ profile, institutions: [spec.institution], settings: spec.settings, ...extra });
}

describe.each(['tif', 'gm', 'plain'] as const)('gateway profile %s', (profile) => {
  it('sign in, 1101, 2401, 2301, 2402, 2304 through the client configured as the desk reads its settings', async () => {
    const h = await profileSetup(profile);
    expect(h.client.profile).toBe(profile);
    seedSettling(h.agency);
    const person = readPersonInfo((await h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } })).output);
    expect(person.psnNo).toBe(PERSON.psnNo);
    expect(person.insuinfo[0]?.balc?.toFixed(2)).toBe('1234.56');
    const mdtrtId = readAdmission((await h.send('2401', admissionInput('ZY500'))).output).mdtrtId;
    expect(mdtrtId).toMatch(/^340104\d{12}$/);
    expect(readFeeResults((await h.send('2301', feesInput(mdtrtId))).output)).toHaveLength(2);
    await h.send('2402', dischargeInput(mdtrtId));
    const settled = readSettlement((await h.send('2304', { data: settleData(mdtrtId) })).output);
    expect(settled.setlId).toMatch(/^340104S\d{11}$/);
    expect(settled.amounts.medfee_sumamt?.toFixed(2)).toBe('42.50');
    expect(settled.amounts.fund_pay_sumamt?.toFixed(2)).toBe('20.00');

    // One 9001, and every message after it went under its sign_no (gm: the agency decrypted the input).
    expect(h.signIn.signIns).toBe(1);
    const rows = h.agency.store.db.prepare('SELECT infno, request FROM messages ORDER BY rowid').all() as { infno: string; request: string }[];
    expect(rows.map((r) => r.infno)).toEqual(['9001', '1101', '2401', '2301', '2402', '2304']);
    for (const r of rows.slice(1)) {
      const env = JSON.parse(r.request) as RequestEnvelope;
      expect(env.sign_no).toBe(h.signIn.current());
      expect(typeof env.input).toBe('object');
    }
  });

  it('a wrong credential is HTTP 401 → RejectedError, not retryable, and reaches no transaction', async () => {
    const h = await profileSetup(profile);
    const spec = PROFILES[profile];
    const { client } = makeClient(configFor(h.agency, { 'agency.profile': profile, ...spec.wrong }), () => NOW);
    const e = await rejectionOf(client.call(envelope('9001', signInInput())));
    expect(e).toBeInstanceOf(RejectedError);
    expect(e).toMatchObject({ status: 401, code: spec.wrongCode, retryable: false });
    expect(h.agency.store.count('messages')).toBe(0);
  });
});

describe('gateway profile tif: the gateway’s checks', () => {
  it('a millisecond timestamp, a clock 6 minutes off and an unknown paasid are 401', async () => {
    const h = await profileSetup('tif');
    const config = configFor(h.agency, { 'agency.profile': 'tif', ...PROFILES.tif.settings });
    // A clock 1000× ahead makes the adapter's "seconds" the millisecond count: what a desk sending ms would send.
    const millis = makeClient(config, () => new Date(NOW.getTime() * 1000)).client;
    expect(await rejectionOf(millis.transmit(envelope('9001', signInInput())))).toMatchObject({ name: 'RejectedError', status: 401, code: 'TIMESTAMP_SKEW' });
    const late = makeClient(config, () => new Date(NOW.getTime() + 6 * 60_000)).client;
    expect(await rejectionOf(late.transmit(envelope('9001', signInInput())))).toMatchObject({ name: 'RejectedError', status: 401, code: 'TIMESTAMP_SKEW' });
    const within = makeClient(config, () => new Date(NOW.getTime() + 4 * 60_000)).client;
    expect((await within.transmit(envelope('9001', signInInput()))).infcode).toBe(0);
    const stranger = makeClient(configFor(h.agency, { 'agency.profile': 'tif', ...PROFILES.tif.settings, 'agency.paasid': 'PAAS-UNKNOWN' }), () => NOW).client;
    expect(await rejectionOf(stranger.transmit(envelope('9001', signInInput())))).toMatchObject({ name: 'RejectedError', status: 401, code: 'UNKNOWN_PAASID' });
    expect(h.agency.store.count('messages')).toBe(1);
  });

  it('a captured request replayed (same nonce) is refused', async () => {
    const h = await profileSetup('tif');
    const ts = String(Math.floor(NOW.getTime() / 1000));
    const nonce = 'a'.repeat(32);
    const headers = {
      'content-type': 'application/json;charset=UTF-8', 'x-tif-paasid': INST.code, 'x-tif-timestamp': ts, 'x-tif-nonce': nonce,
      'x-tif-signature': createHash('sha256').update(`${ts}tif-token-0001${nonce}${ts}`).digest('hex'),
    };
    const post = (body: RequestEnvelope): Promise<Response> => fetch(`${h.agency.url}/fsi/api/rsfComIfsService/callService`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
    expect((await post(envelope('9001', signInInput()))).status).toBe(200);
    const replay = await post(envelope('9001', signInInput()));
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'NONCE_REUSED' });
    expect(h.agency.store.count('sign_ins')).toBe(1);
  });
});

describe('gateway profile gm: token and signature', () => {
  /** Each token request consumes one use of a zero-delay fault on the token path: a counter the desk cannot see. */
  function countTokenRequests(h: Harness): () => number {
    h.agency.faults.add({ mode: 'delay', ms: 0, path: '/auth/oauth/token', times: 1000 });
    return () => 1000 - (h.agency.faults.list().find((f) => f.mode === 'delay')?.times ?? 1000);
  }

  it('after tokenExpired the transaction is answered 401, the client takes a new token once and succeeds', async () => {
    const h = await profileSetup('gm');
    const tokens = countTokenRequests(h);
    const query = (): Promise<AgencyResponse> => h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    await query();
    await query();
    expect(tokens()).toBe(1); // cached
    h.agency.faults.add({ mode: 'tokenExpired', path: '/fsi/', infno: '1101', times: 1 });
    const r = await query();
    expect(readPersonInfo(r.output).psnNo).toBe(PERSON.psnNo);
    expect(tokens()).toBe(2);
    expect(h.agency.faults.list().some((f) => f.mode === 'tokenExpired')).toBe(false);
    expect(h.agency.store.count('messages')).toBe(4); // 9001 and three 1101, none twice
  });

  it('a token is renewed a minute before it expires, without a 401', async () => {
    const h = await profileSetup('gm', { tokenTtlSeconds: 120 });
    const tokens = countTokenRequests(h);
    const query = (): Promise<AgencyResponse> => h.send('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } });
    await query();
    h.advance(59_000);
    await query();
    expect(tokens()).toBe(1);
    h.advance(2_000);
    await query();
    expect(tokens()).toBe(2);
  });

  it('the agency checks cainfo with the institution’s public key: another key pair’s signature is refused', async () => {
    const h = await profileSetup('gm');
    const other = sm2GenerateKeyPair();
    const { client } = makeClient(configFor(h.agency, { 'agency.profile': 'gm', ...PROFILES.gm.settings, 'agency.sm2PrivateKey': other.privateKeyHex }), () => NOW);
    const e = await rejectionOf(client.call(envelope('9001', signInInput())));
    expect(e).toMatchObject({ name: 'RejectedError', status: 400, code: 'BAD_GM_ENVELOPE' });
    expect((e as Error).message).toContain('签名');
    expect(h.agency.store.count('messages')).toBe(0);
    // A clientId that is not 16 characters is the desk's configuration, said before anything is sent.
    const short = makeClient(configFor(h.agency, { 'agency.profile': 'gm', ...PROFILES.gm.settings, 'agency.clientId': 'SHORT' }), () => NOW).client;
    expect(await rejectionOf(short.call(envelope('9001', signInInput())))).toMatchObject({ name: 'RejectedError', code: 'GATEWAY_AUTH' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('on the wire', () => {
  const SAMPLE_9001 = (): string => readFileSync(join(SAMPLES_DIR, '9001-response-zhejiang.json'), 'utf8');

  it('tif: the plain envelope to callService with x-tif-* headers, Unix seconds, a fresh nonce and SHA-256(ts+token+nonce+ts)', async () => {
    const server = await captureServer(() => ({ body: SAMPLE_9001() }));
    const settings = { 'agency.token': 'wire-token', 'agency.paths': JSON.stringify({ '2304': '/fsi/api/hospSettService/settV2' }) };
    // 789 ms past the second: the timestamp is the second, rounded down.
    const at = new Date(NOW.getTime() + 789);
    const { client } = makeClient(configFor({ url: server.url }, settings), () => at, null);
    const first = envelope('9001', signInInput());
    await client.call(first);
    await client.call(envelope('1101', { data: {} }));
    await client.call(envelope('2304', { data: {} }));
    expect(server.requests).toHaveLength(3);
    const [a, b, c] = server.requests as [typeof server.requests[0], typeof server.requests[0], typeof server.requests[0]];

    expect(a.method).toBe('POST');
    expect(a.path).toBe('/fsi/api/rsfComIfsService/callService');
    expect(b.path).toBe('/fsi/api/rsfComIfsService/callService');
    expect(c.path).toBe('/fsi/api/hospSettService/settV2');
    expect(a.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(Object.keys(a.headers).filter((k) => k.startsWith('x-tif-')).sort()).toEqual(['x-tif-nonce', 'x-tif-paasid', 'x-tif-signature', 'x-tif-timestamp']);
    expect(a.headers.authorization).toBeUndefined();
    expect(a.headers['x-tif-paasid']).toBe(INST.code);
    expect(a.headers['x-tif-timestamp']).toBe('1773108000'); // `date -u -d 2026-03-10T02:00:00Z +%s`
    for (const r of [a, b, c]) {
      const ts = String(r.headers['x-tif-timestamp']);
      const nonce = String(r.headers['x-tif-nonce']);
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      expect(r.headers['x-tif-signature']).toBe(createHash('sha256').update(ts + 'wire-token' + nonce + ts, 'utf8').digest('hex'));
    }
    expect(new Set([a, b, c].map((r) => r.headers['x-tif-nonce'])).size).toBe(3);
    // The body is the envelope itself, unsigned and unwrapped.
    expect(JSON.parse(a.body)).toEqual(first);
  });

  it('plain: the envelope with the apikey header and nothing else of a gateway', async () => {
    const server = await captureServer(() => ({ body: SAMPLE_9001() }));
    const { client } = makeClient(configFor({ url: `${server.url}/qzj/callService` }, { 'agency.profile': 'plain', 'agency.apikey': 'k-123' }), () => NOW, null);
    const e = envelope('9001', signInInput());
    await client.call(e);
    const [r] = server.requests;
    expect(r?.path).toBe('/qzj/callService');
    expect(r?.headers.apikey).toBe('k-123');
    expect(Object.keys(r?.headers ?? {}).filter((k) => k.startsWith('x-tif-') || k === 'authorization')).toEqual([]);
    expect(JSON.parse(r?.body ?? '')).toEqual(e);
  });

  it('gm: Basic password grant for the token, then Bearer and the SM4 input that node:crypto decrypts with the clientId', async () => {
    const server = await captureServer((req) => req.path.endsWith('/auth/oauth/token')
      ? { body: JSON.stringify({ access_token: 'tok-1', token_type: 'bearer', expires_in: 3600 }) }
      : { body: SAMPLE_9001() });
    const { client } = makeClient(configFor({ url: `${server.url}/gw/fsi/api/rsfComIfsService/callService` }, { 'agency.profile': 'gm', ...PROFILES.gm.settings }), () => NOW, null);
    const e = envelope('9001', signInInput());
    expect(readSignIn((await client.call(e)).output).signNo).toBe('680003');
    const [token, tx] = server.requests;
    expect(token?.path).toBe('/gw/auth/oauth/token');
    expect(token?.headers.authorization).toBe(`Basic ${Buffer.from(`${GM_CLIENT_ID}:${GM_SECRET}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(token?.body ?? ''))).toEqual({ grant_type: 'password', username: INST.code, password: GM_SECRET });
    expect(tx?.path).toBe('/gw/fsi/api/rsfComIfsService/callService');
    expect(tx?.headers.authorization).toBe('Bearer tok-1');
    const sent = JSON.parse(tx?.body ?? '') as Record<string, unknown>;
    expect(sent).toMatchObject({ infno: '9001', msgid: e.msgid, encType: 'SM4', signtype: 'SM2' });
    expect(typeof sent.input).toBe('string');
    const decipher = createDecipheriv('sm4-ecb', Buffer.from(GM_CLIENT_ID, 'utf8'), null);
    const plainText = Buffer.concat([decipher.update(Buffer.from(String(sent.input), 'base64')), decipher.final()]).toString('utf8');
    expect(JSON.parse(plainText)).toEqual(e.input);
    expect(Buffer.from(String(sent.cainfo), 'base64')).toHaveLength(64);
  });
});

describe('real-world answer shapes (issue 14 §3, §5)', () => {
  async function dischargedStay(h: Harness): Promise<string> {
    seedSettling(h.agency);
    const mdtrtId = await admit(h);
    await h.send('2301', feesInput(mdtrtId));
    await h.send('2402', dischargeInput(mdtrtId));
    return mdtrtId;
  }

  it('infcode 0 with an error text and no setlinfo is a BusinessError with the platform\'s words, not a success; nothing was settled', async () => {
    const h = await setup();
    const mdtrtId = await dischargedStay(h);
    h.agency.faults.set({ mode: 'okWithoutOutput', infno: '2304', times: 1 });
    const e = await businessRefusal(h.send('2304', { data: settleData(mdtrtId) }));
    expect(e.errMsg).toMatch(/setlinfo.*服务暂不可用/);
    expect(e.response.ok).toBe(false);
    expect(h.agency.store.count('settlements')).toBe(0);
    expect(readSettlement((await h.send('2304', { data: settleData(mdtrtId) })).output).setlId).toBeTruthy();
  });

  it('realShapes at 0.5 reshapes every second 2303 answer; the reshaped and the plain answer compare equal on every checked total', async () => {
    const h = await setup();
    const mdtrtId = await dischargedStay(h);
    h.agency.realShapes.set(0.5);
    const plain = await h.send('2303', { data: settleData(mdtrtId) });
    const shaped = await h.send('2303', { data: settleData(mdtrtId) });
    expect(h.agency.realShapes.reshaped).toBe(1);
    const p = readSettlement(plain.output);
    const s = readSettlement(shaped.output);
    expect(s.setldetail.map((r) => r.fundPayType)).toEqual(expect.arrayContaining(['310200', '999996', '999997', null]));
    expect(s.amounts.hosp_part_amt).toBeNull();
    const ours = Object.fromEntries(CHECKED_TOTALS.map((f) => [f, p.amounts[f]!])) as Record<CheckedTotal, Decimal>;
    expect(compareWithAgency(ours, s.amounts)).toEqual([]);
    expect(() => h.agency.realShapes.set(2)).toThrow(InputError);
  });
});

describe('outpatient refunds across the year (跨年, 004 第四十五条)', () => {
  it('a 2026 settlement refunded in 2027 gives its deductible back to 2026, not to 2027', async () => {
    const h = await setup();
    const { mdtrtId, setlId } = await otpSettled(h);
    const body = JSON.parse((h.agency.store.db.prepare(`SELECT body FROM policies WHERE version = '110000-310-2026-T'`).get() as { body: string }).body) as Record<string, unknown>;
    h.agency.store.seedPolicy({ version: '110000-310-2027-T', insuplcAdmdvs: '110000', insutype: '310', year: 2027, body: { ...body, version: '110000-310-2027-T' } });
    h.advance(300 * 86_400_000); // 2027-01-04
    const refund = readSettlement((await h.send('2208', build2208({ mdtrtId, psnNo: PERSON.psnNo }, setlId))).output);
    expect(refund.amounts.hifp_pay?.toFixed(2)).toBe('-4.00');
    expect(all(h, `SELECT kind, setl_date FROM settlements ORDER BY id`)).toEqual([{ kind: 'settle', setl_date: '2026-03-10' }, { kind: 'reversal', setl_date: '2027-01-04' }]);
    // A 2027 visit meets the full 2027 deductible (5.00): the refund did not lower 2027's.
    const next = readVisitRegistration((await h.send('2201', otpRegistration('MZ201'))).output).mdtrtId!;
    await h.send('2203', otpInfo(next));
    await h.send('2204', otpFees(next));
    const s2027 = readSettlement((await h.send('2207', otpSettle(next))).output);
    expect([s2027.amounts.act_pay_dedc?.toFixed(2), s2027.amounts.hifp_pay?.toFixed(2)]).toEqual(['5.00', '4.00']);
  });
});
