// A service template's ports, matched to the Service's by name as kmodules offshoot-api
// PatchServicePorts does (a template port without a name, or naming no port, is ignored), each
// port and node port checked; node ports once across the database's templates.
import { compact, isObj, type KubeObject, type Obj } from '../io/objects.js';
import { describeType } from '../io/resource-list.js';
import type { FieldPath } from '../util/field-path.js';
import { isPort } from './kube-value-rules.js';
import type { TemplateContext } from './service-template-context.js';

/** The Service's ports with the template's matched by name, as PatchServicePorts does. */
export function templatedPorts(
  tpl: TemplateContext,
  service: KubeObject,
  spec: Obj,
  type: string,
): unknown {
  const current = Array.isArray(spec.ports) ? (spec.ports as Obj[]) : [];
  const v = tpl.spec.ports;
  const path = tpl.path.child('spec', 'ports');
  if (v === undefined || v === null) return current;
  if (!Array.isArray(v)) {
    tpl.ctx.report.error(path, `${path} must be a list of ports, got ${describeType(v)}`);
    return current;
  }
  if (v.length > 0 && tpl.ignores.includes('ports')) {
    tpl.notApplied(path, 'ports');
    return current;
  }
  let ports = current;
  const names = current.map((p) => String(p.name));
  v.forEach((p, j) => {
    const entry = path.index(j);
    const patch = readPort(tpl, p, entry, type);
    if (!patch) return;
    if (patch.name === undefined) {
      tpl.ctx.report.warn(
        entry,
        `${entry} has no name: ${tpl.operator} matches a template's ports to the Service's by name ` +
          `(${names.join(', ')}) and ignores this one`,
      );
      return;
    }
    const k = names.indexOf(patch.name);
    if (k < 0) {
      tpl.ctx.report.warn(
        entry.child('name'),
        `service "${service.metadata.name}" has no port "${patch.name}" (its ports: ` +
          `${names.join(', ')}); ${tpl.operator} ignores a template port it cannot match by ` +
          'name, and so does dbtls',
      );
      return;
    }
    if (patch.nodePort !== undefined && !tpl.nodePort(patch.nodePort, entry.child('nodePort')))
      return;
    if (ports === current) ports = [...current];
    ports[k] = compact({ ...ports[k], port: patch.port, nodePort: patch.nodePort });
  });
  return ports;
}

function readPort(tpl: TemplateContext, p: unknown, path: FieldPath, type: string) {
  if (!isObj(p)) {
    tpl.ctx.report.error(
      path,
      `${path} must be a mapping with name, port and nodePort, got ${describeType(p)}`,
    );
    return undefined;
  }
  let ok = true;
  const name = p.name === undefined || p.name === null || p.name === '' ? undefined : p.name;
  if (name !== undefined && typeof name !== 'string') {
    const field = path.child('name');
    tpl.ctx.report.error(field, `${field} must be a string, got ${describeType(name)}`);
    ok = false;
  }
  if (!isPort(p.port)) {
    const field = path.child('port');
    tpl.ctx.report.error(
      field,
      `${field} must be a port number (1-65535), got ${describeType(p.port)}`,
    );
    ok = false;
  }
  const nodePort = p.nodePort === 0 || p.nodePort === null ? undefined : p.nodePort;
  const nodePortPath = path.child('nodePort');
  if (nodePort !== undefined && !isPort(nodePort)) {
    tpl.ctx.report.error(
      nodePortPath,
      `${nodePortPath} must be a port number (1-65535), got ${describeType(nodePort)}`,
    );
    ok = false;
  } else if (nodePort !== undefined && type === 'ClusterIP') {
    tpl.ctx.report.error(
      nodePortPath,
      `${nodePortPath} may not be used when type is ClusterIP: the API server would refuse the Service; set ` +
        'type NodePort or LoadBalancer, or remove the nodePort',
    );
    ok = false;
  }
  for (const key of Object.keys(p)) {
    if (key !== 'name' && key !== 'port' && key !== 'nodePort')
      tpl.unknown(path.child(key), 'name, port and nodePort');
  }
  if (!ok) return undefined;
  return {
    name: name as string | undefined,
    port: p.port as number,
    nodePort: nodePort as number | undefined,
  };
}
