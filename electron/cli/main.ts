import { existsSync } from 'node:fs';
import { InputError } from '../../shared/errors.ts';

/**
 * The command line of CLI.md: one JSON document in on stdin, one out on stdout; exit 2 with
 * {error, message, path} on stderr when the input is invalid. Each command lives in
 * ./commands/<name>.ts and calls the same shared/ functions the app uses.
 */
export interface CommandContext {
  args: string[];
  readStdin: () => Promise<string>;
}
export type Command = (ctx: CommandContext) => Promise<unknown>;

/** Reads stdin, stopping (with a Chinese error) as soon as it passes MAX_STDIN_BYTES. */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new InputError('INPUT_TOO_LARGE', `输入超过 ${MAX_STDIN_BYTES / 1024 / 1024} MB 上限`, '');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Bounds of any CLI input (issue 21 p7): no text field of the contract comes near 2,000
 * characters (the longest national fields are a few hundred), and a settle or claim document of
 * the largest real size is a few MB. Checked before any computation, so a 1 MB policy version
 * is refused in milliseconds instead of being laid out in a PDF for minutes.
 */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;
export const MAX_STRING_CHARS = 2000;

/** The first string longer than MAX_STRING_CHARS, as its JSON path (a.b[3].c), or null. */
function overlongString(value: unknown, at: string): string | null {
  if (typeof value === 'string') return value.length > MAX_STRING_CHARS ? at : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = overlongString(value[i], `${at}[${i}]`);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.length > MAX_STRING_CHARS) return at === '' ? k.slice(0, 40) : `${at}.${k.slice(0, 40)}`;
      const hit = overlongString(v, at === '' ? k : `${at}.${k}`);
      if (hit !== null) return hit;
    }
  }
  return null;
}

/** Parses stdin as JSON, with a Chinese error when it is not or when a field is over its bound. */
export function parseJsonInput(text: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_STDIN_BYTES) {
    throw new InputError('INPUT_TOO_LARGE', `输入超过 ${MAX_STDIN_BYTES / 1024 / 1024} MB 上限`, '');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('INVALID_JSON', `输入不是有效的 JSON：${(e as Error).message}`, '');
  }
  const long = overlongString(value, '');
  if (long !== null) throw new InputError('TOO_LONG', `字段 ${long} 过长：文本字段最多 ${MAX_STRING_CHARS} 个字符`, long);
  return value;
}

const COMMAND_RE = /^[a-z][a-z-]*$/;

/** `--help`: the commands of CLI.md, one line each. */
export const HELP_TEXT = `用法：npm run --silent cli -- <命令> [参数]   （契约见 ../shared/CLI.md）
计算类命令从标准输入读一个 JSON 文档，向标准输出写一个 JSON 文档；输入无效时退出码 2，
标准错误输出 {"error","message","path"}。

命令：
  check-id <身份证号>               校验 18 位公民身份号码（GB 11643-1999），输出出生日期、性别、地区
  eligibility                       判定能否直接结算（备案、就医地、有效期），输入见 CLI.md
  settle                            按参保地政策计算一次住院的结算（起付线、分段比例、基金构成）
  claim                             按月汇总申报（清算申报），输出申报明细与合计
  slip --out <文件.pdf> [--reprint]  生成结算单 PDF（--reprint 为补打）
  pledge --out <文件.pdf>           生成《外伤无第三方责任承诺书》PDF
  office move --db <desk.sqlite> --to <postgres://…>  把一个桌面的数据迁入空的办公室数据库并核对（docs/office.md）
  --help                            显示本说明

示例：
  npm run --silent cli -- check-id 11010519491231002X
  npm run --silent cli -- settle < 结算输入.json
`;

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') return { code: 0, stdout: HELP_TEXT, stderr: '' };
  try {
    if (!name || !COMMAND_RE.test(name)) throw new InputError('UNKNOWN_COMMAND', `请指定命令，例如 check-id；npm run cli -- --help 列出全部命令`, 'command');
    const file = new URL(`./commands/${name}.ts`, import.meta.url);
    if (!existsSync(file)) throw new InputError('UNKNOWN_COMMAND', `未知命令：${name}；npm run cli -- --help 列出全部命令`, 'command');
    const mod = (await import(file.href)) as { default: Command };
    const out = await mod.default({ args, readStdin: () => readAll(process.stdin) });
    return { code: 0, stdout: `${JSON.stringify(out)}\n`, stderr: '' };
  } catch (e) {
    if (e instanceof InputError) return { code: 2, stdout: '', stderr: `${JSON.stringify(e.toJSON())}\n` };
    return { code: 1, stdout: '', stderr: `${JSON.stringify({ error: 'INTERNAL', message: `内部错误：${(e as Error).message}`, path: '' })}\n` };
  }
}
