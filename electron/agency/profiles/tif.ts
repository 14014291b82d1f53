import { createHash, randomUUID } from 'node:crypto';
import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { JSON_CONTENT_TYPE, type GatewayAdapter, type WireRequest } from './types.ts';

/**
 * The national TIF gateway (national-interface.md §0): the plain envelope, signed in headers.
 * x-tif-signature = lowercase hex SHA-256 of timestamp + token + nonce + timestamp, timestamp in
 * Unix SECONDS; the body is not signed.
 */
export function tifSignature(timestamp: string, token: string, nonce: string): string {
  return createHash('sha256').update(`${timestamp}${token}${nonce}${timestamp}`, 'utf8').digest('hex');
}

export function tifHeaders(paasid: string, token: string, now: Date, nonce: string = randomUUID().replace(/-/g, '')): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    'x-tif-paasid': paasid,
    'x-tif-timestamp': timestamp,
    'x-tif-nonce': nonce,
    'x-tif-signature': tifSignature(timestamp, token, nonce),
  };
}

export class TifAdapter implements GatewayAdapter {
  readonly name = 'tif' as const;
  constructor(
    private readonly paasid: string,
    private readonly token: string,
    private readonly now: () => Date,
  ) {}

  request(env: RequestEnvelope<unknown>, url: string): Promise<WireRequest> {
    return Promise.resolve({
      url,
      headers: { ...tifHeaders(this.paasid, this.token, this.now()), 'content-type': JSON_CONTENT_TYPE },
      body: JSON.stringify(env),
    });
  }

  answer(raw: unknown): unknown {
    return raw;
  }

  unauthorized(): boolean {
    return false;
  }
}
