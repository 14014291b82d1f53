import { resolve } from 'node:path';
import { samplesDay, writeDemoSamples } from './samples.ts';

/** `npm run samples [YYYY-MM-DD]`: rewrites samples/ for that day (default today, CST). */
const dir = resolve(import.meta.dirname, '..', '..', '..', 'samples');
const day = process.argv[2];
if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
  process.stderr.write(`日期格式应为 YYYY-MM-DD：${day}\n`);
  process.exit(2);
}
writeDemoSamples(dir, day);
process.stdout.write(`样例费用文件已写入 ${dir}（费用发生日期 ${samplesDay(dir)}）\n`);
