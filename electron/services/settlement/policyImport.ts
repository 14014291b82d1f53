import { z } from 'zod';
import { appendAudit } from '../../../db/repos/audit.ts';
import { insertRegionalPolicy, policyByVersion, regionalPolicies } from '../../../db/repos/policies.ts';
import type { Db } from '../../../db/open.ts';
import type { RegionalPolicyView } from '../../../shared/api/settlement.ts';
import { todayCST } from '../../../shared/dates.ts';
import { InputError } from '../../../shared/errors.ts';
import { parsePolicy } from '../../../shared/settlement.ts';
import { enginePolicy } from '../../../shared/settlementFlow.ts';
import { zodInputError } from '../../../shared/zodErrors.ts';
import { ServiceError } from '../errors.ts';
import type { Opter } from '../settlementService.ts';

/**
 * The insured regions' parameters an office enters or imports (issue 14 §2): a real platform never
 * hands them out, so the estimate uses what the office has, each with its source and date. A file
 * is one policy of the standard model (DOMAIN §6a) with its region, scheme and year; it is checked
 * by the engine's own parser before anything is written, and a version is never overwritten (a
 * new version is a new row).
 */
const fileSchema = z.strictObject({
  version: z.string().trim().min(1).max(60),
  insuplcAdmdvs: z.string().trim().regex(/^\d{6}$/),
  insutype: z.enum(['310', '390']),
  year: z.number().int().min(2000).max(2100),
  body: z.record(z.string(), z.unknown()),
});

const LABELS: Record<string, string> = { version: '政策版本', insuplcAdmdvs: '参保地区划', insutype: '险种', year: '年度', body: '政策参数' };

export function importRegionalPolicy(db: Db, req: { fileName: string; content: Buffer; source: string; sourceDate: string }, opter: Opter): RegionalPolicyView {
  let json: unknown;
  try {
    json = JSON.parse(req.content.toString('utf8'));
  } catch (e) {
    throw new ServiceError('INVALID_FILE', `${req.fileName}：不是有效的 JSON 文件（${(e as Error).message}）`, 'contentBase64');
  }
  const r = fileSchema.safeParse(json);
  if (!r.success) throw zodInputError(r.error.issues, json, { labels: LABELS });
  const f = r.data;
  if (req.sourceDate > todayCST()) throw new ServiceError('INVALID_DATE', `参数日期 ${req.sourceDate} 晚于今天`, 'sourceDate');
  const body = { ...f.body, version: f.version };
  try {
    const p = parsePolicy(enginePolicy(body), 'body');
    if (p.scheme !== f.insutype) throw new InputError('SCHEME_MISMATCH', `政策参数的险种 ${p.scheme} 与文件的险种 ${f.insutype} 不一致`, 'body.scheme');
  } catch (e) {
    if (e instanceof InputError) throw new ServiceError(e.code, `${req.fileName}：${e.message}`, e.path);
    throw e;
  }
  return db.transaction((tx) => {
    if (policyByVersion(tx, f.version)) throw new ServiceError('VERSION_EXISTS', `政策版本 ${f.version} 已存在：新的参数请用新的版本号`, 'version');
    const id = insertRegionalPolicy(tx, { version: f.version, insuplcAdmdvs: f.insuplcAdmdvs, insutype: f.insutype, year: f.year, body, source: req.source, sourceDate: req.sourceDate, importedBy: opter.clerkId });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'policy.import', entity: 'policy', entityId: id, detail: { version: f.version, insuplcAdmdvs: f.insuplcAdmdvs, insutype: f.insutype, year: f.year, source: req.source, sourceDate: req.sourceDate, fileName: req.fileName } });
    return regionalPolicies(tx).find((p) => p.id === id)!;
  });
}
