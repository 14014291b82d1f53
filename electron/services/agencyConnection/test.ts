import type { Db } from '../../../db/open.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import type { ConnectionTestResult } from '../../../shared/api/agencyConnection.ts';
import type { Operator } from '../context.ts';
import type { SignIns } from './context.ts';

const HAN = /[\u4e00-\u9fff]/;

/** The agency's words or the network error, in Chinese; never a stack or a secret. */
export function failureText(e: unknown): string {
  const m = e instanceof Error ? e.message.trim() : '';
  if (m === '') return '签到失败：经办机构没有给出原因';
  return HAN.test(m) ? m : `无法连接经办机构：${m}`;
}

/**
 * 测试连接: 9001 now, with the supervisor at the desk as operator, over the connection as
 * configured. A failure is an answer for the screen, not an error; both go to the audit log
 * (whether it worked — the sign_no is no secret, the message may name the address).
 */
export async function testConnection(db: () => Db, signIns: SignIns, operator: Operator): Promise<ConnectionTestResult> {
  let result: ConnectionTestResult;
  try {
    const r = await signIns.signInNow({ login: operator.login, name: operator.name });
    result = { ok: true, signNo: r.signNo, signTime: r.signTime, signedAt: r.signedAt };
  } catch (e) {
    result = { ok: false, message: failureText(e) };
  }
  appendAudit(db(), { clerkId: operator.clerkId, action: 'agency.connection.test', entity: 'settings', detail: result.ok ? { ok: true, signNo: result.signNo } : { ok: false, message: result.message } });
  return result;
}
