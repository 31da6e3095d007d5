// The rendered renewal mechanism (fn/render/rotation.ts) for every kind: a tls-reloader sidecar
// of the server's own image that mounts the same certificate volumes, restricted and tiny, and a
// tls-watch.sh that every shell the images carry accepts. What it does on a swap is tested
// against real servers and stand-ins in test/servers/*rotation*.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleItems, renderItems } from './servers/render.js';
import { issuer, postgres, ROOT } from './helpers.js';

const EXAMPLES = [
  'postgres',
  'perconaxtradb',
  'mssqlserver',
  'singlestore',
  'vaultserver',
  'mariadb',
  'mysql',
  'redis',
  'redis-cluster',
];
/** Kinds whose watcher signals the server process: their pods share a process namespace. */
const SIGNALLED = new Set(['Postgres', 'MSSQLServer', 'VaultServer']);

const certificateVolumes = (pod: any) =>
  new Set(pod.volumes.filter((v: any) => v.secret || v.projected).map((v: any) => v.name));

describe('the tls-reloader sidecar', () => {
  for (const example of EXAMPLES) {
    it(`runs beside every server of examples/${example}, on the same certificate volumes, restricted`, () => {
      const r = renderItems(exampleItems(join(ROOT, 'examples', example)));
      const kind = r.items.find(
        (i) => i.metadata?.annotations?.['config.kubernetes.io/local-config'] === 'true',
      ).kind;
      expect(r.statefulSets.length).toBeGreaterThan(0);
      for (const sts of r.statefulSets) {
        const pod = sts.spec.template.spec;
        const [server, reloader, ...rest] = pod.containers;
        // Besides: Redis Cluster's bootstrap, in shard 0 (fn/kinds/redis/cluster.ts).
        const bootstrap = sts.metadata.name.endsWith('-shard0') ? ['cluster-create'] : [];
        expect(rest.map((c: any) => c.name)).toEqual(kind === 'Redis' ? bootstrap : []);
        expect(reloader.name).toBe('tls-reloader');
        expect(reloader.image).toBe(server.image);
        expect(reloader.env.at(-1)).toEqual({ name: 'DBTLS_WATCH_PERIOD_SECONDS', value: '10' });
        expect(reloader.resources).toEqual({
          requests: { cpu: '5m', memory: '16Mi' },
          limits: { memory: '32Mi' },
        });
        expect(reloader.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        expect(pod.shareProcessNamespace).toBe(SIGNALLED.has(kind) ? true : undefined);
        // The same certificate mounts at the same paths: the reloader sees the swaps the server gets.
        const certs = certificateVolumes(pod);
        const mountsOf = (c: any) =>
          c.volumeMounts
            .filter((m: any) => certs.has(m.name))
            .map((m: any) => `${m.name}:${m.mountPath}`);
        expect(mountsOf(reloader)).toEqual(mountsOf(server));
        expect(mountsOf(server).length).toBeGreaterThan(0);
        // It runs the watcher of the kind's ConfigMap, which watches exactly those mounts.
        expect(reloader.command[0]).toBe('/bin/sh');
        const script = watcherOf(r, pod, reloader);
        const watched = /^watched='(.*)'$/m.exec(script)![1].split(' ');
        expect(watched.sort()).toEqual(
          reloader.volumeMounts
            .filter((m: any) => certs.has(m.name))
            .map((m: any) => m.mountPath)
            .sort(),
        );
      }
    });
  }

  it('is not rendered without TLS', () => {
    const r = renderItems([
      issuer('ca'),
      { ...postgres({ sslMode: 'disable' }), spec: { version: '16.4', sslMode: 'disable' } },
    ]);
    const pod = r.statefulSets[0].spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['postgres']);
    expect(pod.shareProcessNamespace).toBeUndefined();
    expect(r.configMaps['pg-server-config']['tls-watch.sh']).toBeUndefined();
    expect(r.configMaps['pg-server-config']['start.sh']).not.toContain('tls-watch.sh');
  });

  it('reloads MariaDB and MySQL over SQL as root, asking Galera too only where it may run', () => {
    const watchers = (example: string) => {
      const r = renderItems(exampleItems(join(ROOT, 'examples', example)));
      return r.statefulSets.map((sts: any) => {
        const pod = sts.spec.template.spec;
        const reloader = pod.containers.find((c: any) => c.name === 'tls-reloader');
        expect(reloader.env[0]).toEqual(pod.containers[0].env[0]); // root's password
        expect(reloader.volumeMounts.map((m: any) => m.name)).not.toContain('data');
        const script = watcherOf(r, pod, reloader);
        return { name: sts.metadata.name, replicas: sts.spec.replicas, script };
      });
    };
    const mariadb = watchers('mariadb');
    expect(mariadb.map((w) => w.name).sort()).toEqual(['md-cluster-tls', 'md-standalone-tls']);
    for (const w of [...mariadb, ...watchers('mysql')]) {
      expect(w.script).toContain('*MariaDB*) stmt="FLUSH SSL" ;;');
      expect(w.script).toContain('*) stmt="ALTER INSTANCE RELOAD TLS" ;;');
      expect(w.script).toMatch(
        new RegExp(
          'MYSQL_PWD="\\$(MARIADB|MYSQL)_ROOT_PASSWORD" "\\$client" --no-defaults \\$tls ' +
            '--ssl-cert=/etc/mysql/certs/client/tls\\.crt --ssl-key=/etc/mysql/certs/client/tls\\.key ' +
            '--protocol=TCP --host=127\\.0\\.0\\.1 --port=3306 --user=root ',
        ),
      );
      // The reload reaches this pod's mysqld over loopback without verifying the certificate it is
      // about to replace (which the trust file may no longer hold after a CA rollover).
      expect(w.script).toContain('*MariaDB*) tls="--ssl --skip-ssl-verify-server-cert" ;;');
      expect(w.script).toContain('*) tls=--ssl-mode=REQUIRED ;;');
      // CA rollover: the server, Galera and the in-pod client trust the bundle of both secrets' CAs.
      expect(w.script).toContain("trust='/etc/mysql/certs/trust/ca.crt'");
      expect(w.script).toContain(
        "cas='/etc/mysql/certs/server/ca.crt /etc/mysql/certs/client/ca.crt'",
      );
    }
    // Galera (replicas > 1) re-reads its socket.ssl files on socket.ssl_reload; a single server
    // has no provider to ask.
    for (const w of mariadb) expect(w.script.includes('socket.ssl_reload=1')).toBe(w.replicas > 1);
    expect(watchers('mysql')[0].script).not.toContain('wsrep');
  });

  it('reloads Redis over loopback without verifying the certificate it replaces, where redis-cli can', () => {
    for (const example of ['redis', 'redis-cluster']) {
      const r = renderItems(exampleItems(join(ROOT, 'examples', example)));
      for (const sts of r.statefulSets) {
        const pod = sts.spec.template.spec;
        const script = watcherOf(r, pod, pod.containers[1]);
        expect(script).toContain(
          'redis-cli --help 2>&1 | grep -q -e --insecure && insecure=--insecure',
        );
        expect(script).toMatch(/ -p 6379 \$insecure CONFIG SET /);
      }
    }
  });

  it("gives SingleStore's custom configuration directory memsql.cnf only, and the watcher its own volume", () => {
    const r = renderItems(exampleItems(join(ROOT, 'examples/singlestore')));
    const pod = r.statefulSets[0].spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'custom-config').configMap.items).toEqual([
      { key: 'memsql.cnf', path: 'memsql.cnf' },
    ]);
    expect(pod.volumes.find((v: any) => v.name === 'tls-watch').configMap.items).toEqual([
      { key: 'tls-watch.sh', path: 'tls-watch.sh' },
    ]);
  });
});

describe('tls-watch.sh', () => {
  const shells: [string, string[]][] = [
    ['dash', ['dash', '-n']],
    ['bash --posix', ['bash', '--posix', '-n']],
    ['busybox sh', ['busybox', 'sh', '-n']],
  ];
  for (const example of EXAMPLES) {
    it(`of examples/${example} parses under ${shells.map(([n]) => n).join(', ')}`, () => {
      const r = renderItems(exampleItems(join(ROOT, 'examples', example)));
      const dir = mkdtempSync(join(tmpdir(), 'dbtls-watch-'));
      try {
        const file = join(dir, 'tls-watch.sh');
        writeFileSync(
          file,
          Object.values(r.configMaps).find((d) => 'tls-watch.sh' in d)!['tls-watch.sh'],
        );
        for (const [, argv] of shells) execFileSync(argv[0], [...argv.slice(1), file]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("lets the period be set in the reloader's environment, and restart kinds their slot", () => {
    const mssql = renderItems(exampleItems(join(ROOT, 'examples/mssqlserver')));
    const script = mssql.configMaps[Object.keys(mssql.configMaps)[0]]['tls-watch.sh'];
    expect(script).toContain('period="${DBTLS_WATCH_PERIOD_SECONDS:-10}"');
    expect(script).toContain('slot="${DBTLS_RESTART_SLOT_SECONDS:-120}"');
    const reloader = mssql.statefulSets[0].spec.template.spec.containers[1];
    expect(reloader.env).toEqual([
      { name: 'DBTLS_RESTART_SLOT_SECONDS', value: '120' },
      { name: 'DBTLS_WATCH_PERIOD_SECONDS', value: '10' },
    ]);
  });
});

/** The watcher the reloader runs: its command's path resolved through its ConfigMap mounts. */
function watcherOf(r: ReturnType<typeof renderItems>, pod: any, reloader: any): string {
  const path: string = reloader.command[1];
  for (const m of reloader.volumeMounts) {
    const v = pod.volumes.find((x: any) => x.name === m.name);
    if (!v?.configMap || !path.startsWith(`${m.mountPath}/`)) continue;
    const key = path.slice(m.mountPath.length + 1);
    const data = r.configMaps[v.configMap.name];
    if (data?.[key] !== undefined) return data[key];
  }
  throw new Error(`${path} is in no ConfigMap the reloader mounts`);
}
