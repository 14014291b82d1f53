import { readAdmission } from './admission.ts';
import { AgencyMessageError, type AgencyResponse, type JsonObject } from './envelope.ts';
import { readSettlement } from './settlement.ts';

/**
 * What a transaction's success must carry, checked by the transaction's own reader (issue 14 §3):
 * 2303/2304/2305 a setlinfo, 2401 a mdtrt_id (national-interface.md §2); the outpatient 2206/2207/2208
 * a setlinfo as well (docs/outpatient.md).
 */
const REQUIRED_OUTPUT: Readonly<Record<string, (output: JsonObject | null, errMsg: string | null) => unknown>> = {
  '2303': readSettlement,
  '2304': readSettlement,
  '2305': readSettlement,
  '2206': readSettlement,
  '2207': readSettlement,
  '2208': readSettlement,
  '2401': readAdmission,
};

/**
 * An answer with infcode 0 but an error text and without the output its transaction must return
 * is a failure the platform described, not a success (issue 14 §3): the failure's Chinese text
 * (with the platform's words), or null when the answer is what it says. An answer with the output
 * present, or without any error text, is left to the reader and the result handler.
 */
export function failureWithoutOutput(infno: string, response: Pick<AgencyResponse, 'ok' | 'err_msg' | 'output'>): string | null {
  const read = REQUIRED_OUTPUT[infno];
  const text = response.err_msg?.trim();
  if (!response.ok || !read || !text || /^(success|成功|ok)$/i.test(text)) return null;
  try {
    read(response.output, response.err_msg);
    return null;
  } catch (e) {
    // A missing output is this case; a malformed amount inside a present output is not.
    if (e instanceof AgencyMessageError && e.code === 'MALFORMED' && e.detail !== null) return e.message;
    return null;
  }
}
