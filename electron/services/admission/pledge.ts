import { currentPledge, injuryBeforeAdmission } from '../../../shared/admission.ts';
import type { Db } from '../../../db/open.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { findPledge, insertPledge, pledgesOfAdmission, supersederOf } from '../../../db/repos/pledges.ts';
import { renderPledge, type PledgeInput } from '../../pdf/pledgePdf.ts';
import { load } from '../admissionState.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { detail } from './views.ts';
import { requireOpen, pledgeInputFor, pledgeInputFromRow, requirePledgeable, signedAtOf, pdfFile } from './rules.ts';

/** 外伤无第三方责任承诺书: recorded, superseded by a new row, printed (004 第三十八条). */
/** The pledge row as signed: who pledged, the injury, when, witnessed by the clerk; a correction names the pledge it supersedes. */
function pledgeRow(admissionId: number, p: ReturnType<typeof pledgeInputFor>, signedAt: string, witnessClerkId: number, supersedesId: number | null) {
  return {
    admissionId,
    pledgerName: p.pledger.name,
    relationship: p.pledger.relationship,
    certType: p.pledger.certType,
    certNo: p.pledger.certNo,
    phone: p.pledger.phone,
    injuryTime: p.injury.time,
    place: p.injury.place,
    account: p.injury.account,
    signedAt,
    witnessClerkId,
    supersedesId,
  };
}

export function recordPledgeForm(db: Db, { admissionId, form, signedAt }: ParsedInput<'pledge.record'>, session: Session) {
  const s = load(db, admissionId);
  requireOpen(db, s, '记录承诺书');
  requirePledgeable(s);
  const inForce = currentPledge(pledgesOfAdmission(db, admissionId));
  if (inForce) throw new ServiceError('PLEDGE_EXISTS', `本次入院已有签字的承诺书（第 ${inForce.id} 号），承诺书签字后不能修改；如需更正请用“更正承诺书”`, 'admissionId');
  const p = pledgeInputFor(s.person, form);
  if (!injuryBeforeAdmission(p.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
  const at = signedAtOf(signedAt);
  db.transaction((tx) => {
    const row = insertPledge(tx, pledgeRow(admissionId, p, at, session.clerkId, null));
    appendAudit(tx, { clerkId: session.clerkId, action: 'pledge.record', entity: 'trauma_pledge', entityId: row.id, detail: { admissionId, signedBy: p.pledger.relationship ?? '本人', signedAt: at } });
  });
  return detail(db, admissionId);
}

export function supersedePledge(db: Db, { pledgeId, form, signedAt, reason }: ParsedInput<'pledge.supersede'>, session: Session) {
  const old = findPledge(db, pledgeId);
  if (!old) throw new ServiceError('NOT_FOUND', `找不到承诺书（第 ${pledgeId} 号）`, 'pledgeId');
  const later = supersederOf(db, pledgeId);
  if (later) throw new ServiceError('ALREADY_SUPERSEDED', `第 ${pledgeId} 号承诺书已被第 ${later.id} 号更正，请更正最新的一份`, 'pledgeId');
  const s = load(db, old.admissionId);
  requireOpen(db, s, '更正承诺书');
  requirePledgeable(s);
  const p = pledgeInputFor(s.person, form);
  if (!injuryBeforeAdmission(p.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
  const at = signedAtOf(signedAt);
  db.transaction((tx) => {
    const row = insertPledge(tx, pledgeRow(old.admissionId, p, at, session.clerkId, old.id));
    appendAudit(tx, { clerkId: session.clerkId, action: 'pledge.supersede', entity: 'trauma_pledge', entityId: row.id, detail: { admissionId: old.admissionId, supersedes: old.id, reason } });
  });
  return detail(db, old.admissionId);
}

export async function pledgePdf(db: Db, { admissionId, form, pledgeId }: ParsedInput<'pledge.pdf'>, session: Session) {
  const s = load(db, admissionId);
  let input: PledgeInput;
  if (pledgeId !== undefined) {
    const p = findPledge(db, pledgeId);
    if (!p || p.admissionId !== admissionId) throw new ServiceError('NOT_FOUND', `本次入院没有第 ${pledgeId} 号承诺书`, 'pledgeId');
    input = pledgeInputFromRow(s.person, p);
  } else {
    requirePledgeable(s);
    input = pledgeInputFor(s.person, form!);
    if (!injuryBeforeAdmission(input.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
  }
  const r = await renderPledge(input);
  appendAudit(db, { clerkId: session.clerkId, action: 'pledge.print', entity: 'admission', entityId: admissionId, detail: { pledgeId: pledgeId ?? null } });
  return pdfFile(r.pdf, r.pages, `外伤无第三方责任承诺书-${s.row.iptNo}${pledgeId ? `-${pledgeId}` : ''}.pdf`);
}
