import { eq } from 'drizzle-orm';
import { persons } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * Every person the desk has seen (DOMAIN §2: kept for offline checks): what the agency's 1101
 * answered, with the time it was confirmed. A person known only from the roster is stored with
 * confirmedAt null and an empty scheme until the agency confirms them.
 */
export type PersonRow = typeof persons.$inferSelect;

export interface PersonFacts {
  psnNo: string | null;
  certno: string;
  psnName: string;
  gend: string;
  brdy: string;
  insuplcAdmdvs: string;
  /** '' while not yet known (roster only). */
  insutype: string;
  psnType: string | null;
  psnInsuStas: string;
  cvlservFlag: boolean;
  cardNo?: string | null;
}

export function findPersonByCertno(db: Tx, certno: string): PersonRow | undefined {
  return db.select().from(persons).where(eq(persons.certno, certno)).get();
}

export function findPersonById(db: Tx, id: number): PersonRow | undefined {
  return db.select().from(persons).where(eq(persons.id, id)).get();
}

/** Insert or refresh by certno; `confirmedAt` is the time the agency answered (null: not confirmed). */
export function savePerson(db: Tx, facts: PersonFacts, confirmedAt: string | null): PersonRow {
  const now = new Date().toISOString();
  const values = {
    psnNo: facts.psnNo,
    certno: facts.certno,
    psnName: facts.psnName,
    gend: facts.gend,
    brdy: facts.brdy,
    insuplcAdmdvs: facts.insuplcAdmdvs,
    insutype: facts.insutype,
    psnType: facts.psnType,
    psnInsuStas: facts.psnInsuStas,
    cvlservFlag: facts.cvlservFlag,
    confirmedAt,
    updatedAt: now,
    ...(facts.cardNo ? { cardNo: facts.cardNo } : {}),
  };
  const { certno: _key, ...update } = values;
  return db.insert(persons).values(values).onConflictDoUpdate({ target: persons.certno, set: update }).returning().get();
}
