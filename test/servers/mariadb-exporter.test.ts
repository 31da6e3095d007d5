// The rendered MariaDB exporter sidecar against a real server: Debian's prometheus-mysqld-exporter
// runs with the rendered exporter container's arguments and mounted files (the exporter.cnf from
// the ConfigMap, the metrics-exporter certificate) as the container's user, beside MariaDB started
// with the rendered [mysqld] TLS options (mysql-profile.ts). Its /metrics says mysql_up 1 while
// the server requires TLS and root may log in only with the metrics-exporter certificate.
//
// Adaptations, besides those of mysql-profile.ts: the exporter listens on 127.0.0.1 at a free
// port; its option file's port is the server's test port; and, because Debian's mysqld_exporter
// (0.14) predates MYSQLD_EXPORTER_PASSWORD (0.15), the password the rendered container passes in
// that variable is appended to the option file as `password=`.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer } from '../helpers.js';
import { createTestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { mountVolumes } from './kubelet.js';
import { type MariaDB, MARIADBD, mariadb } from './mariadb-server.js';
import { PASSWORD, type ProfileOptions, type Started, startProfile } from './mysql-profile.js';
import { freePort, remapPaths } from './postgres-server.js';
import { supervise } from './process.js';

const EXPORTER = '/usr/bin/prometheus-mysqld-exporter';
const md = (spec: Record<string, unknown>) => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'MariaDB',
  metadata: { name: 'md', namespace: 'demo' },
  spec: {
    version: '11.4.3',
    requireSSL: true,
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' } },
    monitor: { agent: 'prometheus.io/builtin' },
    ...spec,
  },
});

let work: { dir: string; cleanup: () => void };
let opts: ProfileOptions;
const servers: MariaDB[] = [];
const stops: (() => Promise<void>)[] = [];

/** The rendered exporter container of `s`'s pod as a process; `edit` changes its option file. */
async function startExporter(s: Started, name: string, edit?: (cnf: string) => void) {
  const podSpec = s.r.statefulSets[0].spec.template.spec;
  const c = podSpec.containers.find((x: any) => x.name === 'exporter');
  const root = join(s.root, name);
  mkdirSync(root, { recursive: true });
  const paths: string[] = c.volumeMounts.map((m: any) => m.mountPath);
  const secrets: Record<string, string> = {};
  for (const cert of s.r.certificates)
    secrets[cert.spec.secretName] = join(s.root, '..', 'secrets', cert.spec.secretName);
  const files = mountVolumes(podSpec, {
    root,
    secrets,
    configMaps: s.r.configMaps,
    container: 'exporter',
    transform: (_cm, _key, text) =>
      remapPaths(text, paths, root).replace(/^port=3306$/m, `port=${s.server.port}`),
  });
  const cnf = files.find((f) => f.path.endsWith('/exporter.cnf'))!.path;
  const password = c.env.find((e: any) => e.name === 'MYSQLD_EXPORTER_PASSWORD');
  expect(password.valueFrom.secretKeyRef).toEqual({ name: 'md-auth', key: 'password' });
  appendFileSync(cnf, `password=${PASSWORD}\n`);
  edit?.(cnf);
  const port = await freePort();
  const args = (c.args as string[]).map((a) =>
    a.startsWith('--web.listen-address=')
      ? `--web.listen-address=127.0.0.1:${port}`
      : remapPaths(a, paths, root),
  );
  const logFile = join(root, 'exporter.log');
  const proc = spawn(EXPORTER, args, {
    env: { PATH: '/usr/bin:/bin', HOME: root, MYSQLD_EXPORTER_PASSWORD: PASSWORD },
    cwd: root,
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
    uid: c.securityContext.runAsUser,
    gid: c.securityContext.runAsGroup,
  });
  const sv = supervise('mysqld_exporter', proc, logFile, 'SIGTERM', 5_000);
  stops.push(sv.stop);
  await sv.waitUntilReady(async () => (await metrics(port)) !== undefined, 20_000);
  return { port, log: sv.log };
}

async function metrics(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

const mysqlUp = async (port: number) => /^mysql_up (\S+)$/m.exec((await metrics(port)) ?? '')?.[1];

describe.skipIf(SKIP)('mysqld_exporter with the rendered MariaDB sidecar', () => {
  let s: Started;
  beforeAll(async () => {
    requireRoot();
    if (!existsSync(MARIADBD)) throw new Error(`${MARIADBD} is missing; run .ci/install-tools`);
    if (!existsSync(EXPORTER)) throw new Error(`no ${EXPORTER}; run .ci/install-tools`);
    work = workDir('md-exporter');
    opts = {
      ca: createTestCA(join(work.dir, 'ca')),
      work: work.dir,
      sharedTemplate: join(work.dir, 'template'),
      notShared: () => false,
      servers,
    };
    s = await startProfile([issuer('ca'), md({})], 'exporter', opts);
    // root may log in only with the metrics-exporter certificate (common name monitor)
    const subject = `/CN=${s.r.certificates.find((x: any) => x.spec.secretName === 'md-metrics-exporter-cert').spec.commonName}`;
    const altered = await mariadb([
      '-S',
      s.server.socket,
      '-uroot',
      '-e',
      `alter user 'root'@'%' require subject '${subject}'`,
    ]);
    if (!altered.ok) throw new Error(altered.err);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stops.map((x) => x()));
    await Promise.all(servers.map((x) => x.stop()));
    work?.cleanup();
  });

  it('scrapes mysql_up 1 over TLS with the metrics-exporter certificate', async () => {
    const e = await startExporter(s, 'exporter-tls');
    expect(await mysqlUp(e.port), e.log()).toBe('1');
  });

  it('without the certificate lines the server refuses the exporter (mysql_up 0)', async () => {
    const e = await startExporter(s, 'exporter-plain', (cnf) => {
      // the same option file with its ssl-* lines commented out
      writeFileSync(cnf, readFileSync(cnf, 'utf8').replace(/^ssl-/gm, '# ssl-'));
    });
    expect(await mysqlUp(e.port)).toBe('0');
  });
});
