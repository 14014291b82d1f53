import { empty, method } from './contract.ts';

export interface DashboardDay {
  day: string;
  settlements: number;
  medfee: string;
  fund: string;
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
}

export const dashboardApi = {
  'dashboard.get': method<Dashboard>()(empty, 'clerk'),
} as const;
