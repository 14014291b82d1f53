import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Desk, type DeskOptions } from '../../electron/services/desk.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { storeOptions } from './testStore.ts';

/** A real desk (SQLite file in a temp folder, or in the office run a fresh PostgreSQL database; demo data) behind a real local host on a free port. */
export async function startDeskHost(options: Partial<DeskOptions> = {}): Promise<{ desk: Desk; host: Host; dataDir: string; stop: () => Promise<void> }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'yidi-desk-'));
  const desk = await Desk.open({ dataDir, demo: true, agencyUrl: 'http://127.0.0.1:9', ...(await storeOptions(dataDir)), ...options });
  const host = await startHost({ desk });
  return {
    desk,
    host,
    dataDir,
    stop: async () => {
      await host.close();
      desk.close();
    },
  };
}

export async function api(host: Host, method: string, input: unknown, token?: string, secret = host.secret): Promise<{ status: number; body: { ok: boolean; result?: unknown; error?: { code: string; message: string; path: string } } }> {
  const res = await fetch(`${host.url}api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-desk-secret': secret, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as never };
}
