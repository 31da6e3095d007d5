// What the MySQL-family kinds (MySQL, MariaDB) read from spec the same way: requireSSL and the auth
// secret, and the advice standalone mode gives about them.
import type { Obj } from '../../io/objects.js';
import { isObj } from '../../io/objects.js';
import { readBool, readString } from '../../validate/fields.js';
import { nameWithSuffix } from '../../util/names.js';
import type { KindContext } from '../kind.js';
import { at } from '../../util/field-path.js';

/** What both kinds read the same way: requireSSL (and whether it was readable) and the auth secret. */
export interface SecureTransport {
  requireSSL: boolean;
  requireSSLReadable: boolean;
  authSecret: string;
}

export function readSecureTransport(ctx: KindContext): SecureTransport {
  const spec = ctx.db.spec as Obj;
  const value = readBool(spec, 'requireSSL', at('spec', 'requireSSL'), ctx.report);
  const requireSSL = value ?? false; // REQUIRE_SSL_SETTING.unset
  // A requireSSL of the wrong type is already reported: no advice that assumes it is false.
  const requireSSLReadable =
    value !== undefined || spec.requireSSL === undefined || spec.requireSSL === null;
  // A spec.tls without issuerRef is already reported at spec.tls.issuerRef.
  if (requireSSL && ctx.tls === undefined && (spec.tls === undefined || spec.tls === null)) {
    ctx.report.error(
      at('spec', 'requireSSL'),
      'requireSSL: true needs TLS: set spec.tls.issuerRef, or ' + 'remove requireSSL',
    );
  }
  const named = isObj(spec.authSecret)
    ? readString(spec.authSecret, 'name', at('spec', 'authSecret', 'name'), ctx.report)
    : undefined;
  return {
    requireSSL,
    requireSSLReadable,
    authSecret: named ?? nameWithSuffix(ctx.db.metadata.name, 'auth'),
  };
}

/** Standalone-mode advice both kinds give about requireSSL and the auth secret. */
export function adviseStandalone(ctx: KindContext, t: SecureTransport, user: string): void {
  const spec = ctx.db.spec as Obj;
  if (ctx.tls !== undefined && !t.requireSSL && t.requireSSLReadable) {
    ctx.report.info(
      at('spec', 'requireSSL'),
      'the server offers TLS but also accepts connections without ' +
        'it; set requireSSL: true to refuse them',
    );
  }
  if (!(isObj(spec.authSecret) && typeof spec.authSecret.name === 'string')) {
    ctx.report.info(
      at('spec', 'authSecret'),
      `the workload reads the ${user} password from Secret ` +
        `"${t.authSecret}" (key password), which standalone mode does not create`,
    );
  }
}
