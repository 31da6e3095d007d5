// KubeDB's GitOps kinds (gitops.kubedb.com/v1alpha1): checked and rendered as the kubedb.com
// object the GitOps operator creates from them, in every mode; the GitOps object itself is passed
// through (operator, validate) or marked local-config (standalone), like a database.
import { describe, expect, it } from 'vitest';
import { kindRegistry } from '../fn/contract/registry.js';
import { KINDS, REGISTRY } from '../fn/kinds/index.js';
import { errorsOf, issuer, itemsOf, resourceList, resultsOf, runFn } from './helpers.js';

const ISSUER = { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca' };
const config = (mode: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'function-input' },
  data: { mode },
});
const postgres = (apiVersion: string, spec: Record<string, unknown> = {}) => ({
  apiVersion,
  kind: 'Postgres',
  metadata: { name: 'pg', namespace: 'demo' },
  spec: { version: '18.3', replicas: 2, tls: { issuerRef: ISSUER }, ...spec },
});
const run = (items: unknown[], mode: string) =>
  runFn(resourceList([issuer(), ...items], config(mode)));
const generated = (r: ReturnType<typeof run>) =>
  itemsOf(r).filter((o) => o.metadata.annotations?.['dbtls.dev/generated-from']);
const withoutNotes = (r: ReturnType<typeof run>) =>
  resultsOf(r).filter((x) => !(x.severity === 'info' && x.field === 'apiVersion'));

describe('a gitops.kubedb.com Postgres is the kubedb.com/v1 Postgres the GitOps operator makes', () => {
  for (const mode of ['standalone', 'operator', 'validate']) {
    it(`${mode} mode: the same objects and results as for kubedb.com/v1`, () => {
      const gitops = run([postgres('gitops.kubedb.com/v1alpha1')], mode);
      const kubedb = run([postgres('kubedb.com/v1')], mode);
      expect(generated(gitops)).toEqual(generated(kubedb));
      expect(withoutNotes(gitops)).toEqual(resultsOf(kubedb));
    });
  }

  it('operator mode: the GitOps object passes through unchanged, and a note says what happens', () => {
    const input = postgres('gitops.kubedb.com/v1alpha1');
    const r = run([input], 'operator');
    expect(itemsOf(r, 'Postgres')).toEqual([input]);
    expect(resultsOf(r)).toEqual([
      {
        severity: 'info',
        field: 'apiVersion',
        message:
          "the KubeDB GitOps operator creates kubedb.com/v1 Postgres demo/pg from this object (and the OpsRequests that apply its later changes); dbtls issues the Certificates that Postgres waits for, under KubeDB's names, and passes this object through",
      },
    ]);
    expect(
      itemsOf(r, 'Certificate').map((c) => c.metadata.labels['app.kubernetes.io/name']),
    ).toEqual(['postgreses.kubedb.com', 'postgreses.kubedb.com', 'postgreses.kubedb.com']);
  });

  it('standalone mode marks the GitOps object local-config, as it marks a database', () => {
    const r = run([postgres('gitops.kubedb.com/v1alpha1')], 'standalone');
    const [pg] = itemsOf(r, 'Postgres');
    expect(pg.apiVersion).toBe('gitops.kubedb.com/v1alpha1');
    expect(pg.metadata.annotations['config.kubernetes.io/local-config']).toBe('true');
    expect(itemsOf(r, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['pg']);
  });

  it('its spec is read as kubedb.com/v1 (PostgreSQL 18 defaults to scram there, md5 in v1alpha2)', () => {
    const md5 = { clientAuthMode: 'md5' };
    const warning = (apiVersion: string) =>
      resultsOf(run([postgres(apiVersion, md5)], 'validate')).filter(
        (x) => x.field === 'spec.clientAuthMode',
      );
    expect(warning('gitops.kubedb.com/v1alpha1')).toEqual(warning('kubedb.com/v1'));
    expect(warning('gitops.kubedb.com/v1alpha1')).toHaveLength(1);
  });

  it('an error names the GitOps object, at its field', () => {
    const r = runFn(
      resourceList(
        [issuer(), postgres('gitops.kubedb.com/v1alpha1', { sslMode: 'verify' })],
        config('validate'),
      ),
    );
    expect(r.output.results.find((x: any) => x.severity === 'error')).toMatchObject({
      resourceRef: { apiVersion: 'gitops.kubedb.com/v1alpha1', kind: 'Postgres', name: 'pg' },
      field: { path: 'spec.sslMode' },
    });
  });

  it('MSSQLServer and Singlestore carry the v1alpha2 spec', () => {
    const ms = {
      apiVersion: 'gitops.kubedb.com/v1alpha1',
      kind: 'MSSQLServer',
      metadata: { name: 'ms', namespace: 'demo' },
      spec: {
        version: '2022-cu12',
        podTemplate: {
          spec: { containers: [{ name: 'mssql', env: [{ name: 'MSSQL_PID', value: 'Express' }] }] },
        },
        tls: { issuerRef: ISSUER },
      },
    };
    const r = run([ms], 'operator');
    expect(errorsOf(r)).toEqual([]);
    expect(resultsOf(r)[0].message).toContain('creates kubedb.com/v1alpha2 MSSQLServer demo/ms');
    expect(itemsOf(r, 'Certificate').map((c) => c.metadata.name)).toEqual([
      'ms-server-cert',
      'ms-client-cert',
    ]);
  });

  it('a GitOps object and the kubedb.com object of its name: one database given twice', () => {
    const r = run([postgres('kubedb.com/v1'), postgres('gitops.kubedb.com/v1alpha1')], 'operator');
    expect(errorsOf(r)).toEqual([
      {
        severity: 'error',
        field: 'metadata.name',
        message:
          'Postgres/demo/pg is given twice: as kubedb.com/v1 and as gitops.kubedb.com/v1alpha1, from which the KubeDB GitOps operator creates the kubedb.com/v1 object itself; keep one of the two',
      },
    ]);
  });

  it('only v1alpha1 is served; a GitOps kind dbtls does not check passes without a word', () => {
    expect(errorsOf(run([postgres('gitops.kubedb.com/v1')], 'operator'))).toEqual([
      {
        severity: 'error',
        field: 'apiVersion',
        message:
          'gitops.kubedb.com/v1 is not a served version of Postgres; use gitops.kubedb.com/v1alpha1',
      },
    ]);
    const kafka = {
      apiVersion: 'gitops.kubedb.com/v1alpha1',
      kind: 'Kafka',
      metadata: { name: 'k', namespace: 'demo' },
      spec: { version: '3.9.0' },
    };
    expect(resultsOf(run([kafka], 'operator'))).toEqual([]);
  });
});

describe('the registry lists the GitOps kinds as stand-ins (fn/contract/registry.ts)', () => {
  it('beside the kinds, not among them: --help and the policy schema list each kind once', () => {
    expect(REGISTRY.all).toBe(KINDS);
    expect(REGISTRY.standIns.map((k) => `${k.group}/${k.kind}`)).toEqual(
      KINDS.filter((k) => k.group === 'kubedb.com').map((k) => `gitops.kubedb.com/${k.kind}`),
    );
    for (const k of REGISTRY.standIns) expect(k.counterpart?.apiVersion).toMatch(/^kubedb\.com\//);
  });

  it('found by group: the kubedb.com kind and its stand-in, nothing for another group', () => {
    const as = (apiVersion: string) => REGISTRY.find({ apiVersion, kind: 'Postgres' });
    expect(as('kubedb.com/v1')?.counterpart).toBeUndefined();
    expect(as('gitops.kubedb.com/v1alpha1')?.counterpart?.apiVersion).toBe('kubedb.com/v1');
    expect(as('ops.kubedb.com/v1alpha1')).toBeUndefined();
  });

  it('refuses two kinds of one group and name', () => {
    expect(() => kindRegistry(KINDS, [KINDS[0]])).toThrow(/two supported kinds are kubedb\.com\//);
  });
});
