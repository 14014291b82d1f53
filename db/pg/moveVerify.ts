import { Decimal } from '../../shared/money.ts';

/** Per table: its row count and each money column's exact total, as text (never a JS number). */
export interface TableTotals {
  rows: string;
  money: Record<string, string>;
}

/** The outbox as the sender will find it: counts by status, and each order key's queue in order (`msgid:status`). */
export interface OutboxState {
  byStatus: Record<string, string>;
  queues: Record<string, string[]>;
}

export interface Difference {
  table: string;
  column: string | null;
  desk: string;
  office: string;
}

/**
 * Compares the desk's figures with the office store's: rows per table, money totals per column
 * (as Decimals: '12.30' equals '12.3', but a rounded '12.305' does not equal '12.31'), and the
 * outbox's statuses and queues. Returns every difference, first one first; empty when equal.
 */
export function differences(desk: Record<string, TableTotals>, office: Record<string, TableTotals>, deskOutbox: OutboxState, officeOutbox: OutboxState): Difference[] {
  const out: Difference[] = [];
  for (const [table, d] of Object.entries(desk)) {
    const o = office[table];
    if (!o) {
      out.push({ table, column: null, desk: d.rows, office: '（缺少此表）' });
      continue;
    }
    if (d.rows !== o.rows) out.push({ table, column: null, desk: d.rows, office: o.rows });
    for (const [column, total] of Object.entries(d.money)) {
      const other = o.money[column];
      if (other === undefined || !new Decimal(total).eq(new Decimal(other))) out.push({ table, column, desk: total, office: other ?? '（缺少此列）' });
    }
  }
  const statuses = new Set([...Object.keys(deskOutbox.byStatus), ...Object.keys(officeOutbox.byStatus)]);
  for (const s of [...statuses].sort()) {
    const a = deskOutbox.byStatus[s] ?? '0';
    const b = officeOutbox.byStatus[s] ?? '0';
    if (a !== b) out.push({ table: 'outbox', column: `status=${s}`, desk: a, office: b });
  }
  const keys = new Set([...Object.keys(deskOutbox.queues), ...Object.keys(officeOutbox.queues)]);
  for (const k of [...keys].sort()) {
    const a = (deskOutbox.queues[k] ?? []).join(' ');
    const b = (officeOutbox.queues[k] ?? []).join(' ');
    if (a !== b) out.push({ table: 'outbox', column: `order_key=${k}`, desk: a || '（无）', office: b || '（无）' });
  }
  return out;
}

export function describeDifference(d: Difference): string {
  if (d.column === null) return `表 ${d.table} 行数：桌面 ${d.desk}，办公室 ${d.office}`;
  if (d.table === 'outbox' && d.column.startsWith('order_key=')) return `发送队列 ${d.column.slice(10)} 的顺序或状态不同：桌面 ${d.desk}；办公室 ${d.office}`;
  if (d.table === 'outbox' && d.column.startsWith('status=')) return `发送队列状态 ${d.column.slice(7)} 的条数：桌面 ${d.desk}，办公室 ${d.office}`;
  return `表 ${d.table} 列 ${d.column} 合计：桌面 ${d.desk}，办公室 ${d.office}`;
}

export class MoveMismatch extends Error {
  readonly code = 'MOVE_MISMATCH';
  constructor(readonly differences: Difference[]) {
    super(`迁入后核对不一致，已全部撤回（办公室数据库仍为空，桌面数据库未改动）：${differences.slice(0, 5).map(describeDifference).join('；')}${differences.length > 5 ? `；另有 ${differences.length - 5} 处` : ''}`);
    this.name = 'MoveMismatch';
  }
}
