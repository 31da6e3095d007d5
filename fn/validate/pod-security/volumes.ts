// Volume checks. Every key of a volume but its name that is not null is a source: the API server
// reads them all (a null one is no source), and refuses a volume with more than one. Checking only
// the first key would let `{name: host, emptyDir: null, hostPath: {path: /}}` through as an
// emptyDir, where the API server sees one source, a hostPath.
import { isObj, type Obj } from '../../io/objects.js';
import { type Check, isUnset, quote, type Violation } from './check.js';

/** The volume types the restricted level allows (restrictedVolumes, image since v1.33). */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** The sources of a volume: its keys but `name` whose values are not null. */
export function volumeSources(volume: Obj): string[] {
  return Object.keys(volume).filter((k) => k !== 'name' && !isUnset(volume[k]));
}

function eachVolume(spec: Obj, visit: (volume: Obj, i: number, subject: string) => void): void {
  const volumes = spec.volumes;
  if (!Array.isArray(volumes)) return;
  volumes.forEach((v, i) => {
    if (isObj(v)) visit(v, i, `volume ${quote(v.name)}`);
  });
}

export const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  allows: 'no hostPath volume',
  run: (pod) => {
    const out: Violation[] = [];
    eachVolume(pod.spec, (volume, i, subject) => {
      if (isUnset(volume.hostPath)) return;
      const at = ['spec', 'volumes', i, 'hostPath'];
      out.push({ check: 'hostPathVolumes', at, subject, found: 'is a hostPath volume' });
    });
    return out;
  },
};

export const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  allows: `only these volume types: ${RESTRICTED_VOLUME_TYPES.join(', ')}`,
  overrides: ['hostPathVolumes'],
  run: (pod) => {
    const out: Violation[] = [];
    eachVolume(pod.spec, (volume, i, subject) => {
      for (const source of volumeSources(volume)) {
        if (RESTRICTED_VOLUME_TYPES.includes(source)) continue;
        const at = ['spec', 'volumes', i, source];
        out.push({ check: 'restrictedVolumes', at, subject, found: `is a ${source} volume` });
      }
    });
    return out;
  },
};

/** The API server's rule (not Pod Security's): one source per volume. */
export const oneVolumeSource: Check = {
  id: 'volumeSource',
  level: 'baseline',
  by: "the API server's volume validation",
  allows: 'exactly one source per volume',
  run: (pod) => {
    const out: Violation[] = [];
    eachVolume(pod.spec, (volume, i, subject) => {
      const sources = volumeSources(volume);
      if (sources.length < 2) return;
      const found = `has ${sources.length} sources (${sources.join(', ')})`;
      out.push({ check: 'volumeSource', at: ['spec', 'volumes', i], subject, found });
    });
    return out;
  },
};
