// The organisation's rules from DatabaseTLSPolicy spec.rules, checked on every database they
// match. Every result names its rule ("policy rule requireTLS: …"); `enforce` makes a violation an
// error, `audit` a warning. Kind-specific settings reach the rules only through the kinds' own
// declarations (DatabaseKind.connectionSettings): nothing here names a kind.
//
// This module reads the rules; ./database-rules.ts checks a database against them,
// ./certificate-rules.ts each of its Certificates, ./matching.ts says which rules apply.
import type { DatabaseKind } from '../contract/kind.js';
import type {
  AllowedIssuer,
  Enforcement,
  LabelSelector,
  Match,
  PolicyRules,
  Rule,
} from '../contract/settings.js';
import type { IssuerRef } from '../contract/tls.js';
import { isObj, type KubeObject, type Obj } from '../io/objects.js';
import { type Result, resultFor } from '../io/results.js';
import { readGrantList } from '../connect/grants.js';
import { formatGoDuration, parseGoDuration } from '../util/duration.js';
import { at, type FieldPath } from '../util/field-path.js';
import { DEFAULT_DURATION } from '../validate/certificate-lifetime.js';
import { dnsNameProblem } from '../validate/go-formats.js';
import { NO_RULES } from './matching.js';
import { ipVersion } from '../util/ip.js';

// The rules' types are the contract's (fn/contract/settings.ts): kinds read them too.
export type { Enforcement, LabelSelector, Match, PolicyRules };
export { applyCertificatePolicy } from './certificate-rules.js';
export {
  applyPolicyDefaults,
  checkDatabasePolicy,
  checkTLSProtocols,
  tlsProtocolsFor,
} from './database-rules.js';
export { matches, NO_RULES } from './matching.js';
const RULES = at('spec', 'rules');

/** Reports a problem at a field under spec.rules. */
type Bad = (path: FieldPath, message: string) => void;

/**
 * Reads spec.rules after the JSON Schema has accepted its shape: the checks a schema cannot make
 * (durations that fit together, key sizes for the algorithm, settings the kinds declare). One
 * reader per rule.
 */
export function readRules(
  raw: unknown,
  ref: KubeObject,
  kinds: readonly DatabaseKind[],
): { rules: PolicyRules; results: Result[] } {
  const results: Result[] = [];
  const bad: Bad = (path, message) => results.push(resultFor(ref, 'error', message, path));
  if (!isObj(raw)) return { rules: NO_RULES, results };
  const rules: PolicyRules = {};
  if (isObj(raw.requireTLS)) rules.requireTLS = readRequireTLS(raw.requireTLS);
  if (isObj(raw.connectionSecurity))
    rules.connectionSecurity = readConnectionSecurity(raw.connectionSecurity, bad, kinds);
  if (isObj(raw.allowedIssuers)) {
    const r = raw.allowedIssuers;
    const text = r.issuers as string[];
    rules.allowedIssuers = { ...base(r), text, issuers: text.map(parseIssuer) };
  }
  if (isObj(raw.forbidSelfSignedIssuers))
    rules.forbidSelfSignedIssuers = base(raw.forbidSelfSignedIssuers);
  if (isObj(raw.privateKey)) rules.privateKey = readPrivateKeyRule(raw.privateKey, bad);
  if (isObj(raw.certificateLifetime))
    rules.certificateLifetime = readCertificateLifetime(raw.certificateLifetime, bad);
  if (isObj(raw.tlsProtocols)) {
    const r = raw.tlsProtocols;
    // Highest first, as SQL Server's own default list is written (1.2,1.1,1.0).
    const versions = [...new Set(r.versions as string[])].sort().reverse();
    rules.tlsProtocols = { ...base(r), versions };
  }
  if (isObj(raw.allowClients)) {
    const r = raw.allowClients;
    const clients = r.clients as string[];
    const grants = readGrantList(clients, undefined, (entry, problem) =>
      bad(
        RULES.child('allowClients', 'clients').index(clients.indexOf(entry)),
        `"${entry}" ${problem}`,
      ),
    );
    rules.allowClients = { ...base(r), clients, grants };
  }
  if (isObj(raw.certificateNames))
    rules.certificateNames = readCertificateNames(raw.certificateNames, bad);
  if (isObj(raw.forbidCrossNamespaceClients))
    rules.forbidCrossNamespaceClients = base(raw.forbidCrossNamespaceClients);
  return { rules, results };
}

/** What every rule has: its enforcement and what it matches. */
function base(o: Obj): Rule {
  return {
    enforcement: (o.enforcement as Enforcement | undefined) ?? 'enforce',
    match: (o.match as Match | undefined) ?? {},
  };
}

function readRequireTLS(r: Obj): PolicyRules['requireTLS'] {
  const d = r.defaultIssuerRef as Obj | undefined;
  if (!d) return base(r);
  const kind = d.kind as IssuerRef['kind'];
  return {
    ...base(r),
    defaultIssuerRef: { apiGroup: 'cert-manager.io', kind, name: d.name as string },
  };
}

/** Each minimum names a setting some kind declares, with one of that setting's levels. */
function readConnectionSecurity(
  r: Obj,
  bad: Bad,
  kinds: readonly DatabaseKind[],
): PolicyRules['connectionSecurity'] {
  const minimum = r.minimum as Record<string, string | boolean>;
  const declared = connectionSettings(kinds);
  for (const [key, value] of Object.entries(minimum)) {
    const kinds = declared.filter((d) => d.setting.key === key);
    if (kinds.length === 0) {
      const known = declared.map((d) => `${d.setting.key} (${d.kind.kind})`);
      bad(
        RULES.child('connectionSecurity', 'minimum', key),
        `unknown setting "${key}"; the supported kinds declare ` +
          `${known.length ? known.join(', ') : 'none'}`,
      );
      continue;
    }
    for (const d of kinds) {
      if (!d.setting.levels.includes(value)) {
        bad(
          RULES.child('connectionSecurity', 'minimum', key),
          `${JSON.stringify(value)} is not a value of ${d.kind.kind} ${d.setting.path}; use one ` +
            `of ${d.setting.levels.map((l) => JSON.stringify(l)).join(', ')}`,
        );
      }
    }
  }
  return { ...base(r), minimum };
}

/** A minimum size cert-manager accepts for the algorithm, and an encoding the key can have. */
function readPrivateKeyRule(r: Obj, bad: Bad): PolicyRules['privateKey'] {
  const algorithm = r.algorithm as 'RSA' | 'ECDSA' | 'Ed25519' | undefined;
  const size = r.minimumSize as number | undefined;
  const alg = algorithm ?? 'RSA';
  if (size !== undefined) {
    if (alg === 'RSA' && (size < 2048 || size > 8192))
      bad(
        RULES.child('privateKey', 'minimumSize'),
        `${size} is not an RSA key size cert-manager accepts; use 2048 to 8192`,
      );
    if (alg === 'ECDSA' && size > 521)
      bad(
        RULES.child('privateKey', 'minimumSize'),
        `${size} is larger than the largest ECDSA key (521); use 256, 384 or 521`,
      );
    if (alg === 'Ed25519')
      bad(
        RULES.child('privateKey', 'minimumSize'),
        'Ed25519 keys have one size; remove minimumSize',
      );
  }
  if (alg === 'Ed25519' && r.encoding === 'PKCS1')
    bad(
      RULES.child('privateKey', 'encoding'),
      'Ed25519 keys are always written as PKCS8; use encoding PKCS8 or remove it',
    );
  return {
    ...base(r),
    ...compactRule({
      algorithm,
      minimumSize: size,
      encoding: r.encoding as 'PKCS1' | 'PKCS8' | undefined,
      rotationPolicy: r.rotationPolicy as 'Always' | 'Never' | undefined,
    }),
  };
}

/** Durations cert-manager accepts, and a minimum renewBefore shorter than the longest lifetime. */
function readCertificateLifetime(r: Obj, bad: Bad): PolicyRules['certificateLifetime'] {
  const read = (key: string): bigint | undefined => {
    if (typeof r[key] !== 'string') return undefined;
    const d = parseGoDuration(r[key] as string);
    if (!d.ok) {
      bad(
        RULES.child('certificateLifetime', key),
        `${JSON.stringify(r[key])} is not a Go duration (${d.error})`,
      );
      return undefined;
    }
    return d.nanos;
  };
  const maximumDuration = read('maximumDuration');
  const minimumRenewBefore = read('minimumRenewBefore');
  if (maximumDuration !== undefined && maximumDuration < 3_600_000_000_000n) {
    bad(
      RULES.child('certificateLifetime', 'maximumDuration'),
      `${formatGoDuration(maximumDuration)} is shorter than the 1h0m0s cert-manager requires of ` +
        `every certificate`,
    );
  }
  if (minimumRenewBefore !== undefined && minimumRenewBefore < 300_000_000_000n) {
    bad(
      RULES.child('certificateLifetime', 'minimumRenewBefore'),
      `${formatGoDuration(minimumRenewBefore)} is shorter than the 5m0s cert-manager requires of ` +
        `renewBefore`,
    );
  }
  const longest = maximumDuration ?? DEFAULT_DURATION;
  if (minimumRenewBefore !== undefined && minimumRenewBefore >= longest) {
    bad(
      RULES.child('certificateLifetime', 'minimumRenewBefore'),
      `${formatGoDuration(minimumRenewBefore)} is not shorter than the ` +
        `${maximumDuration !== undefined ? 'maximumDuration' : 'default duration'} ` +
        `${formatGoDuration(longest)}; no certificate could satisfy both`,
    );
  }
  return { ...base(r), ...compactRule({ maximumDuration, minimumRenewBefore }) };
}

function compactRule<T extends Obj>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseIssuer(entry: string): AllowedIssuer {
  const parts = entry.split('/');
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { kind: parts[0] as AllowedIssuer['kind'], name: parts[1] };
  return { kind: parts[0] as AllowedIssuer['kind'], namespace: parts[1], name: parts[2] };
}

function connectionSettings(kinds: readonly DatabaseKind[]) {
  return kinds.flatMap((kind: DatabaseKind) =>
    (kind.connectionSettings ?? []).map((setting) => ({ kind, setting })),
  );
}

/** DNS suffixes as clients compare them, and IP ranges as CIDRs Node's BlockList reads. */
function readCertificateNames(r: Obj, bad: Bad): PolicyRules['certificateNames'] {
  const suffixes = r.allowedDNSSuffixes as string[] | undefined;
  const ranges = r.allowedIPRanges as string[] | undefined;
  suffixes?.forEach((suffix, i) => {
    const bare = suffix.toLowerCase().replace(/^\*?\.|\.$/g, '');
    if (bare === '' || dnsNameProblem(bare) !== undefined)
      bad(
        RULES.child('certificateNames', 'allowedDNSSuffixes').index(i),
        `"${suffix}" is not a DNS name (e.g. db.example.com)`,
      );
  });
  ranges?.forEach((cidr, i) => {
    const [ip, bits, ...rest] = cidr.split('/');
    const family = ipVersion(ip);
    const max = family === 6 ? 128 : 32;
    const n = Number(bits);
    if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits ?? '') || n > max)
      bad(
        RULES.child('certificateNames', 'allowedIPRanges').index(i),
        `"${cidr}" is not a CIDR (e.g. 203.0.113.0/24)`,
      );
  });
  return {
    ...base(r),
    ...compactRule({
      allowedDNSSuffixes: suffixes?.map((s) => s.toLowerCase().replace(/^\*?\.|\.$/g, '')),
      allowedIPRanges: ranges,
    }),
  };
}
