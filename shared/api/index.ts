import type { z } from 'zod';
import { admissionApi } from './admission.ts';
import { coreApi } from './contract.ts';
import { identityApi } from './identity.ts';
import { rosterApi } from './roster.ts';
import { settingsApi } from './settings.ts';
import { recoveryApi } from './recovery.ts';
import { dashboardApi } from './dashboard.ts';
import { claimApi } from './claim.ts';
import { settlementApi } from './settlement.ts';
import { syncApi } from './sync.ts';
import { agencyConnectionApi } from './agencyConnection.ts';
import { outpatientApi } from './outpatient.ts';
import { officeStoreApi } from './officeStore.ts';

/**
 * The whole API: one map composed from the domain maps. Add a domain by spreading its map here.
 */
export const contract = {
  ...coreApi,
  ...admissionApi,
  ...identityApi,
  ...rosterApi,
  ...settingsApi,
  ...recoveryApi,
  ...dashboardApi,
  ...claimApi,
  ...settlementApi,
  ...syncApi,
  ...agencyConnectionApi,
  ...outpatientApi,
  ...officeStoreApi,
} as const;

export function isMethod(name: string): name is keyof typeof contract {
  return Object.hasOwn(contract, name);
}

export type Contract = typeof contract;
export type Method = keyof Contract;
export type Input<M extends Method> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends Method> = z.output<Contract[M]['input']>;
export type Output<M extends Method> = NonNullable<Contract[M]['output']>;

export * from './contract.ts';
export type * from './identity.ts';
export type { RosterStatusView } from './roster.ts';
export type { DeskSettings } from './settings.ts';
export type { RecoveryStatus } from './recovery.ts';
export type { Dashboard } from './dashboard.ts';
export type { AgencyConnectionView, ConnectionTestResult, SignInStatus, GatewayProfile } from './agencyConnection.ts';
