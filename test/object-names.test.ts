// Every rendered object's name is one the API server takes (fn/validate/object-names.ts): the
// rules against apimachinery's own test data, the refusal of a database name that cannot make
// them, and — over generated names of every shape a database may have — nothing rendered that
// the API server would refuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
} from '../fn/validate/object-names.js';
import { errorsOf, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

// The good and bad values of k8s.io/apimachinery pkg/util/validation validation_test.go
// (kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go at
// 008b3652959ca58af8be3fb5b6ecfe9ae7638282; Apache-2.0): TestIsDNS1123Label, TestIsDNS1123Subdomain,
// TestIsDNS1035Label, TestIsValidLabelValue.
const a = (n: number) => 'a'.repeat(n);
const VECTORS = {
  dns1123Label: {
    rule: isDNS1123Label,
    good: [
      'a',
      'ab',
      'abc',
      'a1',
      'a-1',
      'a--1--2--b',
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      a(63),
    ],
    bad: [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      a(64),
    ],
  },
  dns1123Subdomain: {
    rule: isDNS1123Subdomain,
    good: [
      'a',
      'ab',
      'abc',
      'a1',
      'a-1',
      'a--1--2--b',
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      'a.a',
      'ab.a',
      'abc.a',
      'a1.a',
      'a-1.a',
      'a--1--2--b.a',
      'a.1',
      'ab.1',
      'abc.1',
      'a1.1',
      'a-1.1',
      'a--1--2--b.1',
      '0.a',
      '01.a',
      '012.a',
      '1a.a',
      '1-a.a',
      '1--a--b--2',
      '0.1',
      '01.1',
      '012.1',
      '1a.1',
      '1-a.1',
      '1--a--b--2.1',
      'a.b.c.d.e',
      'aa.bb.cc.dd.ee',
      '1.2.3.4.5',
      '11.22.33.44.55',
      a(253),
    ],
    bad: [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a..b',
      '1.',
      '.1',
      '1..2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      'A.a',
      'aB.a',
      'ab.A',
      'A1.a',
      'a1.A',
      'A.1',
      'aB.1',
      'A1.1',
      '1A.1',
      '0.A',
      '01.A',
      '012.A',
      '1A.a',
      '1a.A',
      'A.B.C.D.E',
      'AA.BB.CC.DD.EE',
      'a.B.c.d.e',
      'aa.bB.cc.dd.ee',
      'a@b',
      'a,b',
      'a_b',
      'a;b',
      'a:b',
      'a%b',
      'a?b',
      'a$b',
      a(254),
    ],
  },
  dns1035Label: {
    rule: isDNS1035Label,
    good: ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', a(63)],
    bad: [
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      a(64),
    ],
  },
  labelValue: {
    rule: isLabelValue,
    good: ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', a(63), ''],
    bad: [
      'nospecialchars%^=@',
      'Tama-nui-te-rā.is.Māori.sun',
      '\\backslashes\\are\\bad',
      '-starts-with-dash',
      'ends-with-dash-',
      '.starts.with.dot',
      'ends.with.dot.',
      a(64),
    ],
  },
};

describe("the API server's name rules, on apimachinery's own test data", () => {
  for (const [name, { rule, good, bad }] of Object.entries(VECTORS)) {
    it(name, () => {
      for (const v of good) expect(rule(v), JSON.stringify(v)).toEqual([]);
      for (const v of bad) expect(rule(v).length, JSON.stringify(v)).toBeGreaterThan(0);
    });
  }

  it('with the messages the API server gives', () => {
    expect(isDNS1035Label('orders.v2.db')).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Label(a(64))[0]).toBe('must be no more than 63 characters');
  });
});

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'ClusterIssuer', name: 'ca' };
const config = (mode: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c' },
  data: { mode, externalIssuers: 'ClusterIssuer/ca' },
});
/** Databases of the kinds that render a workload, by name. */
const DATABASES: ((name: string) => Record<string, unknown>)[] = [
  (name) => db('kubedb.com/v1', 'Postgres', name, { version: '16.4', replicas: 3 }),
  (name) => db('kubedb.com/v1', 'MariaDB', name, { version: '11.4.3', replicas: 3 }),
  (name) => db('kubedb.com/v1', 'MySQL', name, { version: '8.4.3' }),
  (name) => db('kubedb.com/v1', 'Redis', name, { version: '7.4.1', mode: 'Cluster' }),
  (name) => db('kubedb.com/v1', 'PerconaXtraDB', name, { version: '8.0.40', replicas: 3 }),
  (name) =>
    db('kubevault.com/v1alpha2', 'VaultServer', name, {
      version: '1.18.4',
      replicas: 3,
      backend: { raft: {} },
    }),
];
function db(apiVersion: string, kind: string, name: string, spec: Record<string, unknown>) {
  return {
    apiVersion,
    kind,
    metadata: { name, namespace: 'demo' },
    spec: { ...spec, tls: { issuerRef: ISSUER } },
  };
}

/** What the API server would say about one rendered object's name and labels. */
function refusals(o: any): string[] {
  const out = isDNS1123Subdomain(o.metadata.name).map((e) => `name: ${e}`);
  if (o.kind === 'Service') out.push(...isDNS1035Label(o.metadata.name));
  if (o.kind === 'StatefulSet') {
    const pods = Array.from({ length: o.spec.replicas }, (_, i) => `${o.metadata.name}-${i}`);
    for (const pod of pods) out.push(...isDNS1123Label(pod).map((e) => `hostname ${pod}: ${e}`));
    // controller-revision-hash: <name>-<hash of up to 10 characters>
    out.push(...isLabelValue(`${o.metadata.name}-${'x'.repeat(10)}`));
    out.push(...isDNS1123Label(o.spec.serviceName).map((e) => `subdomain: ${e}`));
  }
  const labels = { ...o.metadata.labels, ...o.spec?.template?.metadata?.labels };
  for (const [k, v] of Object.entries(labels))
    out.push(...isLabelValue(String(v)).map((e) => `${k}: ${e}`));
  return out;
}

describe('a database whose name cannot make valid objects', () => {
  it('standalone mode refuses it, naming each object and the rule', () => {
    const r = runFn(resourceList([DATABASES[0]('orders.v2.db')], config('standalone')));
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message:
          'the cluster would reject names derived from this one: Service "orders.v2.db": contains ".", and a Service name must be a DNS-1035 label; Service "orders.v2.db-standby": contains ".", and a Service name must be a DNS-1035 label; Service "orders.v2.db-pods": contains ".", and a Service name must be a DNS-1035 label; StatefulSet "orders.v2.db": its pods\' hostnames ("orders.v2.db-0" … "orders.v2.db-2") contain ".", and a pod\'s hostname must be an RFC 1123 label; choose a metadata.name without "."',
      },
    ]);
    expect(itemsOf(r, 'Service')).toEqual([]);
  });

  it('operator and validate mode: a warning, since KubeDB takes the database but not its Service', () => {
    for (const mode of ['operator', 'validate']) {
      const r = runFn(resourceList([DATABASES[0]('orders.v2.db')], config(mode)));
      expect(resultsOf(r)).toEqual([
        {
          severity: 'warning',
          field: 'metadata.name',
          message:
            'the KubeDB operator names this Postgres\'s Service after it, and the API server would refuse Service "orders.v2.db": contains ".", and a Service name must be a DNS-1035 label; the Postgres is accepted but gets no Service: choose a metadata.name without "."',
        },
      ]);
    }
  });

  it('any name a database may have: rendered, every object valid; refused, an error at metadata.name', () => {
    // Names the CRD takes (DNS-1123 subdomains), dots and leading digits and lengths included.
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const name = fc
      .array(label, { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join('.'))
      .filter((n) => isDNS1123Subdomain(n).length === 0);
    fc.assert(
      fc.property(name, fc.integer({ min: 0, max: DATABASES.length - 1 }), (n, k) => {
        const r = runFn(resourceList([DATABASES[k](n)], config('standalone')));
        const generated = itemsOf(r).filter(
          (o) => o.metadata.annotations?.['dbtls.dev/generated-from'],
        );
        if (errorsOf(r).length) {
          expect(generated).toEqual([]);
          expect(errorsOf(r).some((e) => e.field === 'metadata.name')).toBe(true);
          return;
        }
        for (const o of generated)
          expect([o.kind, o.metadata.name, refusals(o)]).toEqual([o.kind, o.metadata.name, []]);
      }),
      { numRuns: 300 },
    );
  });
});
