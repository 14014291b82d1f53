/**
 * Set when this window restored the database: the restore closes every session, so the next call
 * is refused as unauthenticated, and the login page must then say why (not "屏幕已锁定").
 */
let restored = false;

export function markRestored(): void {
  restored = true;
}

/** True once after a restore; clears the mark. */
export function takeRestored(): boolean {
  const was = restored;
  restored = false;
  return was;
}
