// Type-checks every layer with its own tsconfig so each layer only sees what it may import.
import { spawnSync } from 'node:child_process';
const layers = ['shared', 'db', 'electron', 'renderer', 'test'];
let failed = false;
for (const layer of layers) {
  const r = spawnSync('tsc', ['-p', `${layer}/tsconfig.json`], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) { failed = true; console.error(`类型检查失败: ${layer}`); }
}
process.exit(failed ? 1 : 0);
