import { maskId } from './citizenId.ts';

const ID_IN_TEXT = /(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])/g;

/** Masks every citizen ID number inside free text (logs, exports): first 6 and last 4 remain. */
export function maskIdsInText(text: string): string {
  return text.replace(ID_IN_TEXT, (id) => maskId(id));
}
