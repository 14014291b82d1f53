import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throw-away PostgreSQL cluster for one test file (issue 18): initdb in a temp dir, a server on
 * a free loopback port (TCP only, no system service, no password: trust for 127.0.0.1 only, and
 * nothing else can connect; `passwordRoles` log in with scram-sha-256 instead, `ssl` adds TLS
 * with a throw-away self-signed certificate), stopped and removed by stop(). Debian's binaries
 * (/usr/lib/postgresql/<newest>/bin, `apt-get install postgresql`, as .ci/run does), or
 * YIDI_PG_BIN.
 *
 * initdb and postgres refuse to run as root: as root they run as the `postgres` system user the
 * Debian package creates (runuser), and the temp dir is handed to that user.
 */
export interface PgCluster {
  bin: string;
  port: number;
  /** With `ssl`: the server's self-signed certificate, which is also its own CA (for verify-full). */
  caFile: string | null;
  /** postgres://postgres@127.0.0.1:<port>/<db> */
  url(db?: string): string;
  /** Runs SQL through psql (no driver needed): one simple query, ON_ERROR_STOP, returns psql's CSV output. */
  psql(sql: string, db?: string): Promise<string>;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The directory of the newest installed PostgreSQL's binaries, or null. */
export function findPgBin(): string | null {
  const env = process.env.YIDI_PG_BIN;
  if (env) return existsSync(join(env, 'initdb')) ? env : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Why the PG tests cannot run here, or null when they can. */
export function pgUnavailable(): string | null {
  if (!findPgBin()) return 'PostgreSQL 未安装（/usr/lib/postgresql/*/bin/initdb 不存在）：apt-get install postgresql，或设置 YIDI_PG_BIN';
  if (process.getuid?.() === 0 && !systemUser()) return '以 root 运行但没有 postgres 系统用户：initdb 不能以 root 运行';
  return null;
}

function systemUser(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface PgClusterOptions {
  /**
   * Roles that must log in with a password (scram-sha-256) instead of trust, for tests of a
   * wrong password. The test creates the role and its password itself (none is in the repo).
   */
  passwordRoles?: string[];
  /** TLS on (plain connections still accepted), with a self-signed certificate for 127.0.0.1 made by openssl. */
  ssl?: boolean;
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const reason = pgUnavailable();
  if (reason) throw new Error(reason);
  const bin = findPgBin()!;
  const asRoot = process.getuid?.() === 0;
  // As root, under /tmp: the postgres user must be able to reach the directory (a root TMPDIR may not be).
  const dir = mkdtempSync(join(asRoot ? '/tmp' : tmpdir(), 'yidi-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (asRoot) {
    const u = systemUser()!;
    chownSync(dir, u.uid, u.gid);
  }
  // As root: the same command as the postgres user, from a directory it can read.
  const server = (cmd: string, args: string[]) => (asRoot
    ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { cwd: dir })
    : run(join(bin, cmd), args, { cwd: dir }));
  await server('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  if (options.passwordRoles?.length) {
    // pg_hba.conf is read top down: these lines come before initdb's trust lines.
    const hba = join(data, 'pg_hba.conf');
    const lines = options.passwordRoles.map((r) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(r)) throw new Error(`bad role name ${r}`);
      return `host all ${r} 127.0.0.1/32 scram-sha-256`;
    });
    writeFileSync(hba, `${lines.join('\n')}\n${readFileSync(hba, 'utf8')}`);
  }
  let caFile: string | null = null;
  let sslOpts = '';
  if (options.ssl) {
    caFile = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', caFile]);
    // The server refuses a key others can read, or (as root) one it does not own.
    chmodSync(key, 0o600);
    if (asRoot) {
      const u = systemUser()!;
      chownSync(key, u.uid, u.gid);
      chownSync(caFile, u.uid, u.gid);
    }
    sslOpts = ` -c ssl=on -c ssl_cert_file=${caFile} -c ssl_key_file=${key}`;
  }

  let port = 0;
  let started = false;
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    port = await freePort();
    // No unix socket (unix_socket_directories empty): TCP on loopback only; fsync off, it is thrown away.
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories='' -c fsync=off -c full_page_writes=off${sslOpts}`;
    try {
      await server('pg_ctl', ['-D', data, '-l', log, '-o', opts, '-w', '-t', '30', 'start']);
      started = true;
    } catch (e) {
      if (attempt === 2) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL 未能启动：${String(e)}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`, { cause: e });
      }
    }
  }

  // A test run that dies before stop() still takes the server down with it.
  const stopSync = () => {
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { cwd: dir, stdio: 'ignore' });
      else execFileSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { cwd: dir, stdio: 'ignore' });
    } catch { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const psql = async (sql: string, db = 'postgres') => {
    const { stdout } = await run(join(bin, 'psql'), ['-X', '-q', '--csv', '-v', 'ON_ERROR_STOP=1', '-d', url(db), '-c', sql], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };
  return {
    bin,
    port,
    caFile,
    url,
    psql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await psql(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}
