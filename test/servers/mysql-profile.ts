// Pod 0 of a rendered MySQL or MariaDB StatefulSet on Debian's MariaDB: the rendered certificates
// issued and mounted as the kubelet mounts them, mariadbd started with the [mysqld] options of the
// option files the rendered start.sh passes (--defaults-extra-file and what it !includes), paths
// remapped under a temporary root. Options MariaDB does not share with the rendered server (Galera
// wsrep_*, MySQL group replication) are left out and returned as `skipped`.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCA } from './ca-issuer.js';
import { mountVolumes, type MountedFile } from './kubelet.js';
import {
  type Attempt,
  type MariaDB,
  mariadb,
  mariadbTemplate,
  optionName,
  parseIni,
  startMariadb,
} from './mariadb-server.js';
import { freePort, remapPaths } from './postgres-server.js';
import { writeTrustBundle } from './pxc-pod.js';
import { issueAll, type Rendered, renderItems } from './render.js';

export const PASSWORD = 'Profile-secret-1';
/** The test sets these itself (data directory, address, port, socket, pid file). */
const OWN = new Set(['datadir', 'port', 'bind-address', 'socket', 'pid-file', 'user']);

export interface Started {
  r: Rendered;
  server: MariaDB;
  files: MountedFile[];
  kept: [string, string | undefined][];
  skipped: string[];
  root: string;
}

export interface ProfileOptions {
  ca: TestCA;
  work: string;
  /** The data directory every pod starts from (made once by mariadb-install-db). */
  sharedTemplate: string;
  /** Options of the rendered [mysqld] the local MariaDB does not share with the rendered server. */
  notShared: (key: string) => boolean;
  servers: MariaDB[];
  /** Test adaptations of the kept [mysqld] options (e.g. Galera peers on 127.0.0.1). */
  adapt?: (options: [string, string | undefined][], root: string) => [string, string | undefined][];
  /** Which pod of the StatefulSet (default 0). */
  ordinal?: number;
  /** The data directory to start from, instead of the shared template. */
  template?: string;
  /** Whether to create the network root account (default true; a Galera joiner receives it). */
  createRoot?: boolean;
  /** Secrets the test provides besides the certificates (e.g. the user's configuration). */
  secrets?: Record<string, string>;
}

/** Renders `items`, issues their certificates, mounts pod 0's volumes and starts MariaDB with its [mysqld]. */
export async function startProfile(
  items: unknown[],
  dir: string,
  o: ProfileOptions,
): Promise<Started> {
  const r = renderItems(items);
  const root = join(o.work, dir);
  const secrets = { ...issueAll(o.ca, r.certificates, join(root, 'secrets')), ...o.secrets };
  const sts = r.statefulSets[0];
  const podSpec = sts.spec.template.spec;
  const container = podSpec.containers[0];
  const mountPaths: string[] = (container.volumeMounts ?? []).map((m: any) => m.mountPath);
  const pod = join(root, `${sts.metadata.name}-${o.ordinal ?? 0}`);
  const files = mountVolumes(podSpec, {
    root: pod,
    secrets,
    configMaps: r.configMaps,
    container: container.name,
    claims: (sts.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
    transform: (_cm, _key, content) => remapPaths(content, mountPaths, pod),
  });
  writeTrustBundle(podSpec, container, pod, files);
  const startSh = files.find((f) => f.path.endsWith('/start.sh'));
  const extra =
    startSh && /--defaults-extra-file=(\S+)/.exec(readFileSync(startSh.path, 'utf8'))?.[1];
  if (!extra) throw new Error('the rendered start.sh passes the server no --defaults-extra-file');
  const mysqld = optionFiles(extra)
    .flatMap((text) => parseIni(text))
    .filter((sec) => sec.name === 'mysqld')
    .flatMap((sec) => sec.entries);
  const shared = mysqld.filter(([k]) => !o.notShared(k) && !OWN.has(optionName(k)));
  const kept = o.adapt ? o.adapt(shared, pod) : shared;
  const skipped = mysqld.filter(([k]) => o.notShared(k)).map(([k]) => k);
  const sc = podSpec.securityContext ?? {};
  const template = o.template ?? o.sharedTemplate;
  if (!existsSync(o.sharedTemplate))
    mariadbTemplate(o.sharedTemplate, sc.runAsUser, sc.runAsGroup ?? sc.runAsUser);
  const server = await startMariadb({
    root: pod,
    options: kept,
    port: await freePort(),
    uid: sc.runAsUser,
    gid: sc.runAsGroup ?? sc.runAsUser,
    groups: sc.fsGroup === undefined ? [] : [sc.fsGroup],
    template,
  });
  o.servers.push(server);
  if (o.createRoot === false) return { r, server, files, kept, skipped, root: pod };
  // Stand-in for the image's entrypoint: root reachable over the network with the auth secret's password.
  const made = await mariadb([
    '-S',
    server.socket,
    '-uroot',
    '-e',
    `create user 'root'@'%' identified by '${PASSWORD}'; grant all on *.* to 'root'@'%' with grant option`,
  ]);
  if (!made.ok) throw new Error(made.err);
  return { r, server, files, kept, skipped, root: pod };
}

/**
 * An option file and, depth first, the files it !includes and the *.cnf files of the folders it
 * !includedirs (in name order; the kubelet's `..data` entries are not .cnf files).
 */
function optionFiles(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const included = [...text.matchAll(/^!(include|includedir)\s+(\S+)\s*$/gm)].flatMap((m) =>
    m[1] === 'include'
      ? optionFiles(m[2])
      : readdirSync(m[2])
          .filter((f) => f.endsWith('.cnf') && !f.startsWith('.'))
          .sort()
          .flatMap((f) => optionFiles(join(m[2], f))),
  );
  return [text, ...included];
}

/** The mariadb client over TCP to `s` as root with the password. */
export const tcp = (s: MariaDB, ...args: string[]) =>
  mariadb([
    '-h',
    '127.0.0.1',
    '-P',
    String(s.port),
    '--protocol=TCP',
    '-uroot',
    `-p${PASSWORD}`,
    ...args,
  ]);

/** A rendered certificate's spec by alias. */
export const certificateOf = (r: Rendered, alias: string) =>
  r.certificates.find((c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias).spec;

/** A rendered certificate's subject as OpenSSL prints it one-line (/O=…/CN=…), for REQUIRE SUBJECT. */
export function subjectOf(r: Rendered, alias: string): string {
  const spec = certificateOf(r, alias);
  const sub = spec.subject ?? {};
  const parts: [string, string[] | undefined][] = [
    ['C', sub.countries],
    ['ST', sub.provinces],
    ['L', sub.localities],
    ['O', sub.organizations],
    ['OU', sub.organizationalUnits],
    ['CN', [spec.commonName]],
  ];
  return parts.flatMap(([a, vs]) => (vs ?? []).map((v) => `/${a}=${v}`)).join('');
}

/** Every non-wildcard name and address of the server certificate. */
export function serverNames(r: Rendered): string[] {
  const spec = certificateOf(r, 'server');
  return [
    ...(spec.dnsNames ?? []).filter((d: string) => !d.startsWith('*.')),
    ...(spec.ipAddresses ?? []),
  ];
}

/** The mariadb client as the pod's user (the client key is readable by fsGroup only), with `args`. */
export function inPod(
  s: Pick<Started, 'r' | 'server'>,
  user: string,
  ...args: string[]
): Promise<Attempt> {
  const sc = s.r.statefulSets[0].spec.template.spec.securityContext;
  return new Promise((resolve) => {
    execFile(
      'setpriv',
      [
        `--reuid=${sc.runAsUser}`,
        `--regid=${sc.runAsGroup}`,
        `--groups=${sc.fsGroup}`,
        '--',
        'mariadb',
        ...args,
        '-h',
        '127.0.0.1',
        '-P',
        String(s.server.port),
        '--protocol=TCP',
        `-u${user}`,
        '--batch',
        '--skip-column-names',
      ],
      { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' }, timeout: 20_000 },
      (err, out, e) => resolve({ ok: !err, out: out.trim(), err: e.trim() }),
    );
  });
}
