// What dbtls generates, and how a later run knows it: these types, with the generated-from
// annotation. An earlier run's output is dropped and rendered afresh (fn/pipeline/classify.ts),
// so a large list's items of this shape need only their metadata read (yaml.ts,
// parseItemsInPieces).

export const GENERATED_FROM = 'dbtls.dev/generated-from';

export const GENERATED_TYPES: readonly string[] = [
  'cert-manager.io/v1 Certificate',
  'v1 ConfigMap',
  'v1 Service',
  'apps/v1 StatefulSet',
  'policy/v1 PodDisruptionBudget',
  'monitoring.coreos.com/v1 ServiceMonitor',
  'trust.cert-manager.io/v1alpha1 Bundle',
];
