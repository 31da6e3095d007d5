// What a Redis's spec.version names, and the rules by which Redis and RedisSentinel (whose
// spec.version names a RedisVersion too) read it.
import type { VersionNaming } from '../../contract/versions.js';

/**
 * What spec.version names: a RedisVersion of KubeDB's catalog,
 * and the names KubeDB gives its builds besides the Official ones (kubedb/installer
 * charts/kubedb-catalog).
 */
export const VERSION_NAMING: VersionNaming = {
  catalogKind: 'RedisVersion',
  schemes: [{ pattern: /^valkey-(\d+(?:\.\d+)*)$/, distribution: 'Valkey' }],
};

/** The first major version with TLS (KubeDB's webhook refuses spec.tls before it). */
export const TLS_SINCE_MAJOR = 6;

/** How Redis (and RedisSentinel, whose spec.version names a RedisVersion too) reads spec.version. */
export const REDIS_VERSION_RULES = {
  ...VERSION_NAMING,
  product: 'Redis',
  image: 'redis',
  example: '7.4.1',
  dependsOn: 'dbtls does not check that it has TLS (Redis 6 or later)',
  refusesDeprecated: true,
};
