import { contract, describeTextProblem, describeZodError, isMethod, type ApiResponse } from '../../shared/api/index.ts';
import { InputError } from '../../shared/errors.ts';
import type { DeskParts } from './context.ts';
import { forbidden, notLoggedIn, ServiceError } from './errors.ts';

/**
 * The single entry for every API call, from IPC or HTTP: validates the input against the
 * contract, enforces the role in the service layer, and turns errors into Chinese messages.
 */
export async function dispatch(desk: DeskParts, methodName: string, rawInput: unknown, token: string | undefined): Promise<ApiResponse<unknown>> {
  try {
    if (!isMethod(methodName)) throw new ServiceError('UNKNOWN_METHOD', `未知的接口：${methodName}`);
    const spec = contract[methodName];
    if (desk.broken && !methodName.startsWith('recovery.')) throw new ServiceError('DB_BROKEN', desk.broken.message);
    const session = spec.access === 'public' ? undefined : desk.sessions.touch(token);
    if (spec.access !== 'public') {
      if (!session) throw notLoggedIn();
      if (spec.access === 'supervisor' && session.role !== 'supervisor') throw forbidden('此操作');
    }
    const textProblem = describeTextProblem(rawInput);
    if (textProblem) return { ok: false, error: textProblem };
    const parsed = spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, rawInput ?? {}) };
    const handler = desk.handlers[methodName] as (input: unknown, ctx: { session: typeof session }) => unknown;
    const result = await handler(parsed.data, { session });
    return { ok: true, result };
  } catch (e) {
    if (e instanceof ServiceError) return { ok: false, error: e.toApi() };
    if (e instanceof InputError) return { ok: false, error: { code: e.code, message: e.message, path: e.path } };
    // No personal data in logs: only the method and the error's class and message.
    console.error(`[api] ${methodName} 失败：${(e as Error).name}: ${(e as Error).message}`);
    return { ok: false, error: { code: 'INTERNAL', message: '内部错误，请重试；如反复出现请联系信息科', path: '' } };
  }
}
