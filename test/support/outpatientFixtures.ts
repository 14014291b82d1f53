import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { type Ctx, ok } from './settlementFixtures.ts';

/** An ordinary visit of 张秀兰 (demo patient 0) and its two lines (400.00), for the outpatient integration tests. */
export const VISIT = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [{ diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true }] };
export const LINES = [
  { feedetlSn: '1', medListCodg: 'XJ01DCC028A001010101445', medinsListCodg: 'YP0001', name: '头孢呋辛钠注射液', cnt: '2', pric: '50', amount: '100.00' },
  { feedetlSn: '2', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '10', pric: '30', amount: '300.00' },
];

export function personId(c: Ctx, n = 0): number {
  return c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[n]!.certno)).get()!.id;
}

export async function settledVisit(c: Ctx): Promise<OutpatientSettleOutcome> {
  const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
  await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
  const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '400.00' });
  expect(out.outcome.state).toBe('settled');
  return out;
}

