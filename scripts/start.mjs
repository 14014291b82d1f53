// `npm start`: electron/start.ts run from a bundle built on demand and cached (issue 19,
// start.interactive). Under tsx every start resolved, transformed and compiled some 400 modules
// one by one; one bundle per thread (the host, and the reference agency's own thread) loads in a
// fraction of that. The bundle is rebuilt when any of its sources is newer than it, so a fresh
// clone or an edited file behaves as `tsx electron/start.ts` does (which still works as before).
import { ensureStartBundle } from './startBundle.mjs';

await import(await ensureStartBundle());
