import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import type { GatewayProfileName } from '../config.ts';

/** One HTTP request as a gateway wants it. */
export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What an adapter may ask of the transport (gm fetches its OAuth token with it). */
export interface WireTransport {
  post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }>;
}

/**
 * A gateway profile: how one envelope becomes an HTTP request and how the answer becomes the
 * plain answer envelope again. Nothing outside profiles/ knows which one is in use.
 */
export interface GatewayAdapter {
  readonly name: GatewayProfileName;
  request(env: RequestEnvelope<unknown>, url: string): Promise<WireRequest>;
  /** The parsed answer body, as the national reader expects it (gm: output decrypted). */
  answer(raw: unknown): unknown;
  /** A 401 arrived: drop cached credentials. true when one more try may succeed. */
  unauthorized(): boolean;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
