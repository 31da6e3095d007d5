// cert-manager's webhook rules (v1.21.1), ported: each rule with the webhook's exact text, and
// each error reported where the user can fix it.
import { describe, expect, it } from 'vitest';
import { formatWebhookError, validateCertificateSpec } from '../fn/validate/certificate-spec.js';
import { goMailProblem, isGoIP } from '../fn/validate/go-formats.js';
import { errorsOf, issuer, itemsOf, postgres, resourceList, resultsOf, runFn } from './helpers.js';

const base = {
  secretName: 'tls',
  issuerRef: { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' },
  dnsNames: ['db'],
};
const errors = (spec: Record<string, unknown>) =>
  validateCertificateSpec({ ...base, ...spec }).map(formatWebhookError);

describe('webhook rules on a Certificate spec', () => {
  it('accepts a plain spec', () => expect(errors({})).toEqual([]));

  it.each([
    [{ secretName: '' }, 'spec.secretName: Required value: must be specified'],
    [
      { secretName: 'Bad_Name' },
      `spec.secretName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [
      { secretName: 'a'.repeat(254) },
      `spec.secretName: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
    ],
    [{ issuerRef: { kind: 'Issuer' } }, 'spec.issuerRef.name: Required value: must be specified'],
    [
      { issuerRef: { name: 'ca', kind: 'issuer' } },
      'spec.issuerRef.kind: Invalid value: "issuer": must be one of Issuer or ClusterIssuer (did you forget to set spec.issuerRef.kind.group?)',
    ],
    [
      { issuerRef: { name: 'ca', kind: 'Foo', group: 'cert-manager.io' } },
      'spec.issuerRef.kind: Invalid value: "Foo": must be one of Issuer or ClusterIssuer',
    ],
    [
      { dnsNames: [] },
      'spec: Invalid value: "": at least one of commonName (from the commonName field or from a literalSubject), dnsNames, emailSANs, ipAddresses, otherNames, or uriSANs must be set',
    ],
    [{ commonName: 'x'.repeat(65) }, 'spec.commonName: Too long: may not be more than 64 bytes'],
    [{ commonName: 'é'.repeat(33) }, 'spec.commonName: Too long: may not be more than 64 bytes'],
    [
      { literalSubject: 'CN=a,O=b', commonName: 'a' },
      'spec.commonName: Invalid value: "a": When providing a `LiteralSubject` no `commonName` may be provided.',
    ],
    [
      { literalSubject: 'CN=a', subject: { organizations: ['o'] } },
      'spec.subject: Invalid value: {"organizations":["o"]}: When providing a `LiteralSubject` no `Subject` properties may be provided.',
    ],
    [
      { literalSubject: 'CN=a,FOO=b' },
      'spec.literalSubject: Invalid value: "CN=a,FOO=b": Literal subject contains unrecognized key with value [b]',
    ],
    [
      { dnsNames: [], literalSubject: `CN=${'x'.repeat(65)}` },
      'spec.commonName: Too long: may not be more than 64 bytes',
    ],
    [
      { ipAddresses: ['fe80::1%eth0'] },
      'spec.ipAddresses[0]: Invalid value: "fe80::1%eth0": invalid IP address',
    ],
    [
      { ipAddresses: ['10.0.0.1', '010.0.0.1'] },
      'spec.ipAddresses[1]: Invalid value: "010.0.0.1": invalid IP address',
    ],
    [
      { ipAddresses: ['10.0.0.0/8'] },
      'spec.ipAddresses[0]: Invalid value: "10.0.0.0/8": invalid IP address',
    ],
    [
      { emailAddresses: ['Bob <bob@example.com>'] },
      'spec.emailAddresses[0]: Invalid value: "Bob <bob@example.com>": invalid email address: make sure the supplied value only contains the email address itself',
    ],
    [
      { emailAddresses: ['bob'] },
      `spec.emailAddresses[0]: Invalid value: "bob": invalid email address: mail: missing '@' or angle-addr`,
    ],
    [
      { emailAddresses: ['bob smith'] },
      'spec.emailAddresses[0]: Invalid value: "bob smith": invalid email address: mail: no angle-addr',
    ],
    [
      { emailAddresses: ['a@b c'] },
      'spec.emailAddresses[0]: Invalid value: "a@b c": invalid email address: mail: expected single address, got "c"',
    ],
    [
      { emailAddresses: [''] },
      'spec.emailAddresses[0]: Invalid value: "": invalid email address: mail: no address',
    ],
    [
      { otherNames: [{ oid: '', utf8Value: 'x' }] },
      'spec.otherNames[0].oid: Required value: must be specified',
    ],
    [
      { otherNames: [{ oid: '1.x', utf8Value: 'x' }] },
      'spec.otherNames[0].oid: Invalid value: "1.x": invalid oid syntax',
    ],
    [
      { otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3' }] },
      'spec.otherNames[0].utf8Value: Required value: must be set to a valid non-empty UTF8 string',
    ],
    [
      { privateKey: { algorithm: 'RSA', size: 1024 } },
      'spec.privateKey.size: Invalid value: 1024: must be between 2048 and 8192 for rsa keyAlgorithm',
    ],
    [
      { privateKey: { size: 8193 } },
      'spec.privateKey.size: Invalid value: 8193: must be between 2048 and 8192 for rsa keyAlgorithm',
    ],
    [
      { privateKey: { algorithm: 'ECDSA', size: 512 } },
      'spec.privateKey.size: Unsupported value: 512: supported values: "256", "384", "521"',
    ],
    [
      { privateKey: { algorithm: 'DSA' } },
      'spec.privateKey.algorithm: Invalid value: "DSA": must be either empty or one of rsa, ecdsa or ed25519',
    ],
    [
      { privateKey: { algorithm: 'ECDSA' }, signatureAlgorithm: 'SHA256WithRSA' },
      'spec.signatureAlgorithm: Invalid value: "SHA256WithRSA": for key algorithm ECDSA the allowed signature algorithms are [ECDSAWithSHA256 ECDSAWithSHA384 ECDSAWithSHA512]',
    ],
    [
      { signatureAlgorithm: 'PureEd25519' },
      'spec.signatureAlgorithm: Invalid value: "PureEd25519": for key algorithm RSA the allowed signature algorithms are [SHA256WithRSA SHA384WithRSA SHA512WithRSA]',
    ],
    [
      { duration: '59m59s' },
      'spec.duration: Invalid value: 59m59s: certificate duration must be greater than 1h0m0s',
    ],
    [
      { renewBefore: '4m59s' },
      'spec.renewBefore: Invalid value: 4m59s: certificate renewBefore must be greater than 5m0s',
    ],
    [
      { duration: '2h', renewBefore: '2h' },
      'spec.renewBefore: Invalid value: 2h0m0s: certificate duration 2h0m0s must be greater than renewBefore 2h0m0s',
    ],
    [
      { renewBefore: '2160h' },
      'spec.renewBefore: Invalid value: 2160h0m0s: certificate duration 2160h0m0s must be greater than renewBefore 2160h0m0s',
    ],
    [
      { duration: '1h', renewBeforePercentage: 99 },
      'spec.renewBeforePercentage: Invalid value: 99: certificate renewBeforePercentage must result in a renewBefore greater than 5m0s',
    ],
    [
      { duration: '1h', renewBeforePercentage: 0 },
      'spec.renewBeforePercentage: Invalid value: 0: certificate renewBeforePercentage must result in a renewBefore less than duration',
    ],
    [
      { usages: ['server auth', 'serverAuth'] },
      'spec.usages[1]: Invalid value: "serverAuth": unknown keyusage',
    ],
    [
      { revisionHistoryLimit: 0 },
      'spec.revisionHistoryLimit: Invalid value: 0: must not be less than 1',
    ],
    [
      { secretTemplate: { annotations: { 'cert-manager.io/issuer-name': 'x' } } },
      'spec.secretTemplate.annotations: Invalid value: "cert-manager.io/issuer-name": cert-manager.io/* annotations are not allowed',
    ],
    [
      { nameConstraints: { permitted: { dnsDomains: ['a'] } } },
      'spec.nameConstraints: Invalid value: {"permitted":{"dnsDomains":["a"]}}: isCa should be true when nameConstraints is set',
    ],
    [
      { isCA: true, nameConstraints: { critical: true } },
      'spec.nameConstraints: Invalid value: {"critical":true}: either permitted or excluded must be set',
    ],
    [
      { additionalOutputFormats: [{ type: 'DER' }, { type: 'DER' }] },
      'spec.additionalOutputFormats[type]: Duplicate value: "DER"',
    ],
    [
      { keystores: { jks: { create: true, password: 'p', passwordSecretRef: { name: 's' } } } },
      'spec.keystores.jks: Forbidden: exactly one of passwordSecretRef and password must be provided for JKS keystores; cannot set both',
    ],
    [
      { keystores: { pkcs12: { create: true } } },
      'spec.keystores.pkcs12: Forbidden: must set exactly one of passwordSecretRef and password must for PKCS#12 keystores',
    ],
    [
      { keystores: { jks: { create: true, password: '' } } },
      'spec.keystores.jks.password: Forbidden: literal password cannot be empty if set on JKS keystores',
    ],
    [
      { renewal: { policy: 'Disabled', windows: [{ cron: '* * * * *', windowDuration: '1h' }] } },
      'spec.renewal.windows: Forbidden: windows cannot be set when `renewal.policy` is set to Disabled',
    ],
    [
      { renewal: { policy: 'Never' } },
      'spec.renewal.policy: Unsupported value: "Never": supported values: "RenewBefore", "Disabled"',
    ],
  ])('%j', (spec, message) => {
    expect(errors(spec)).toEqual([message]);
  });

  it('reports renewBefore and renewBeforePercentage set together at both fields', () => {
    expect(errors({ renewBefore: '1h', renewBeforePercentage: 50 })).toEqual([
      'spec.renewBefore: Invalid value: 1h0m0s: renewBefore and renewBeforePercentage are mutually exclusive and cannot both be set',
      'spec.renewBeforePercentage: Invalid value: 50: renewBefore and renewBeforePercentage are mutually exclusive and cannot both be set',
    ]);
  });

  it('keeps the boundaries the webhook keeps: exactly 1h and 5m pass', () => {
    expect(errors({ duration: '1h', renewBefore: '5m' })).toEqual([]);
    expect(errors({ duration: '1h', renewBeforePercentage: 1 })).toEqual([]);
    expect(errors({ privateKey: { algorithm: 'RSA', size: 2049 } })).toEqual([]);
    expect(errors({ privateKey: { algorithm: 'Ed25519', size: 1 } })).toEqual([]);
    // a lone renewBeforePercentage is not validated by v1.21.1
    expect(errors({ renewBeforePercentage: 0 })).toEqual([]);
  });

  it('parses IPs as Go net.ParseIP does', () => {
    for (const ok of [
      '127.0.0.1',
      '0.0.0.0',
      '::',
      '::1',
      'fe80::1',
      '2001:db8::8a2e:370:7334',
      '::ffff:10.0.0.1',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:1.2.3.4',
    ])
      expect([ok, isGoIP(ok)]).toEqual([ok, true]);
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.04',
      ' 1.2.3.4',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':::',
      '::ffff:010.0.0.1',
      '1:2:3:4:5:6:7:1.2.3.4',
      '12345::',
      '10.0.0.0/8',
    ])
      expect([bad, isGoIP(bad)]).toEqual([bad, false]);
  });

  it('parses emails as Go mail.ParseAddress does', () => {
    for (const ok of ['a@b', 'first.last@example.com', 'a+tag@x.io', 'a@[10.0.0.1]'])
      expect([ok, goMailProblem(ok)]).toEqual([ok, undefined]);
    expect(goMailProblem('a..b@x')).toBe(`invalid email address: mail: missing '@' or angle-addr`);
    expect(goMailProblem('@x')).toBe(
      'invalid email address: mail: missing word in phrase: mail: invalid string',
    );
    expect(goMailProblem(' a@b')).toBe(
      'invalid email address: make sure the supplied value only contains the email address itself',
    );
    expect(goMailProblem('<a@b')).toBe('invalid email address: mail: unclosed angle-addr');
  });
});

describe('webhook errors reported where they can be fixed', () => {
  const tls = (certificates: unknown[]) => ({
    tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' }, certificates },
  });
  const run = (db: unknown) => runFn(resourceList([issuer(), db]));

  it.each([
    [
      { alias: 'server', duration: '30m' },
      'spec.tls.certificates[0].duration',
      'cert-manager\'s webhook would reject Certificate "pg-server-cert": spec.duration: Invalid value: 30m0s: certificate duration must be greater than 1h0m0s',
    ],
    [
      { alias: 'client', renewBefore: '1m' },
      'spec.tls.certificates[0].renewBefore',
      'cert-manager\'s webhook would reject Certificate "pg-client-cert": spec.renewBefore: Invalid value: 1m0s: certificate renewBefore must be greater than 5m0s',
    ],
    [
      { alias: 'client', renewBefore: '3000h' },
      'spec.tls.certificates[0].renewBefore',
      'cert-manager\'s webhook would reject Certificate "pg-client-cert": spec.renewBefore: Invalid value: 3000h0m0s: certificate duration 2160h0m0s must be greater than renewBefore 3000h0m0s',
    ],
    [
      { alias: 'client', secretName: 'Client_TLS' },
      'spec.tls.certificates[0].secretName',
      `cert-manager's webhook would reject Certificate "pg-client-cert": spec.secretName: Invalid value: "Client_TLS": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [
      { alias: 'server', ipAddresses: ['10.0.0.1', '192.168.001.1'] },
      'spec.tls.certificates[0].ipAddresses[1]',
      'cert-manager\'s webhook would reject Certificate "pg-server-cert": spec.ipAddresses[2]: Invalid value: "192.168.001.1": invalid IP address',
    ],
    [
      { alias: 'metrics-exporter', emailAddresses: ['DBA <dba@example.com>'] },
      'spec.tls.certificates[0].emailAddresses[0]',
      'cert-manager\'s webhook would reject Certificate "pg-metrics-exporter-cert": spec.emailAddresses[0]: Invalid value: "DBA <dba@example.com>": invalid email address: make sure the supplied value only contains the email address itself',
    ],
  ])('%j → %s', (certificate, field, message) => {
    const r = run(postgres(tls([certificate])));
    expect(r.status).toBe(1);
    expect(errorsOf(r)).toEqual([{ severity: 'error', field, message }]);
    expect(itemsOf(r, 'Certificate')).toEqual([]);
  });

  it.each([
    [
      'my_host',
      "has the label \"my_host\": letters, digits and '-' only, not starting or ending with '-'",
    ],
    ['db.*.example', 'has a wildcard that is not the whole leftmost label'],
    ['*', 'has a wildcard that is not the whole leftmost label'],
    ['a..b', 'has an empty label'],
    ['-a.b', "has the label \"-a\": letters, digits and '-' only, not starting or ending with '-'"],
    [`${'a'.repeat(64)}.b`, 'has a label of 64 characters; a label has at most 63'],
  ])('warns about the dnsName %j, which the webhook lets through', (dns, problem) => {
    const r = run(postgres(tls([{ alias: 'server', dnsNames: ['ok.example.com', dns] }])));
    expect(r.status).toBe(0);
    expect(resultsOf(r).filter((x) => x.severity === 'warning')).toEqual([
      {
        severity: 'warning',
        field: 'spec.tls.certificates[0].dnsNames[1]',
        message: `${JSON.stringify(dns)} is not a valid DNS name: it ${problem}; cert-manager accepts it, but no client will match it and ACME issuers refuse it`,
      },
    ]);
  });

  it('accepts wildcards and upper case in dnsNames', () => {
    // A wildcard outside the cluster is the policy's to allow (certificateNames); the webhook
    // takes it.
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { rules: { certificateNames: { allowedDNSSuffixes: ['example.com', 'y'] } } },
    };
    const db = postgres(
      tls([{ alias: 'server', dnsNames: ['*.db.example.com', 'DB.Example.com', 'x1-2.y'] }]),
    );
    const r = runFn(resourceList([issuer(), db], policy));
    expect(resultsOf(r).filter((x) => x.severity !== 'info')).toEqual([]);
  });

  it('reports a commonName made too long by the database name at metadata.name, saying what to do', () => {
    const name = `pg-${'x'.repeat(62)}`; // 65 bytes
    const r = run(postgres({}, name));
    expect(errorsOf(r).slice(0, 1)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        // KubeDB cuts the Certificate name to 63 characters; the commonName is the whole database name.
        message: `cert-manager's webhook would reject the generated Certificate "${name.slice(0, 51)}-server-cert": spec.commonName: Too long: may not be more than 64 bytes; the server certificate's commonName "${name}" (65 bytes) is derived from the database's name: choose a metadata.name of at most 64 bytes`,
      },
    ]);
    expect(
      errorsOf(run(postgres({}, name.slice(0, 64)))).filter((e) =>
        e.message.includes('commonName'),
      ),
    ).toEqual([]);
  });
});

describe('names of generated objects', () => {
  const run = (db: unknown) => runFn(resourceList([issuer(), db]));

  it('reports every name the cluster would reject, once, at metadata.name, with the length that fits', () => {
    const name = `a${'b'.repeat(59)}`; // 60 characters
    const r = run(postgres({}, name));
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        // Service names are cut to 63 characters as KubeDB cuts them; the StatefulSet's pods are the limit.
        message: `the cluster would reject names derived from this one: StatefulSet "${name}": 60 characters, more than 52 (its pods' controller-revision-hash label adds 11); choose a metadata.name of at most 52 characters`,
      },
    ]);
    expect(run(postgres({}, name.slice(0, 52))).status).toBe(0);
  });

  it('requires Service names to start with a letter', () => {
    const r = run(postgres({}, '1pg'));
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message:
          'the cluster would reject names derived from this one: Service "1pg": does not start with a letter; Service "1pg-standby": does not start with a letter; Service "1pg-pods": does not start with a letter; choose a metadata.name starting with a letter',
      },
    ]);
  });

  it('holds Certificate names to 253 characters and label values to 63 in operator mode', () => {
    const name = `a${'b'.repeat(63)}`; // 64 characters: fine as a name, too long as a label value
    const policy = {
      apiVersion: 'dbtls.dev/v1alpha1',
      kind: 'DatabaseTLSPolicy',
      metadata: { name: 'p' },
      spec: { mode: 'operator' },
    };
    const r = runFn(
      resourceList(
        [issuer(), { ...postgres({}, name), spec: { ...postgres().spec, version: '16.4' } }],
        policy,
      ),
    );
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message:
          'the cluster would reject names derived from this one: label app.kubernetes.io/instance: 64 characters, more than 63; choose a metadata.name of at most 63 characters',
      },
    ]);
    const long = 'a'.repeat(253);
    const r2 = runFn(resourceList([issuer(), postgres({}, long)], policy));
    // Certificate and secret names are cut to 63 characters (KubeDB's NameWithSuffix); the
    // commonName and the instance label carry the whole name and are what the cluster refuses.
    expect(
      errorsOf(r2).map((e) => e.message.replace(/a{253}/g, 'A').replace(/a{51}/g, 'a51')),
    ).toEqual([
      'cert-manager\'s webhook would reject the generated Certificate "a51-server-cert": spec.commonName: Too long: may not be more than 64 bytes; the server certificate\'s commonName "A" (253 bytes) is derived from the database\'s name: choose a metadata.name of at most 64 bytes',
      'the cluster would reject names derived from this one: label app.kubernetes.io/instance: 253 characters, more than 63; choose a metadata.name of at most 63 characters',
    ]);
  });
});
