// The test stand-ins themselves: the CA issuer issues exactly what a Certificate asks for, the
// kubelet stand-in lays files out with the kubelet's paths, ownership and modes, and the
// trust-manager stand-in writes a bundle as trust-manager's own tests expect.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuer, postgres, ROOT } from '../helpers.js';
import { createTestCA, issue, type TestCA } from './ca-issuer.js';
import { SKIP, requireRoot, workDir } from './env.js';
import { mountVolumes, swapConfigMap } from './kubelet.js';
import { issueAll, renderItems } from './render.js';
import { assembleBundle, targetConfigMap } from './trust-manager.js';

let work: { dir: string; cleanup: () => void };
let ca: TestCA;

beforeAll(() => {
  work = workDir('stand-ins');
  ca = createTestCA(join(work.dir, 'ca'));
});
afterAll(() => work?.cleanup());

const text = (file: string) =>
  execFileSync('openssl', ['x509', '-in', file, '-noout', '-text']).toString();

describe('CA issuer stand-in', () => {
  it('issues exactly the requested subject, SANs, usages and lifetime, signed by the CA', () => {
    const now = new Date('2026-11-23T08:00:00Z');
    const s = issue(
      ca,
      {
        secretName: 'all',
        commonName: 'pg',
        subject: {
          organizations: ['kubedb'],
          organizationalUnits: ['server'],
          countries: ['DE'],
          localities: ['Berlin'],
        },
        dnsNames: ['pg', '*.pg-pods.demo.svc'],
        ipAddresses: ['127.0.0.1', '::1'],
        uris: ['spiffe://cluster.local/ns/demo/sa/pg'],
        emailAddresses: ['dba@example.org'],
        usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
        duration: '1h30m',
      },
      join(work.dir, 'all'),
      now,
    );
    const cert = new X509Certificate(readFileSync(s.tlsCrt));
    expect(cert.subject.split('\n')).toEqual([
      'C=DE',
      'L=Berlin',
      'O=kubedb',
      'OU=server',
      'CN=pg',
    ]);
    expect(cert.issuer).toBe('CN=dbtls test CA');
    expect(cert.subjectAltName).toBe(
      'DNS:pg, DNS:*.pg-pods.demo.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:spiffe://cluster.local/ns/demo/sa/pg, email:dba@example.org',
    );
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // extended: server auth, client auth
    expect(text(s.tlsCrt)).toMatch(
      /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/,
    );
    expect(text(s.tlsCrt)).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect([new Date(cert.validFrom).toISOString(), new Date(cert.validTo).toISOString()]).toEqual([
      '2026-11-23T08:00:00.000Z',
      '2026-11-23T09:30:00.000Z',
    ]);
    expect(cert.verify(new X509Certificate(readFileSync(ca.cert)).publicKey)).toBe(true);
    expect(readFileSync(s.caCrt, 'utf8')).toBe(readFileSync(ca.cert, 'utf8'));
    expect(readFileSync(s.tlsKey, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(s.tlsKey)))).toBe(true);
    expect(createPrivateKey(readFileSync(s.tlsKey)).asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
    });
  });

  it("uses cert-manager's defaults: usages digital signature + key encipherment, 2160h, RSA 2048 PKCS1", () => {
    const s = issue(ca, { secretName: 'defaults', commonName: 'x' }, join(work.dir, 'defaults'));
    const cert = new X509Certificate(readFileSync(s.tlsCrt));
    expect(cert.keyUsage).toBeUndefined();
    expect(text(s.tlsCrt)).toMatch(
      /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/,
    );
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(
      2160 * 3600 * 1000,
    );
    expect(cert.subjectAltName).toBeUndefined();
  });

  it.each([
    [{ algorithm: 'RSA', size: 3072, encoding: 'PKCS8' }, 'PRIVATE KEY', { modulusLength: 3072 }],
    [{ algorithm: 'ECDSA', size: 384 }, 'EC PRIVATE KEY', { namedCurve: 'secp384r1' }],
    [{ algorithm: 'ECDSA', encoding: 'PKCS8' }, 'PRIVATE KEY', { namedCurve: 'prime256v1' }],
    [{ algorithm: 'Ed25519' }, 'PRIVATE KEY', {}],
  ] as const)('creates the requested key %j', (privateKey, pem, details) => {
    const s = issue(
      ca,
      { secretName: 'k', dnsNames: ['a'], privateKey },
      join(work.dir, `key-${JSON.stringify(privateKey).replace(/\W+/g, '-')}`),
    );
    expect(readFileSync(s.tlsKey, 'utf8').split('\n')[0]).toBe(`-----BEGIN ${pem}-----`);
    const key = createPrivateKey(readFileSync(s.tlsKey));
    expect(key.asymmetricKeyType).toBe(
      { RSA: 'rsa', ECDSA: 'ec', Ed25519: 'ed25519' }[privateKey.algorithm],
    );
    expect(key.asymmetricKeyDetails).toMatchObject(details);
    expect(new X509Certificate(readFileSync(s.tlsCrt)).checkPrivateKey(key)).toBe(true);
    // Without a subject the SAN extension is critical.
    expect(text(s.tlsCrt)).toMatch(/X509v3 Subject Alternative Name: critical\n\s+DNS:a\n/);
  });
});

describe.skipIf(SKIP)('kubelet stand-in', () => {
  beforeAll(() => requireRoot());

  it('lays out secret items and ConfigMap keys at the mountPath, root:fsGroup, defaultMode | 0440, behind ..data', () => {
    const r = renderItems([issuer('ca'), postgres()]);
    const root = join(work.dir, 'pod');
    const secrets = issueAll(ca, r.certificates, join(work.dir, 'secrets'));
    const podSpec = r.statefulSets[0].spec.template.spec;
    const files = mountVolumes(podSpec, {
      root,
      secrets,
      configMaps: r.configMaps,
      ids: { uid: (i) => i, gid: (i) => (i === 999 ? 4242 : i) },
      claims: ['data'],
    });
    const view = files.map((f) => {
      const st = statSync(f.path);
      return `${f.path.slice(root.length)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    });
    expect(view).toEqual([
      '/etc/dbtls/postgresql.conf 555 0:4242',
      '/etc/dbtls/pg_hba.conf 555 0:4242',
      '/etc/dbtls/start.sh 555 0:4242',
      '/etc/dbtls/tls-watch.sh 555 0:4242',
      '/tls/certs/server/ca.crt 640 0:4242',
      '/tls/certs/server/server.crt 640 0:4242',
      '/tls/certs/server/server.key 640 0:4242',
      '/tls/certs/client/ca.crt 640 0:4242',
      '/tls/certs/client/client.crt 640 0:4242',
      '/tls/certs/client/client.key 640 0:4242',
    ]);
    const key = join(root, 'tls/certs/server/server.key');
    expect(lstatSync(key).isSymbolicLink()).toBe(true);
    expect(readlinkSync(key)).toBe('..data/server.key');
    expect(realpathSync(key)).toMatch(/\/tls\/certs\/server\/\.\.2026_[\d_.]+\/server\.key$/);
    expect(readFileSync(key)).toEqual(readFileSync(join(secrets['pg-server-cert'], 'tls.key')));
    expect(readFileSync(join(root, 'etc/dbtls/pg_hba.conf'), 'utf8')).toBe(
      r.configMaps['pg-server-config']['pg_hba.conf'],
    );
  });

  it('keeps defaultMode without fsGroup, and refuses a mount whose volume is missing', () => {
    const podSpec = {
      containers: [
        {
          name: 'c',
          volumeMounts: [
            { name: 's', mountPath: '/s' },
            { name: 'x', mountPath: '/x' },
          ],
        },
      ],
      volumes: [
        {
          name: 's',
          secret: {
            secretName: 'one',
            defaultMode: 0o600,
            items: [
              { key: 'tls.key', path: 'k', mode: 0o400 },
              { key: 'ca.crt', path: 'ca' },
            ],
          },
        },
      ],
    };
    const secrets = {
      one: issue(ca, { secretName: 'one', commonName: 'one' }, join(work.dir, 'one')).dir,
    };
    expect(() =>
      mountVolumes(podSpec, { root: join(work.dir, 'plain'), secrets, configMaps: {} }),
    ).toThrow('volumeMount x has no volume');
    const files = mountVolumes(
      {
        ...podSpec,
        containers: [{ name: 'c', volumeMounts: [podSpec.containers[0].volumeMounts[0]] }],
      },
      { root: join(work.dir, 'plain2'), secrets, configMaps: {} },
    );
    expect(
      files.map((f) => [
        f.path.slice(join(work.dir, 'plain2').length),
        statSync(f.path).mode & 0o777,
        statSync(f.path).gid,
      ]),
    ).toEqual([
      ['/s/k', 0o400, 0],
      ['/s/ca', 0o600, 0],
    ]);
  });
});

// trust-manager's test certificates and the outputs its tests expect (test/data/trust-manager).
const upstream = (i: number) =>
  readFileSync(join(ROOT, `test/data/trust-manager/test-certificate-${i}.pem`), 'utf8');
/** test/dummy's JoinCerts: the blocks joined by one line break, none at the end. */
const joinCerts = (...i: number[]) => i.map(upstream).join('\n');

describe('trust-manager stand-in', () => {
  // pkg/bundle/internal/source/source_test.go TestBuildBundle, expData (inputs → expected data).
  it.each([
    ['one key holding 1 and 2', [`${upstream(1)}\n${upstream(2)}`], [2, 1]],
    ['the same in the other order', [`${upstream(2)}\n${upstream(1)}`], [2, 1]],
    ['a ConfigMap source and an inLine one', [upstream(1), upstream(2)], [2, 1]],
    ['three keys', [`${upstream(1)}\n${upstream(2)}`, upstream(3)], [2, 1, 3]],
    [
      'four certificates in two objects',
      [`${upstream(1)}\n${upstream(2)}`, upstream(3), upstream(4)],
      [2, 1, 4, 3],
    ],
  ])(
    'assembles %s as trust-manager: ordered by SHA-256, no line break at the end',
    (_, pems, want) => {
      expect(assembleBundle(pems)).toBe(joinCerts(...want));
    },
  );

  it('deduplicates, drops text between blocks and re-encodes in 64 columns', () => {
    const a = readFileSync(ca.cert, 'utf8');
    const long = a.replace(
      /-----\n([\s\S]*?)\n-----/,
      (_, b: string) => `-----\n${b.replace(/\n/g, '')}\n-----`,
    );
    const bundle = assembleBundle([`comment\n${long}\ntrailer\n`, a, upstream(1)]);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(bundle).toContain(a.trim());
    expect(bundle).not.toMatch(/comment|trailer|\n$/);
  });

  it('refuses what trust-manager refuses: a key, a header, no certificate', () => {
    expect(() => assembleBundle([readFileSync(ca.key, 'utf8')])).toThrow(
      "only CERTIFICATE blocks are permitted but found 'PRIVATE KEY'",
    );
    const header = upstream(1).replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n');
    expect(() => assembleBundle([header])).toThrow('not permitted to have PEM headers');
    expect(() => assembleBundle(['nothing'])).toThrow("couldn't find any valid certificates");
  });

  it("writes a Bundle's target ConfigMap from its sources in the trust namespace", () => {
    const bundle = {
      metadata: { name: 'db-roots' },
      spec: {
        sources: [
          { secret: { name: 'old', key: 'tls.crt' } },
          { configMap: { name: 'extra', key: 'ca.crt' } },
          { inLine: upstream(3) },
        ],
        target: { configMap: { key: 'ca.crt' } },
      },
    };
    const ns = {
      secrets: { old: { 'tls.crt': upstream(1), 'tls.key': 'not read' } },
      configMaps: { extra: { 'ca.crt': upstream(2) } },
    };
    expect(targetConfigMap(bundle, ns)).toEqual({
      name: 'db-roots',
      data: { 'ca.crt': joinCerts(2, 1, 3) },
    });
    expect(() => targetConfigMap(bundle, { ...ns, secrets: {} })).toThrow(
      'no data found in Secret old at key "tls.crt"',
    );
  });
});

describe.skipIf(SKIP)('kubelet stand-in: a ConfigMap update', () => {
  beforeAll(() => requireRoot());

  it("swaps a ConfigMap volume's ..data to a new directory and removes the old one", () => {
    const podSpec = {
      securityContext: { fsGroup: 4242 },
      containers: [{ name: 'c', volumeMounts: [{ name: 'b', mountPath: '/b', readOnly: true }] }],
      volumes: [
        { name: 'b', configMap: { name: 'roots', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      ],
    };
    const root = join(work.dir, 'cm-swap');
    const opts = { root, secrets: {}, configMaps: { roots: { 'ca.crt': joinCerts(1) } } };
    mountVolumes(podSpec, opts);
    const first = readlinkSync(join(root, 'b/..data'));
    expect(readFileSync(join(root, 'b/ca.crt'), 'utf8')).toBe(joinCerts(1));
    opts.configMaps.roots = { 'ca.crt': joinCerts(2, 1) };
    expect(swapConfigMap(podSpec, opts, 'roots')).toEqual(['/b']);
    expect(readlinkSync(join(root, 'b/..data'))).not.toBe(first);
    expect(readdirSync(join(root, 'b')).sort()).toEqual(
      ['..data', readlinkSync(join(root, 'b/..data')), 'ca.crt'].sort(),
    );
    expect(readFileSync(join(root, 'b/ca.crt'), 'utf8')).toBe(joinCerts(2, 1));
    expect(statSync(join(root, 'b/ca.crt')).mode & 0o7777).toBe(0o644);
    expect(() => swapConfigMap(podSpec, opts, 'other')).toThrow(
      'the container mounts no volume of configMap other',
    );
  });
});
