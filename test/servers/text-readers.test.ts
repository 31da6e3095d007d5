// No value becomes code: hostile strings written by fn/text's quoting, read back by the real
// readers — `sh` (dash), `postgres -C`, `my_print_defaults` and `mariadbd --print-defaults`,
// `redis-server` (CONFIG GET), and an HCL parser from npm (@cdktn/hcl2json, HCL 2 as HashiCorp
// builds it) — hold exactly the intended settings; and the trust issue's findings, each a named
// case, rendered by the function and run or read for real.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl2 } from '@cdktn/hcl2json';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHcl } from '../../fn/text/hcl.js';
import { OPTION_LINE_MAX, optionValue, renderOptionFile } from '../../fn/text/my-cnf.js';
import { renderPostgresConf } from '../../fn/text/postgresql-conf.js';
import { renderRedisConf } from '../../fn/text/redis-conf.js';
import { shellAssignments, shellDoubleQuotedText, shellSingleQuoted } from '../../fn/text/shell.js';
import { errorsOf, issuer, resourceList, runFn } from '../helpers.js';
import { hostileString } from '../hostile-strings.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { freePort, postgresBin } from './postgres-server.js';

const SAMPLES = (n: number) => fc.sample(hostileString, { numRuns: n, seed: 24 });
let work: { dir: string; cleanup: () => void };

beforeAll(() => {
  if (SKIP) return;
  requireRoot();
  work = workDir('text');
});
afterAll(() => work?.cleanup());

describe.skipIf(SKIP)('real readers get back exactly what fn/text writes', () => {
  it('sh: assignments, single- and double-quoted words run no command and arrive intact', () => {
    const marker = join(work.dir, 'pwned');
    for (const v of SAMPLES(60)) {
      const script = [
        ...shellAssignments({ A: v }),
        `B=${shellSingleQuoted(v)}`,
        `C="x.${shellDoubleQuotedText(v)}.$HOME"`,
        `printf '%s\\0' "$A" "$B" "$C"`,
      ].join('\n');
      const hostile = v.replaceAll('/tmp/pwned', marker);
      const out = execFileSync('/bin/sh', ['-c', script.replaceAll('/tmp/pwned', marker)], {
        env: { HOME: '/h', PATH: '/usr/bin:/bin' },
      }).toString();
      expect(out.split('\0').slice(0, 3)).toEqual([hostile, hostile, `x.${hostile}./h`]);
    }
    expect(existsSync(marker)).toBe(false);
  });

  const pg = postgresBin();
  it.skipIf(!pg)('postgres -C: postgresql.conf strings', () => {
    const dir = join(work.dir, 'pg');
    mkdirSync(dir);
    const values = SAMPLES(25);
    const conf = renderPostgresConf([
      ['data_directory', dir],
      ['hba_file', join(dir, 'hba')],
      ['ident_file', join(dir, 'hba')],
      ...values.map((v, i) => [`dbtls.v${i}`, v] as const),
      ['dbtls.last', 'end'],
    ]);
    writeFileSync(join(dir, 'p.conf'), conf);
    writeFileSync(join(dir, 'hba'), '');
    execFileSync('chown', ['-R', 'postgres', dir]);
    const get = (name: string) =>
      execFileSync(
        'runuser',
        ['-u', 'postgres', '--', `${pg}/postgres`, `--config-file=${dir}/p.conf`, '-C', name],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
    for (const [i, v] of values.entries()) expect(get(`dbtls.v${i}`)).toBe(`${v}\n`);
    expect(get('dbtls.last')).toBe('end\n');
  });

  it('my_print_defaults and mariadbd --print-defaults: option values', () => {
    const values = SAMPLES(60).filter(
      (v) => Buffer.byteLength(`vN=${optionValue(v)}`) <= OPTION_LINE_MAX,
    );
    const file = join(work.dir, 'my.cnf');
    writeFileSync(
      file,
      renderOptionFile([
        { group: 'mysqld' },
        ...values.map((v, i) => [`v${i}`, v] as const),
        ['last', 'end'],
      ]),
    );
    const expected = [...values.map((v, i) => `--v${i}=${v}`), '--last=end'];
    const printed = execFileSync('my_print_defaults', [
      `--defaults-file=${file}`,
      'mysqld',
    ]).toString();
    expect(printed).toBe(`${expected.join('\n')}\n`);
    const server = execFileSync('mariadbd', [
      `--defaults-file=${file}`,
      '--print-defaults',
    ]).toString();
    // mariadbd prints each argument followed by a blank.
    expect(server.slice(server.indexOf('\n') + 1)).toBe(
      `${expected.map((a) => `${a} `).join('')}\n`,
    );
  });

  it('redis-server: CONFIG GET gives back each argument', async () => {
    // An empty requirepass means no password at all: every other value.
    for (const [a, b] of pairs(SAMPLES(16).filter((v) => v !== ''))) {
      const conf = renderRedisConf([
        ['port', String(await freePort())],
        ['bind', '127.0.0.1'],
        ['requirepass', a],
        ['masteruser', b],
      ]);
      const got = await withRedis(conf, a, ['requirepass', 'masteruser', 'enable-debug-command']);
      expect(got).toEqual({ requirepass: a, masteruser: b, 'enable-debug-command': 'no' });
    }
  });

  it('HCL: one listener and the intended strings, read by @cdktn/hcl2json', async () => {
    for (const v of SAMPLES(40)) {
      const text = renderHcl([
        { block: 'listener', labels: ['tcp'], body: [['address', v]] },
        { block: 'storage', labels: ['file'], body: [['path', v]] },
      ]);
      const json = (await parseHcl2('vault.hcl', text)) as any;
      expect(Object.keys(json)).toEqual(['listener', 'storage']);
      expect(json.listener.tcp).toHaveLength(1);
      // hcl2json writes template escapes back: $${ and %%{ for a literal ${ and %{.
      const literal = (s: string) => s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
      expect(literal(json.listener.tcp[0].address)).toBe(v);
      expect(literal(json.storage.file[0].path)).toBe(v);
    }
  });
});

function pairs<T>(xs: T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i + 1 < xs.length; i += 2) out.push([xs[i], xs[i + 1]]);
  return out;
}

let redisRuns = 0;
/** redis-server started with `conf` (plus `args`); CONFIG GET of `keys` with `password`. */
async function withRedis(
  conf: string,
  password: string,
  keys: string[],
  o: { args?: string[]; script?: string; env?: Record<string, string> } = {},
): Promise<Record<string, string>> {
  const dir = join(work.dir, `redis-${++redisRuns}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'redis.conf'), conf);
  const port = Number(/^port (\d+)$/m.exec(conf)?.[1] ?? o.args?.[o.args.indexOf('--port') + 1]);
  const cmd = o.script
    ? ['/bin/sh', o.script, ...(o.args ?? [])]
    : ['redis-server', join(dir, 'redis.conf')];
  const proc = spawn(cmd[0], cmd.slice(1), {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', ...o.env },
    stdio: 'ignore',
  });
  try {
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(port), '--no-auth-warning', ...args], {
        env: { REDISCLI_AUTH: password },
      });
    for (let i = 0; ; i++) {
      if (cli('ping').stdout.toString().trim() === 'PONG') break;
      if (i > 100 || proc.exitCode !== null) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const out: Record<string, string> = {};
    for (const k of keys) {
      // --raw prints the key, a line break, the value as it is, a line break.
      const text = cli('--raw', 'CONFIG', 'GET', k).stdout.toString('utf8');
      out[k] = text.slice(k.length + 1, -1);
    }
    return out;
  } finally {
    proc.kill('SIGKILL');
  }
}

describe.skipIf(SKIP)("the trust issue's findings, rendered by the function", () => {
  const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
  const redisDb = (spec: Record<string, unknown>, namespace = 'demo') => ({
    apiVersion: 'kubedb.com/v1',
    kind: 'Redis',
    metadata: { name: 'rd', namespace },
    spec: { version: '7.4.1', ...spec },
  });
  const render = (item: unknown, ns = 'demo') => runFn(resourceList([issuer('ca', ns), item]));
  const startOf = (run: ReturnType<typeof runFn>) =>
    run.output.items.find((i: any) => i.kind === 'ConfigMap').data['start.sh'] as string;

  it('a Redis auth password holding "\\nenable-debug-command yes turns nothing on (real redis-server)', async () => {
    const start = startOf(render(redisDb({})));
    const password = 'secret"\nenable-debug-command yes\n"';
    const dir = join(work.dir, 'start');
    mkdirSync(dir);
    const port = await freePort();
    writeFileSync(
      join(dir, 'redis.conf'),
      renderRedisConf([
        ['bind', '127.0.0.1'],
        ['dir', dir],
      ]),
    );
    const script = start
      .replaceAll('/usr/local/etc/redis/redis.conf', join(dir, 'redis.conf'))
      .replaceAll('/data/', `${dir}/`);
    writeFileSync(join(dir, 'start.sh'), script);
    const got = await withRedis(
      `port ${port}\n`,
      password,
      ['requirepass', 'masterauth', 'enable-debug-command'],
      {
        script: join(dir, 'start.sh'),
        args: ['--port', String(port)],
        env: { REDIS_PASSWORD: password },
      },
    );
    expect(got).toEqual({
      requirepass: password,
      masterauth: password,
      'enable-debug-command': 'no',
    });
  });

  it('a namespace demo$(touch …) is refused before any script is written; the scripts take the namespace from the downward API', () => {
    const marker = join(work.dir, 'namespace-pwned');
    const ns = `demo$(touch ${marker})`;
    const cluster = {
      mode: 'Cluster',
      cluster: { shards: 3, replicas: 2 },
      tls: { issuerRef: ISSUER },
    };
    const refused = render(redisDb(cluster, ns), ns);
    expect(errorsOf(refused)).toContainEqual(
      expect.objectContaining({ field: 'metadata.namespace' }),
    );
    expect(refused.output.items.some((i: any) => i.kind === 'ConfigMap')).toBe(false);
    // Rendered in a valid namespace, the scripts hold no namespace: run them with a hostile
    // POD_NAMESPACE (what a kustomize overlay could not make it, but the strongest case) and a
    // stand-in redis-server and redis-cli that print their arguments.
    const run = render(redisDb(cluster));
    const data = run.output.items.find((i: any) => i.kind === 'ConfigMap').data;
    expect(data['start.sh']).not.toContain('demo');
    expect(data['cluster-create.sh']).not.toContain('demo');
    const bin = join(work.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'redis-server'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const dir = join(work.dir, 'ns');
    mkdirSync(dir);
    const start = data['start.sh'].replaceAll('/data/', `${dir}/`).replace(/^sh .*bundle$/m, ':');
    writeFileSync(join(dir, 'start.sh'), start);
    const out = execFileSync('/bin/sh', [join(dir, 'start.sh')], {
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        HOSTNAME: 'rd-shard0-0',
        POD_NAMESPACE: ns,
        REDIS_PASSWORD: 'p',
      },
    }).toString();
    expect(out).toContain(`\n--cluster-announce-hostname\nrd-shard0-0.rd-pods.${ns}.svc\n`);
    expect(execFileSync('/bin/sh', ['-n', '-c', data['cluster-create.sh']]).toString()).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('a VaultServer spec.backend.file.path that closes the storage block is refused; a path with quotes and ${ reads back as one string (one listener)', async () => {
    const vault = (path: string) => ({
      apiVersion: 'kubevault.com/v1alpha2',
      kind: 'VaultServer',
      metadata: { name: 'vault', namespace: 'demo' },
      spec: {
        version: '1.18.4',
        replicas: 1,
        backend: { file: { path } },
        tls: { issuerRef: ISSUER },
      },
    });
    const refused = render(vault('"\n}\nlistener "tcp" { tls_disable = true }'));
    expect(errorsOf(refused)).toContainEqual(
      expect.objectContaining({ field: 'spec.backend.file.path' }),
    );
    const odd = '/vault/"data" ${x} %{y} \\ }';
    const hcl = render(vault(odd)).output.items.find((i: any) => i.kind === 'ConfigMap').data[
      'vault.hcl'
    ];
    const json = (await parseHcl2('vault.hcl', hcl)) as any;
    expect(json.listener.tcp).toHaveLength(1);
    expect(json.listener.tcp[0].tls_disable).toBeUndefined();
    expect(json.storage.file[0].path.replace('$${', '${').replace('%%{', '%{')).toBe(odd);
  });
});
