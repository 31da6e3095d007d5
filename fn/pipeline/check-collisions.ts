// Stage: generated objects must not overwrite what a user wrote, nor write one secret twice. In
// validate mode the Certificates are KubeDB's (dbtls built them only to check them): the same
// clashes.
import type { KindRegistry } from '../contract/registry.js';
import {
  describeObject,
  groupOf,
  isObj,
  type KubeObject,
  namespaceOf,
  type Obj,
} from '../io/objects.js';
import { GENERATED_TYPES } from '../io/own-output.js';
import { type Result, resultFor } from '../io/results.js';
import { at } from '../util/field-path.js';
import { ObjectIndex } from './object-index.js';
import { type Rendered, where } from './run.js';

/** Who holds a name or writes a secret: a user's object, or one generated from `source`. */
interface Holder {
  object: KubeObject;
  source?: KubeObject;
}

const GENERATED_KINDS = new Set(GENERATED_TYPES.map((t) => t.slice(t.indexOf(' ') + 1)));

export function checkCollisions(
  inputs: readonly KubeObject[],
  rendered: readonly Rendered[],
  validate: boolean,
  kinds: KindRegistry,
): Result[] {
  const results: Result[] = [];
  // Each name taken, and each secret written by namespace and name.
  const taken = new ObjectIndex<Holder>();
  const secrets = new Map<string, Map<string, Holder>>();
  const secretsIn = (ns: string) => secrets.get(ns) ?? secrets.set(ns, new Map()).get(ns)!;
  for (const o of inputs) {
    // Only an object of a kind dbtls generates can have a generated object's key.
    if (!GENERATED_KINDS.has(o.kind)) continue;
    taken.set(o, { object: o });
    const secretName = isCertificate(o) ? o.spec.secretName : undefined;
    if (typeof secretName === 'string') secretsIn(namespaceOf(o)).set(secretName, { object: o });
  }
  const said = new Set<string>();
  for (const r of rendered) {
    for (const g of r.objects) {
      const prior = taken.get(g);
      if (prior?.source) {
        const message = sameGeneratedName(g, r.source, prior.source);
        // Three certificates cut to one name are one problem, said once.
        if (!said.has(message))
          results.push(resultFor(r.source, 'error', message, at('metadata', 'name')));
        said.add(message);
        continue;
      }
      if (prior) {
        results.push(nameOfUsersObject(prior.object, g, r.source, validate, kinds));
        continue;
      }
      taken.set(g, { object: g, source: r.source });
      if (g.kind !== 'Certificate' || !isObj(g.spec)) continue;
      const inNamespace = secretsIn(namespaceOf(g));
      const secretName = String(g.spec.secretName);
      const writer = inNamespace.get(secretName);
      if (writer) results.push(secretWrittenTwice(g, r, secretName, writer));
      else inNamespace.set(secretName, { object: g, source: r.source });
    }
  }
  return results;
}

function isCertificate(o: KubeObject): o is KubeObject & { spec: Obj } {
  return groupOf(o.apiVersion) === 'cert-manager.io' && o.kind === 'Certificate' && isObj(o.spec);
}

/** Two generated objects of one name: from one database (names cut short) or from two. */
function sameGeneratedName(g: KubeObject, source: KubeObject, other: KubeObject): string {
  return other === source
    ? `two ${g.kind}s generated from ${describeObject(source)} would both be named ` +
        `"${g.metadata.name}": the names derived from metadata.name are cut to 63 characters and ` +
        `no longer differ; choose a shorter metadata.name`
    : `the ${g.kind} "${g.metadata.name}" generated from ${describeObject(source)} has the name ` +
        `of the ${g.kind} generated from ${describeObject(other)}${where(other)}; rename one of ` +
        `the two`;
}

/** A generated object has the name of the user's: reported at the user's object. */
function nameOfUsersObject(
  clash: KubeObject,
  g: KubeObject,
  source: KubeObject,
  validate: boolean,
  kinds: KindRegistry,
): Result {
  const maker = validate
    ? `the ${kinds.find(source)!.operator} operator creates for`
    : 'dbtls generates from';
  return resultFor(
    clash,
    'error',
    `${describeObject(clash)}${where(clash)} has the name of the ${g.kind} that ${maker} ` +
      `${describeObject(source)}; rename or remove yours`,
    at('metadata', 'name'),
  );
}

/**
 * A generated Certificate writes a secret another Certificate writes: reported at the user's
 * secretName when there is one; otherwise the secret has dbtls's default name.
 */
function secretWrittenTwice(
  g: KubeObject,
  r: Rendered,
  secretName: string,
  writer: Holder,
): Result {
  const alias = aliasOf(g);
  const owner = writer.source
    ? `the ${aliasOf(writer.object)} certificate of ${describeObject(writer.source)}`
    : `${describeObject(writer.object)}${where(writer.object)}`;
  const override = alias === undefined ? undefined : r.overrides?.get(alias);
  const [path, fix] =
    override?.secretName !== undefined
      ? [override.path.child('secretName'), 'set a different secretName']
      : [
          at('spec', 'tls', 'certificates'),
          `give ${owner} another secret, or set secretName for alias ${alias} in ` +
            `spec.tls.certificates`,
        ];
  return resultFor(
    r.source,
    'error',
    `secret "${secretName}" of the ${alias} certificate is also written by ${owner}; ` +
      `cert-manager issues only one Certificate per secret: ${fix}`,
    path,
  );
}

function aliasOf(certificate: KubeObject): string | undefined {
  return certificate.metadata.labels?.['dbtls.dev/certificate-alias'];
}
