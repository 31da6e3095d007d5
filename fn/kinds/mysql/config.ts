// MySQL's files in standalone mode: my.cnf and start.sh (through fn/text's my.cnf and shell
// modules), and server.cnf with the user's configuration.

import type { IssuedCertificate } from '../kind.js';
import {
  clientTLSCnf,
  CONFIG_DIR,
  serverCnf,
  pinnedServerArguments,
} from '../mysql-family/config.js';
import { trustBundleLines } from '../../render/rotation.js';
import { inlineData } from '../../render/user-config.js';
import type { MySQLPlan } from './plan.js';

/** The ConfigMap's files: my.cnf, start.sh, and with the user's configuration server.cnf. */
export function configFiles(
  plan: MySQLPlan,
  server: IssuedCertificate | undefined,
  client: IssuedCertificate | undefined,
): Record<string, string> {
  const files: Record<string, string> = {
    'my.cnf': clientTLSCnf('MySQL', plan.requireSSL, server, client),
    'start.sh': startScript(server !== undefined, plan.requireSSL),
  };
  if (plan.userConfig) {
    // mysqld reads the user's files, then dbtls's my.cnf, which wins.
    files['server.cnf'] = serverCnf('mysqld', ['my.cnf'], plan.userConfig);
    files['start.sh'] = files['start.sh'].replace(
      `${CONFIG_DIR}/my.cnf`,
      `${CONFIG_DIR}/server.cnf`,
    );
    Object.assign(files, inlineData(plan.userConfig));
  }
  return files;
}

/**
 * With TLS, the CA bundle is written before mysqld reads it; the TLS options follow the option
 * files on mysqld's command line (pinnedServerArguments).
 */
export function startScript(tls: boolean, requireSSL: boolean): string {
  return [
    '#!/bin/sh',
    "# Rendered by dbtls: the image's entrypoint initialises the data directory once, then runs " +
      'mysqld',
    '# with the rendered TLS settings after its own configuration.',
    'set -eu',
    ...(tls ? trustBundleLines(CONFIG_DIR) : []),
    `exec docker-entrypoint.sh mysqld --defaults-extra-file=${CONFIG_DIR}/my.cnf` +
      pinnedServerArguments(requireSSL, tls),
    '',
  ].join('\n');
}
