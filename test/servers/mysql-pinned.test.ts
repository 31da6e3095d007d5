// TLS settings no file can override, MySQL family: the rendered start.sh gives the server its TLS
// options (and require_secure_transport, with requireSSL) on the command line after the option
// files. Checked with Debian's real mariadbd, which prints the values it would run with
// (`--help --verbose`): a hostile option file included after dbtls's, turning
// require_secure_transport OFF and pointing ssl-cert elsewhere, changes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issuer } from '../helpers.js';
import { MARIADBD } from './mariadb-server.js';
import { renderItems } from './render.js';

const db = (kind: string, version: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'kubedb.com/v1',
  kind,
  metadata: { name: 'db', namespace: 'demo' },
  spec: {
    version,
    requireSSL: true,
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    ...spec,
  },
});
const KINDS: [string, Record<string, unknown>][] = [
  ['MariaDB', db('MariaDB', '11.4.3')],
  ['MySQL', db('MySQL', '8.4.3')],
  ['PerconaXtraDB', db('PerconaXtraDB', '8.0.40', { replicas: 3 })],
];

/** The words the rendered start.sh's `exec` line hands the server after its option file, as sh reads them. */
function pinnedArguments(startSh: string): string[] {
  const exec = startSh.split('\n').find((l) => l.startsWith('exec '))!;
  const afterFile = exec.replace(/^exec \S+ \S+ --defaults-extra-file=\S+/, '');
  const words = execFileSync('sh', ['-c', `bootstrap=''; printf '%s\\n' ${afterFile}`]);
  return words.toString().split('\n').filter(Boolean);
}

/** The server's values of `names` as mariadbd would run with them. */
function effective(args: string[], names: string[]): Record<string, string> {
  const out = execFileSync(MARIADBD, [...args, '--help', '--verbose'], { timeout: 30_000 });
  const values: Record<string, string> = {};
  for (const line of out.toString().split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m && names.includes(m[1])) values[m[1]] = m[2].trim();
  }
  return values;
}

describe.skipIf(!existsSync(MARIADBD))('MySQL family: TLS options on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dbtls-mysql-pinned-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hostile = join(dir, 'hostile.cnf');
  writeFileSync(
    hostile,
    '[mysqld]\nrequire_secure_transport=OFF\nssl_cert=/hostile/cert.pem\nssl-key=/hostile/key.pem\nssl_ca=/hostile/ca.pem\n',
  );

  for (const [kind, item] of KINDS) {
    it(`${kind}: a hostile option file included after dbtls's leaves TLS required, with dbtls's files`, () => {
      const r = renderItems([issuer('ca'), item]);
      const files = Object.values(r.configMaps).find((d) => d['start.sh'])!;
      const args = pinnedArguments(files['start.sh']);
      expect(args).toContain('--require-secure-transport=ON');
      // dbtls's my.cnf (the TLS options), then the hostile file, as a user's include would be.
      const conf = join(dir, `${kind}.cnf`);
      writeFileSync(conf, `${files['my.cnf']}\n!include ${hostile}\n`);
      const names = ['require-secure-transport', 'ssl-cert', 'ssl-key', 'ssl-ca'];
      // The file alone: the hostile include wins (what the command line is there for).
      const fileOnly = effective([`--defaults-file=${conf}`], names);
      expect(fileOnly['require-secure-transport']).toBe('FALSE');
      const pinned = effective([`--defaults-file=${conf}`, ...args], names);
      expect(pinned['require-secure-transport']).toBe('TRUE');
      for (const name of ['ssl-cert', 'ssl-key', 'ssl-ca']) {
        const given = args.find((a) => a.startsWith(`--${name}=`))!;
        expect(pinned[name]).toBe(given.slice(name.length + 3));
        expect(pinned[name]).not.toContain('/hostile/');
      }
    });
  }

  it('without requireSSL, require_secure_transport is not pinned (the file says OFF)', () => {
    const r = renderItems([issuer('ca'), db('MariaDB', '11.4.3', { requireSSL: false })]);
    const files = Object.values(r.configMaps).find((d) => d['start.sh'])!;
    expect(pinnedArguments(files['start.sh']).join(' ')).not.toContain('require-secure-transport');
  });
});
