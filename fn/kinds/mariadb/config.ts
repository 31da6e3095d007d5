// MariaDB's files in standalone mode, as options written by fn/text's my.cnf and shell modules:
// the client TLS and Galera option files, server.cnf including them, start.sh, and the check of
// the user's configuration against them.

import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate } from '../kind.js';
import { DATA_DIR } from '../mysql-family/workload.js';
import {
  certOptions,
  clientTLSCnf,
  CONFIG_DIR,
  galeraSSLOptions,
  peersThatFit,
  readMysqlConfiguration,
  serverCnf,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { trustBundleLines } from '../../render/rotation.js';
import { type OptionLine, renderOptionFile } from '../../text/my-cnf.js';
import { inlineData, type UserConfiguration } from '../../render/user-config.js';
import type { KindContext } from '../kind.js';
import { MAX_RENDERED_NODES, type MariaDBPlan, type SSTMethod } from './plan.js';

/** The ConfigMap's files: the option files, server.cnf including them, start.sh, the user's. */
export function configFiles(
  ctx: KindContext,
  plan: MariaDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const files = optionFiles(ctx, plan, server, client);
  files['server.cnf'] = serverCnf('mariadbd', Object.keys(files), plan.userConfig);
  files['start.sh'] = startScript(plan.galera, server !== undefined, plan.requireSSL);
  Object.assign(files, inlineData(plan.userConfig));
  return files;
}

/** Every node's name in the governing Service, as wsrep_cluster_address lists them. */
export function peersOf(ctx: KindContext, replicas: number): string[] {
  const name = ctx.db.metadata.name;
  const governing = nameWithSuffix(name, 'pods');
  const suffix = `.${governing}.${ctx.namespace}.svc.${ctx.settings.clusterDomain}`;
  return Array.from({ length: replicas }, (_, i) => `${name}-${i}${suffix}`);
}

/** The option files dbtls renders: client TLS and, for a cluster, Galera. */
export function optionFiles(
  ctx: KindContext,
  plan: MariaDBPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const name = ctx.db.metadata.name;
  const peers = peersOf(ctx, plan.replicas);
  const files: Record<string, string> = {
    'my.cnf': clientTLSCnf('MariaDB', plan.requireSSL, server, client),
  };
  if (plan.galera) files['galera.cnf'] = galeraCnf(name, peers, plan.sstMethod, server);
  return files;
}

/**
 * The user's configuration, checked against the option files dbtls renders after it; first,
 * whether a cluster's peer list fits its line.
 */
export function readMariaDBConfiguration(
  ctx: KindContext,
  plan: MariaDBPlan,
): UserConfiguration | undefined {
  // The certificates as the workload will mount them: only whether there are any matters here.
  const cert = (alias: string) => (ctx.tls ? { alias, name: alias, secretName: alias } : undefined);
  // At most as many peers as a rendered workload lists (more is an error in plan()).
  const bounded = { ...plan, replicas: Math.min(plan.replicas, MAX_RENDERED_NODES) };
  const peers = plan.galera ? peersOf(ctx, bounded.replicas) : [];
  const fit = peersThatFit(ctx, peers, plan.replicas <= MAX_RENDERED_NODES).length;
  if (plan.galera) bounded.replicas = fit;
  const files = () => Object.values(optionFiles(ctx, bounded, cert('server'), cert('client')));
  return readMysqlConfiguration(ctx, files, ctx.tls !== undefined);
}

/**
 * Galera: membership, and replication over TLS with the server certificate — group
 * communication and IST through the provider's socket.ssl options, SST through [sst] tca, tcert,
 * tkey (rsync tunnels through stunnel, mariabackup through socat with encrypt=3).
 */
export function galeraCnf(
  name: string,
  peers: readonly string[],
  sst: SSTMethod,
  server: IssuedCertificate | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls: Galera replication between the nodes.' },
    { group: 'mysqld' },
    ['wsrep_on', 'ON'],
    ['wsrep_provider', '/usr/lib/galera/libgalera_smm.so'],
    ['wsrep_cluster_name', name],
    ['wsrep_cluster_address', `gcomm://${peers.join(',')}`],
    ['wsrep_sst_method', sst],
    ['binlog_format', 'ROW'],
    ['default_storage_engine', 'InnoDB'],
    ['innodb_autoinc_lock_mode', 2],
  ];
  if (server) {
    lines.push(
      ['wsrep_provider_options', galeraSSLOptions()],
      { blank: true },
      { group: 'sst' },
      ...(sst === 'mariabackup' ? [['encrypt', 3] as const] : []),
      ...certOptions('t', 'server', ['ca', 'cert', 'key']),
    );
  }
  return renderOptionFile(lines);
}

/**
 * Pod 0 bootstraps a Galera cluster on an empty data directory; every other start joins the peers.
 * With TLS, the CA bundle is written before mariadbd reads it.
 */
export function startScript(galera: boolean, tls: boolean, requireSSL: boolean): string {
  const lines = ['#!/bin/sh', '# Rendered by dbtls.', 'set -eu'];
  if (tls) lines.push(...trustBundleLines(CONFIG_DIR));
  lines.push('bootstrap=""');
  if (galera) {
    lines.push(
      '# Pod 0 bootstraps a new cluster once; every other start joins ' + 'wsrep_cluster_address.',
      'ordinal="${HOSTNAME##*-}"',
      `if [ "$ordinal" = "0" ] && [ ! -e ${DATA_DIR}/grastate.dat ]; then ` +
        `bootstrap="--wsrep-new-cluster"; fi`,
    );
  }
  lines.push(
    `exec docker-entrypoint.sh mariadbd --defaults-extra-file=${CONFIG_DIR}/server.cnf` +
      `${pinnedServerArguments(requireSSL, tls)} $bootstrap`,
    '',
  );
  return lines.join('\n');
}
