import { appendAudit } from '../../../db/repos/audit.ts';
import { catalogueVersions, currentCatalogueVersion } from '../../../db/repos/catalogue.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { admissionsForSettlement, assistanceFlagged, findAgencyResult, findSettlement, openMismatches, resolveMismatch } from '../../../db/repos/settlements.ts';
import type { ImportProgress, settlementApi } from '../../../shared/api/settlement.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { addDays, todayCST } from '../../../shared/dates.ts';
import type { Difference } from '../../../shared/settlementFlow.ts';
import type { DeskParts } from '../context.ts';
import type { CallContext, HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';
import { importCatalogue, importFees } from '../feeImportService.ts';
import { commitSettlement, gatherSettlement, previewOf, reverseSettlement, type Opter } from '../settlementService.ts';
import { admissionSummary, feeList, outcomeOf, selfPayAdvicePdf, settlementState, settlementWorklist, slipPdf } from '../settlementViews.ts';
import { dischargeSelfPay } from '../settlement/selfPay.ts';
import { undoDischarge } from '../settlement/undoDischarge.ts';
import { withdrawFees } from '../settlement/withdrawFees.ts';
import { importRegionalPolicy } from '../settlement/policyImport.ts';
import { agencyRecord } from '../settlement/agencyRecord.ts';
import { assistancePack, findStaysForAssistance } from '../settlement/assistancePack.ts';
import { invoiceView, setInvoiceNumber } from '../settlement/invoiceNumber.ts';
import { regionalPolicies } from '../../../db/repos/policies.ts';
import { agencyPreview, deliverForPreview } from '../settlement/agencyPreview.ts';
import { fromBase64 } from '../textDecode.ts';
// Registers the settlement's outbox hooks (2301/2402/2304/2305 prepare, 2304/2305 results).

function opterOf(ctx: CallContext): Opter {
  const s = ctx.session!;
  return { clerkId: s.clerkId, login: s.login, name: s.name };
}

function bytesOf(b64: string): Buffer {
  const buf = fromBase64(b64);
  if (!buf || buf.length === 0) throw new ServiceError('INVALID_FILE', '文件内容无效或为空，请重新选择文件', 'contentBase64');
  return buf;
}

/** Import progress by clerk and key, polled by the screen while `fees.import` runs; forgotten after a minute. */
const progress = new Map<string, { p: ImportProgress; at: number }>();
function progressKey(ctx: CallContext, key: string): string {
  return `${ctx.session!.clerkId}:${key}`;
}

export function settlementHandlers(desk: DeskParts): HandlersFor<keyof typeof settlementApi> {
  return {
    'catalogue.import': ({ fileName, contentBase64, version }, ctx) => importCatalogue(desk.db, { fileName, version, content: bytesOf(contentBase64) }, opterOf(ctx)),
    'catalogue.info': () => ({ current: currentCatalogueVersion(desk.db), versions: catalogueVersions(desk.db) }),

    'fees.import': async ({ admissionId, fileName, contentBase64, uploadId, progressKey: key }, ctx) => {
      const k = key ? progressKey(ctx, key) : null;
      const content = uploadId !== undefined ? await desk.uploads.take(uploadId, ctx.session!.clerkId) : bytesOf(contentBase64 ?? '');
      try {
        return await importFees(desk.db, { admissionId, fileName, content }, opterOf(ctx), (p) => {
          if (k) progress.set(k, { p, at: Date.now() });
        });
      } finally {
        const old = Date.now() - 60_000;
        for (const [name, v] of progress) if (v.at < old) progress.delete(name);
      }
    },
    'fees.importProgress': ({ progressKey: key }, ctx) => ({ progress: progress.get(progressKey(ctx, key))?.p ?? null }),
    'fees.list': ({ admissionId, limit }) => feeList(desk.db, admissionId, limit),

    'settlement.admissions': ({ query }) => {
      const inst = getInstitution(desk.db);
      // Settled stays stay on the list for a week: to print the slip again or to reverse.
      return admissionsForSettlement(desk.db, query, addDays(todayCST(), -7)).map((r) => admissionSummary(desk.db, r.admission, r.person, r.lines, inst?.admdvs ?? ''));
    },
    'settlement.state': ({ admissionId }) => settlementState(desk.db, admissionId),
    'settlement.worklist': () => settlementWorklist(desk.db),
    'settlement.preview': async ({ admissionId, dischargedOn, useAccount, accountBalance }, ctx) => {
      const req = { admissionId, dischargedOn, useAccount, accountBalance };
      const delivered = await deliverForPreview(desk, admissionId, opterOf(ctx));
      const g = await gatherSettlement(desk, req, opterOf(ctx));
      return { ...previewOf(g), agency: await agencyPreview(desk, g, req, opterOf(ctx), delivered) };
    },
    'settlement.commit': async (input, ctx) => {
      const { requestId, gathered } = await commitSettlement(desk, input, opterOf(ctx));
      const outcome = outcomeOf(desk.db, requestId);
      return { settlementId: outcome.kind === 'settled' ? outcome.settlementId : null, outcome, preview: previewOf(gathered), state: settlementState(desk.db, input.admissionId) };
    },
    'settlement.reverse': ({ settlementId, reason }, ctx) => {
      const reversalId = reverseSettlement(desk, { settlementId, reason }, opterOf(ctx));
      return { reversalId, state: settlementState(desk.db, findSettlement(desk.db, settlementId)!.admissionId) };
    },
    'settlement.resolveMismatch': ({ resultId, note }, ctx) => {
      const r = findAgencyResult(desk.db, resultId);
      if (!r) throw new ServiceError('NOT_FOUND', `经办机构结算结果不存在：${resultId}`, 'resultId');
      if (r.mismatch === null) throw new ServiceError('NO_MISMATCH', '该结果与本地计算一致，无需处理', 'resultId');
      if (r.resolvedAt !== null) throw new ServiceError('ALREADY_RESOLVED', `该差异已于 ${r.resolvedAt} 处理`, 'resultId');
      const clerkId = ctx.session!.clerkId;
      desk.db.transaction((tx) => {
        if (!resolveMismatch(tx, resultId, clerkId, note, new Date().toISOString())) throw new ServiceError('ALREADY_RESOLVED', '该差异已被处理', 'resultId');
        appendAudit(tx, { clerkId, action: 'settlement.resolveMismatch', entity: 'settlement', entityId: r.settlementId, detail: { resultId, note } });
      });
      return { resultId, state: settlementState(desk.db, findSettlement(desk.db, r.settlementId)!.admissionId) };
    },
    'settlement.slipPdf': ({ settlementId }, ctx) => slipPdf(desk, settlementId, opterOf(ctx)),
    'settlement.selfPay': (input, ctx) => {
      dischargeSelfPay(desk, input, opterOf(ctx));
      return { state: settlementState(desk.db, input.admissionId) };
    },
    'settlement.policies': () => regionalPolicies(desk.db),
    'settlement.findForAssistance': (q) => findStaysForAssistance(desk.db, q),
    'settlement.invoice': ({ admissionId }) => invoiceView(desk.db, { admissionId }),
    'settlement.setInvoice': ({ admissionId, invono, reason }, ctx) => setInvoiceNumber(desk.db, { admissionId }, { invono, reason }, opterOf(ctx)),
    'settlement.assistancePack': ({ admissionId }, ctx) => assistancePack(desk, admissionId, opterOf(ctx)),
    'settlement.agencyRecord': ({ admissionId }, ctx) => agencyRecord(desk, admissionId, opterOf(ctx)),
    'settlement.importPolicy': ({ fileName, contentBase64, source, sourceDate }, ctx) => importRegionalPolicy(desk.db, { fileName, content: bytesOf(contentBase64), source, sourceDate }, opterOf(ctx)),
    'fees.withdraw': (input, ctx) => ({ ...withdrawFees(desk, input, opterOf(ctx)), list: feeList(desk.db, input.admissionId, 500) }),
    'settlement.undoDischarge': (input, ctx) => {
      undoDischarge(desk, input, opterOf(ctx));
      return { state: settlementState(desk.db, input.admissionId) };
    },
    'settlement.selfPayAdvicePdf': ({ admissionId }, ctx) => selfPayAdvicePdf(desk, admissionId, opterOf(ctx)),
    'settlement.mismatches': () =>
      openMismatches(desk.db).map((m) => ({
        resultId: m.id, settlementId: m.settlementId, admissionId: m.admissionId, iptNo: m.iptNo, psnName: m.psnName, receivedAt: m.receivedAt,
        differences: JSON.parse(m.mismatch ?? '[]') as Difference[],
      })),
    'settlement.assistance': () =>
      assistanceFlagged(desk.db).map((r) => ({
        settlementId: r.settlementId, admissionId: r.admissionId, iptNo: r.iptNo, psnName: r.psnName, certnoMasked: maskId(r.certno), scope: r.scope,
        medfee_sumamt: r.medfeeSumamt, settledOn: r.settledOn, admittedAt: r.admittedAt, dischargedAt: r.dischargedAt,
      })),
  };
}
