import type { TableKind } from '../../shared/claimTables.ts';
import type { Decimal } from '../../shared/money.ts';

/**
 * One clearing table laid out for both writers (PDF and Excel): headings, the form's column
 * numbers where it has them, rows and the 合计 row. Cells are text or amounts (Decimal); the
 * writers only draw them, so the PDF and the .xlsx of a table always carry the same figures.
 */
export type SheetCell = string | number | Decimal;

export interface SheetColumn {
  label: string;
  /** Relative width. */
  width: number;
  amount?: boolean;
  /** Codes and dates: one line, shrunk to fit rather than broken. */
  nowrap?: boolean;
}

export interface Sheet {
  kind: TableKind;
  title: string;
  /** 004 附件11 …, printed small under the title. */
  source: string;
  period: string;
  periodLabel: string;
  /** Built from the preview: nothing declared yet. */
  preview: boolean;
  hospitalName: string;
  columns: SheetColumn[];
  /** The form's numbering row (甲栏 1 2 …), when it has one. */
  numbers: string[] | null;
  rows: SheetCell[][];
  total: SheetCell[];
  /** Lines printed under the table: how a figure came about (e.g. an earlier dispute refunded, 004 第五十条). */
  notes?: string[];
}
