// The other half of the import circle of test/unit/layoutFixtureA.ts.
import type { A } from './layoutFixtureA.ts';
export type B = { a?: A };
