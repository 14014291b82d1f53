import { describe, expect, it, onTestFinished } from 'vitest';
import { AgencyClient, BusinessError, type SignInProvider } from '../../electron/agency/client.ts';
import { readAgencyConfig, type GatewayProfileName } from '../../electron/agency/config.ts';
import { downloadFile, FileTransferError, uploadFile, type EnvelopeMaker } from '../../electron/agency/files.ts';
import { sm2GenerateKeyPair } from '../../electron/agency/gm/sm.ts';
import { writeZip } from '../../electron/agency/zip.ts';
import { buildRequest, makeMsgid, readSignIn, type EnvelopeContext } from '../../shared/agency/envelope.ts';
import { detailFileText, national3202Input, readDetailStatement, readResultFile, type DetailRow } from '../../shared/agency/files.ts';
import { Decimal } from '../../shared/money.ts';
import { startReferenceAgency, type Institution, type ReferenceAgency } from '../agency/server.ts';

/**
 * 9101 / 9102 through the desk's agency client against the reference agency over HTTP, in each
 * gateway profile (docs/reconciliation.md): what goes up comes back byte for byte, bounds and
 * ZIP checks refuse what they must, a cut download resumes by Range on tif/plain and starts again
 * on gm.
 */

const INST: Institution = { code: 'H34010400001', name: '测试医院', key: 'test-key-0001', admdvs: '340104' };
const NOW = new Date('2026-03-10T02:00:00Z');
const CTX: EnvelopeContext = { fixmedinsCode: INST.code, fixmedinsName: INST.name, mdtrtareaAdmvs: INST.admdvs, recerSysCode: 'YBXT', opter: 'c01', opterName: '测试收费员' };
const GM_CLIENT_ID = 'GMCLIENT00000001';
const GM_KEYS = sm2GenerateKeyPair();

const PROFILES: Record<GatewayProfileName, { institution: Institution; settings: Record<string, string> }> = {
  tif: { institution: { ...INST, token: 'tif-token-0001' }, settings: { 'agency.token': 'tif-token-0001' } },
  gm: {
    institution: { ...INST, gm: { clientId: GM_CLIENT_ID, clientSecret: 'gm-secret-0001', publicKeyHex: GM_KEYS.publicKeyHex } },
    settings: { 'agency.clientId': GM_CLIENT_ID, 'agency.clientSecret': 'gm-secret-0001', 'agency.sm2PrivateKey': GM_KEYS.privateKeyHex },
  },
  plain: { institution: { ...INST, apikey: 'apikey-0001' }, settings: { 'agency.apikey': 'apikey-0001' } },
};

let seq = 0;
const make: EnvelopeMaker = (infno, input) => {
  seq += 1;
  return buildRequest(CTX, infno, input, { msgid: makeMsgid(INST.code, NOW, seq), now: NOW });
};

class OneSignIn implements SignInProvider {
  private signNo: string | null = null;
  constructor(private readonly client: () => AgencyClient) {}
  async signNoFor(): Promise<string> {
    this.signNo ??= readSignIn((await this.client().transmit(make('9001', { signIn: { opter_no: 'c01', mac: '00:00:00:00:00:00', ip: '127.0.0.1' } }))).output).signNo;
    return this.signNo;
  }
  invalidate(): void {
    this.signNo = null;
  }
}

async function setup(profile: GatewayProfileName): Promise<{ agency: ReferenceAgency; client: AgencyClient }> {
  const agency = await startReferenceAgency({ port: 0, institutions: [PROFILES[profile].institution], profile, now: () => NOW });
  onTestFinished(() => agency.close());
  const config = readAgencyConfig({
    setting: (k) => ({ 'agency.profile': profile, ...PROFILES[profile].settings })[k],
    env: {}, fixmedinsCode: INST.code, overrides: { url: agency.url, extUrl: null, extKey: INST.key, timeoutMs: 5000 },
  });
  let client: AgencyClient | null = null;
  client = new AgencyClient({ config, fixmedinsCode: INST.code, signIn: new OneSignIn(() => client!), now: () => NOW });
  return { agency, client };
}

/** A ZIP large enough to be cut in two, with bytes that do not compress away. */
function sampleZip(name = 'detail.txt'): { zip: Buffer; text: string } {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`S${String(i).padStart(8, '0')}\tM${(i * 7919) % 100003}\t${((i * 104729) % 999983).toString(36)}\t${i}.00`);
  const text = lines.join('\n');
  return { zip: writeZip([{ name, data: Buffer.from(text, 'utf8') }], NOW), text };
}

describe.each(['tif', 'gm', 'plain'] as const)('9101 / 9102 on profile %s', (profile) => {
  it('uploads a ZIP and downloads the same bytes, checked', async () => {
    const { client } = await setup(profile);
    const { zip, text } = sampleZip();
    const no = await uploadFile(client, make, zip, 'detail.zip');
    expect(no).toMatch(/^F340104/);
    const got = await downloadFile(client, make, no, 'detail.zip', { entryName: 'detail.txt' });
    expect(Buffer.compare(got.zip, zip)).toBe(0);
    expect(Buffer.from(got.entry.data).toString('utf8')).toBe(text);
    expect(got.resumed).toBe(0);
  });

  it('refuses an unknown file_qury_no with the agency’s words, and a missing entry', async () => {
    const { client } = await setup(profile);
    await expect(downloadFile(client, make, 'F-NOT-THERE', 'x.zip')).rejects.toBeInstanceOf(BusinessError);
    const no = await uploadFile(client, make, sampleZip().zip, 'detail.zip');
    await expect(downloadFile(client, make, no, 'detail.zip', { entryName: 'other.txt' })).rejects.toThrow(/没有预期的文件 other\.txt/);
  });

  it('bounds what it sends and takes', async () => {
    const { client } = await setup(profile);
    const { zip } = sampleZip();
    await expect(uploadFile(client, make, zip, 'd.zip', { maxZipBytes: zip.length - 1, maxEntryBytes: 1 << 20, tries: 1 })).rejects.toThrow(/超过上限/);
    await expect(uploadFile(client, make, Buffer.from('not a zip at all, just text'), 'd.zip')).rejects.toThrow(/不是有效的 ZIP/);
    const no = await uploadFile(client, make, zip, 'd.zip');
    await expect(downloadFile(client, make, no, 'd.zip', { limits: { maxZipBytes: zip.length - 1, maxEntryBytes: 1 << 20, tries: 1 } })).rejects.toBeInstanceOf(FileTransferError);
    await expect(downloadFile(client, make, no, 'd.zip', { limits: { maxZipBytes: 1 << 20, maxEntryBytes: 100, tries: 1 } })).rejects.toThrow(/超过上限 100 字节/);
  });

  it('a download cut half-way is completed (resumed by Range where the profile allows)', async () => {
    const { agency, client } = await setup(profile);
    const { zip } = sampleZip();
    const no = await uploadFile(client, make, zip, 'detail.zip');
    agency.faults.set({ mode: 'drop', infno: '9102', times: 1 });
    const got = await downloadFile(client, make, no, 'detail.zip');
    expect(Buffer.compare(got.zip, zip)).toBe(0);
    expect(got.tries).toBe(2);
    // tif and plain answer the raw bytes with accept-ranges; gm's are inside its envelope.
    expect(got.resumed).toBe(profile === 'gm' ? 0 : 1);
  });
});

describe.each(['tif', 'gm', 'plain'] as const)('3202 on profile %s', (profile) => {
  it('a detail file up, 3202, the result file down: the agency’s settlements the file lacks come back with their msgid', async () => {
    const { agency, client } = await setup(profile);
    const day = '2026-03-10';
    agency.store.db.prepare(`INSERT INTO settlements (setl_id, kind, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid)
      VALUES ('S-A', 'settle', ?, 'M-A', 'P-A', '310', '2026-03-10 10:00:00', ?, '100.00', '60.00', '0.00', '40.00', '{}', 'H34010400001202603101000000001')`).run(INST.code, day);
    const rows: DetailRow[] = [{ setl_id: 'S-B', mdtrt_id: 'M-B', psn_no: 'P-B', medfee_sumamt: '50.00', fund_pay_sumamt: '30.00', acct_pay: '0.00', refd_setl_flag: '0' }];
    const zip = writeZip([{ name: 'd.txt', data: Buffer.from(detailFileText(rows), 'utf8') }], NOW);
    const no = await uploadFile(client, make, zip, 'd.zip');
    // Totals that are not the file's are refused.
    const wrong = national3202Input({ setlOptins: INST.admdvs, fileQuryNo: no, day, medfee: new Decimal('51'), fund: new Decimal('30'), cash: new Decimal('20'), count: 1 });
    await expect(client.call(make('3202', { ...wrong }))).rejects.toThrow(/与报送的合计不一致/);
    const input = national3202Input({ setlOptins: INST.admdvs, fileQuryNo: no, day, medfee: new Decimal('50'), fund: new Decimal('30'), cash: new Decimal('20'), count: 1 });
    const file = readDetailStatement((await client.call(make('3202', { ...input }))).output);
    const got = await downloadFile(client, make, file.fileQuryNo, file.filename);
    const result = readResultFile(Buffer.from(got.entry.data).toString('utf8'));
    expect(result).toEqual([
      { psn_no: 'P-B', mdtrt_id: 'M-B', setl_id: 'S-B', msgid: '', stmt_rslt: '1', refd_setl_flag: '0', memo: '经办机构无此结算记录' },
      { psn_no: 'P-A', mdtrt_id: 'M-A', setl_id: 'S-A', msgid: 'H34010400001202603101000000001', stmt_rslt: '1', refd_setl_flag: '0', memo: '医院未上报此结算（经办机构有记录）' },
    ]);
  });
});

describe('9102 raw answers (tif)', () => {
  it('a Range past the end is refused, not answered with a wrong file', async () => {
    const { client } = await setup('tif');
    const { zip } = sampleZip();
    const no = await uploadFile(client, make, zip, 'detail.zip');
    await expect(client.fetchFile(make('9102', { fsDownloadIn: { file_qury_no: no, filename: 'detail.zip', fixmedins_code: INST.code } }), { from: zip.length + 10, maxBytes: 1 << 20 })).rejects.toThrow(/HTTP 416/);
    const tail = await client.fetchFile(make('9102', { fsDownloadIn: { file_qury_no: no, filename: 'detail.zip', fixmedins_code: INST.code } }), { from: 100, maxBytes: 1 << 20 });
    expect(tail.from).toBe(100);
    expect(tail.total).toBe(zip.length);
    expect(Buffer.compare(tail.bytes, zip.subarray(100))).toBe(0);
  });
});
