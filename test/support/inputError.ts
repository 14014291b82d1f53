import { expect } from 'vitest';
import { InputError } from '../../shared/errors.ts';

/** Runs `fn`, expects it to refuse with an InputError and returns that error (the test fails otherwise). */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}
