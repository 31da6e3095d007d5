// MariaDB (Debian's mariadb-server-core) started with [mysqld] settings taken from a rendered
// configuration file, as a stand-in for Percona XtraDB Cluster, which Debian does not package.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { supervise } from './process.js';

export const MARIADBD = '/usr/sbin/mariadbd';

export interface IniSection {
  name: string;
  entries: [string, string | undefined][];
}

/** my.cnf syntax: [sections], `key = value` or a bare `key`, # and ; comments, !include ignored. */
export function parseIni(text: string): IniSection[] {
  const out: IniSection[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('!'))
      continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      out.push({ name: section[1].trim(), entries: [] });
      continue;
    }
    if (out.length === 0) throw new Error(`option outside a section: ${line}`);
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    let value = eq < 0 ? undefined : line.slice(eq + 1).trim();
    if (value !== undefined && /^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[out.length - 1].entries.push([key, value]);
  }
  return out;
}

/** my.cnf treats - and _ in option names alike. */
export const optionName = (key: string) => key.replace(/_/g, '-').toLowerCase();

/** A data directory made once by mariadb-install-db: root@localhost only, by unix-socket authentication. */
export function mariadbTemplate(dir: string, uid: number, gid: number): void {
  mkdirSync(dir, { recursive: true });
  // Its own temporary directory: bootstraps of parallel test files shared /tmp, and one failed
  // there once ("Could not remove temporary table '/tmp/#sql-temptable-…'", error 2).
  const tmp = `${dir}.tmp`;
  mkdirSync(tmp, { recursive: true });
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dir}`,
      `--tmpdir=${tmp}`,
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-log-file-size=8M',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

export interface MariaDB {
  port: number;
  socket: string;
  root: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts mariadbd as uid:gid with `[mysqld]` `options` (already remapped), a copy of `template`
 * as its data directory, and the test's own port, address, socket and pid file.
 */
export async function startMariadb(o: {
  root: string;
  options: [string, string | undefined][];
  port: number;
  uid: number;
  gid: number;
  groups?: number[];
  template: string;
}): Promise<MariaDB> {
  const run = join(o.root, 'run');
  const data = join(o.root, 'mysql-data');
  mkdirSync(run, { recursive: true });
  chownSync(run, o.uid, o.gid);
  execFileSync('cp', ['-a', o.template, data]);
  const socket = join(run, 'mysqld.sock');
  const cnf = join(o.root, 'mariadb.cnf');
  writeFileSync(
    cnf,
    [
      '[mysqld]',
      ...o.options.map(([k, v]) => (v === undefined ? k : `${k} = ${v}`)),
      "# the test's own: data directory, address, port, socket",
      `datadir = ${data}`,
      `port = ${o.port}`,
      'bind-address = 127.0.0.1',
      `socket = ${socket}`,
      `pid-file = ${join(run, 'mysqld.pid')}`,
      'skip-name-resolve',
      'innodb-log-file-size = 8M',
      '',
    ].join('\n'),
  );
  const logFile = join(o.root, 'mariadb.log');
  const fd = openSync(logFile, 'a');
  // As the pod's user, group and supplementary groups (fsGroup), like the container runtime.
  const groups =
    o.groups && o.groups.length > 0 ? `--groups=${o.groups.join(',')}` : '--clear-groups';
  const proc = spawn(
    'setpriv',
    [`--reuid=${o.uid}`, `--regid=${o.gid}`, groups, '--', MARIADBD, `--defaults-file=${cnf}`],
    { stdio: ['ignore', fd, fd], env: { PATH: '/usr/sbin:/usr/bin:/bin' } },
  );
  const { log, stop, waitUntilReady } = supervise('mariadbd', proc, logFile, 'SIGTERM', 15_000);
  await waitUntilReady(
    async () =>
      existsSync(socket) && (await mariadb(['-S', socket, '-uroot', '-e', 'select 1'])).ok,
    60_000,
  );
  return { port: o.port, socket, root: o.root, log, stop };
}

export interface Attempt {
  ok: boolean;
  out: string;
  err: string;
}

/** The mariadb client without option files, in batch mode. */
export function mariadb(args: string[]): Promise<Attempt> {
  return new Promise((resolve) => {
    execFile(
      'mariadb',
      ['--no-defaults', '--batch', '--skip-column-names', '--connect-timeout=5', ...args],
      { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ ok: !err, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}
