import { appendAudit, auditBetween } from '../../../db/repos/audit.ts';
import { getInstitution, getSetting, saveInstitution, setSetting } from '../../../db/repos/institution.ts';
import type { settingsApi, DeskSettings } from '../../../shared/api/settings.ts';
import { addDays, todayCST } from '../../../shared/dates.ts';
import { maskIdsInText } from '../../../shared/privacy.ts';
import { provinceName, regionName } from '../../../shared/regions.ts';
import { claimCalendar } from '../../../shared/claim.ts';
import { InputError } from '../../../shared/errors.ts';
import { CLAIM_POLICY_KEYS, claimPolicy, directShareTarget } from '../claim/policy.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';
import { writeConnection } from '../agencyConnection/store.ts';
import { connectionContext } from './agencyConnection.ts';
import { setSpecialDrugRegions, specialDrugRegions } from '../settlement/specialDrugs.ts';

function read(desk: DeskParts): DeskSettings {
  const inst = getInstitution(desk.db);
  return {
    institution: inst ? { fixmedinsCode: inst.fixmedinsCode, fixmedinsName: inst.fixmedinsName, level: inst.level, admdvs: inst.admdvs, networked: inst.networked, provinceName: inst.provinceName, regionName: inst.regionName } : null,
    agencyUrl: desk.agencyUrl(),
    agencyKeySet: (getSetting(desk.db, 'agency.key') ?? '') !== '',
    printerName: getSetting(desk.db, 'printer.name') ?? '',
    idleMinutes: desk.sessions.idleMinutes,
    claimPolicy: { ...claimPolicy(desk.db), directShareTarget: directShareTarget(desk.db) },
    specialDrugRegions: specialDrugRegions(desk.db),
  };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Formula injection: a cell starting with = + - @ is text, not a formula, in a spreadsheet.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The CST calendar day [from, to] as UTC ISO instants [start, end). */
function cstDayRange(from: string, to: string): [string, string] {
  return [new Date(`${from}T00:00:00+08:00`).toISOString(), new Date(`${addDays(to, 1)}T00:00:00+08:00`).toISOString()];
}

export function settingsHandlers(desk: DeskParts): HandlersFor<keyof typeof settingsApi> {
  return {
    'settings.get': () => read(desk),
    'settings.update': (input, ctx) => {
      desk.db.transaction((tx) => {
        const changed: string[] = [];
        if (input.institution) {
          const i = input.institution;
          const name = regionName(i.admdvs);
          if (!name) throw new ServiceError('INVALID_REGION', `就医地医保区划 ${i.admdvs} 不是有效的行政区划代码`, 'institution.admdvs');
          saveInstitution(tx, { ...i, provinceName: provinceName(i.admdvs) ?? '', regionName: name });
          changed.push('institution');
        }
        // The old fields, kept for compatibility: the connection now lives in 经办机构连接 (agency.connection.*),
        // whose rules they follow (environment and start fix fields; the key is sealed like every secret).
        if (input.agencyUrl !== undefined || input.agencyKey !== undefined) {
          changed.push(...writeConnection(connectionContext(desk), tx, { url: input.agencyUrl, extKey: input.agencyKey }));
        }
        if (input.printerName !== undefined) {
          setSetting(tx, 'printer.name', input.printerName);
          changed.push('printer.name');
        }
        if (input.claimPolicy) {
          const p = input.claimPolicy;
          // The steps must follow one another inside the claim month (window < review < confirmation).
          try {
            claimCalendar('2026-01', p);
          } catch (e) {
            if (e instanceof InputError) throw new ServiceError('INVALID_POLICY', e.message.replace(/^policy\./, ''), `claimPolicy.${e.path.replace(/^policy\./, '')}`);
            throw e;
          }
          for (const [key, value] of Object.entries(CLAIM_POLICY_KEYS)) setSetting(tx, value, String(p[key as keyof typeof p]));
          changed.push('claim.policy');
        }
        if (input.specialDrugRegions !== undefined) {
          setSpecialDrugRegions(tx, input.specialDrugRegions);
          changed.push('agency.5205.regions');
        }
        // The key's value is never written to the audit log, only that it changed.
        appendAudit(tx, { clerkId: ctx.session!.clerkId, action: 'settings.update', entity: 'settings', detail: { changed } });
      });
      return read(desk);
    },
    'audit.export': ({ from, to }, ctx) => {
      const end = to ?? todayCST();
      const start = from ?? addDays(end, -30);
      if (start > end) throw new ServiceError('INVALID_RANGE', '开始日期不能晚于结束日期', 'from');
      const [a, b] = cstDayRange(start, end);
      const rows = auditBetween(desk.db, a, b);
      const header = ['序号', '时间', '工号', '姓名', '操作', '对象', '对象编号', '详情'];
      const lines = [header, ...rows.map((r) => [r.id, r.at, r.login ?? '', r.clerk ?? '系统', r.action, r.entity, r.entityId ?? '', maskIdsInText(r.detail ?? '')])].map((r) => r.map(csvCell).join(','));
      appendAudit(desk.db, { clerkId: ctx.session!.clerkId, action: 'audit.export', entity: 'audit_log', detail: { from: start, to: end, rows: rows.length } });
      // BOM so that spreadsheet programs on Windows read the Chinese correctly.
      const csv = `\uFEFF${lines.join('\r\n')}\r\n`;
      return { fileName: `审计日志-${start}至${end}.csv`, csvBase64: Buffer.from(csv, 'utf8').toString('base64'), rows: rows.length };
    },
  };
}
