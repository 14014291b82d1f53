import { describe, expect, it, onTestFinished } from 'vitest';
import { dueHeads, enqueueMessage } from '../../db/repos/outbox.ts';
import { Desk } from '../../electron/services/desk.ts';
import { tmpDir } from '../support/syncFixtures.ts';

// Issue 21 point 8: a stay's fee chunks (2301) at the head of its queue go together, several per round.
describe('outbox heads', () => {
  it('a run of 2301 chunks at the head goes in one batch; what follows them still waits', async () => {
    const desk = await Desk.open({ dataDir: `${tmpDir()}/desk`, demo: true, agencyUrl: 'http://127.0.0.1:9' });
    onTestFinished(() => desk.close());
    desk.db.transaction((tx) => {
      for (let i = 0; i < 5; i++) enqueueMessage(tx, { msgid: `M230100000000000000000000000${i}`, infno: '2301', orderKey: 'k1', payload: { infno: '2301' } });
      enqueueMessage(tx, { msgid: 'M24020000000000000000000000000', infno: '2402', orderKey: 'k1', payload: { infno: '2402' } });
      enqueueMessage(tx, { msgid: 'M23010000000000000000000000009', infno: '2301', orderKey: 'k1', payload: { infno: '2301' } });
    });
    const heads = dueHeads(desk.db, new Date().toISOString(), 200, 2 * 1024 * 1024).map((r) => r.infno);
    expect(heads).toEqual(['2301', '2301', '2301', '2301', '2301']);
  });
});
