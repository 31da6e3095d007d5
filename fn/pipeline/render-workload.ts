// Stage (each database, standalone mode): the kind's workload, with the user's service templates
// and pod template applied as the operator would apply them, and every pod checked against Pod
// Security.
import type { DatabaseKind, IssuedCertificate, KindContext, Owner } from '../contract/kind.js';
import type { KubeObject } from '../io/objects.js';
import { applyPodTemplates } from '../render/pod-template.js';
import { applyServiceTemplates } from '../render/service-templates.js';

export function renderWorkload(
  kind: DatabaseKind,
  ctx: KindContext,
  plan: unknown,
  issued: readonly IssuedCertificate[],
  owner: Owner,
): KubeObject[] {
  const workload = applyServiceTemplates(ctx, kind, plan, kind.workload(ctx, plan, issued, owner));
  // The pod template and KubeDB's defaults, and a PodDisruptionBudget where KubeDB keeps one
  // (KubeVault keeps none).
  const pdb = kind.operator === 'KubeDB';
  // Every rendered pod is then checked against Pod Security (validate/pod-security/).
  return applyPodTemplates(workload, ctx.db, kind.podTemplate, ctx.report, pdb);
}
