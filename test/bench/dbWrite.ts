import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/open.ts';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import { insertPerson } from '../../db/repos/demo.ts';
import { enqueueMessage } from '../../db/repos/outbox.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { timeFigure, timeMs, type Figure } from './harness.ts';

/** db.write: a settlement-sized transaction (settlement + funds + outbox + audit) vs a bare insert, both durable. */
export async function benchDbWrite(iterations = 200): Promise<Figure> {
  const db = await openDatabase(join(mkdtempSync(join(tmpdir(), 'yidi-bench-')), 'desk.sqlite'));
  const personId = insertPerson(db, { certno: '11010519491231002X', psnName: '测试', gend: '2', brdy: '1949-12-31', insuplcAdmdvs: '110105', insutype: '310' });
  const admissionId = insertAdmission(db, {
    iptNo: 'ZY-BENCH', personId, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231002X', grp: 'longTerm', admittedAt: '2026-11-01 08:00:00',
    way: '门诊', deptCode: 'A01', deptName: '骨科', bed: '12', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
  });
  db.$client.exec('CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const bare = db.$client.prepare('INSERT INTO bench_bare (v) VALUES (?)');
  let seq = 0;

  const baseline = timeMs(() => void bare.run('x'), iterations);
  const value = timeMs(() => {
    seq++;
    const msgid = `H34010400001202611231200${String(seq).padStart(6, '0')}`;
    db.transaction((tx) => {
      const id = insertSettlement(tx, {
        admissionId, kind: 'settlement', settledOn: '2026-11-23', setlTime: '2026-11-23 12:00:00', insutype: '310', scope: 'cross',
        medfeeSumamt: '12345.67', inscpScpAmt: '10000.00', preselfpayAmt: '1000.00', overlmtSelfpay: '345.67', fulamtOwnpayAmt: '1000.00',
        actPayDedc: '900.00', hifpPay: '7000.00', fundPaySumamt: '7000.00', psnPartAmt: '5345.67', acctPay: '0.00', psnCashPay: '5345.67',
        policyVersion: '420100-310-2026-1', catalogueVersion: '340100-2026-11', msgid,
      }, [
        { source: 'local', fundPayType: '310100', fundPayTypeName: '职工基本医疗保险统筹基金', fundPayamt: '7000.00' },
        { source: 'local', fundPayType: '330100', fundPayTypeName: '大额医疗费用补助基金', fundPayamt: '0.00' },
      ]);
      enqueueMessage(tx, { msgid: `${msgid}S`, infno: '2304', orderKey: `A${admissionId}`, payload: { settlementId: id } });
      appendAudit(tx, { clerkId: null, action: 'settlement.commit', entity: 'settlement', entityId: id });
    });
  }, iterations);
  db.$client.close();
  return timeFigure('db.write', value, baseline);
}
