import type { AgencyResponse } from '../../shared/agency/envelope.ts';

/**
 * The agency client's errors. Every failure becomes one of four typed errors, because
 * the outbox worker decides from the type alone what to do with an entry:
 *   NetworkError  — nothing usable arrived (refused, reset, timeout, cut mid-answer, garbage): retry;
 *   ServerError   — the agency answered 5xx: retry;
 *   RejectedError — the agency refused the request itself (4xx, gateway/encrypted shapes): park;
 *   BusinessError — the transaction ran and answered infcode ≠ 0: park and show err_msg.
 * The platform does not deduplicate a repeated msgid: what the outbox worker does about an
 * unknown outcome (2601 冲正, then a new msgid) is its business, not the client's (docs/agency.md).
 */

export type NetworkErrorKind = 'refused' | 'reset' | 'timeout' | 'dropped' | 'garbage' | 'dns' | 'other';

export abstract class AgencyError extends Error {
  abstract readonly retryable: boolean;
  /** `name` is given, not taken from the class: a bundler may rename classes. */
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** What arrived of an answer cut mid-way (a 9102 download resumes from it where the profile allows). */
export interface PartialAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** Bytes that went to the exchange's sink instead of `bytes` (null: none had a sink). */
  sunk: number | null;
}

export class NetworkError extends AgencyError {
  readonly retryable = true;
  /** Set by the transport when an answer was cut after its status line. */
  partial: PartialAnswer | null = null;
  constructor(readonly kind: NetworkErrorKind, message: string, options?: { cause?: unknown }) {
    super('NetworkError', message, options);
  }

  /**
   * Whether the request may have reached the agency. Refused and unresolvable connections never
   * carried it; anything else (a reset, a timeout, a cut or garbled answer) leaves the outcome unknown.
   */
  get mayHaveArrived(): boolean {
    return this.kind !== 'refused' && this.kind !== 'dns';
  }
}

export class ServerError extends AgencyError {
  readonly retryable = true;
  constructor(readonly status: number, message: string) {
    super('ServerError', message);
  }
}

export class RejectedError extends AgencyError {
  readonly retryable = false;
  constructor(
    /** HTTP status; 200 when the body was a recognised non-envelope shape (gateway, encrypted). */
    readonly status: number,
    /** The agency's error code (e.g. BAD_SIGNATURE) or the message-shape code. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('RejectedError', message, options);
  }
}

export class BusinessError extends AgencyError {
  readonly retryable = false;
  constructor(
    readonly msgid: string,
    readonly infno: string,
    readonly errMsg: string,
    readonly response: AgencyResponse,
  ) {
    super('BusinessError', `医保平台业务失败（${infno}）：${errMsg}`);
  }
}

