// Certificate rotation for the kinds with no server on this machine (SQL Server, SingleStore,
// Vault): the rendered tls-reloader container — its command, environment and the tls-watch.sh of
// the rendered ConfigMap, with the volumes laid out by the kubelet stand-in — runs as the pod's
// user against a stand-in for the server, and must act on a swap of a mounted secret (a new
// `..data` target) and only on one: not at start, not while nothing changes, not when a file
// changes in place, not when the renewed key does not match its certificate.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { type MountOptions, mountVolumes, swapSecret } from './kubelet.js';
import { remapPaths } from './postgres-server.js';
import { supervise, type Supervised } from './process.js';
import { exampleItems, issueAll, type Rendered, renderItems } from './render.js';

const PERIOD = 1;
/** What tls-watch.sh runs, as BusyBox applets. */
const BUSYBOX_TOOLS = [
  'sh',
  'readlink',
  'grep',
  'cat',
  'kill',
  'sleep',
  'printf',
  'echo',
  'date',
  'awk',
  'mv',
];
const SLOT = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: { dir: string; cleanup: () => void };
let ca: TestCA;
const running: Supervised[] = [];

/** A stand-in program: its name (the process name looked for), script, and whether it runs. */
interface StandIn {
  name: string;
  script: string;
  run: boolean;
}

interface StandInPod {
  r: Rendered;
  root: string;
  /** What the stand-in saw: one line per signal or SQL statement, `<what> <unix seconds>`. */
  events(): string[];
  watcherLog(): string;
  swap(alias: string, broken?: 'key' | 'empty'): Promise<void>;
}

/**
 * Pod `ordinal` of the StatefulSet `sts` of `r`: the reloader's volumes under a fresh root, the
 * stand-in `program` (a shell script; its file name is the process name the watcher looks for)
 * on PATH, and the rendered reloader running.
 */
async function standInPod(
  r: Rendered,
  dir: string,
  sts: any,
  ordinal: number,
  program: StandIn,
  shell?: 'busybox',
): Promise<StandInPod> {
  const root = join(work.dir, dir);
  const podSpec = sts.spec.template.spec;
  const reloader = podSpec.containers.find((c: any) => c.name === 'tls-reloader');
  expect(reloader, 'the rendered pod has a tls-reloader container').toBeDefined();
  const paths: string[] = reloader.volumeMounts.map((m: any) => m.mountPath);
  const options: MountOptions = {
    root,
    secrets: issueAll(ca, r.certificates, join(root, 'secrets')),
    configMaps: r.configMaps,
    container: 'tls-reloader',
    claims: (sts.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name),
    transform: (_cm, _key, content) => remapPaths(content, paths, root),
  };
  mountVolumes(podSpec, options);
  const sc = podSpec.securityContext;
  const ids = [
    `--reuid=${sc.runAsUser}`,
    `--regid=${sc.runAsGroup ?? sc.runAsUser}`,
    `--groups=${sc.fsGroup}`,
  ];
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  const events = join(root, 'events');
  writeFileSync(events, '');
  chmodSync(events, 0o666);
  writeFileSync(join(bin, program.name), program.script.replaceAll('EVENTS', events), {
    mode: 0o755,
  });
  const env: Record<string, string> = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: root,
    HOSTNAME: `${sts.metadata.name}-${ordinal}`,
  };
  if (program.run) {
    const argv = ['/usr/bin/setpriv', ...ids, join(bin, program.name)];
    running.push(start(program.name, argv, env, join(root, 'server.log')));
  }
  for (const e of reloader.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = 'the-root-password';
  }
  expect(env.DBTLS_WATCH_PERIOD_SECONDS).toBe('10'); // rendered default
  env.DBTLS_WATCH_PERIOD_SECONDS = String(PERIOD);
  if (env.DBTLS_RESTART_SLOT_SECONDS) env.DBTLS_RESTART_SLOT_SECONDS = String(SLOT);
  const command: string[] = reloader.command.map((a: string) => remapPaths(a, paths, root));
  if (shell === 'busybox') {
    // The image's shell and tools are BusyBox (Alpine): nothing else on PATH.
    const bb = join(root, 'busybox');
    mkdirSync(bb);
    for (const tool of BUSYBOX_TOOLS) symlinkSync('/usr/bin/busybox', join(bb, tool));
    env.PATH = `${bin}:${bb}`;
    expect(command[0]).toBe('/bin/sh');
    command[0] = join(bb, 'sh');
  }
  const argv = ['/usr/bin/setpriv', ...ids, ...command];
  running.push(start('tls-reloader', argv, env, join(root, 'reloader.log')));
  await sleep(300);
  let renewals = 0;
  return {
    r,
    root,
    events: () => readFileSync(events, 'utf8').split('\n').filter(Boolean),
    watcherLog: () => readFileSync(join(root, 'reloader.log'), 'utf8'),
    async swap(alias, broken) {
      const spec = r.certificates.find(
        (c) => c.metadata.labels['dbtls.dev/certificate-alias'] === alias,
      ).spec;
      const renew = () => issue(ca, spec, join(root, 'renewals', `${alias}-${++renewals}`));
      const renewed = renew();
      if (broken === 'empty') writeFileSync(renewed.tlsKey, '');
      if (broken === 'key') copyFileSync(renew().tlsKey, renewed.tlsKey); // another renewal's key
      options.secrets[spec.secretName] = renewed.dir;
      swapSecret(podSpec, options, spec.secretName);
    },
  };
}

function start(name: string, argv: string[], env: Record<string, string>, logFile: string) {
  const fd = openSync(logFile, 'a');
  const proc = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', fd, fd] });
  return supervise(name, proc, logFile, 'SIGKILL', 1000);
}

/** A file of the volume changed where it is (no new `..data` target): not a renewal. */
function changeInPlace(root: string, mountPath: string) {
  const dir = join(root, mountPath);
  const file = join(dir, readlinkSync(join(dir, '..data')), 'ca.crt');
  if (existsSync(file)) writeFileSync(file, `${readFileSync(file, 'utf8')}\n`);
}

/** Waits until `events` has `n` entries or `ms` pass. */
async function eventsAfter(pod: StandInPod, n: number, ms: number): Promise<string[]> {
  const t0 = Date.now();
  while (pod.events().length < n && Date.now() - t0 < ms) await sleep(100);
  return pod.events();
}

const SIGNALLED = (signal: string) => `#!/bin/sh
# Stand-in server: records each ${signal} with the time it arrived.
trap 'echo "${signal} $(date +%s)" >> EVENTS' ${signal}
while :; do sleep 0.1; done
`;

describe.skipIf(SKIP)('rotation with stand-in servers (the rendered tls-reloader)', () => {
  beforeAll(() => {
    requireRoot();
    work = workDir('rotation-stand-ins');
    ca = createTestCA(join(work.dir, 'ca'));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    work?.cleanup();
  });

  describe('VaultServer (examples/vaultserver): SIGHUP to vault, under BusyBox as in the image', () => {
    let pod: StandInPod;
    beforeAll(async () => {
      const r = renderItems(exampleItems(join(ROOT, 'examples/vaultserver')));
      expect(r.statefulSets[0].spec.template.spec.shareProcessNamespace).toBe(true);
      pod = await standInPod(
        r,
        'vault',
        r.statefulSets[0],
        0,
        { name: 'vault', script: SIGNALLED('HUP'), run: true },
        'busybox',
      );
    });

    it('rotation: signals vault once per swap, and only on a swap', async () => {
      await sleep(PERIOD * 2500);
      expect(pod.events()).toEqual([]); // started, nothing renewed
      changeInPlace(pod.root, '/etc/vault/tls/server');
      await sleep(PERIOD * 2500);
      expect(pod.events()).toEqual([]);
      await pod.swap('server');
      expect(await eventsAfter(pod, 1, PERIOD * 15_000)).toHaveLength(1);
      await pod.swap('client');
      expect(await eventsAfter(pod, 2, PERIOD * 15_000)).toHaveLength(2);
      await sleep(PERIOD * 2500);
      expect(pod.events()).toHaveLength(2);
      expect(pod.watcherLog()).toMatch(
        /sent HUP to the server, which reloads its listener certificates \(pid \d+\)/,
      );
    });

    it('rotation: without openssl (the Vault image) a mismatched key is only checked for PEM; Vault is signalled and checks the pair itself', async () => {
      // Vault's reloadutil.CertificateGetter.Reload keeps the certificate it has unless
      // tls.X509KeyPair accepts the new pair, so the listener keeps serving the old one.
      const before = pod.events().length;
      await pod.swap('server', 'key');
      expect(await eventsAfter(pod, before + 1, PERIOD * 15_000)).toHaveLength(before + 1);
      expect(pod.watcherLog()).toMatch(
        /no openssl in the image: .*server\/tls\.crt and .*server\/tls\.key are PEM; whether they match, the server checks/,
      );
      // An empty key (a half-written secret) is refused without openssl too.
      await pod.swap('client', 'empty');
      await sleep(PERIOD * 3000);
      expect(pod.events()).toHaveLength(before + 1);
      expect(pod.watcherLog()).toMatch(/client\/tls\.key holds no private key/);
    });
  });

  describe('Singlestore (examples/singlestore): SSL_RELOAD over SQL', () => {
    let pod: StandInPod;
    beforeAll(async () => {
      const r = renderItems(exampleItems(join(ROOT, 'examples/singlestore')));
      const sts = r.statefulSets[0];
      // A stand-in for the node image's SQL client: records its arguments and the password it got.
      const client = '#!/bin/sh\necho "$* password=$MYSQL_PWD $(date +%s)" >> EVENTS\n';
      pod = await standInPod(r, 'singlestore', sts, 0, {
        name: 'singlestore',
        script: client,
        run: false,
      });
    });

    it('rotation: runs SSL_RELOAD once per swap, and only on a swap', async () => {
      await sleep(PERIOD * 2500);
      changeInPlace(pod.root, '/etc/memsql/certs');
      await sleep(PERIOD * 2500);
      expect(pod.events()).toEqual([]);
      await pod.swap('server');
      const got = await eventsAfter(pod, 1, PERIOD * 15_000);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatch(
        /^--protocol=TCP --host=127\.0\.0\.1 --port=3306 --user=root -e SSL_RELOAD password=the-root-password \d+$/,
      );
      await pod.swap('client', 'key');
      await sleep(PERIOD * 3000);
      expect(pod.events()).toHaveLength(1);
      expect(pod.watcherLog()).toMatch(/the key .*client\.key does not match .*client\.crt/);
    });
  });

  describe("MSSQLServer (examples/mssqlserver, AvailabilityGroup of 3): a restart in the pod's own slot", () => {
    let pod: StandInPod;
    let r: Rendered;
    beforeAll(async () => {
      r = renderItems(exampleItems(join(ROOT, 'examples/mssqlserver')));
      const sts = r.statefulSets.find((s) => s.spec.replicas === 3);
      expect(sts.spec.template.spec.shareProcessNamespace).toBe(true);
      pod = await standInPod(r, 'mssql', sts, 1, {
        name: 'sqlservr',
        script: SIGNALLED('TERM'),
        run: true,
      });
    });

    it('renders a warning that SQL Server restarts on renewal', () => {
      expect(
        r.warnings.filter((w) =>
          w.startsWith('SQL Server reads its certificate only when it starts'),
        ),
      ).toHaveLength(2);
    });

    it('rotation: ends sqlservr once per swap, in the slot of pod 1 of 3, and only on a swap', async () => {
      await sleep(PERIOD * 2500);
      changeInPlace(pod.root, '/var/opt/mssql/tls');
      await sleep(PERIOD * 2500);
      expect(pod.events()).toEqual([]);
      await pod.swap('endpoint', 'key');
      await sleep(PERIOD * 3000);
      expect(pod.events()).toEqual([]);
      expect(pod.watcherLog()).toMatch(
        /the key .*endpoint-cert\/tls\.key does not match .*endpoint-cert\/tls\.crt/,
      );
      await pod.swap('server');
      const got = await eventsAfter(pod, 1, PERIOD * 15_000 + 3 * SLOT * 1000);
      expect(got).toHaveLength(1);
      const at = Number(got[0].split(' ')[1]);
      expect(Math.floor(at / SLOT) % 3).toBe(1); // pod 1's slot
      expect(pod.watcherLog()).toMatch(
        /restarting SQL Server \(pid \d+ ?\): it reads its certificate at start only/,
      );
    });
  });
});
