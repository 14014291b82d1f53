import { empty, method } from './contract.ts';

export interface DashboardDay {
  day: string;
  settlements: number;
  medfee: string;
  fund: string;
}

/** Of the episodes finished in the month, how many were settled directly and how many paid 全额自付 (share = direct / both; null when none). */
export interface DirectShare {
  direct: number;
  selfPaid: number;
  share: string | null;
}

export interface DashboardOutpatient {
  visitsToday: number;
  /** Settlements today, refunds counting −1; amounts net of refunds. */
  settlementsToday: number;
  medfeeToday: string;
  fundToday: string;
  month: { visits: number; settlements: number; medfee: string; fund: string };
}

export interface Dashboard {
  today: string;
  admissionsToday: number;
  inHospital: number;
  settlementsToday: number;
  medfeeToday: string;
  fundToday: string;
  outboxPending: number;
  outboxRejected: number;
  deadlines: { date: string; daysLeft: number; text: string; level: 'info' | 'warn' | 'danger' }[];
  month: { period: string; days: DashboardDay[]; byFund: { fundPayType: string; name: string; amount: string }[] };
  /** 门诊 (issue 16 §5): visits and their settled amounts, apart from the stays' figures above. */
  outpatient: DashboardOutpatient;
  /** The month's share of direct settlement (直接结算率), stays and visits apart. */
  directShare: { period: string; stays: DirectShare; visits: DirectShare };
}

export const dashboardApi = {
  'dashboard.get': method<Dashboard>()(empty, 'clerk'),
} as const;
