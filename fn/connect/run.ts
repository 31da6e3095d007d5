// What each step of connecting one workload is handed (fn/connect/): the databases it may connect
// to, the connection being added, the workload's edit in progress, and where files are mounted.
import type { ClientProfile, DatabaseKind, KindContext } from '../contract/kind.js';
import type { ClientGrant, Settings } from '../contract/settings.js';
import type { KubeObject, Obj } from '../io/objects.js';
import type { Reporter } from '../io/results.js';
import type { IssuerIndex } from '../validate/issuers.js';
import { type Addition, CONNECT_TO, type ContainerList } from './workload.js';
import { at } from '../util/field-path.js';

/** A database as the pipeline read it: what a connection needs from it. */
export interface ConnectTarget {
  kind: DatabaseKind;
  ctx: KindContext;
  plan: unknown;
  /** False when the database has errors of its own: connections to it are not checked again. */
  valid: boolean;
  /** Declared in externalDatabases: not in the input, so nothing of it can be read. */
  external?: boolean;
  /** Who the database grants a connection besides its own namespace (dbtls.dev/allow-clients). */
  grants?: readonly ClientGrant[];
}

/**
 * Where connections' files are mounted: `/etc/dbtls/<connection>/tls` and `…/config`, and with a
 * trust bundle (`dbtls.dev/trust-bundle` on the database) the CAs in `…/trust/ca.crt`.
 */
export const MOUNT_ROOT = '/etc/dbtls';
/** The trust bundle's directory under a connection's, and its file (the ConfigMap's key mounted so). */
export const TRUST_DIR = 'trust';
export const TRUST_FILE = 'ca.crt';
/** Client files: the key readable by owner root and the pod's fsGroup only (libpq refuses more). */
export const KEY_MODE = 0o440;
export const PUBLIC_MODE = 0o444;
export const TO_PATH = at('metadata', 'annotations', CONNECT_TO);

/** Secrets already written: by input Certificates, the databases' own, connected workloads. */
export type SecretWriters = Map<string, { description: string; workload?: KubeObject }>;

export interface Connection {
  target: ConnectTarget;
  profile: ClientProfile;
  id: string;
}

export interface Run {
  o: KubeObject;
  targets: ReadonlyMap<string, ConnectTarget>;
  issuers: IssuerIndex;
  writers: SecretWriters;
  settings: Settings;
  report: Reporter;
  /** The kinds applications may name: the supported kinds with a client profile. */
  kinds: readonly DatabaseKind[];
}

/** One workload's edit in progress: its copied pod spec and what was added to it. */
export interface Edit {
  pod: Obj;
  chosen: { list: ContainerList; container: Obj }[];
  added: Addition[];
  objects: KubeObject[];
  collidesWith: KubeObject[];
  /** Per container, the database each variable was set for in this run. */
  setBy: Map<Obj, Map<string, string>>;
  /** The databases connected to, for the namespaces their trust bundles target. */
  reached: ConnectTarget[];
}

export interface Made {
  workload: KubeObject;
  objects: KubeObject[];
  collidesWith?: KubeObject[];
  reached?: ConnectTarget[];
}
