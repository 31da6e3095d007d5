// The kind contract: what a database kind module provides, and the types it is written in. The
// stages (fn/pipeline/), the renderers, the policy and the connect stage know kinds only through
// this interface; each kind's facts (aliases, SANs, mount paths, server settings, resources, its
// operator, how clients connect) live in its own module under fn/kinds/. This module and the rest
// of fn/contract/ import nothing above fn/io/ and fn/util/ (ARCHITECTURE.md, Layers).
import type { KubeObject, Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { Mode, Settings } from './settings.js';
import type { Subject, TLSConfig } from './tls.js';
import type { TrustBundle } from './trust.js';
import type { VersionLookup, VersionNaming } from './versions.js';
import type { FieldPath } from '../util/field-path.js';

/** The operator that serves a kind in the cluster, as messages name it. */
export type Operator = 'KubeDB' | 'KubeVault';

/** The database an object is rendered from: labels, names and the generated-from annotation. */
export interface Owner {
  db: KubeObject;
  namespace: string;
  resource: string;
  group: string;
}

/** What a kind declares about its pods (DatabaseKind.podTemplate); everything else is shared. */
export interface PodTemplateRules {
  /** The database's container: api/v1's flat container fields and the default resources apply. */
  container: string;
  /** KubeDB's default resources for that container when it is not DEFAULT_RESOURCES. */
  resources?: Obj;
  /** The pod template of each StatefulSet, by StatefulSet name; by default spec.podTemplate. */
  templates?(db: KubeObject): Readonly<Record<string, FieldPath>>;
  /** Fields of the database container that the kind applies itself (MSSQLServer: env). */
  kindApplies?: readonly string[];
  /** The operator that would apply the template, for messages: KubeDB unless given. */
  operator?: string;
}

export interface KindContext {
  db: KubeObject;
  namespace: string;
  settings: Settings;
  report: Reporter;
  /** The validated `spec.tls`, or undefined when the resource has none. */
  tls: TLSConfig | undefined;
  /** The version catalogs of this run (the input's, the policy's, the published ones). */
  versions?: VersionLookup;
  /** The input's objects, for a kind that checks a reference to another (Redis ↔ RedisSentinel). */
  inputs?: InputLookup;
  /**
   * The trust bundle the database names (`dbtls.dev/trust-bundle`): its server (a kind with
   * `serverTrustBundle`, standalone mode) and its clients trust the CAs in it, not their own
   * secret's `ca.crt`.
   */
  trust?: TrustBundle;
}

/** The objects of the input by group and kind: what one database may refer to. */
export interface InputLookup {
  /** The objects of `kind` in API group `group` (any version), in input order. */
  ofKind(group: string, kind: string): readonly KubeObject[];
}

/** What the kind asks of one certificate before the user's overrides are merged in. */
export interface CertificateDefaults {
  commonName?: string;
  subject?: Subject;
  dnsNames?: string[];
  ipAddresses?: string[];
  usages?: string[];
}

/**
 * A setting by which a kind makes client connections stricter (Postgres sslMode, PerconaXtraDB
 * requireSSL, MSSQLServer clientTLS). The policy rule connectionSecurity sets a minimum per `key`
 * without knowing any kind; kinds whose settings mean the same share a key.
 */
export interface ConnectionSetting<Plan = unknown> {
  /** The key under the policy's connectionSecurity.minimum, e.g. 'sslMode'. */
  key: string;
  /** Where the setting lives in the database, for results: `at('spec', 'sslMode')`. */
  path: FieldPath;
  /** Every value, weakest first: ['disable', …, 'verify-full'] or [false, true]. */
  levels: readonly (string | boolean)[];
  /** The value in effect for this database after the kind's defaults; undefined if unreadable. */
  value(ctx: KindContext, plan: Plan): string | boolean | undefined;
  /**
   * The value in effect where the field is not set, with and without `spec.tls`, as KubeDB's
   * defaulting gives it. `value` applies it to the database as read; the admission policy
   * (fn/admission) applies it in CEL to the object as written.
   */
  unset: { withTLS: string | boolean; withoutTLS: string | boolean };
}

/**
 * One of the certificates an alias stands for. Most kinds issue one certificate per alias; a kind
 * whose operator issues several for one alias (MongoDB: one server certificate per PetSet of a
 * sharded cluster) lists them, each with the part it is for.
 */
export interface CertificatePart {
  /** The Certificate's name, and the name of its secret. */
  name: string;
  /** What this certificate of the alias is for, e.g. a PetSet name; passed to certificateDefaults. */
  part: string;
}

/** A certificate as it will be issued: its alias, Certificate name and secret (and part, if any). */
export interface IssuedCertificate {
  alias: string;
  name: string;
  secretName: string;
  part?: string;
}

/** Where one connection's files are in an application's container (fn/connect/). */
export interface ClientConnection {
  /** The Service the application reaches the database at: `pg`, or `pg.db.svc` across namespaces. */
  host: string;
  port: number;
  /** The database user: the client certificate's common name. */
  user: string;
  /** CA, client certificate and key as mounted. */
  ca: string;
  cert: string;
  key: string;
  /** The directory where the files of `ClientSettings.files` are mounted. */
  configDir: string;
}

export interface ClientSettings {
  /** Environment variables the client library reads; never set over the user's own. */
  env: readonly { name: string; value: string }[];
  /** Files the client reads (e.g. a `[client]` option file), mounted in `configDir`. */
  files?: Record<string, string>;
}

/**
 * How applications connect to a database of this kind. The connect stage (fn/connect/) knows
 * kinds only through this: a new kind describes its client here and nowhere else.
 */
export interface ClientProfile<Plan = unknown> {
  /** The Service in front of the primary, and its port: the same in operator and standalone mode. */
  endpoint(ctx: KindContext, plan: Plan): { service: string; port: number };
  /**
   * A setting of the database that lets clients skip verifying the server's certificate: the
   * field, its value as the message names it, and how to fix it.
   */
  weakVerification?(
    ctx: KindContext,
    plan: Plan,
  ): { path: FieldPath; setting: string; fix: string } | undefined;
  /** Why the database would refuse `user` when it authenticates by certificate, if it would. */
  refusedUser?(
    ctx: KindContext,
    plan: Plan,
    user: string,
  ): { path: FieldPath; reason: string } | undefined;
  /** The client's settings for one connection. */
  settings(c: ClientConnection, ctx: KindContext, plan: Plan): ClientSettings;
}

/**
 * The engine's users as a client certificate names them (its common name, `dbtls.dev/connect-as`):
 * which are the engine's own administrative users, and which names the engine would not take.
 * The connect stage (fn/connect/grants.ts) never makes an administrative user a default: a
 * workload connects as one only where the database grants it by name.
 */
export interface DatabaseUsers {
  /** What the engine calls a user, for messages: 'PostgreSQL role', 'MySQL user'. */
  noun: string;
  /** The superuser and the built-in administrative users (KubeDB's and the engine's own). */
  administrative: readonly string[];
  /** The engine compares user names without regard to case (SQL Server logins). */
  caseInsensitive?: boolean;
  /** Why the engine would not take `user` as a user name (its length limit, a reserved prefix). */
  invalid?(user: string): string | undefined;
}

/** What a kind that stands for another says of it (DatabaseKind.counterpart). */
export interface Counterpart {
  /** The apiVersion of the object created from this one: `kubedb.com/v1`. */
  apiVersion: string;
  /** What becomes of this object in `mode`: an info on its apiVersion. */
  note(db: KubeObject, mode: Mode): string;
  /** The error when the object and the one created from it are both given (either first). */
  givenTwice(o: KubeObject, first: KubeObject): string;
}

export interface DatabaseKind<Plan = unknown> {
  /**
   * The API group. dbtls reads in full every item of this group and of the groups under it
   * (ops.kubedb.com under kubedb.com: near misses, objects a database refers to); the rest of a
   * large list it reads by name only (fn/pipeline/keep-identity.ts).
   */
  group: string;
  kind: string;
  /**
   * The operator that serves this kind in the cluster: named in messages, and KubeDB keeps a
   * PodDisruptionBudget for each StatefulSet where KubeVault does not.
   */
  operator: Operator;
  /** Plural resource name, as in `app.kubernetes.io/name: postgreses.kubedb.com`. */
  resource: string;
  /** Served API versions this module understands, e.g. ['v1', 'v1alpha2']. */
  versions: readonly string[];
  /**
   * A kind that stands for another (KubeDB's GitOps kinds, fn/kinds/gitops.ts): its operator
   * creates the object of `apiVersion` and this kind from it, as which dbtls reads and renders it.
   */
  counterpart?: Counterpart;
  /**
   * The catalog kind its spec.version names and KubeDB's naming schemes for it: how the kind reads
   * a version (fn/catalog/read-version.ts), and the kinds the policy's `versions` may declare.
   */
  versionNaming?: VersionNaming;
  /** One line for the README table and --help. */
  summary: string;
  /** Aliases this object issues, in order; the user may customise exactly these. */
  aliases(db: KubeObject): readonly string[];
  /**
   * The aliases `aliases` adds only when a field holds a value (MSSQLServer's endpoint: with
   * spec.topology.mode AvailabilityGroup), said as data: what sees only the object (admission's
   * CEL) asks the same question. test/admission-objects.test.ts holds it to `aliases`.
   */
  conditionalAliases?: readonly { alias: string; path: readonly string[]; equals: string }[];
  /**
   * Aliases the operator knows but issues no certificate for with this object, each with why
   * (e.g. MSSQLServer's endpoint without an availability group): an entry of one is ignored, as
   * the operator ignores it, with a warning that says why.
   */
  unissuedAliases?(db: KubeObject): Readonly<Record<string, string>>;
  /** Keys of `spec.tls` this kind reads besides issuerRef and certificates. */
  extraTLSFields?: readonly string[];
  /** `spec.tls` without issuerRef is valid for this kind (KubeVault then self-signs); the kind's plan() reports what it means. */
  issuerRefOptional?: boolean;
  /** Certificate name for an alias; KubeDB's `<db>-<alias>-cert` unless the kind differs. */
  certificateName?(db: KubeObject, alias: string): string;
  /** Default secret name for an alias (before `secretName` overrides); defaults to the certificate name. */
  defaultSecretName?(db: KubeObject, alias: string): string;
  /**
   * Validates the kind's own fields (the shared `spec.tls` shape is already read into ctx.tls) and
   * returns what rendering needs. Problems go to ctx.report.
   */
  plan(ctx: KindContext): Plan;
  /** Whether certificates are issued for this object at all (e.g. spec.tls present). */
  issuesCertificates(ctx: KindContext, plan: Plan): boolean;
  /**
   * When an alias stands for several certificates, each of them (the user's secretName for the
   * alias then does not apply: each certificate writes its own secret, and the kind's plan()
   * reports a secretName that would be ignored). Undefined or empty: one certificate.
   */
  certificateParts?(ctx: KindContext, plan: Plan, alias: string): readonly CertificatePart[];
  /** `part` is given for the certificates that certificateParts lists. */
  certificateDefaults(
    ctx: KindContext,
    plan: Plan,
    alias: string,
    part?: string,
  ): CertificateDefaults;
  /**
   * The Services clients reach the server by, keyed by their spec.serviceTemplates alias
   * (primary → `<db>`): the names a template declares for them join the server certificate, and
   * in standalone mode each template is applied to its Service (render/service-templates.ts).
   */
  clientServices?(ctx: KindContext, plan: Plan): Readonly<Record<string, string>>;
  /** Parts of a service template the kind's operator does not apply (KubeVault: ports, labels). */
  serviceTemplateIgnores?: readonly ('ports' | 'labels')[];
  /** Settings the policy rule connectionSecurity can require a minimum of. */
  connectionSettings?: readonly ConnectionSetting<Plan>[];
  /**
   * The TLS versions the kind's operator writes into the server's configuration itself (KubeDB's
   * MSSQLServer) into `file`, which the policy rule tlsProtocols can only check outside standalone
   * mode; `override` is the field where the user brings a configuration of their own instead.
   */
  operatorTLSProtocols?: { versions: readonly string[]; file: string; override: FieldPath };
  /** How applications connect (annotation `dbtls.dev/connect-to`); kinds without one are refused. */
  client?: ClientProfile<Plan>;
  /** The engine's users, as client certificates name them: required of a kind with a `client`. */
  users?: DatabaseUsers;
  /**
   * The standalone workload (StatefulSet, Services, configuration), mounting `certificates`; the
   * pipeline builds the `owner` its objects are labelled and named from, once per database.
   */
  workload(
    ctx: KindContext,
    plan: Plan,
    certificates: readonly IssuedCertificate[],
    owner: Owner,
  ): KubeObject[];
  /** What spec.podTemplate may change in the workload's StatefulSets (render/pod-template.ts). */
  podTemplate?: PodTemplateRules;
  /**
   * The standalone server reads its trust anchors from the database's trust bundle (ctx.trust)
   * when it names one (fn/render/trust-bundle.ts); without it the bundle reaches its clients only.
   */
  serverTrustBundle?: boolean;
}

export function defineKind<Plan>(kind: DatabaseKind<Plan>): DatabaseKind<Plan> {
  return kind;
}
