// metadata.namespace as the API server checks it (apimachinery's ValidateNamespaceName:
// IsDNS1123Label), with the API server's own detail strings. A database's namespace reaches the
// names it is reached by (Galera's wsrep_cluster_address, vault.hcl's retry_join, certificate
// names): one that the API server would refuse is refused here before any of that is written.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;
const LABEL_DETAIL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** apimachinery's IsDNS1123Label: the detail strings for a value that fails. */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > MAX_LABEL) errs.push(`must be no more than ${MAX_LABEL} characters`);
  if (!DNS1123_LABEL.test(value)) errs.push(LABEL_DETAIL);
  return errs;
}

/** Why `namespace` (metadata.namespace as written) would be refused, or undefined. */
export function namespaceProblem(namespace: unknown): string | undefined {
  if (namespace === undefined || namespace === null || namespace === '') return undefined;
  if (typeof namespace !== 'string') return 'must be a string';
  const errs = dns1123LabelErrors(namespace);
  return errs.length > 0 ? `${JSON.stringify(namespace)}: ${errs.join('; ')}` : undefined;
}
