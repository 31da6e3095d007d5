// Reading a Singlestore's spec into its plan: the version, the one node or the aggregator and
// leaf groups of spec.topology, the Secrets, and what standalone mode leaves to the operator.
import { isObj, type Obj } from '../../io/objects.js';
import { describeType } from '../../io/resource-list.js';
import type { Reporter } from '../../io/results.js';
import type { UserConfiguration } from '../../render/user-config.js';
import {
  operatorOnlyFields,
  readInt,
  readString,
  warnOperatorOnly,
} from '../../validate/fields.js';
import { at, type FieldPath } from '../../util/field-path.js';
import { nameWithSuffix } from '../../util/names.js';
import type { KindContext } from '../kind.js';
import { readSinglestoreConfiguration } from './config.js';
import { IMAGE_REPOSITORY, NODE_IMAGES } from './versions.js';

const OPERATOR_ONLY = operatorOnlyFields(
  'init',
  // KubeDB runs no exporter image for SingleStore (its catalog has none): the operator configures
  // the engine's own exporter (port 9104) inside each node, in code that is not public.
  [
    'monitor',
    "SingleStore's built-in metrics exporter, which the operator configures inside each node",
  ],
  'autoOps',
  'deletionPolicy',
  'halted',
  'healthChecker',
);
// spec.configuration is rendered for the one-node form only (config.ts).
const TOPOLOGY_OPERATOR_ONLY = operatorOnlyFields('configuration');
const NODE_OPERATOR_ONLY: Record<string, string> = {
  configuration: 'custom configuration',
};

export interface NodeGroup {
  /** 'aggregator' or 'leaf'; undefined for the standalone node. */
  role?: 'aggregator' | 'leaf';
  name: string;
  replicas: number;
  storage: Obj;
}

export interface SinglestorePlan {
  version: string;
  image: string;
  groups: NodeGroup[];
  topology: boolean;
  authSecret: string;
  licenseSecret: string;
  userConfig?: UserConfiguration;
}

/** The kind's `plan`: spec read and checked into what the certificates and workload need. */
export function readPlan(ctx: KindContext): SinglestorePlan {
  const { report } = ctx;
  const spec = ctx.db.spec as Obj;
  const name = ctx.db.metadata.name;
  const standalone = ctx.settings.mode === 'standalone';
  const version = readVersion(spec, standalone, report);
  const licenseSecret = readSecretRef(
    spec.licenseSecret,
    at('spec', 'licenseSecret'),
    report,
    'is required: the Secret with the SingleStore license (key password), which dbtls references and never reads',
  );
  const authSecret =
    isObj(spec.authSecret) &&
    typeof spec.authSecret.name === 'string' &&
    spec.authSecret.name !== ''
      ? spec.authSecret.name
      : nameWithSuffix(name, 'auth');
  const topology = spec.topology !== undefined && spec.topology !== null;
  const groups = topology
    ? readTopology(spec, name, standalone, report)
    : [{ name, replicas: 1, storage: spec }];
  let userConfig: UserConfiguration | undefined;
  if (standalone) {
    warnOperatorOnly(spec, OPERATOR_ONLY, report);
    if (topology) warnOperatorOnly(spec, TOPOLOGY_OPERATOR_ONLY, report);
    else userConfig = readSinglestoreConfiguration(ctx, Boolean(ctx.tls));
    adviseStandalone(spec, topology, authSecret, report);
  }
  return {
    version: version ?? '',
    image: `${IMAGE_REPOSITORY}:${NODE_IMAGES[version ?? ''] ?? version ?? ''}`,
    groups,
    topology,
    authSecret,
    licenseSecret: licenseSecret ?? '',
    userConfig,
  };
}

function readSecretRef(
  v: unknown,
  path: FieldPath,
  report: Reporter,
  missing: string,
): string | undefined {
  if (v === undefined || v === null) {
    report.error(path, `${path} ${missing}`);
    return undefined;
  }
  if (!isObj(v)) {
    report.error(path, `${path} must be a mapping with name, got ${describeType(v)}`);
    return undefined;
  }
  const namePath = path.child('name');
  const name = readString(v, 'name', namePath, report);
  if (v.name === undefined || v.name === null) report.error(namePath, `${namePath} is required`);
  return name;
}

/** spec.version: required, and in standalone mode one whose node image dbtls knows. */
function readVersion(spec: Obj, standalone: boolean, report: Reporter): string | undefined {
  const version = readString(spec, 'version', at('spec', 'version'), report);
  if (spec.version === undefined || spec.version === null)
    report.error(
      at('spec', 'version'),
      'spec.version is required: the SingleStore version, e.g. "8.9.3"',
    );
  else if (version !== undefined && standalone && NODE_IMAGES[version] === undefined) {
    report.error(
      at('spec', 'version'),
      `${JSON.stringify(version)} is not a SinglestoreVersion dbtls knows the node image of (${Object.keys(NODE_IMAGES).join(', ')}); use one of these, or mode: operator`,
    );
  }
  return version;
}

/** spec.topology's aggregator and leaf groups; what only the whole database's fields set. */
function readTopology(spec: Obj, name: string, standalone: boolean, report: Reporter): NodeGroup[] {
  const groups: NodeGroup[] = [];
  if (!isObj(spec.topology))
    report.error(
      at('spec', 'topology'),
      `spec.topology must be a mapping with aggregator and leaf, got ${describeType(spec.topology)}`,
    );
  else {
    for (const key of Object.keys(spec.topology)) {
      if (key !== 'aggregator' && key !== 'leaf')
        report.error(
          at('spec', 'topology', key),
          `unknown field "${key}"; spec.topology has aggregator, leaf`,
        );
    }
    for (const [role, defaultReplicas] of [
      ['aggregator', 3],
      ['leaf', 2],
    ] as const) {
      const group = readNodeGroup(spec, role, defaultReplicas, name, standalone, report);
      if (group) groups.push(group);
    }
  }
  if (isObj(spec.podTemplate) && Object.keys(spec.podTemplate).length > 0)
    report.warn(
      at('spec', 'podTemplate'),
      'spec.podTemplate is not used with spec.topology: each group has its own pod template ' +
        '(spec.topology.aggregator.podTemplate, spec.topology.leaf.podTemplate)',
    );
  if (spec.storage !== undefined)
    report.warn(
      at('spec', 'storage'),
      'spec.storage is not used with spec.topology: each group has its own storage (spec.topology.aggregator.storage, spec.topology.leaf.storage)',
    );
  return groups;
}

/** One group of spec.topology (aggregator or leaf): its StatefulSet's name, replicas, storage. */
function readNodeGroup(
  spec: Obj,
  role: 'aggregator' | 'leaf',
  defaultReplicas: number,
  name: string,
  standalone: boolean,
  report: Reporter,
): NodeGroup | undefined {
  const node = (spec.topology as Obj)[role];
  const path = at('spec', 'topology', role);
  if (node === undefined || node === null) {
    report.error(
      path,
      `${path} is required with spec.topology: a SingleStore cluster has ${role === 'aggregator' ? 'aggregators' : 'leaves'}`,
    );
    return undefined;
  }
  if (!isObj(node)) {
    report.error(path, `${path} must be a mapping, got ${describeType(node)}`);
    return undefined;
  }
  const replicas = readInt(node, 'replicas', path.child('replicas'), report, 1) ?? defaultReplicas;
  const suffix = readString(node, 'suffix', path.child('suffix'), report);
  const base = suffix ? nameWithSuffix(name, suffix) : name;
  const group: NodeGroup = {
    role,
    name: nameWithSuffix(base, role),
    replicas,
    storage: { storageType: spec.storageType, storage: node.storage },
  };
  if (standalone) {
    for (const [field, what] of Object.entries(NODE_OPERATOR_ONLY)) {
      if (isObj(node[field]) && Object.keys(node[field] as Obj).length > 0) {
        report.warn(
          path.child(field),
          `${what} of the ${role} nodes is provided by the KubeDB operator only; standalone mode does not render it (use mode: operator to keep it)`,
        );
      }
    }
  }
  return group;
}

/** What standalone mode leaves to the operator or the user: fields, bootstrap, the password. */
function adviseStandalone(spec: Obj, topology: boolean, authSecret: string, report: Reporter) {
  if (topology) {
    // A topology that is not a mapping is already an error: no advice about running it.
    if (isObj(spec.topology)) {
      report.warn(
        at('spec', 'topology'),
        "standalone mode renders the aggregator and leaf nodes with TLS, but not the cluster bootstrap: electing the master aggregator and registering the other aggregators and the leaves (ADD AGGREGATOR, ADD LEAF) is done by KubeDB's coordinator; run those yourself or use mode: operator",
      );
    }
  } else {
    report.warn(
      at('spec'),
      "standalone mode renders the node with TLS, but creating and starting it (memsqlctl create-node, start-node) is done by KubeDB's singlestore-init and coordinator containers; run those yourself or use mode: operator",
    );
  }
  if (!(isObj(spec.authSecret) && typeof spec.authSecret.name === 'string')) {
    report.info(
      at('spec', 'authSecret'),
      `the workload reads the root password from Secret "${authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
