// Test-only stand-in for cert-manager's CA issuer. For a rendered Certificate it creates the
// private key the spec asks for (algorithm, size, encoding; cert-manager's defaults RSA 2048
// PKCS1) and a certificate signed by a throwaway CA carrying exactly the requested subject, SANs,
// usages and lifetime, and writes the Secret cert-manager would write as a directory of its keys
// (ca.crt, tls.crt, tls.key). Signing uses the openssl CLI; keys come from node:crypto.
// Never bundled into dist/: only tests import it.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoDuration } from '../../fn/util/duration.js';

export interface TestCA {
  dir: string;
  cert: string;
  key: string;
  name: string;
}

/** A self-signed CA (RSA 2048, valid one day) in `dir`. */
export function createTestCA(dir: string, name = 'dbtls test CA'): TestCA {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.crt');
  writeFileSync(
    key,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }),
    { mode: 0o600 },
  );
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    dn([['CN', [name]]]),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, cert, key, name };
}

/** The fields of a cert-manager Certificate spec the issuer honours. */
export interface CertificateSpec {
  secretName: string;
  commonName?: string;
  subject?: Record<string, string[] | string | undefined>;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  usages?: string[];
  duration?: string;
  isCA?: boolean;
  privateKey?: {
    algorithm?: 'RSA' | 'ECDSA' | 'Ed25519';
    size?: number;
    encoding?: 'PKCS1' | 'PKCS8';
  };
}

export interface IssuedSecret {
  dir: string;
  caCrt: string;
  tlsCrt: string;
  tlsKey: string;
  notBefore: Date;
  notAfter: Date;
}

// cert-manager's key usage names (pkg/apis/certmanager/v1 KeyUsage) → openssl extension names.
const KEY_USAGE: Record<string, string> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGE: Record<string, string> = {
  any: 'anyExtendedKeyUsage',
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  's/mime': 'emailProtection',
  'ipsec end system': 'ipsecEndSystem',
  'ipsec tunnel': 'ipsecTunnel',
  'ipsec user': 'ipsecUser',
  timestamping: 'timeStamping',
  'ocsp signing': 'OCSPSigning',
  'microsoft sgc': 'msSGC',
  'netscape sgc': 'nsSGC',
};
const DEFAULT_USAGES = ['digital signature', 'key encipherment'];
const DEFAULT_DURATION = '2160h';

/** Issues `spec` from `ca` into `<outDir>` as the Secret's files. */
export function issue(
  ca: TestCA,
  spec: CertificateSpec,
  outDir: string,
  now = new Date(),
): IssuedSecret {
  mkdirSync(outDir, { recursive: true });
  const work = join(ca.dir, `req-${randomBytes(6).toString('hex')}`);
  mkdirSync(work);
  const tlsKey = join(outDir, 'tls.key');
  const tlsCrt = join(outDir, 'tls.crt');
  const caCrt = join(outDir, 'ca.crt');

  const key = privateKey(spec.privateKey);
  writeFileSync(tlsKey, key.pem, { mode: 0o600 });

  // Subject in Go's pkix.Name order (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER); the
  // values of one attribute form one multi-valued RDN, as Go marshals them.
  const s = spec.subject ?? {};
  const list = (v: string[] | string | undefined) =>
    v === undefined ? [] : Array.isArray(v) ? v : [v];
  const subject = dn([
    ['C', list(s.countries)],
    ['ST', list(s.provinces)],
    ['L', list(s.localities)],
    ['street', list(s.streetAddresses)],
    ['postalCode', list(s.postalCodes)],
    ['O', list(s.organizations)],
    ['OU', list(s.organizationalUnits)],
    ['CN', list(spec.commonName)],
    ['serialNumber', list(s.serialNumber)],
  ]);

  const usages = spec.usages && spec.usages.length > 0 ? spec.usages : DEFAULT_USAGES;
  const ku = new Set<string>();
  const eku = new Set<string>();
  for (const u of usages) {
    if (KEY_USAGE[u]) ku.add(KEY_USAGE[u]);
    else if (EXT_KEY_USAGE[u]) eku.add(EXT_KEY_USAGE[u]);
    else throw new Error(`unknown usage ${JSON.stringify(u)}`);
  }
  if (spec.isCA) ku.add('keyCertSign');
  const sans = [
    ...(spec.dnsNames ?? []).map((d) => `DNS:${d}`),
    ...(spec.ipAddresses ?? []).map((i) => `IP:${i}`),
    ...(spec.uris ?? []).map((u) => `URI:${u}`),
    ...(spec.emailAddresses ?? []).map((e) => `email:${e}`),
  ];
  const ext = [
    '[ext]',
    `basicConstraints = critical, CA:${spec.isCA ? 'TRUE' : 'FALSE'}`,
    ku.size > 0 ? `keyUsage = critical, ${[...ku].join(', ')}` : '',
    eku.size > 0 ? `extendedKeyUsage = ${[...eku].join(', ')}` : '',
    'authorityKeyIdentifier = keyid',
    // With an empty subject the SAN extension must be critical (RFC 5280 4.2.1.6), as Go does.
    sans.length > 0
      ? `subjectAltName = ${subject === '/' ? 'critical, ' : ''}${sans.join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');

  const d = parseGoDuration(spec.duration ?? DEFAULT_DURATION);
  if (!d.ok) throw new Error(`duration ${spec.duration}: ${d.error}`);
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + Number(d.nanos / 1_000_000n));

  const cnf = join(work, 'ca.cnf');
  writeFileSync(join(work, 'index.txt'), '');
  writeFileSync(
    cnf,
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${work}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      `certificate = ${ca.cert}`,
      `private_key = ${ca.key}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'email_in_dn = no',
      'rand_serial = yes',
      '[any]',
      'commonName = optional',
      ext,
      '',
    ].join('\n'),
  );
  const csr = join(work, 'req.csr');
  const reqKey = join(work, 'req.key');
  writeFileSync(reqKey, key.pkcs8, { mode: 0o600 });
  openssl([
    'req',
    '-new',
    '-key',
    reqKey,
    '-out',
    csr,
    '-subj',
    subject === '/' ? '/' : subject,
    '-multivalue-rdn',
  ]);
  openssl([
    'ca',
    '-batch',
    '-config',
    cnf,
    '-in',
    csr,
    '-out',
    tlsCrt,
    '-notext',
    '-preserveDN',
    '-extensions',
    'ext',
    '-startdate',
    asn1Time(notBefore),
    '-enddate',
    asn1Time(notAfter),
  ]);
  writeFileSync(caCrt, execFileSync('openssl', ['x509', '-in', ca.cert]));
  return { dir: outDir, caCrt, tlsCrt, tlsKey, notBefore, notAfter };
}

function privateKey(pk: CertificateSpec['privateKey'] = {}): { pem: string; pkcs8: string } {
  const algorithm = pk.algorithm ?? 'RSA';
  const encoding = pk.encoding ?? 'PKCS1';
  if (algorithm === 'RSA') {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: pk.size && pk.size > 0 ? pk.size : 2048,
    });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    return {
      pem:
        encoding === 'PKCS8'
          ? pkcs8
          : (privateKey.export({ type: 'pkcs1', format: 'pem' }) as string),
      pkcs8,
    };
  }
  if (algorithm === 'ECDSA') {
    const curve = { 256: 'prime256v1', 384: 'secp384r1', 521: 'secp521r1' }[
      pk.size && pk.size > 0 ? pk.size : 256
    ];
    if (!curve) throw new Error(`ECDSA size ${pk.size}`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    return {
      pem:
        encoding === 'PKCS8'
          ? pkcs8
          : (privateKey.export({ type: 'sec1', format: 'pem' }) as string),
      pkcs8,
    };
  }
  // Ed25519 keys are always PKCS#8.
  const pkcs8 = generateKeyPairSync('ed25519').privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { pem: pkcs8, pkcs8 };
}

/** An openssl `-subj` string from attribute/value lists; empty attributes are left out. */
function dn(parts: [string, string[]][]): string {
  const esc = (v: string) => v.replace(/[\\/+=]/g, (c) => `\\${c}`);
  const rdns = parts
    .filter(([, vs]) => vs.length > 0)
    .map(([a, vs]) => vs.map((v) => `${a}=${esc(v)}`).join('+'));
  return `/${rdns.join('/')}`;
}

function asn1Time(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
