import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../support/storeSql.ts';
import type { z } from 'zod';
import { contract } from '../../shared/api/index.ts';
import { admit, setup, type Ctx } from '../support/settlementFixtures.ts';

/**
 * Issue 21: every method of the contract under bad input, over real HTTP to the host, as a
 * careless integrator or an attacker would send it. For each refusal: no 500, a Chinese message,
 * the field named (a string path), and nothing written anywhere in the database. The counts are
 * printed so the README's reliability figures come from a run, not from memory.
 */
let ctx: Ctx;
let admissionId: number;
beforeAll(async () => {
  ctx = await setup();
  admissionId = (await admit(ctx)).id;
});
afterAll(async () => ctx.stop());

/** Calls that end the session or replace the database are driven by their own tests. */
const SKIP = new Set(['auth.logout']);

const BAD_VALUES: unknown[] = [
  null, true, -1, 0, 1.5, 1e21, Number.MAX_SAFE_INTEGER + 2, '', '   ', 'x'.repeat(5000), '𠀀'.repeat(2500), [], {}, [1, 2], { $gt: '' },
  '2026-02-30', '2026-13-01', '1899-12-31', '9999-12-31 25:61:61', '-1', 'NaN', '0x10', '1e400', '12.345', '<script>alert(1)</script>', "'; DROP TABLE staff; --",
  '\u0000', '\u202e反转', '../../etc/passwd', '%', '\ud800',
];

type Def = { type: string; shape?: Record<string, z.ZodType>; in?: z.ZodType; innerType?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object shape under refinements, pipes, optionals and defaults; null for a non-object input. */
function shapeOf(s: z.ZodType | undefined): Record<string, z.ZodType> | null {
  for (let i = 0; s && i < 10; i++) {
    const d = defOf(s);
    if (d.type === 'object') return d.shape ?? null;
    s = d.in ?? d.innerType;
  }
  return null;
}

/** Bad inputs for one method: wrong whole inputs, an unknown field, and every bad value in every field (one level into nested objects). */
function badInputs(schema: z.ZodType): { label: string; body: string }[] {
  const out: { label: string; body: string }[] = [];
  for (const whole of ['null', '[]', '"x"', '42', 'true', '{"__proto__":{"role":"supervisor"}}', '{"constructor":{"prototype":{"x":1}}}', '{"dischargeOn":"2026-01-01","x":1}', '{not json', '[' .repeat(5000)]) {
    out.push({ label: `整体 ${whole.slice(0, 20)}`, body: whole });
  }
  const shape = shapeOf(schema) ?? {};
  for (const [key, field] of Object.entries(shape)) {
    for (const v of BAD_VALUES) out.push({ label: `${key}=${JSON.stringify(v).slice(0, 24)}`, body: JSON.stringify({ [key]: v }) });
    const nested = shapeOf(field);
    if (nested) {
      for (const sub of Object.keys(nested)) {
        for (const v of [null, -1, 'x'.repeat(5000), [], '2026-02-30']) out.push({ label: `${key}.${sub}=${JSON.stringify(v).slice(0, 24)}`, body: JSON.stringify({ [key]: { [sub]: v } }) });
      }
    }
  }
  return out;
}

function rowCounts(): Record<string, number> {
  const db = ctx.desk.db.$client;
  const tables = tableNames(ctx.desk.db).map((name) => ({ name }));
  // msgid.seq moves when a message was built for the agency (an e-voucher must be decoded online): a
  // msgid is never given out twice, so that counter is not a written record.
  const where = (t: string) => (t === 'settings' ? ` WHERE key <> 'msgid.seq'` : '');
  return Object.fromEntries(tables.map((t) => [t.name, (db.prepare(`SELECT count(*) AS n FROM "${t.name}"${where(t.name)}`).get() as { n: number }).n]));
}

describe('every method refuses bad input cleanly (issue 21)', () => {
  it('no 500, a Chinese message naming its field, nothing written', async () => {
    const token = ctx.supervisor;
    let tried = 0;
    let refused = 0;
    const accepted: string[] = [];
    const problems: string[] = [];
    for (const method of Object.keys(contract).sort()) {
      if (SKIP.has(method)) continue;
      const schema = contract[method as keyof typeof contract].input as z.ZodType;
      for (const input of badInputs(schema)) {
        const before = rowCounts();
        const res = await fetch(`${ctx.host.url}api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-desk-secret': ctx.host.secret, authorization: `Bearer ${token}` },
          body: input.body,
        });
        tried++;
        const text = await res.text();
        const where = `${method} ${input.label}`;
        if (res.status >= 500) {
          problems.push(`${where}: HTTP ${res.status} ${text.slice(0, 120)}`);
          continue;
        }
        let body: { ok: boolean; error?: { code: string; message: string; path: unknown } };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          problems.push(`${where}: 非 JSON 回答 ${text.slice(0, 80)}`);
          continue;
        }
        if (body.ok) {
          if (process.env.FUZZ_VERBOSE) process.stdout.write(`accepted ${where}\n`);
          // A bad value the method accepts must be one it may (e.g. a search text): listed, and checked below.
          accepted.push(where);
          continue;
        }
        refused++;
        const e = body.error!;
        if (e.code === 'INTERNAL' || !/[\u4e00-\u9fff]/.test(e.message) || typeof e.path !== 'string') problems.push(`${where}: ${JSON.stringify(e).slice(0, 160)}`);
        const after = rowCounts();
        for (const [t, n] of Object.entries(after)) if (before[t] !== n) problems.push(`${where}: 拒绝后 ${t} 行数 ${before[t]} → ${n}`);
      }
    }
    // The session survived it all.
    expect((await fetch(`${ctx.host.url}api/auth.me`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-desk-secret': ctx.host.secret, authorization: `Bearer ${token}` }, body: '{}' })).status).toBe(200);
    process.stdout.write(`[apiFuzz] ${Object.keys(contract).length - SKIP.size} 个接口，${tried} 个错误输入，拒绝 ${refused}，接受 ${accepted.length}，问题 ${problems.length}\n`);
    expect(problems).toEqual([]);
    // A JSON null is "no input" (like {}); otherwise only texts a method may take as they are:
    // search texts (a 发票号 of letters, digits and "-" such as 2026-02-30 or -1 too), a progress key, an audit range, settings values (an empty 5205 region list turns it off). Never a control character.
    const lawful = /^(\S+ 整体 null|(settlement\.admissions|admission\.list) query=|settlement\.findForAssistance (certno|name|iptNo|day|invono)=|outpatient\.findForAssistance (certno|name|otpNo|day|invono)=|fees\.importProgress progressKey=|audit\.export (from|to)=|sync\.reconciliations (from|to)=|settings\.update (printerName|agencyKey|specialDrugRegions)=|sync\.(resend all|download\w+ (wait|full))=)/;
    expect(accepted.filter((a) => !lawful.test(a))).toEqual([]);
    expect(accepted.filter((a) => /\\u0000|\u202e|\\ud800/.test(a))).toEqual([]);
    expect(admissionId).toBeGreaterThan(0);
    expect(tried).toBeGreaterThan(3000);
  }, 600_000);
});
