import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, issuer } from '../helpers.js';
import { createTestCA, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MariaDB, MARIADBD } from './mariadb-server.js';
import { type ProfileOptions, startProfile, type Started, tcp } from './mysql-profile.js';
import { requiredTLSChecks } from './mysql-tls-checks.js';
import { exampleItems } from './render.js';

const NONE = () => false;
const my = (spec: Record<string, unknown>, name = 'my') => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'MySQL',
  metadata: { name, namespace: 'demo' },
  spec: {
    version: '8.4.3',
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    ...spec,
  },
});
/** The guide's issuer and one of its databases. */
const example = (name: string) =>
  exampleItems(join(ROOT, 'examples/mysql')).filter(
    (i: any) => i.kind === 'Issuer' || i.metadata.name === name,
  );

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
let otherCA: TestCA;
let opts: ProfileOptions;
const servers: MariaDB[] = [];

describe.skipIf(SKIP)('MySQL TLS settings on MariaDB', () => {
  beforeAll(() => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    work = workDir('mysql');
    ca = createTestCA(join(work.dir, 'ca'));
    otherCA = createTestCA(join(work.dir, 'other-ca'), 'some other CA');
    opts = {
      ca,
      work: work.dir,
      sharedTemplate: join(work.dir, 'template'),
      notShared: NONE,
      servers,
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    work?.cleanup();
  });

  describe('requireSSL: true (examples/mysql)', () => {
    let s: Started;
    beforeAll(async () => {
      s = await startProfile(example('some-mysql'), 'standalone', opts);
    }, 120_000);

    requiredTLSChecks({
      started: () => s,
      ca: () => ca,
      otherCA: () => otherCA,
      host: 'some-mysql.demo.svc.cluster.local',
    });
  });

  describe('requireSSL: false', () => {
    it('accepts plaintext and verified TLS', async () => {
      const s = await startProfile([issuer('ca'), my({ requireSSL: false })], 'optional', opts);
      expect(await tcp(s.server, '--skip-ssl', '-e', "show status like 'Ssl_version'")).toEqual({
        ok: true,
        out: 'Ssl_version',
        err: '',
      });
      expect(
        await tcp(
          s.server,
          `--ssl-ca=${ca.cert}`,
          '--ssl-verify-server-cert',
          '-e',
          "show status like 'Ssl_version'",
        ),
      ).toMatchObject({ ok: true, out: 'Ssl_version\tTLSv1.3' });
    }, 120_000);
  });
});
