import { readFile } from 'node:fs/promises';
import { appendAudit } from '../../../db/repos/audit.ts';
import { probeOfficeStore, type ProbeOk } from '../../../db/pg/probe.ts';
import type { OfficeStoreTestResult } from '../../../shared/api/officeStore.ts';
import { OfficeConfigError } from '../../../shared/officeStore.ts';
import type { Operator } from '../context.ts';
import { officeConnection, type OfficeContext } from './config.ts';

/** The probe's answer in one Chinese sentence for the screen. */
export function describeProbe(r: ProbeOk, address: string): string {
  const tls = r.tls.used ? `已加密（${r.tls.version ?? 'TLS'}）` : '未加密';
  const m = r.migrations;
  const level = m.state === 'current'
    ? `数据库结构与本程序一致（${m.applied}/${m.known} 个迁移）`
    : m.state === 'empty'
      ? `空数据库：切换到办公室模式时将建立全部 ${m.known} 个迁移`
      : `数据库结构落后于本程序（已有 ${m.applied}/${m.known} 个迁移）：切换到办公室模式时将运行 ${m.pending.length} 个迁移（${m.pending.join('、')}）`;
  return `连接成功：${address} 上的 PostgreSQL ${r.serverVersion}，用户 ${r.user}，数据库 ${r.database}，${tls}；${level}。`;
}

/**
 * office.store.test: one connection with the settings in effect. A failure is an answer for the
 * screen; both go to the audit log (the message names the host, never the password).
 */
export async function testOffice(c: OfficeContext, operator: Operator): Promise<OfficeStoreTestResult> {
  const result = await run(c);
  appendAudit(c.db, { clerkId: operator.clerkId, action: 'office.store.test', entity: 'settings', detail: result.ok ? { ok: true, address: result.address, serverVersion: result.serverVersion, migrations: result.migrations.state } : { ok: false, field: result.field, message: result.message } });
  return result;
}

async function run(c: OfficeContext): Promise<OfficeStoreTestResult> {
  let conn;
  try {
    conn = officeConnection(c);
  } catch (e) {
    if (e instanceof OfficeConfigError) return { ok: false, field: e.field, message: e.message };
    throw e;
  }
  if (!conn) return { ok: false, field: 'url', message: '尚未设置办公室数据库的连接地址' };
  let ca: string | undefined;
  if (conn.tls === 'verify-full') {
    try {
      ca = await readFile(conn.caFile, 'utf8');
    } catch {
      return { ok: false, field: 'caFile', message: `CA 证书文件 ${conn.caFile} 不存在或无法读取` };
    }
  }
  const u = conn.url;
  const address = `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
  const r = await probeOfficeStore({ host: u.host, port: u.port, user: u.user, database: u.database, password: conn.password, tls: conn.tls, ca });
  if (!r.ok) return r;
  return { ...r, address, text: describeProbe(r, address) };
}
