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

export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [name, ...args] = argv;
  try {
    if (!name || !COMMAND_RE.test(name)) throw new InputError('UNKNOWN_COMMAND', `请指定命令，例如 check-id`, 'command');
    const file = new URL(`./commands/${name}.ts`, import.meta.url);
    if (!existsSync(file)) throw new InputError('UNKNOWN_COMMAND', `未知命令：${name}`, 'command');
    const mod = (await import(file.href)) as { default: Command };
    const out = await mod.default({ args, readStdin: () => readAll(process.stdin) });
    return { code: 0, stdout: `${JSON.stringify(out)}\n`, stderr: '' };
  } catch (e) {
    if (e instanceof InputError) return { code: 2, stdout: '', stderr: `${JSON.stringify(e.toJSON())}\n` };
    return { code: 1, stdout: '', stderr: `${JSON.stringify({ error: 'INTERNAL', message: `内部错误：${(e as Error).message}`, path: '' })}\n` };
  }
}
