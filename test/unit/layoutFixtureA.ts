// Half of an import circle, for test/unit/layout.test.ts (the finder must see it).
import type { B } from './layoutFixtureB.ts';
export type A = { b?: B };
