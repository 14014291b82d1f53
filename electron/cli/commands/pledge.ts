import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../../shared/errors.ts';
import { parsePledgeInput, renderPledge } from '../../pdf/pledgePdf.ts';
import { parseJsonInput, type Command } from '../main.ts';

/**
 * The options of the PDF commands (`pledge`, `slip`): `--out <file.pdf>` is required, `flags`
 * lists the boolean switches the command knows; anything else is refused rather than ignored,
 * so a mistyped `--reprnt` cannot print a slip without its 补打 mark.
 */
export function parsePdfArgs(args: readonly string[], flags: readonly string[] = []): { out: string; flags: Set<string> } {
  let out: string | null = null;
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--out') {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new InputError('MISSING_ARGUMENT', '--out 后应跟输出文件路径，例如 --out 结算单.pdf', 'out');
      out = next;
      i++;
    } else if (a.startsWith('--out=')) {
      out = a.slice('--out='.length);
    } else if (flags.includes(a.slice(2)) && a.startsWith('--')) {
      seen.add(a.slice(2));
    } else {
      throw new InputError('UNKNOWN_OPTION', `未知参数：${a}`, 'args');
    }
  }
  if (out === null || out.trim() === '') throw new InputError('MISSING_ARGUMENT', '请用 --out <文件.pdf> 指定输出的 PDF 文件', 'out');
  const resolved = path.resolve(out);
  const dir = path.dirname(resolved);
  // Checked before any work, so a wrong folder is an input error (exit 2), not a crash after rendering.
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('INVALID_OUT', `输出文件夹不存在：${dir}`, 'out');
  if (existsSync(resolved) && statSync(resolved).isDirectory()) throw new InputError('INVALID_OUT', `输出路径是文件夹，应为文件：${resolved}`, 'out');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError('INVALID_OUT', `输出文件夹不可写：${dir}`, 'out');
  }
  return { out: resolved, flags: seen };
}

/**
 * Writes to a temporary name in the same folder, flushes, then renames over the target: rename
 * within one file system is atomic, so a failure leaves either the old file or none, never half
 * a PDF that a printer queue might pick up.
 */
export async function writeFileAtomic(file: string, data: Buffer): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    // Root passes the access check on a read-only or virtual file system; the write itself says so.
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new InputError('INVALID_OUT', `无法写入输出文件 ${file}（${code || (e as Error).message}）`, 'out');
  }
}

/** CLI.md `pledge --out <file.pdf>`: the pre-filled 外伤无第三方责任承诺书 (004 附件8). */
const pledge: Command = async ({ args, readStdin }) => {
  const { out } = parsePdfArgs(args);
  const input = parsePledgeInput(parseJsonInput(await readStdin()));
  const { pdf, pages } = await renderPledge(input);
  await writeFileAtomic(out, pdf);
  return { pages, bytes: pdf.length };
};
export default pledge;
