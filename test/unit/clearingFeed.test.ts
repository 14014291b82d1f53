import { describe, expect, it } from 'vitest';
import { parseClearingItem } from '../../electron/services/claim/clearing.ts';
import type { InputError } from '../../shared/errors.ts';
import { inputError } from '../support/inputError.ts';

/** The agency's clearing feed as the desk reads it: bad items are refused with the field named in Chinese. */
const deduction = { seq: 3, type: 'deduction', ddn_id: 'E1D0001', clr_appy_evt_id: 'E1', setl_id: 'S1', amount: '12.30', reason: '超限价', issued_on: '2026-11-10', status: 'issued' };

const errorOf = (raw: unknown): InputError => inputError(() => parseClearingItem(raw));

describe('clearing feed items', () => {
  it('a deduction issued, revoked with its day, or upheld', () => {
    expect(parseClearingItem(deduction)).toMatchObject({ type: 'deduction', status: 'issued', decidedOn: null, amount: '12.30' });
    expect(parseClearingItem({ ...deduction, status: 'revoked', decided_on: '2026-11-21 09:30:00', memo: '同意' })).toMatchObject({ status: 'revoked', decidedOn: '2026-11-21', memo: '同意' });
    expect(parseClearingItem({ ...deduction, status: 'upheld', decided_on: '2026-11-19' })).toMatchObject({ status: 'upheld', decidedOn: '2026-11-19' });
    // An issued deduction carries no decision day, whatever the feed says.
    expect(parseClearingItem({ ...deduction, decided_on: '2026-11-19' })).toMatchObject({ decidedOn: null });
  });

  it('refuses what it cannot place, naming the field', () => {
    expect(errorOf({ ...deduction, status: 'cancelled' })).toMatchObject({ path: 'status' });
    expect(errorOf({ ...deduction, status: 'cancelled' }).message).toContain('扣款状态（status）');
    expect(errorOf({ ...deduction, status: 'revoked', decided_on: '21/11/2026' })).toMatchObject({ code: 'INVALID_DATE', path: 'decided_on' });
    expect(errorOf({ ...deduction, amount: '-1.00' })).toMatchObject({ path: 'amount' });
    expect(errorOf({ ...deduction, ddn_id: undefined }).message).toContain('扣款编号（ddn_id）');
    expect(errorOf({ seq: 1, type: 'claim', clr_appy_evt_id: 'E1', status: '50' })).toMatchObject({ path: 'paid_amount' });
  });
});
