// A Redis in Sentinel mode (spec.mode: Sentinel): its spec.sentinelRef checked against the
// RedisSentinel of the input in every mode (link.ts), and in standalone mode what
// its data nodes need to be monitored: each pod announces its stable DNS name
// (replica-announce-ip, covered by the server certificate's `*.<db>-pods.<ns>.svc`), and before
// it starts asks the sentinels for the current primary (find-primary.sh), pod 0 at first; the
// others replicate from it over TLS (tls-replication yes, ../redis/config.ts).
import { at } from '../../util/field-path.js';
import type { KindContext } from '../../contract/kind.js';
import type { Obj } from '../../io/objects.js';
import { flat } from '../../util/strings.js';
import { shellDoubleQuotedText } from '../../text/shell.js';
import { POD_NAMESPACE } from '../redis/cluster.js';
import {
  checkSentinelTLS,
  findSentinel,
  type SentinelLink,
  sentinelLink,
  sentinelRefOf,
} from './link.js';
import {
  FIND_PRIMARY_FILE,
  findPrimaryScript,
  REPLICAOF_CONF,
  SENTINEL_PASSWORD_ENV,
} from './config.js';

/**
 * The RedisSentinel spec.sentinelRef names: checked against this Redis where the input has it;
 * in standalone mode it must be there, in this Redis's namespace (its Secrets are read here).
 */
export function readSentinelLink(ctx: KindContext): SentinelLink | undefined {
  const ref = sentinelRefOf(ctx.db);
  if (ref === undefined) return undefined; // reported by the Redis kind (spec.sentinelRef.name)
  const sentinel = findSentinel(ctx, ref);
  const standalone = ctx.settings.mode === 'standalone';
  const named = `RedisSentinel ${ref.namespace}/${ref.name}`;
  if (sentinel === undefined) {
    if (standalone)
      ctx.report.error(
        at('spec', 'sentinelRef', 'name'),
        `spec.sentinelRef.name ${JSON.stringify(ref.name)} names ${named}, which is not in the input: standalone mode renders the sentinels with the Redis databases they monitor; add it, or use mode: operator`,
      );
    else
      ctx.report.info(
        at('spec', 'sentinelRef', 'name'),
        `${named} (spec.sentinelRef) is not in the input: dbtls cannot check that it has TLS exactly when this Redis has, with the same issuer (KubeDB refuses a pair that differs)`,
      );
    return undefined;
  }
  checkSentinelTLS(ctx, sentinel);
  if (standalone && ref.namespace !== ctx.namespace) {
    ctx.report.error(
      at('spec', 'sentinelRef', 'namespace'),
      `spec.sentinelRef.namespace "${ref.namespace}" differs from this Redis's namespace "${ctx.namespace}": standalone mode renders sentinels that monitor the Redis databases of their own namespace (each pod reads the other's password Secret); use one namespace, or mode: operator`,
    );
    return undefined;
  }
  return sentinelLink(ctx.db, sentinel);
}

/** The data node's start.sh arguments: announce its DNS name, replicate as find-primary.sh says. */
export function sentinelDataArguments(governing: string): string {
  const host = flat('$HOSTNAME.', shellDoubleQuotedText(governing), '.$POD_NAMESPACE.svc');
  return `--replica-announce-ip "${host}" --include ${REPLICAOF_CONF}`;
}

/** start.sh's line that runs find-primary.sh before the server, from the configuration folder. */
export const findPrimaryLine = (configDir: string) => `sh ${configDir}/${FIND_PRIMARY_FILE}`;

/** The data node's variables for find-primary.sh: its namespace, the sentinels' password. */
export function sentinelDataEnv(link: SentinelLink): Obj[] {
  const env: Obj[] = [POD_NAMESPACE];
  if (link.authSecret)
    env.push({
      name: SENTINEL_PASSWORD_ENV,
      valueFrom: { secretKeyRef: { name: link.authSecret, key: 'password' } },
    });
  return env;
}

export { FIND_PRIMARY_FILE, findPrimaryScript };
