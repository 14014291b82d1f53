import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/open.ts';
import { upsertRosterPages, type RosterItem } from '../../db/repos/registrations.ts';

/**
 * The roster apply binds one raw prepared statement per row (issue 19, roster.import): it must
 * still run inside the caller's drizzle transaction, let a later page win, and update in place.
 */
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.$client.close();
});

async function freshDb(): Promise<Db> {
  const db = await openDatabase(join(mkdtempSync(join(tmpdir(), 'yidi-roster-pages-')), 'desk.sqlite'));
  opened.push(db);
  return db;
}

function item(agencyId: string, over: Partial<RosterItem> = {}): RosterItem {
  return {
    agencyId, certno: '340802198001010011', psnNo: 'P1', psnName: '张三', insuplcAdmdvs: '340802', grp: 'referral', basis: 'proof',
    destination: '340100', effectiveFrom: '2026-10-01', proofSuppliedOn: null, status: 'active', ...over,
  };
}

function rows(db: Db): Record<string, unknown>[] {
  return db.$client.prepare('SELECT agency_id, certno, psn_name, status, proof_supplied_on, roster_version, updated_at FROM registrations ORDER BY agency_id').all() as Record<string, unknown>[];
}

describe('upsertRosterPages', () => {
  it('writes every item in page order (a later page wins) and updates a known agency id in place', async () => {
    const db = await freshDb();
    db.transaction((tx) => upsertRosterPages(tx, [[item('A1', { psnName: '旧名' })]], 'v0', '2026-11-01T00:00:00.000Z'));
    const id = (db.$client.prepare("SELECT id FROM registrations WHERE agency_id = 'A1'").get() as { id: number }).id;
    const changes = db.transaction((tx) => upsertRosterPages(tx, [[item('A1', { psnName: '第一页' }), item('A2')], [item('A1', { psnName: '第二页', status: 'cancelled', proofSuppliedOn: '2026-10-05' })]], 'v1', '2026-11-02T00:00:00.000Z'));
    expect(changes).toBe(3);
    expect(rows(db)).toEqual([
      { agency_id: 'A1', certno: '340802198001010011', psn_name: '第二页', status: 'cancelled', proof_supplied_on: '2026-10-05', roster_version: 'v1', updated_at: '2026-11-02T00:00:00.000Z' },
      { agency_id: 'A2', certno: '340802198001010011', psn_name: '张三', status: 'active', proof_supplied_on: null, roster_version: 'v1', updated_at: '2026-11-02T00:00:00.000Z' },
    ]);
    expect((db.$client.prepare("SELECT id FROM registrations WHERE agency_id = 'A1'").get() as { id: number }).id).toBe(id);
  });

  it('runs inside the caller’s transaction: a failure after it rolls its rows back', async () => {
    const db = await freshDb();
    expect(() => db.transaction((tx) => {
      upsertRosterPages(tx, [[item('B1'), item('B2')]], 'v1', '2026-11-02T00:00:00.000Z');
      expect(rows(db)).toHaveLength(2);
      throw new Error('apply failed later');
    })).toThrow('apply failed later');
    expect(rows(db)).toEqual([]);
  });
});
