import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The desk's record that its data moved into an office store (issue 18 point 3), kept in the
 * data directory beside the (moved-aside) SQLite file: the desk's own settings live inside that
 * file, which is no longer the desk's store, so the record must be outside it. It holds the
 * office URL without its password (the password is write-only: IT gives it again, or
 * YIDI_DB_URL, when office mode connects), when the move ran and where the old file is kept.
 *
 * Started without the office store (no YIDI_DB_URL), the record stops the desk from quietly
 * starting a new, empty SQLite file in its place
 * (db/open.ts): two stores for one office is the split brain the office exists to avoid.
 */
export const OFFICE_MARKER = 'office.json';

export interface OfficeMarker {
  /** The office store's URL, password masked. */
  officeUrl: string;
  movedAt: string;
  /** The SQLite file as it was when moved, renamed beside its old name. */
  keptAside: string;
}

export function markerFileFor(dbFile: string): string {
  return join(dirname(dbFile), OFFICE_MARKER);
}

export function readOfficeMarker(dbFile: string): OfficeMarker | null {
  const file = markerFileFor(dbFile);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as OfficeMarker;
}

export function writeOfficeMarker(dbFile: string, marker: OfficeMarker): string {
  const file = markerFileFor(dbFile);
  writeFileSync(file, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export class DeskMovedError extends Error {
  constructor(readonly marker: OfficeMarker) {
    super(`本桌面的数据已于 ${marker.movedAt} 迁入办公室数据库 ${marker.officeUrl}（原文件保留为 ${marker.keptAside}）。请以办公室模式启动（由信息科设置 YIDI_DB_URL，见 docs/office.md），不要在此桌面新建数据。`);
    this.name = 'DeskMovedError';
  }
}

/** The password of a postgres URL replaced by ***, for anything printed or logged. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of ['password', 'sslpassword']) if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '（无法解析的地址）';
  }
}
