// Stage (each database): its Certificates, one per alias the kind issues (several for an alias
// the kind splits into parts), each with the user's overrides merged in, the policy's part applied
// (privateKey, certificateLifetime) and cert-manager's webhook checks made.
import type {
  CertificateDefaults,
  DatabaseKind,
  IssuedCertificate,
  KindContext,
  Owner,
} from '../contract/kind.js';
import type { KubeObject } from '../io/objects.js';
import { applyCertificatePolicy } from '../policy/certificate-rules.js';
import { buildCertificate } from '../render/certificate.js';
import { nameWithSuffix } from '../util/names.js';
import { reportWebhookErrors } from '../validate/certificate-spec.js';
import type { DeclaredNames } from '../validate/service-templates.js';

export function issueCertificates(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  owner: Owner,
  declared: DeclaredNames | undefined,
): { objects: KubeObject[]; issued: IssuedCertificate[] } {
  const { db, tls, report } = ctx;
  const objects: KubeObject[] = [];
  const issued: IssuedCertificate[] = [];
  if (!tls?.issuerRef || !kind.issuesCertificates(ctx, plan)) return { objects, issued };
  for (const alias of kind.aliases(db)) {
    const override = tls.overrides.get(alias);
    for (const { name, part } of certificatesOf(kind, ctx, plan, alias)) {
      // Several certificates of one alias each write a secret of their own name.
      const secretName =
        part !== undefined
          ? name
          : (override?.secretName ?? kind.defaultSecretName?.(db, alias) ?? name);
      issued.push(
        part !== undefined ? { alias, name, secretName, part } : { alias, name, secretName },
      );
      const certificate = applyCertificatePolicy(
        buildCertificate({
          owner,
          alias,
          name,
          secretName,
          override,
          issuerRef: override?.issuerRef ?? tls.issuerRef,
          defaults: withDeclaredNames(
            kind.certificateDefaults(ctx, plan, alias, part),
            alias,
            declared,
          ),
        }),
        ctx,
        override,
      );
      reportWebhookErrors(certificate, alias, override, report);
      objects.push(certificate);
    }
  }
  return { objects, issued };
}

/** The certificates one alias stands for: the kind's parts, or one named `<db>-<alias>-cert`. */
function certificatesOf(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  alias: string,
): readonly { name: string; part: string | undefined }[] {
  const parts = kind.certificateParts?.(ctx, plan, alias) ?? [];
  if (parts.length > 0) return parts;
  const { db } = ctx;
  const name =
    kind.certificateName?.(db, alias) ?? nameWithSuffix(db.metadata.name, `${alias}-cert`);
  return [{ name, part: undefined }];
}

/** The server certificate also names what the user declared for the Services (serviceTemplates). */
function withDeclaredNames(
  defaults: CertificateDefaults,
  alias: string,
  declared: DeclaredNames | undefined,
): CertificateDefaults {
  if (alias !== 'server' || !declared) return defaults;
  if (declared.dnsNames.length + declared.ipAddresses.length === 0) return defaults;
  return {
    ...defaults,
    dnsNames: [...(defaults.dnsNames ?? []), ...declared.dnsNames],
    ipAddresses: [...(defaults.ipAddresses ?? []), ...declared.ipAddresses],
  };
}
