// Who may connect to a database, and as whom. A connection is granted by the database, never taken
// by the client: a workload in the database's namespace may connect as a user of its own; a
// workload in another namespace, or one that connects as one of the engine's administrative users
// (DatabaseKind.users), only where the database's annotation `dbtls.dev/allow-clients` (or the
// policy's rule allowClients, for a database dbtls cannot read) names it.
//
//   dbtls.dev/allow-clients: "shop, billing/invoicer, ops/migrate as postgres"
//
// An entry is a namespace (its every workload), or `<namespace>/<workload>` (that workload, of any
// workload kind); ` as <user>` grants exactly that user, administrative or not. Entries without
// `as` grant every user but the administrative ones.
import type { DatabaseKind, DatabaseUsers } from '../contract/kind.js';
import type { ClientGrant } from '../contract/settings.js';
import { annotationsOf, type KubeObject } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import { at } from '../util/field-path.js';
import { privilegedSubject } from '../validate/certificate-names.js';
import { dns1123SubdomainErrors } from '../validate/go-formats.js';
import { dns1123LabelErrors } from '../validate/namespace.js';

export const ALLOW_CLIENTS = 'dbtls.dev/allow-clients';
export const ALLOW_PATH = at('metadata', 'annotations', ALLOW_CLIENTS);
/** cert-manager's webhook refuses a longer commonName; the user is the client's common name. */
export const MAX_COMMON_NAME_BYTES = 64;

export type { ClientGrant };

/** Letters, marks, digits, punctuation, symbols and the space: what a user name is written in. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * Why `user` cannot be the database user of a client certificate, or undefined: it is the
 * certificate's common name and a line of the client's option file, so one line of printable
 * characters within cert-manager's 64 bytes, and then a name the engine takes.
 */
export function userProblem(user: string, users: DatabaseUsers | undefined): string | undefined {
  if (user === '') return 'is empty';
  if (!PRINTABLE.test(user))
    return 'holds a line break, a control or an invisible formatting character: a database user is one line of printable characters';
  if (user !== user.trim()) return 'begins or ends with a space';
  // The client certificate's common name: to an API server that trusts the issuer, a user.
  const system = privilegedSubject(user);
  if (system) return system;
  const bytes = Buffer.byteLength(user);
  if (bytes > MAX_COMMON_NAME_BYTES)
    return `is ${bytes} bytes long; the client certificate's common name takes at most ${MAX_COMMON_NAME_BYTES} (cert-manager's limit)`;
  return users?.invalid?.(user);
}

/** Whether `user` is one of the engine's administrative users, as the engine compares names. */
export function isAdministrative(user: string, users: DatabaseUsers | undefined): boolean {
  const fold = (s: string) => (users?.caseInsensitive ? s.toLowerCase() : s);
  return (users?.administrative ?? []).some((a) => fold(a) === fold(user));
}

/** One entry of the grammar above, or why it is not one. */
export function parseGrant(
  entry: string,
  users: DatabaseUsers | undefined,
): ClientGrant | { problem: string } {
  const words = entry.split(' ').filter((w) => w !== '');
  const asUser = words.length === 3 && words[1] === 'as';
  if (words.length !== 1 && !asUser)
    return {
      problem: 'is not <namespace>, <namespace>/<workload>, or either followed by "as <user>"',
    };
  const [namespace, workload, ...rest] = words[0].split('/');
  if (rest.length > 0) return { problem: 'has more than one "/"' };
  const nsErrors = dns1123LabelErrors(namespace);
  if (nsErrors.length)
    return { problem: `names "${namespace}", which is not a namespace: ${nsErrors.join('; ')}` };
  if (workload !== undefined) {
    const errors = dns1123SubdomainErrors(workload);
    if (errors.length)
      return {
        problem: `names "${workload}", which is not a workload's name: ${errors.join('; ')}`,
      };
  }
  const grant: ClientGrant = { namespace, ...(workload !== undefined && { workload }) };
  if (!asUser) return grant;
  const problem = userProblem(words[2], users);
  if (problem) return { problem: `grants user "${words[2]}", which ${problem}` };
  return { ...grant, user: words[2] };
}

/** The grants of the database's annotation; each malformed entry is an error at the annotation. */
export function readGrants(db: KubeObject, kind: DatabaseKind, report: Reporter): ClientGrant[] {
  const value = annotationsOf(db)[ALLOW_CLIENTS];
  if (value === undefined) return [];
  if (typeof value !== 'string') {
    report.error(
      ALLOW_PATH,
      `${ALLOW_PATH} must be a string: namespaces and <namespace>/<workload>, comma-separated`,
    );
    return [];
  }
  return readGrantList(value.split(','), kind.users, (entry, problem) =>
    report.error(ALLOW_PATH, `${ALLOW_PATH} entry "${entry}" ${problem}`),
  );
}

/** Grants from a list of entries (the annotation's, or a policy rule's); blank entries skipped. */
export function readGrantList(
  entries: readonly string[],
  users: DatabaseUsers | undefined,
  bad: (entry: string, problem: string) => void,
): ClientGrant[] {
  const out: ClientGrant[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const g = parseGrant(entry, users);
    if ('problem' in g) bad(entry, g.problem);
    else out.push(g);
  }
  return out;
}

/** What a connection asks: a workload of `namespace` named `workload`, connecting as `user`. */
export interface Asked {
  namespace: string;
  workload: string;
  user: string;
}

/** Whether `grants` (or the database's namespace itself) let `asked` connect. */
export function granted(
  asked: Asked,
  dbNamespace: string,
  grants: readonly ClientGrant[],
  users: DatabaseUsers | undefined,
): boolean {
  const admin = isAdministrative(asked.user, users);
  const fold = (s: string) => (users?.caseInsensitive ? s.toLowerCase() : s);
  if (!admin && asked.namespace === dbNamespace) return true;
  return grants.some(
    (g) =>
      g.namespace === asked.namespace &&
      (g.workload === undefined || g.workload === asked.workload) &&
      (g.user === undefined ? !admin : fold(g.user) === fold(asked.user)),
  );
}

/** The grant entry that would let `asked` connect, for messages. */
export function grantEntry(asked: Asked, users: DatabaseUsers | undefined): string {
  const who = `${asked.namespace}/${asked.workload}`;
  return isAdministrative(asked.user, users) ? `${who} as ${asked.user}` : who;
}
