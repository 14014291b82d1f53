import type { ApiError } from '../../shared/api/index.ts';

/** An error the clerk can act on: Chinese message, stable code, the field it concerns. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path = '',
  ) {
    super(message);
    this.name = 'ServiceError';
  }

  toApi(): ApiError {
    return { code: this.code, message: this.message, path: this.path };
  }
}

export const notLoggedIn = () => new ServiceError('UNAUTHENTICATED', '登录已失效或屏幕已锁定，请重新登录');
export const forbidden = (what: string) => new ServiceError('FORBIDDEN', `${what}需要主管权限，请由主管登录后操作`);
