// Issue 28's client CA rollover, driven as a user runs it (docs/trust-bundles.md): each step is a
// change of the inputs, rendered by dbtls; the Bundle it renders becomes its target ConfigMap as
// trust-manager writes it (trust-manager.ts, from the CA secrets of a stand-in trust namespace);
// that ConfigMap and cert-manager's renewals reach a running server and a running application as
// the kubelet delivers them. After every step the application connects with exactly its rendered
// settings. Engines plug in a `Rig` (their server, their application, their client).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { TestCA } from './ca-issuer.js';
import { type Rendered, renderItems } from './render.js';
import { assembleBundle, targetConfigMap, type TrustNamespace } from './trust-manager.js';

/**
 * The names of docs/trust-bundles.md's procedure: the bundle the database names, and the
 * ClusterIssuers of the old and the new CA, each with its key pair of the same name in
 * cert-manager's namespace (a ClusterIssuer's CA secret lives there; it is the trust namespace).
 */
export const BUNDLE = 'db-roots';
export const OLD_ISSUER = 'db-ca';
export const NEW_ISSUER = 'db-ca-2027';

/** A ClusterIssuer signing with the CA key pair of its own name. */
const caIssuer = (name: string) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name },
  spec: { ca: { secretName: name } },
});
/** The database's spec.tls.issuerRef to ClusterIssuer `name`. */
export const issuerRef = (name: string) => ({
  apiGroup: 'cert-manager.io',
  kind: 'ClusterIssuer',
  name,
});

/** The steps of the procedure: the issuer the database names, and its extra trust source. */
export const STEPS = {
  'old CA': { issuer: OLD_ISSUER, add: undefined },
  'new CA added to the bundle': { issuer: OLD_ISSUER, add: `Secret/${NEW_ISSUER}` },
  'issuer switched, old CA kept in the bundle': { issuer: NEW_ISSUER, add: `Secret/${OLD_ISSUER}` },
  'old CA removed from the bundle': { issuer: NEW_ISSUER, add: undefined },
} as const;
export type Step = keyof typeof STEPS;

/** The database's trust annotations at `step`. */
export function trustAnnotations(step: Step): Record<string, string> {
  const add = STEPS[step].add;
  return {
    'dbtls.dev/trust-bundle': BUNDLE,
    ...(add === undefined ? {} : { 'dbtls.dev/trust-bundle-add': add }),
  };
}

/** The inputs at `step`: both ClusterIssuers, and the engine's database and application. */
export const stepItems = (r: Rollover, step: Step): unknown[] => [
  caIssuer(OLD_ISSUER),
  caIssuer(NEW_ISSUER),
  ...r.items(issuerRef(STEPS[step].issuer), trustAnnotations(step)),
];

/** What an engine's test provides: its inputs, and its running server and application. */
export interface Rig {
  /** Delivers the bundle's ConfigMap to the server's pod and waits until the server took it up; then to the application's pod. */
  deliverBundle(name: string, data: Record<string, string>): Promise<void>;
  /**
   * cert-manager's renewal by `by` of the certificates the server's pod mounts (the server's, and
   * the pod's own client certificate its in-pod clients use), delivered; waits until new
   * connections are served the server certificate. `serverCertificateOnly`: that one alone.
   */
  renewServer(by: TestCA, serverCertificateOnly?: boolean): Promise<void>;
  /** cert-manager's renewal of the application's client certificate by `by`, delivered. */
  renewClient(by: TestCA): void;
  /** The application connects with its rendered settings; asserts it got in as itself, verified both ways. */
  expectConnected(): Promise<void>;
  /** The application connects and is refused: its certificate (`client`) or the server's (`server`) is of a CA the other side no longer trusts. */
  expectRefused(whose: 'client' | 'server'): Promise<void>;
}

export interface Rollover {
  /** The database (with `issuerRef` and `annotations`) and the application connected to it. */
  items: (issuerRef: object, annotations: Record<string, string>) => unknown[];
  /** The database's kind (its annotations change between steps; the rendered objects must not). */
  kind: string;
  oldCA: TestCA;
  newCA: TestCA;
}

/** The trust namespace: the two CA key pairs as cert-manager's CA issuer reads them (tls.crt, tls.key). */
function trustNamespace(r: Rollover): TrustNamespace {
  const pair = (ca: TestCA) => ({
    'tls.crt': readFileSync(ca.cert, 'utf8'),
    'tls.key': readFileSync(ca.key, 'utf8'),
  });
  return {
    secrets: { [OLD_ISSUER]: pair(r.oldCA), [NEW_ISSUER]: pair(r.newCA) },
    configMaps: {},
  };
}

/** The rendered objects at `step`, and the ConfigMap trust-manager writes for its Bundle. */
export function renderStep(
  r: Rollover,
  step: Step,
): { rendered: Rendered; bundle: { name: string; data: Record<string, string> } } {
  const rendered = renderItems(stepItems(r, step));
  const bundles = rendered.items.filter((i) => i.kind === 'Bundle');
  expect(bundles.map((b) => [b.apiVersion, b.metadata.name])).toEqual([
    ['trust.cert-manager.io/v1alpha1', BUNDLE],
  ]);
  return { rendered, bundle: targetConfigMap(bundles[0], trustNamespace(r)) };
}

/** The trust file the rendered watcher writes for the server (its `trust=` line), a container path. */
export function trustFileOf(r: Rendered): string {
  const script = Object.values(r.configMaps).find((d) => d['tls-watch.sh'])?.['tls-watch.sh'];
  const file = script && /^trust='([^']+)'$/m.exec(script)?.[1];
  if (!file) throw new Error('the rendered watcher keeps no trust file');
  return file;
}

/** Where `container` of `podSpec` mounts the bundle's ConfigMap, if it does. */
export function bundleMountOf(podSpec: any, container: string): string | undefined {
  const volume = (podSpec.volumes ?? []).find((v: any) => v.configMap?.name === BUNDLE);
  const c = podSpec.containers.find((x: any) => x.name === container);
  return volume && c?.volumeMounts?.find((m: any) => m.name === volume.name)?.mountPath;
}

/**
 * The rendered certificates: the server's (its alias), every one the server's pod mounts, and the
 * one the application's pod mounts.
 */
export function certificatesOf(r: Rendered): { server: any; serverPod: any[]; app: any } {
  const alias = (c: any) => c.metadata.labels?.['dbtls.dev/certificate-alias'];
  const mountedBy = (podSpec: any) => (c: any) =>
    (podSpec.volumes ?? []).some(
      (v: any) =>
        v.secret?.secretName === c.spec.secretName ||
        v.projected?.sources?.some((s: any) => s.secret?.name === c.spec.secretName),
    );
  const deployment = r.items.find((i) => i.kind === 'Deployment');
  const server = r.certificates.find((c) => alias(c) === 'server');
  const serverPod = r.certificates.filter(mountedBy(r.statefulSets[0].spec.template.spec));
  const app = r.certificates.find(mountedBy(deployment.spec.template.spec));
  if (!server || !app) throw new Error('no server or application certificate was rendered');
  return { server: server.spec, serverPod: serverPod.map((c) => c.spec), app: app.spec };
}

/** The bundle holds exactly these CAs (trust-manager's order: by the certificates' SHA-256). */
const holding = (...cas: TestCA[]) => ({
  'ca.crt': assembleBundle(cas.map((ca) => readFileSync(ca.cert, 'utf8'))),
});

/**
 * What a step changes in the output besides the Bundle: the Certificates name the step's issuer
 * (cert-manager re-issues them from it); nothing else changes, so no pod restarts for a step.
 */
function expectOnlyBundleAndIssuerChanged(r: Rollover, first: Rendered, now: Rendered, step: Step) {
  const issuers = now.certificates.map((c) => `${c.spec.issuerRef.kind}/${c.spec.issuerRef.name}`);
  expect(issuers).toEqual(now.certificates.map(() => `ClusterIssuer/${STEPS[step].issuer}`));
  const rest = (x: Rendered) =>
    x.items
      .filter((i) => !['Bundle', 'ClusterIssuer', r.kind].includes(i.kind))
      .map((i) => (i.kind === 'Certificate' ? { ...i, spec: { ...i.spec, issuerRef: 'any' } } : i));
  expect(rest(now)).toEqual(rest(first));
}

/**
 * The rollover, from a server and an application both running on certificates of the old CA with
 * the bundle [old]: the new CA added, the issuer switched and the certificates renewed in `order`
 * (the application connecting after each renewal), the old CA removed; then a client certificate
 * and a server certificate of the old CA are refused; and a server serving that certificate takes
 * up its next renewal of the new CA (the MySQL family's watcher reaches mysqld over loopback
 * without verifying the certificate it is about to replace: fn/kinds/mysql-family/rotation.ts).
 */
export async function runRollover(
  r: Rollover,
  rig: Rig,
  first: Rendered,
  order: readonly ('server' | 'client')[],
): Promise<void> {
  await rig.expectConnected();

  const added = renderStep(r, 'new CA added to the bundle');
  expectOnlyBundleAndIssuerChanged(r, first, added.rendered, 'new CA added to the bundle');
  expect(added.bundle.data).toEqual(holding(r.oldCA, r.newCA));
  await rig.deliverBundle(added.bundle.name, added.bundle.data);
  await rig.expectConnected();

  // Switching the issuer and moving the old CA into the extra sources leaves the Bundle as it is.
  const switched = renderStep(r, 'issuer switched, old CA kept in the bundle');
  expectOnlyBundleAndIssuerChanged(
    r,
    first,
    switched.rendered,
    'issuer switched, old CA kept in the bundle',
  );
  expect(switched.bundle).toEqual(added.bundle);
  for (const whose of order) {
    if (whose === 'server') await rig.renewServer(r.newCA);
    else rig.renewClient(r.newCA);
    await rig.expectConnected();
  }

  const removed = renderStep(r, 'old CA removed from the bundle');
  expectOnlyBundleAndIssuerChanged(r, first, removed.rendered, 'old CA removed from the bundle');
  expect(removed.bundle.data).toEqual(holding(r.newCA));
  await rig.deliverBundle(removed.bundle.name, removed.bundle.data);
  await rig.expectConnected();

  // The old CA is trusted no more, by either side: a client certificate of it, and a server
  // certificate of it (the server's pod keeping its other certificates of the new CA: MariaDB's
  // watcher reaches mysqld with the pod's client certificate, which the server verifies too).
  rig.renewClient(r.oldCA);
  await rig.expectRefused('client');
  rig.renewClient(r.newCA);
  await rig.expectConnected();
  await rig.renewServer(r.oldCA, true);
  await rig.expectRefused('server');
  await rig.renewServer(r.newCA, true);
  await rig.expectConnected();
}
