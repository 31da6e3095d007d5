// Test-only stand-in for cert-manager's trust-manager: the data it writes into a Bundle's target
// ConfigMap, from the rendered Bundle's sources resolved against a stand-in trust namespace.
// Assembly as trust-manager does it (cert-manager/trust-manager fc1b53ddc28eb24d5f7d4c6374992785f1977909):
// - pkg/bundle/internal/source/source.go BuildBundle: every source's PEM goes into one CertPool, a
//   Secret or ConfigMap source by its `key` (a ConfigMap's data before its binaryData);
// - pkg/util/cert_pool.go AddCertsFromPEM: only CERTIFICATE blocks without PEM headers (anything
//   else is an error, not skipped); text between blocks is dropped;
// - AddCert: deduplicated by the SHA-256 of the DER certificate (a map keyed by it);
// - PEM(): ordered by that hash (bytes.Compare), not by source; each block re-encoded by Go's
//   pem.Encode (64-column base64), concatenated, then bytes.TrimSpace — so the data has no line
//   break after the last `-----END CERTIFICATE-----`, and the source's own formatting is gone;
// - pkg/bundle/internal/target/target.go: that string is the target ConfigMap's data at
//   `spec.target.configMap.key`. Expired and non-CA certificates are kept: the filters are off by
//   default (--filter-expired-certificates, --filter-non-ca-certs).
import { createHash, X509Certificate } from 'node:crypto';

/** The target ConfigMap's value for these PEM inputs, as trust-manager's CertPool.PEM() writes it. */
export function assembleBundle(pems: readonly string[]): string {
  const pool = new Map<string, Buffer>();
  for (const pem of pems) {
    for (const der of certificateBlocks(pem)) {
      new X509Certificate(der); // an unparsable certificate fails the bundle, as upstream
      pool.set(createHash('sha256').update(der).digest('hex'), der);
    }
  }
  if (pool.size === 0) throw new Error("couldn't find any valid certificates in bundle");
  // hex strings of equal length sort as their bytes do
  const ordered = [...pool.keys()].sort().map((hash) => pool.get(hash)!);
  return ordered.map(encode).join('').trim();
}

/** The DER bytes of each PEM block; any block but a header-less CERTIFICATE is an error. */
function certificateBlocks(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const block = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (const m of pem.matchAll(block)) {
    if (m[1] !== 'CERTIFICATE')
      throw new Error(
        `invalid PEM block in bundle: only CERTIFICATE blocks are permitted but found '${m[1]}'`,
      );
    if (/^[^\s:]+:/m.test(m[2]))
      throw new Error('invalid PEM block in bundle; blocks are not permitted to have PEM headers');
    out.push(Buffer.from(m[2].replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

function encode(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** The trust namespace as the test keeps it: Secrets and ConfigMaps by name, their data by key. */
export interface TrustNamespace {
  secrets: Record<string, Record<string, string>>;
  configMaps: Record<string, Record<string, string>>;
}

/**
 * The target ConfigMap trust-manager writes for `bundle` (a rendered trust.cert-manager.io Bundle):
 * its name and data. Sources by name only (dbtls renders no selectors); a missing object or key is
 * an error, as upstream's NotFoundError.
 */
export function targetConfigMap(
  bundle: any,
  ns: TrustNamespace,
): { name: string; data: Record<string, string> } {
  const pems: string[] = [];
  for (const source of bundle.spec.sources ?? []) {
    if (source.inLine !== undefined) pems.push(source.inLine);
    else if (source.secret || source.configMap) {
      const ref = source.secret ?? source.configMap;
      const kind = source.secret ? 'Secret' : 'ConfigMap';
      if (ref.name === undefined || ref.key === undefined)
        throw new Error(`a ${kind} source without name and key: ${JSON.stringify(ref)}`);
      const data = (source.secret ? ns.secrets : ns.configMaps)[ref.name];
      if (data?.[ref.key] === undefined)
        throw new Error(`no data found in ${kind} ${ref.name} at key "${ref.key}"`);
      pems.push(data[ref.key]);
    } else throw new Error(`source not stood in for: ${JSON.stringify(source)}`);
  }
  const key = bundle.spec.target?.configMap?.key;
  if (key === undefined) throw new Error(`Bundle ${bundle.metadata.name} has no configMap target`);
  return { name: bundle.metadata.name, data: { [key]: assembleBundle(pems) } };
}
