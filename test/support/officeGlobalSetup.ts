import type { TestProject } from 'vitest/node';
import { startPgCluster, type PgCluster } from './pgCluster.ts';

let cluster: PgCluster | null = null;

/** One PostgreSQL cluster for the whole office run; each desk gets its own database on it (testStore.ts). */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startPgCluster();
  project.provide('pgPort' as never, cluster.port as never);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
