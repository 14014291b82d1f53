import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateMsgid, newEnvelope } from '../../electron/services/agencyLink.ts';
import { Desk } from '../../electron/services/desk.ts';
import { setSetting, getSetting } from '../../db/repos/institution.ts';
import { isNationalMsgid, makeMsgid, nextMsgidSlot } from '../../shared/agency/envelope.ts';
import { InputError } from '../../shared/errors.ts';

/**
 * msgid = institution code (12) + yyyyMMddHHmmss in China Standard Time (14) + a 4-digit serial
 * (4) = 30 characters (national-interface.md §1.1; docs/agency.md), unique across restarts: the
 * serial is kept in the desk's database (setting msgid.seq), and 10,000 in one second move on to
 * the next second rather than repeat.
 */

const CODE = 'H34010400001'; // the demo institution (electron/services/demo/demoData.ts)
const MSGID = /^H34010400001(\d{14})(\d{4})$/;

/** 2026-03-10 16:30:05.250 UTC = 2026-03-11 00:30:05 CST: the CST date is the next day. */
const T = new Date('2026-03-10T16:30:05.250Z');
const T_CST = '20260311003005';

const parts = (msgid: string): { time: string; serial: string } => {
  const m = MSGID.exec(msgid);
  if (!m) throw new Error(`not a msgid of ${CODE}: ${msgid}`);
  return { time: m[1]!, serial: m[2]! };
};

describe('makeMsgid: the national shape', () => {
  it('code + CST yyyyMMddHHmmss + 4-digit serial, 30 characters', () => {
    const id = makeMsgid(CODE, T, 7);
    expect(id).toHaveLength(30);
    expect(id).toMatch(MSGID);
    expect(id).toBe(`${CODE}${T_CST}0007`);
    expect(isNationalMsgid(id)).toBe(true);
    expect(makeMsgid(CODE, T, 0).slice(26)).toBe('0000');
    expect(makeMsgid(CODE, T, 9999).slice(26)).toBe('9999');
  });

  it('refuses a code that is not 12 capitals/digits and a serial outside 0–9999, naming the field in Chinese', () => {
    for (const [code, seq, field] of [['H3401040000', 1, 'fixmedins_code'], ['h34010400001', 1, 'fixmedins_code'], [CODE, 10_000, 'seq'], [CODE, -1, 'seq'], [CODE, 1.5, 'seq']] as const) {
      let e: unknown;
      try {
        makeMsgid(code, T, seq);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).path).toBe(field);
      expect((e as InputError).message).toMatch(field === 'seq' ? /报文顺序号/ : /定点医药机构编号/);
    }
  });
});

describe('nextMsgidSlot: the serial within a second', () => {
  it('starts at 0001 in a new second and counts up within it', () => {
    const a = nextMsgidSlot(undefined, T);
    expect([a.seq, a.stored]).toEqual([1, `${T_CST}:0001`]);
    const b = nextMsgidSlot(a.stored, new Date(T.getTime() + 700)); // still the same second
    expect([b.seq, b.stored]).toEqual([2, `${T_CST}:0002`]);
    const c = nextMsgidSlot(b.stored, new Date(T.getTime() + 1000));
    expect([c.seq, c.stored]).toEqual([1, '20260311003006:0001']);
  });

  it('after 9999 in one second the next message takes serial 0001 of the next second (never 0000 again)', () => {
    const s = nextMsgidSlot(`${T_CST}:9999`, T);
    expect(s.seq).toBe(1);
    expect(makeMsgid(CODE, s.at, s.seq)).toBe(`${CODE}20260311003006` + '0001');
    // Across a day boundary in CST too.
    const late = nextMsgidSlot('20260311235959:9999', new Date('2026-03-11T15:59:59Z'));
    expect(makeMsgid(CODE, late.at, late.seq)).toBe(`${CODE}202603120000000001`);
  });

  it('a clock set back keeps counting on from the last second used', () => {
    const s = nextMsgidSlot(`${T_CST}:0042`, new Date(T.getTime() - 3_600_000));
    expect(makeMsgid(CODE, s.at, s.seq)).toBe(`${CODE}${T_CST}0043`);
  });

  it('the older stored form (a bare serial) goes on from that serial in now’s second', () => {
    const s = nextMsgidSlot('41', T);
    expect(makeMsgid(CODE, s.at, s.seq)).toBe(`${CODE}${T_CST}0042`);
    expect(s.stored).toBe(`${T_CST}:0042`);
    expect(nextMsgidSlot('9999', T).seq).toBe(0);
  });
});

describe('allocateMsgid on a real desk file: unique across restarts', () => {
  let dir = '';
  let desk: Desk | null = null;
  afterEach(() => {
    desk?.close();
    desk = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const open = async (): Promise<Desk> => {
    desk?.close();
    desk = await Desk.open({ dataDir: dir, agencyUrl: 'http://127.0.0.1:9', ...(desk === null ? { demo: true } : {}) });
    return desk;
  };

  it('allocate, close, reopen in the same second, allocate again: no msgid repeats; the serial goes on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'yidi-msgid-'));
    let d = await open();
    const first = d.db.transaction((tx) => [allocateMsgid(tx, T), allocateMsgid(tx, T), newEnvelope(tx, null, '1101', { data: {} }, undefined, T).msgid]);
    expect(first.map(parts)).toEqual([1, 2, 3].map((n) => ({ time: T_CST, serial: String(n).padStart(4, '0') })));

    d = await open(); // the same file, the same second (the clock is pinned)
    const second = d.db.transaction((tx) => [allocateMsgid(tx, T), allocateMsgid(tx, new Date(T.getTime() + 500))]);
    expect(second).toEqual([`${CODE}${T_CST}0004`, `${CODE}${T_CST}0005`]);
    expect(new Set([...first, ...second]).size).toBe(5);

    // A transaction that fails gives its serial back with everything else it wrote: still no repeat.
    expect(() => d.db.transaction((tx) => {
      allocateMsgid(tx, T);
      throw new Error('rolled back');
    })).toThrow('rolled back');
    expect(d.db.transaction((tx) => allocateMsgid(tx, T))).toBe(`${CODE}${T_CST}0006`);
  });

  it('10,001 messages in one second: from the 10,000th on they move to the next second; no repeat, also after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'yidi-msgid-'));
    let d = await open();
    // One more than a second holds: a serial that only wrapped would hand out the first id again.
    const ids = d.db.transaction((tx) => Array.from({ length: 10_001 }, () => allocateMsgid(tx, T)));
    expect(new Set(ids).size).toBe(10_001);
    expect(ids.every(isNationalMsgid)).toBe(true);
    expect(parts(ids[9998]!)).toEqual({ time: T_CST, serial: '9999' });
    expect(parts(ids[9999]!)).toEqual({ time: '20260311003006', serial: '0001' });
    expect(parts(ids[10_000]!)).toEqual({ time: '20260311003006', serial: '0002' });

    d = await open();
    expect(getSetting(d.db, 'msgid.seq')).toBe('20260311003006:0002');
    const after = d.db.transaction((tx) => allocateMsgid(tx, T)); // the clock still says the first second
    expect(after).toBe(`${CODE}20260311003006` + '0003');
    expect(ids).not.toContain(after);
  });

  it('a desk file from before (a bare serial in msgid.seq) continues that serial, and moves to the next second after 9999', async () => {
    dir = mkdtempSync(join(tmpdir(), 'yidi-msgid-'));
    let d = await open();
    d.db.transaction((tx) => setSetting(tx, 'msgid.seq', '9998'));
    d = await open();
    const ids = d.db.transaction((tx) => [allocateMsgid(tx, T), allocateMsgid(tx, T), allocateMsgid(tx, T)]);
    // The old code wrapped to 0000 within the second; now the second is used up and the next one starts.
    expect(ids).toEqual([`${CODE}${T_CST}9999`, `${CODE}202603110030060001`, `${CODE}202603110030060002`]);
  });
});
