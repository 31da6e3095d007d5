// Whether one workload may connect to one database as one user: the user a name the engine takes,
// the connection granted by the database (./grants.ts), and the policy's rules about clients
// (forbidCrossNamespaceClients; allowedIssuers, which holds dbtls.dev/connect-issuer as it holds
// the database's issuerRef). Each refusal names the database, the workload and the line that
// would grant or fix it.
import type { ClientGrant, PolicyRules } from '../contract/settings.js';
import type { IssuerRef } from '../contract/tls.js';
import { annotationsOf, describeObject, type KubeObject, namespaceOf } from '../io/objects.js';
import { issuerAllowed } from '../policy/database-rules.js';
import { matches, NO_RULES, violation } from '../policy/matching.js';
import { at } from '../util/field-path.js';
import {
  ALLOW_CLIENTS,
  type Asked,
  grantEntry,
  granted,
  isAdministrative,
  userProblem,
} from './grants.js';
import { type Connection, type Run, TO_PATH } from './run.js';
import { CONNECT_AS, CONNECT_ISSUER } from './workload.js';

const AS_PATH = at('metadata', 'annotations', CONNECT_AS);
const ISSUER_PATH = at('metadata', 'annotations', CONNECT_ISSUER);

/**
 * True when `run.o` may connect through `c` as `user` (`named`: from dbtls.dev/connect-as, else
 * the workload's name), with the client certificate from `issuer` when the workload names one.
 */
export function mayConnect(
  run: Run,
  c: Connection,
  user: string,
  named: boolean,
  issuer: IssuerRef | undefined,
): boolean {
  const { o, report } = run;
  const { kind, ctx } = c.target;
  const users = kind.users;
  const noun = users?.noun ?? `${kind.kind} user`;
  const problem = userProblem(user, users);
  if (problem) {
    report.error(
      named ? AS_PATH : TO_PATH,
      named
        ? `${noun} "${user}" ${problem}`
        : `${noun} "${user}", the workload's name (the user when ${CONNECT_AS} is not set), ${problem}; set ${CONNECT_AS} to the ${noun} to connect as`,
    );
    return false;
  }
  const asked: Asked = { namespace: namespaceOf(o), workload: o.metadata.name, user };
  const rules = run.settings.rules ?? NO_RULES;
  if (!checkGrant(run, c, asked, rules, named)) return false;
  if (!checkCrossNamespace(run, c, asked, rules)) return false;
  const ai = rules.allowedIssuers;
  if (issuer && ai && matches(ai.match, ctx.db) && !issuerAllowed(ai, issuer, asked.namespace)) {
    violation(
      report,
      ai,
      'allowedIssuers',
      ISSUER_PATH,
      `${issuer.kind} "${issuer.name}" is not an allowed issuer of ${describeObject(ctx.db)}'s ` +
        `clients; use one of ${ai.text.join(', ')}`,
    );
    if (ai.enforcement === 'enforce') return false;
  }
  return true;
}

/** The database's grants and the policy's allowClients for it. */
function grantsOf(c: Connection, rules: PolicyRules): ClientGrant[] {
  const rule = rules.allowClients;
  const fromPolicy = rule && matches(rule.match, c.target.ctx.db) ? rule.grants : [];
  return [...(c.target.grants ?? []), ...fromPolicy];
}

function checkGrant(
  run: Run,
  c: Connection,
  asked: Asked,
  rules: PolicyRules,
  named: boolean,
): boolean {
  const { kind, ctx } = c.target;
  const users = kind.users;
  if (granted(asked, ctx.namespace, grantsOf(c, rules), users)) return true;
  const db = describeObject(ctx.db);
  const me = describeObject(run.o);
  const how = grantLine(c.target.external === true, ctx.db, grantEntry(asked, users));
  if (isAdministrative(asked.user, users)) {
    const noun = users?.noun ?? `${kind.kind} user`;
    run.report.error(
      named ? AS_PATH : TO_PATH,
      `${db} does not allow ${me} to connect as "${asked.user}", an administrative ${noun} of ` +
        `${kind.kind}: dbtls never connects as one the database does not grant by name; set ` +
        `${CONNECT_AS} to the application's own ${noun}, or ${how}`,
    );
  } else {
    run.report.error(
      TO_PATH,
      `${db} does not allow ${me} to connect: a workload in another namespace ("${asked.namespace}") ` +
        `connects only where the database grants it; ${how}`,
    );
  }
  return false;
}

/** The one line that grants `entry`: the database's annotation, or for an external one a rule. */
function grantLine(external: boolean, db: KubeObject, entry: string): string {
  if (external)
    return (
      `${describeObject(db)} is declared in externalDatabases, so its annotations cannot be read: ` +
      `add to the policy the rule allowClients: {match: {namespaces: [${namespaceOf(db)}]}, ` +
      `clients: ["${entry}"]}`
    );
  const existing = annotationsOf(db)[ALLOW_CLIENTS];
  const value =
    typeof existing === 'string' && existing.trim() !== '' ? `${existing.trim()}, ${entry}` : entry;
  return `add to ${describeObject(db)} the annotation ${ALLOW_CLIENTS}: "${value}"`;
}

function checkCrossNamespace(run: Run, c: Connection, asked: Asked, rules: PolicyRules): boolean {
  const rule = rules.forbidCrossNamespaceClients;
  const { ctx } = c.target;
  if (!rule || asked.namespace === ctx.namespace || !matches(rule.match, ctx.db)) return true;
  violation(
    run.report,
    rule,
    'forbidCrossNamespaceClients',
    TO_PATH,
    `${describeObject(ctx.db)} is reached only by workloads of its own namespace ` +
      `"${ctx.namespace}"; ${describeObject(run.o)} is in namespace "${asked.namespace}": run it ` +
      `in namespace "${ctx.namespace}", or leave the database out of the rule's match`,
  );
  return rule.enforcement !== 'enforce';
}
