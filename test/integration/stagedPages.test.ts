import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/open.ts';
import { encodeStagedPage, putStagedPage, stagedPages } from '../../db/repos/syncCursors.ts';

/** roster.import: staged pages of same-keyed objects are written with their keys once, and read back as they were. */
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.$client.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function db(): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), 'yidi-staged-'));
  dirs.push(dir);
  const d = await openDatabase(join(dir, 'desk.sqlite'));
  dbs.push(d);
  return d;
}

const roster = Array.from({ length: 50 }, (_, i) => ({ agencyId: `R${i}`, certno: `34080219800000${String(i).padStart(4, '0')}`, psnName: `病人${i}`, proofSuppliedOn: i % 2 === 0 ? null : '2026-10-01', extra: { nested: [i, '甲'] }, amount: '12.50' }));

describe('staged pages', () => {
  it('a page of same-keyed objects is staged with its keys once and reads back equal', async () => {
    const d = await db();
    const json = encodeStagedPage(roster);
    expect(JSON.parse(json)).toMatchObject({ keys: ['agencyId', 'certno', 'psnName', 'proofSuppliedOn', 'extra', 'amount'] });
    expect(json.length).toBeLessThan(JSON.stringify(roster).length * 0.7);
    putStagedPage(d, 'roster', 1, json);
    expect([...stagedPages(d, 'roster')]).toEqual([roster]);
  });

  it('anything else stays the plain JSON array: other keys or key order, an undefined value, non-objects, an empty page, and pages staged before', async () => {
    const d = await db();
    const pages: unknown[][] = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [{ a: 1, b: 2 }, { a: 1 }],
      [{ a: 1, b: 2 }, { a: 1, b: 2, c: 3 }],
      [{ a: 1, b: undefined }],
      [[1, 2], [3, 4]],
      ['x', 'y'],
      [],
    ];
    pages.forEach((p, i) => {
      const json = encodeStagedPage(p);
      expect(json, `page ${i}`).toBe(JSON.stringify(p));
      putStagedPage(d, 'other', i + 1, json);
    });
    expect([...stagedPages(d, 'other')]).toEqual(pages.map((p) => JSON.parse(JSON.stringify(p)) as unknown[]));
  });
});
