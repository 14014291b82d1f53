// The cached bundle of electron/start.ts that `npm start` runs (scripts/start.mjs): built on
// demand, rebuilt when a source is newer than it (issue 19, start.interactive).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const out = join(root, '.cache', 'start');
const stamp = join(out, 'inputs.json');
const self = fileURLToPath(import.meta.url);

/** The bundle is current when it exists and none of its inputs (nor this script) changed since it was built. */
function current() {
  if (!existsSync(stamp)) return false;
  let built;
  try {
    built = JSON.parse(readFileSync(stamp, 'utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(built.inputs) || typeof built.at !== 'number') return false;
  for (const file of [self, join(root, 'package.json'), ...(existsSync(join(root, 'package-lock.json')) ? [join(root, 'package-lock.json')] : []), ...built.inputs.map((f) => join(root, f))]) {
    try {
      if (statSync(file).mtimeMs > built.at) return false;
    } catch {
      return false; // an input was removed or renamed
    }
  }
  return true;
}

/**
 * Each project file keeps its own import.meta (paths to migrations, the renderer, fonts, samples
 * are computed from it); packages stay outside the bundle and load from node_modules as before.
 */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const contents = source
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: 'ts' };
    });
  },
};

/** Every dependency of the project (and its subpaths) but those bundled. */
function externals() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies }).filter((n) => n !== 'drizzle-orm');
  return names.flatMap((n) => [n, `${n}/*`]);
}

async function rebuild() {
  const { build } = await import('esbuild');
  const at = Date.now();
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { start: 'electron/start.ts', agencyWorker: 'electron/agencyWorker.ts', syncWorker: 'db/pg/syncWorker.ts' },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Packages load from node_modules as before, except drizzle-orm: resolving its subpaths reads
    // its 180 kB package.json "exports" again and again (0.4 s of the start's CPU in a profile);
    // bundled, it is resolved once, at build time. It is plain ESM with no files of its own to find.
    external: externals(),
    // Linked maps: `node --enable-source-maps scripts/start.mjs` shows .ts lines in a stack trace.
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [ownImportMeta],
    // The host thread starts the agency's thread from the bundle beside it, not from the .ts file.
    define: {
      YIDI_BUNDLED_AGENCY_WORKER: JSON.stringify(pathToFileURL(join(out, 'agencyWorker.mjs')).href),
      // Office mode: the office store's connection thread (db/pg/syncConnection.ts).
      YIDI_BUNDLED_SYNC_WORKER: JSON.stringify(pathToFileURL(join(out, 'syncWorker.mjs')).href),
    },
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  writeFileSync(join(tmp, 'inputs.json'), JSON.stringify({ at, inputs }));
  // Whole or not at all: another start running the old bundle keeps its files until it is done.
  mkdirSync(dirname(out), { recursive: true });
  const old = `${out}.${process.pid}.old`;
  try {
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
  } catch (e) {
    // Another start swapped its own fresh bundle in meanwhile: use that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(out, 'start.mjs'))) throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Builds the bundle unless it is current; returns the URL of its entry (the bench builds it before timing a start). */
export async function ensureStartBundle({ quiet = false } = {}) {
  if (!current()) {
    if (!quiet) console.log('正在准备启动程序…');
    await rebuild();
  }
  return pathToFileURL(join(out, 'start.mjs')).href;
}
