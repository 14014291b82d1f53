import type { admissionApi } from '../../../shared/api/admission.ts';
import type { Db } from '../../../db/open.ts';
import { detail, listAdmissionSummaries } from '../admission/views.ts';
import { createAdmission } from '../admission/create.ts';
import { changeAdmission, cancelAdmission } from '../admission/change.ts';
import { recheckAdmission } from '../admission/recheck.ts';
import { attachEmergencyFees } from '../admission/emergencyFees.ts';
import { recordPledgeForm, supersedePledge, pledgePdf } from '../admission/pledge.ts';
import { createOutsideExam, outsideExamPdf } from '../admission/outsideExam.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';

/**
 * Admission services (DOMAIN §4–§5): the admission and its 2401 / 2403 / 2404 messages, 补办
 * re-checks, the trauma pledge, the outside-exam slip and the 72-hour emergency fees. Each write
 * is one transaction with its audit entry and, where the agency must hear of it, its outbox row
 * (order key `adm:<id>`, so an admission's messages leave in order).
 *
 * mdtrt_id: 2403 and 2404 need the agency's 就诊ID, which the 2401 answer brings. While it has
 * not come back the messages carry an empty mdtrt_id; the sync worker sends an order key's
 * messages one after the other and fills mdtrt_id from the admission row once 2401 is answered.
 */
export function admissionHandlers(desk: DeskParts): HandlersFor<keyof typeof admissionApi> {
  const db = (): Db => desk.db;
  return {
    'admission.create': (input, ctx) => createAdmission(db(), input, ctx.session!),
    'admission.change': (input, ctx) => changeAdmission(db(), input, ctx.session!),
    'admission.cancel': (input, ctx) => cancelAdmission(db(), input, ctx.session!),
    'admission.recheckEligibility': (input, ctx) => recheckAdmission(db(), input, ctx.session!),
    'admission.get': ({ id }) => detail(db(), id),
    'admission.list': (input) => listAdmissionSummaries(db(), input),
    'admission.attachEmergencyFees': (input, ctx) => attachEmergencyFees(db(), input, ctx.session!),
    'pledge.record': (input, ctx) => recordPledgeForm(db(), input, ctx.session!),
    'pledge.supersede': (input, ctx) => supersedePledge(db(), input, ctx.session!),
    'pledge.pdf': (input, ctx) => pledgePdf(db(), input, ctx.session!),
    'outsideExam.create': (input, ctx) => createOutsideExam(db(), input, ctx.session!),
    'outsideExam.pdf': (input, ctx) => outsideExamPdf(db(), input, ctx.session!),
  };
}
