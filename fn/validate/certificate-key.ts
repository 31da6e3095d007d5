// The Certificate's key as the webhook checks it: algorithm and size, the signature algorithm the
// key allows, and the key usages cert-manager knows.
import { isObj, type Obj } from '../io/objects.js';
import { type Add, asList, asString, goQuoted, SPEC } from './webhook-error.js';

/** The key usages cert-manager knows (pkg/api/util/usages.go), the CRD's enum. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

const SIGNATURE_ALGORITHMS: Record<string, string[]> = {
  RSA: ['SHA256WithRSA', 'SHA384WithRSA', 'SHA512WithRSA'],
  ECDSA: ['ECDSAWithSHA256', 'ECDSAWithSHA384', 'ECDSAWithSHA512'],
  Ed25519: ['PureEd25519'],
};

/** privateKey's algorithm and size, then the signature algorithm that key allows. */
export function validateKeyAlgorithms(spec: Obj, add: Add): void {
  const pk = isObj(spec.privateKey) ? spec.privateKey : undefined;
  const algorithm = pk ? asString(pk.algorithm) : '';
  if (pk) validatePrivateKey(algorithm, typeof pk.size === 'number' ? pk.size : 0, add);
  const signature = asString(spec.signatureAlgorithm);
  if (signature === '') return;
  const keyAlg = algorithm === '' ? 'RSA' : algorithm;
  const allowed = SIGNATURE_ALGORITHMS[keyAlg];
  if (allowed && !allowed.includes(signature)) {
    add(
      SPEC.child('signatureAlgorithm'),
      'Invalid value',
      `for key algorithm ${keyAlg} the allowed signature algorithms are [${allowed.join(' ')}]`,
      goQuoted(signature),
    );
  }
}

function validatePrivateKey(algorithm: string, size: number, add: Add): void {
  const path = SPEC.child('privateKey');
  if (algorithm === '' || algorithm === 'RSA') {
    if (size > 0 && (size < 2048 || size > 8192)) {
      const detail = 'must be between 2048 and 8192 for rsa keyAlgorithm';
      add(path.child('size'), 'Invalid value', detail, String(size));
    }
  } else if (algorithm === 'ECDSA') {
    if (size > 0 && ![256, 384, 521].includes(size)) {
      const detail = 'supported values: "256", "384", "521"';
      add(path.child('size'), 'Unsupported value', detail, String(size));
    }
  } else if (algorithm !== 'Ed25519') {
    const detail = 'must be either empty or one of rsa, ecdsa or ed25519';
    add(path.child('algorithm'), 'Invalid value', detail, goQuoted(algorithm));
  }
}

export function validateUsages(spec: Obj, add: Add): void {
  asList(spec.usages).forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(asString(u)))
      add(
        SPEC.child('usages').index(i),
        'Invalid value',
        'unknown keyusage',
        goQuoted(asString(u)),
      );
  });
}
