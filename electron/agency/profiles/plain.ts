import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { JSON_CONTENT_TYPE, type GatewayAdapter, type WireRequest } from './types.ts';

/** A hospital 前置机 that signs for the desk: the plain envelope, at most an apikey header. */
export class PlainAdapter implements GatewayAdapter {
  readonly name = 'plain' as const;
  constructor(private readonly apikey: string) {}

  request(env: RequestEnvelope<unknown>, url: string): Promise<WireRequest> {
    const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE };
    if (this.apikey !== '') headers.apikey = this.apikey;
    return Promise.resolve({ url, headers, body: JSON.stringify(env) });
  }

  answer(raw: unknown): unknown {
    return raw;
  }

  unauthorized(): boolean {
    return false;
  }
}
