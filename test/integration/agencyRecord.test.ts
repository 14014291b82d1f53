import { afterEach, describe, expect, it } from 'vitest';
import type { AgencyRecordView, SettlementPreview } from '../../shared/api/settlement.ts';
import { addDays } from '../../shared/dates.ts';
import type { DeskSettings } from '../../shared/api/settings.ts';
import { seedSpecialDrugs } from '../agency/server.ts';
import { admit, b64, type Ctx, fails, feeCsv, ITEM, ok, setup, SHORT_STAY } from '../support/settlementFixtures.ts';

/** Issue 15 §4: the platform's record of a stay (5303, 5204, 5203) beside the desk's, through the real reference agency. */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const ROWS = SHORT_STAY;

async function settled(c: Ctx) {
  const a = await admit(c);
  await ok(c, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(ROWS, addDays(a.admittedOn, 1))) });
  const p = await ok<SettlementPreview>(c, 'settlement.preview', { admissionId: a.id });
  const done = await ok<{ settlementId: number }>(c, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
  return { a, settlementId: done.settlementId };
}

describe('the platform\'s record of a stay (5303 / 5204 / 5203)', () => {
  it('agrees with the desk after a settlement: not in hospital, the same lines and total, the same settlement', async () => {
    ctx = await setup({ online: true });
    const { a, settlementId } = await settled(ctx);
    const r = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(r.inHospital).toMatchObject({ agrees: true, text: '经办机构与本院一致：不在院', rows: [] });
    expect(r.fees).toEqual({ agencyCount: 3, agencyTotal: '1100.00', deskCount: 3, deskTotal: '1100.00', onlyAtAgency: [], onlyAtDesk: [], differing: [] });
    expect(r.settlement).toMatchObject({ settlementId, reversedAtAgency: null, deskReversed: false, differences: [] });
  });

  it('shows where they differ: a line the platform lost, a stay it still has in hospital, a settlement reversed only there', async () => {
    ctx = await setup({ online: true });
    const { a } = await settled(ctx);
    const store = ctx.agency!.store.db;
    store.prepare(`DELETE FROM fee_details WHERE feedetl_sn = 'F5'`).run();
    store.prepare(`UPDATE fee_details SET det_item_fee_sumamt = '449.99' WHERE feedetl_sn = 'F1'`).run();
    store.prepare(`UPDATE admissions SET status = 'admitted', endtime = NULL`).run();
    const setl = store.prepare(`SELECT setl_id FROM settlements`).get() as { setl_id: string };
    store.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid)
      SELECT setl_id || 'R', 'reversal', setl_id, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, '-' || medfee_sumamt, '-' || fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid || 'R' FROM settlements WHERE setl_id = ?`).run(setl.setl_id);
    const r = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(r.inHospital).toMatchObject({ agrees: false });
    expect('text' in r.inHospital && r.inHospital.text).toContain('经办机构仍为在院');
    expect(r.fees).toMatchObject({ agencyCount: 2, deskCount: 3, onlyAtDesk: ['F5'], onlyAtAgency: [], differing: [{ sn: 'F1', desk: '450.00', agency: '449.99' }] });
    expect(r.settlement).toMatchObject({ reversedAtAgency: `${setl.setl_id}R`, differences: [] });
  });

  it('a stay the agency has not registered cannot be asked; one query refused does not hide the others', async () => {
    ctx = await setup({ online: true });
    const offline = await admit(ctx, { register: false });
    expect((await fails(ctx, 'settlement.agencyRecord', { admissionId: offline.id })).code).toBe('NOT_AT_AGENCY');
    const { a } = await settled(ctx);
    // The platform answers 5203 "success" with an error text and no record: that part fails, in its words.
    ctx.agency!.faults.set({ mode: 'okWithoutOutput', infno: '5203', times: 1 });
    const r = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(r.settlement).toMatchObject({ error: expect.stringContaining('结算信息') });
    expect(r.fees).toMatchObject({ agencyCount: 3, onlyAtDesk: [] });
    expect(r.inHospital).toMatchObject({ agrees: true });
  });

  it('5205 special-drug records: not asked until the insured region is switched on (a supervisor\'s option), then shown beside the desk\'s lines of the same drug', async () => {
    ctx = await setup({ online: true });
    const { a } = await settled(ctx);
    const store = ctx.agency!.store.db;
    seedSpecialDrugs(store, [ITEM.drug.code]);
    const asked = () => (store.prepare(`SELECT count(*) AS n FROM messages WHERE infno = '5205'`).get() as { n: number }).n;
    const off = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(off.specialDrugs).toBeNull();
    expect(asked()).toBe(0);

    const person = ctx.desk.db.$client.prepare('SELECT insuplc_admdvs FROM persons p JOIN admissions a ON a.person_id = p.id WHERE a.id = ?').get(a.id) as { insuplc_admdvs: string };
    expect((await fails(ctx, 'settings.update', { specialDrugRegions: [person.insuplc_admdvs] })).code).toBe('FORBIDDEN');
    const settings = await ok<DeskSettings>(ctx, 'settings.update', { specialDrugRegions: [person.insuplc_admdvs] }, ctx.supervisor);
    expect(settings.specialDrugRegions).toEqual([person.insuplc_admdvs]);
    const on = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(asked()).toBe(1);
    expect(on.specialDrugs).toMatchObject({
      rows: [{ code: ITEM.drug.code, cnt: '20', amount: '250.00', hospital: expect.any(String) }],
      thisStay: [{ code: ITEM.drug.code, agency: '250.00', desk: '250.00', agrees: true }],
    });
    // The platform's record differs from the desk's line: shown, not agreeing.
    store.prepare(`UPDATE fee_details SET det_item_fee_sumamt = '200.00' WHERE feedetl_sn = 'F2'`).run();
    const differs = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(differs.specialDrugs).toMatchObject({ thisStay: [{ agency: '200.00', desk: '250.00', agrees: false }] });
    // A refusal is that part's error only.
    ctx.agency!.faults.set({ mode: 'refuse', infno: '5205', times: 1 });
    const refused = await ok<AgencyRecordView>(ctx, 'settlement.agencyRecord', { admissionId: a.id });
    expect(refused.specialDrugs).toMatchObject({ error: expect.any(String) });
    expect(refused.fees).toMatchObject({ agencyCount: 3 });
  });
});
