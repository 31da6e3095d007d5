// Singlestore's server configuration: dbtls's memsql.cnf (its TLS settings, written by fn/text's
// my.cnf module), and the user's spec.configuration in standalone mode (the one-node form).
//
// Facts (kubedb/docs guides/singlestore/configuration/config-file; kubedb/installer CRD
// kubedb.com_singlestores.yaml at 0c6e2459, kept in test/data/crds; kubedb/apimachinery
// apis/kubedb constants SinglestoreVolumeMountPathCustomConfig): Singlestore is v1alpha2 only
// and its v1alpha2 has `configuration` ({secretName, inline}), on the spec and on each topology
// group, and no configSecret. KubeDB mounts the user's files in /etc/memsql/conf.d (volume
// custom-config), and the node starts with its memsql.cnf combined with the *.cnf files there.
// dbtls's TLS settings are a memsql.cnf in that same directory, so which of two files setting
// one option wins is up to the tool that combines them (KubeDB's singlestore-init, or what the
// user runs in standalone mode): dbtls cannot make its value win, so an inline file that sets a
// TLS option dbtls sets is an error, not a warning.
import type { Obj } from '../../io/objects.js';
import {
  inlineKey,
  type InlineFile,
  readUserConfiguration,
  type UserConfiguration,
} from '../../render/user-config.js';
import type { IssuedCertificate, KindContext } from '../kind.js';
import { type OptionLine, parseServerOptions, renderOptionFile } from '../../text/my-cnf.js';
import { at } from '../../util/field-path.js';

export const PORT = 3306;
/** Where KubeDB mounts the user's configuration and dbtls its memsql.cnf. */
export const CONFIG_DIR = '/etc/memsql/conf.d';
/** Both certificates in one directory, as KubeDB lays them out. */
export const CERT_DIR = '/etc/memsql/certs';

/** The server's TLS settings, as a custom configuration file the node merges into memsql.cnf. */
export function memsqlCnf(server: IssuedCertificate | undefined): string {
  const lines: OptionLine[] = [
    { comment: 'Rendered by dbtls from the Singlestore resource.' },
    { group: 'server' },
  ];
  if (server)
    lines.push(
      ['ssl_ca', `${CERT_DIR}/ca.crt`],
      ['ssl_cert', `${CERT_DIR}/server.crt`],
      ['ssl_key', `${CERT_DIR}/server.key`],
    );
  else lines.push({ comment: 'no spec.tls: the server offers no TLS' });
  return renderOptionFile(lines, ' = ');
}

/** The options memsqlCnf sets with a certificate, as parseServerOptions names them. */
const TLS_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['ssl-ca', `${CERT_DIR}/ca.crt`],
  ['ssl-cert', `${CERT_DIR}/server.crt`],
  ['ssl-key', `${CERT_DIR}/server.key`],
]);

/**
 * spec.configuration of a one-node Singlestore in standalone mode. `tls`: the node has a
 * certificate, so memsqlCnf sets the TLS options.
 */
export function readSinglestoreConfiguration(
  ctx: KindContext,
  tls: boolean,
): UserConfiguration | undefined {
  // Singlestore has no configSecret: an error, and the reading below does not see it.
  const { configSecret, ...spec } = ctx.db.spec as Obj;
  if (configSecret !== undefined && configSecret !== null)
    ctx.report.error(
      at('spec', 'configSecret'),
      `spec.configSecret is not a field of ${ctx.db.apiVersion} Singlestore (the API server would drop it): ` +
        'use spec.configuration.secretName',
    );
  const conf = readUserConfiguration(
    { ...ctx, db: { ...ctx.db, spec } },
    { configSecret: 'unless-configuration', inV1alpha2: true },
  );
  if (conf === undefined) return undefined;
  if (conf.secret)
    ctx.report.info(
      conf.secret.path,
      `the node combines the *.cnf files of Secret "${conf.secret.name}", mounted in ` +
        `${CONFIG_DIR}, with dbtls's memsql.cnf there; dbtls cannot see the Secret, ` +
        'so its content is not checked: it must have no key memsql.cnf and set no ssl_ca, ' +
        "ssl_cert or ssl_key, whose winner between two files is the node's start-up tool's " +
        "choice, not dbtls's",
    );
  const inline: InlineFile[] = [];
  for (const f of conf.inline) {
    if (!f.key.endsWith('.cnf')) {
      ctx.report.error(
        f.path,
        `${f.path} is not read: the node reads only the *.cnf files of ${CONFIG_DIR}; ` +
          `name it ${JSON.stringify(`${f.key.replace(/\.[^.]*$/, '')}.cnf`)}`,
      );
      continue;
    }
    inline.push(f);
    checkInline(ctx, f, tls);
  }
  conf.inline = inline;
  return conf.secret || inline.length > 0 ? conf : undefined;
}

function checkInline(ctx: KindContext, f: InlineFile, tls: boolean): void {
  const { options, outside } = parseServerOptions(f.content);
  if (outside !== undefined)
    ctx.report.warn(
      f.path,
      `line ${outside}: an option before any [group] header; SingleStore's memsql.cnf keeps the ` +
        "server's options under [server], and dbtls checks only those: begin the file with [server]",
    );
  for (const o of options) {
    const ours = tls ? TLS_OPTIONS.get(o.name) : undefined;
    if (ours === undefined || ours === o.value) continue;
    const name = o.name.replace(/-/g, '_');
    ctx.report.error(
      f.path,
      `line ${o.line}: ${o.raw} conflicts with dbtls's TLS settings (${name} = ${ours}), and ` +
        `dbtls cannot make its value win: the node combines the *.cnf files of ` +
        `${CONFIG_DIR}, dbtls's memsql.cnf among them, in an order its start-up ` +
        'tool decides: remove it',
    );
  }
}

/**
 * The custom-config volume with the user's files: the Secret's, then dbtls's ConfigMap
 * (memsql.cnf and the inline files, `inline-<name>.cnf`), last, so that where a Secret has a
 * key memsql.cnf too the later source is the one kubelet keeps (the info warns against it).
 */
export function singlestoreConfigVolume(configMap: string, conf: UserConfiguration): Obj {
  const items = [{ key: 'memsql.cnf', path: 'memsql.cnf' }];
  for (const f of conf.inline) items.push({ key: inlineKey(f.key), path: inlineKey(f.key) });
  const sources: Obj[] = [];
  if (conf.secret) sources.push({ secret: { name: conf.secret.name } });
  sources.push({ configMap: { name: configMap, items } });
  return { name: 'custom-config', projected: { defaultMode: 0o440, sources } };
}
