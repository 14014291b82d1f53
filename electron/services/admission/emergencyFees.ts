import { createHash } from 'node:crypto';
import { emergencyFeeSn, EMERGENCY_RULE, itemAmount, normaliseDateTime, qualifyEmergencyFees } from '../../../shared/admission.ts';
import type { Db } from '../../../db/open.ts';
import { feeBatchCount, feeBatchExists, insertFeeBatch, insertFeeLines } from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { load } from '../admissionState.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { catalogueFeeLine, requireOpen, EMERGENCY_BATCH } from './rules.ts';

/** 急诊 72 小时内转住院: outpatient fees joined to the stay (000 第十七条 1). */
export function attachEmergencyFees(db: Db, { admissionId, visit, lines }: ParsedInput<'admission.attachEmergencyFees'>, session: Session) {
  const s = load(db, admissionId);
  requireOpen(db, s, '并入门急诊费用');
  const batch = feeBatchCount(db, admissionId, EMERGENCY_BATCH) + 1;
  const priced = lines.map((l, i) => {
    const a = itemAmount(l);
    if ('error' in a) throw new ServiceError('AMOUNT_MISMATCH', `第 ${i + 1} 条费用：${a.error}`, `lines.${i}.amount`);
    const t = normaliseDateTime(l.feeOcurTime);
    if (t === null) throw new ServiceError('INVALID_TIME', `第 ${i + 1} 条费用的发生时间无效，格式应为 YYYY-MM-DD HH:mm`, `lines.${i}.feeOcurTime`);
    return { ...l, feeOcurTime: t, amount: a.amount, sn: emergencyFeeSn(admissionId, batch, i) };
  });
  const sha256 = createHash('sha256').update(JSON.stringify({ visit: visit.certNo ?? '', lines: priced.map(({ sn: _sn, ...l }) => l) })).digest('hex');
  if (feeBatchExists(db, admissionId, sha256)) throw new ServiceError('DUPLICATE', '这些门急诊费用已经并入过本次住院，不能重复并入', 'lines');
  const verdicts = qualifyEmergencyFees(
    { ...s.current, certNo: s.person.certno },
    priced.map((l) => ({ sn: l.sn, certNo: visit.certNo ?? s.person.certno, emergencyVisit: visit.emergency, feeOcurTime: l.feeOcurTime })),
  );
  const attached = verdicts.filter((v) => v.qualifies);
  const refused = verdicts.filter((v) => !v.qualifies);
  if (attached.length === 0) {
    throw new ServiceError('NONE_QUALIFY', `没有可并入的费用：${refused[0]?.reason ?? ''}（${EMERGENCY_RULE}）`, 'lines');
  }
  const keep = new Set(attached.map((v) => v.sn));
  db.transaction((tx) => {
    const importId = insertFeeBatch(tx, { admissionId, fileName: EMERGENCY_BATCH, sha256, rows: attached.length, clerkId: session.clerkId });
    insertFeeLines(
      tx,
      admissionId,
      priced
        .filter((l) => keep.has(l.sn))
        .map((l) => ({
          importId,
          feedetlSn: l.sn,
          feeOcurTime: l.feeOcurTime,
          ...catalogueFeeLine(l),
          bilgDeptName: '急诊科',
          etipFlag: false,
        })),
    );
    appendAudit(tx, { clerkId: session.clerkId, action: 'admission.attachEmergencyFees', entity: 'admission', entityId: admissionId, detail: { importId, attached: attached.length, refused: refused.length, rule: EMERGENCY_RULE } });
  });
  return { attached: attached.map(({ sn, reason }) => ({ sn, reason })), refused: refused.map(({ sn, reason }) => ({ sn, reason })), rule: EMERGENCY_RULE };
}
