// PerconaXtraDB's files in standalone mode, as options written by fn/text's my.cnf and shell
// modules: my.cnf, wsrep.cnf (Galera over TLS), server.cnf including them, start.sh, and the
// check of the user's configuration against them.

import { trustBundleLines } from '../../render/rotation.js';
import { nameWithSuffix } from '../../util/names.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import {
  CERT_DIR,
  CONFIG_DIR,
  clientTLSCnf,
  peersThatFit,
  readMysqlConfiguration,
  serverCnf,
  TRUST_FILE,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { type OptionLine, renderOptionFile } from '../../text/my-cnf.js';
import { inlineData } from '../../render/user-config.js';
import { DATA_DIR, MAX_RENDERED_NODES, type PerconaXtraDBPlan } from './plan.js';

/** The ConfigMap's files: my.cnf, wsrep.cnf, server.cnf including them, start.sh. */
export function serverConfig(
  name: string,
  peers: string[],
  plan: PerconaXtraDBPlan,
  certificates: readonly IssuedCertificate[],
): Record<string, string> {
  const server = certificates.find((c) => c.alias === 'server');
  const client = certificates.find((c) => c.alias === 'client');
  return {
    'my.cnf': clientTLSCnf('PerconaXtraDB', plan.requireSSL, server, client),
    'wsrep.cnf': galeraCnf(name, peers, server),
    'server.cnf': serverCnf('mysqld', ['my.cnf', 'wsrep.cnf'], plan.userConfig),
    'start.sh': startScript(server !== undefined, plan.requireSSL),
    ...inlineData(plan.userConfig),
  };
}

/** Galera: cluster membership, and replication (group communication, IST and SST) over TLS with the server certificate. */
export function galeraCnf(
  name: string,
  peers: readonly string[],
  server: IssuedCertificate | undefined,
): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls: Galera replication between the nodes.' },
    { group: 'mysqld' },
    ['wsrep_provider', '/usr/lib64/galera4/libgalera_smm.so'],
    ['wsrep_cluster_name', name],
    ['wsrep_cluster_address', `gcomm://${peers.join(',')}`],
    ['wsrep_sst_method', 'xtrabackup-v2'],
    ['binlog_format', 'ROW'],
    ['default_storage_engine', 'InnoDB'],
    ['innodb_autoinc_lock_mode', 2],
  ];
  if (server) {
    lines.push(
      ['pxc-encrypt-cluster-traffic', 'ON'],
      ['wsrep_provider_options', `socket.ssl=yes;${PXC_SSL_FILES}`],
      { blank: true },
      { group: 'sst' },
      ['encrypt', 4],
      ['ssl-ca', TRUST_FILE],
      ['ssl-cert', `${CERT_DIR}/server/tls.crt`],
      ['ssl-key', `${CERT_DIR}/server/tls.key`],
    );
  } else {
    lines.push(['pxc-encrypt-cluster-traffic', 'OFF']);
  }
  return renderOptionFile(lines);
}

export const PXC_SSL_FILES = [
  `socket.ssl_ca=${TRUST_FILE}`,
  `socket.ssl_cert=${CERT_DIR}/server/tls.crt`,
  `socket.ssl_key=${CERT_DIR}/server/tls.key`,
].join(';');

/** Pod 0 bootstraps the cluster on an empty data directory; every other start joins the peers. */
export function startScript(tls: boolean, requireSSL: boolean): string {
  return [
    '#!/bin/sh',
    '# Rendered by dbtls. Pod 0 bootstraps a new cluster once; every other start joins wsrep_cluster_address.',
    'set -eu',
    ...(tls ? trustBundleLines(CONFIG_DIR) : []),
    'ordinal="${HOSTNAME##*-}"',
    'bootstrap=""',
    `if [ "$ordinal" = "0" ] && [ ! -e ${DATA_DIR}/grastate.dat ]; then bootstrap="--wsrep-new-cluster"; fi`,
    `exec /entrypoint.sh mysqld --defaults-extra-file=${CONFIG_DIR}/server.cnf` +
      `${pinnedServerArguments(requireSSL, tls)} $bootstrap`,
    '',
  ].join('\n');
}

/** Every node's name in the governing Service, as wsrep_cluster_address lists them. */
export function peersOf(
  name: string,
  namespace: string,
  domain: string,
  replicas: number,
): string[] {
  const governing = nameWithSuffix(name, 'pods');
  return Array.from(
    { length: replicas },
    (_, i) => `${name}-${i}.${governing}.${namespace}.svc.${domain}`,
  );
}

/**
 * The user's configuration (spec.configuration), read against the files dbtls renders; first,
 * whether the peer list fits its line (at most as many peers as a rendered workload lists: more
 * is an error in readClusterSize).
 */
export function readUserConfig(ctx: KindContext, plan: PerconaXtraDBPlan) {
  const name = ctx.db.metadata.name;
  const nodes = Math.min(plan.replicas, MAX_RENDERED_NODES);
  const all = peersOf(name, ctx.namespace, ctx.settings.clusterDomain, nodes);
  const peers = peersThatFit(ctx, all, plan.replicas <= MAX_RENDERED_NODES);
  const cert = (alias: string) => (ctx.tls ? { alias, name: alias, secretName: alias } : undefined);
  const rendered = () => [
    clientTLSCnf('PerconaXtraDB', plan.requireSSL, cert('server'), cert('client')),
    galeraCnf(name, peers, cert('server')),
  ];
  return readMysqlConfiguration(ctx, rendered, ctx.tls !== undefined);
}
