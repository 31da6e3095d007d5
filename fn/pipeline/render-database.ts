// One database, in the order a reader would check it by hand: its identity, its spec read by the
// kind, the policy's rules, its Certificates issued and, in standalone mode, its workload rendered;
// then the database as it is emitted (mark-source.ts).
import type { ConnectTarget } from '../connect/index.js';
import type { DatabaseKind, Owner } from '../contract/kind.js';
import { ambiguityMessage, yaml11Booleans } from '../io/ambiguous.js';
import { describeObject, groupOf, type KubeObject } from '../io/objects.js';
import { Reporter, type Result } from '../io/results.js';
import { applyPolicyDefaults, checkDatabasePolicy } from '../policy/database-rules.js';
import { LOCAL_CONFIG } from '../render/metadata.js';
import { at } from '../util/field-path.js';
import { checkDerivedNames, checkIdentity } from './check-identity.js';
import { issueCertificates } from './issue-certificates.js';
import { markSource } from './mark-source.js';
import { readDatabase } from './read-database.js';
import { renderWorkload } from './render-workload.js';
import type { Run } from './run.js';

export interface DatabaseOutcome {
  results: Result[];
  /** What was rendered; undefined when the database has errors. */
  objects?: KubeObject[];
  /** The database as it is emitted. */
  source: KubeObject;
  /** The database as applications connect to it, once its spec is read. */
  target?: ConnectTarget;
}

export function renderDatabase(db: KubeObject, kind: DatabaseKind, run: Run): DatabaseOutcome {
  const { settings, issuers } = run;
  const report = new Reporter(db);
  if (!checkIdentity(db, kind, report)) return { results: report.results, source: db };
  // Where kubectl and kpt would read a field of the database differently, say so.
  for (const a of yaml11Booleans(db)) report.warn(a.path, ambiguityMessage(a));
  // Validate mode changes no item: a requireTLS defaultIssuerRef is reported, not added.
  if (settings.mode !== 'validate') db = applyPolicyDefaults(db, settings.rules, report);
  // A stand-in (a GitOps kind) is read and rendered as the object its operator creates.
  const made = kind.counterpart ? { ...db, apiVersion: kind.counterpart.apiVersion } : db;
  const read = readDatabase(made, kind, run, report);
  if (!read) return { results: report.results, source: db };
  const { ctx, plan, declared } = read;
  if (report.failed)
    return { results: report.results, source: db, target: { kind, ctx, plan, valid: false } };
  checkDatabasePolicy(ctx, kind, plan, issuers);
  if (kind.counterpart) report.info(at('apiVersion'), kind.counterpart.note(db, settings.mode));

  const group = groupOf(made.apiVersion);
  const owner: Owner = { db: made, namespace: ctx.namespace, resource: kind.resource, group };
  const { objects, issued } = issueCertificates(kind, ctx, plan, owner, declared);
  if (settings.mode === 'standalone')
    objects.push(...renderWorkload(kind, ctx, plan, issued, owner));
  const source = markSource(db, kind, settings, run.asGenerator, report);
  checkDerivedNames(db, kind, settings.mode, objects, report);
  const target: ConnectTarget = { kind, ctx, plan, valid: !report.failed };
  if (report.failed) return { results: report.results, source: db, target };
  if (source !== db && settings.mode === 'standalone') {
    const path = at('metadata', 'annotations', LOCAL_CONFIG);
    report.info(
      path,
      `${path} is set to "true", so that ${describeObject(db)} itself is not applied: standalone mode renders its Certificates and workload in its place (use mode: operator for a cluster that runs the ${kind.operator} operator)`,
    );
  }
  return { results: report.results, objects, source, target };
}
