import type { Tx } from '../../db/repos/clerks.ts';
import { currentDictionaryVersion, dictionaries } from '../../db/repos/nationalLists.ts';
import type { Dictionaries } from '../../shared/codes.ts';

/**
 * The 1901 dictionaries for the views' labels (shared/codes.ts codeLabel), read once per version:
 * a new national download that changes them names a new version, which is read on next use.
 */

const EMPTY: Dictionaries = new Map();
let cached: { db: Tx; version: string; dicts: Dictionaries } | null = null;

export function currentDictionaries(db: Tx): Dictionaries {
  const version = currentDictionaryVersion(db);
  if (version === null) return EMPTY;
  if (cached?.db === db && cached.version === version) return cached.dicts;
  cached = { db, version, dicts: dictionaries(db) };
  return cached.dicts;
}
