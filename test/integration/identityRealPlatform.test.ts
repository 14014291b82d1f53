import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { IdentityResult } from '../../shared/api/identity.ts';
import { refusalAdvice } from '../../shared/agency/refusalAdvice.ts';
import { startIdentityDesk } from '../support/identityDesk.ts';
import { BusinessError } from '../../electron/agency/client.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';

/**
 * Issue 13 point 5: a real 1101 has baseinfo, insuinfo and idetinfo only — the registration block
 * is a desk extension. Against an agency without it, the desk neither wipes what its roster knows
 * nor guesses "not registered": it leaves the check to the insured region at 2401, and a 2401
 * refused for a missing registration leads to the 补办 path (004 第二十二条).
 */
const [ZHANG, , , ZHOU] = DEMO_PATIENTS;
const DAY = '2026-11-20';

let t: Awaited<ReturnType<typeof startIdentityDesk>>;
beforeEach(async () => {
  t = await startIdentityDesk({ registrationExtension: false });
});
afterEach(async () => t.stop());

async function check(credential: string): Promise<IdentityResult> {
  const r = await t.call<IdentityResult>('identity.check', { credential, admissionDate: DAY });
  if (!r.ok) throw new Error(`${r.error?.code}: ${r.error?.message}`);
  return r.result!;
}

describe('1101 without the registration extension', () => {
  it('the agency answers without a registration block', async () => {
    const rows = t.agency.store.db.prepare('SELECT response FROM messages WHERE infno = ?').all('1101') as { response: string }[];
    expect(rows).toHaveLength(0);
    await check(`${ZHOU!.cardNo}|${ZHOU!.certno}`);
    const answer = JSON.parse((t.agency.store.db.prepare('SELECT response FROM messages WHERE infno = ?').get('1101') as { response: string }).response) as { output: Record<string, unknown> };
    expect(Object.keys(answer.output).sort()).toEqual(['baseinfo', 'idetinfo', 'insuinfo']);
  });

  it('a person the roster knows keeps that registration: the decision is the engine’s (REGISTERED)', async () => {
    const r = await check(`${ZHANG!.cardNo}|${ZHANG!.certno}`);
    expect(r.check).toMatchObject({ online: true, direct: true, reason: 'REGISTERED' });
    expect(r.registration).toMatchObject({ agencyId: 'DEMO-REG-1', status: 'active' });
  });

  it('a person nobody at the desk knows a registration of: direct, checked by the insured region at 2401, with the citation', async () => {
    const r = await check(`${ZHOU!.cardNo}|${ZHOU!.certno}`);
    expect(r.check).toMatchObject({ online: true, direct: true, reason: 'AGENCY_CHECKS', rule: '004 第二十二条', reasonLabel: '备案由参保地在入院办理时校验' });
    expect(r.check.message).toContain('入院办理（2401）时校验');
    expect(r.check.message).toContain('补办备案');
  });

  it('the platform refuses the 2401 of an unregistered person; the refusal shown to the clerk leads to the 补办 path', async () => {
    await check(`${ZHOU!.cardNo}|${ZHOU!.certno}`);
    const psnNo = (t.ctx.desk.db.$client.prepare('SELECT psn_no FROM persons WHERE certno = ?').get(ZHOU!.certno) as { psn_no: string }).psn_no;
    const env = t.ctx.desk.db.transaction((tx) => newEnvelope(tx, { login: 'clerk01', name: '王晓燕' }, '2401', {
      mdtrtinfo: {
        psn_no: psnNo, insutype: ZHOU!.insutype, begntime: `${DAY} 09:30:00`, mdtrt_cert_type: '02', mdtrt_cert_no: ZHOU!.certno, med_type: '21', ipt_no: 'ZY-REAL-1',
        atddr_no: 'D0001', chfpdr_name: '李医生', adm_diag_dscr: '肺炎', adm_dept_codg: 'A01', adm_dept_name: '内科', adm_bed: '3',
        dscg_maindiag_code: 'J18.900', dscg_maindiag_name: '肺炎',
      },
      diseinfo: [],
    }, ZHOU!.insuplcAdmdvs));
    const refused = await t.ctx.desk.agency().call(env).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(BusinessError);
    const message = (refused as BusinessError).message;
    expect(message).toContain('备案');
    expect(refusalAdvice('2401', message)).toMatch(/补办备案.*004 第二十二条/);
    // An emergency admission is treated as registered (004 第三十七条): the same person goes in.
    const emergency = t.ctx.desk.db.transaction((tx) => newEnvelope(tx, { login: 'clerk01', name: '王晓燕' }, '2401', {
      ...env.input, mdtrtinfo: { ...env.input.mdtrtinfo, med_type: '24', ipt_no: 'ZY-REAL-2' },
    }, ZHOU!.insuplcAdmdvs));
    expect((await t.ctx.desk.agency().call(emergency)).infcode).toBe(0);
  });
});
