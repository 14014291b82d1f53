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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses stdin as JSON, with a Chinese error when it is not. */
export function parseJsonInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('INVALID_JSON', `输入不是有效的 JSON：${(e as Error).message}`, '');
  }
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
