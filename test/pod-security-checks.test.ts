// dbtls's Pod Security checks (fn/validate/pod-security/) against Pod Security admission's own test
// pods (test/data/pod-security, Kubernetes v1.37): each level admits every `pass` pod and refuses
// every `fail` pod with the check the file is named after (or the restricted check that replaces
// it at that level).
import { describe, expect, it } from 'vitest';
import { Reporter } from '../fn/io/results.js';
import {
  clientTemplate,
  clientViolations,
  reportClientPod,
} from '../fn/validate/pod-security/client-pods.js';
import {
  checksOf,
  describeViolation,
  podViolations,
  SERVER_CHECKS,
} from '../fn/validate/pod-security/index.js';
import { fixtures, IDS, refusingChecks } from './pod-security-fixtures.js';

const template = (pod: any) => ({ metadata: pod.metadata ?? {}, spec: pod.spec ?? {} });

describe("Pod Security admission's test pods", () => {
  const all = fixtures();

  it('are all there: both levels, pass and fail, each fail pod named after a known check', () => {
    expect(all.length).toBe(148);
    for (const f of all.filter((x) => x.verdict === 'fail')) expect(f.check, f.file).toBeDefined();
    // every check of both levels has a fail pod
    const named = new Set(all.map((f) => f.check));
    for (const id of IDS) expect(named, id).toContain(id);
  });

  for (const f of all) {
    it(`${f.level}/${f.verdict}/${f.file}`, () => {
      const found = podViolations(template(f.pod), checksOf(f.level));
      if (f.verdict === 'pass') {
        expect(found.map(describeViolation)).toEqual([]);
        return;
      }
      expect(found.length).toBeGreaterThan(0);
      const checks = refusingChecks(f.check!, f.level);
      expect(
        found.some((v) => checks.includes(v.check)),
        `${found.map((v) => v.check)} includes one of ${checks}`,
      ).toBe(true);
    });
  }

  it('every restricted pass pod passes both levels, and dbtls rules for its own pods', () => {
    for (const f of all.filter((x) => x.level === 'restricted' && x.verdict === 'pass'))
      expect(podViolations(template(f.pod), SERVER_CHECKS).map(describeViolation), f.file).toEqual(
        [],
      );
  });
});

describe('the checks read what the API server reads', () => {
  const base = () => ({
    metadata: {},
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    } as any,
  });

  it('a volume with a null source and a hostPath is a hostPath volume', () => {
    const pod = base();
    pod.spec.volumes = [{ name: 'host', emptyDir: null, hostPath: { path: '/' } }];
    expect(podViolations(pod, SERVER_CHECKS).map(describeViolation)).toEqual([
      'volume "host" is a hostPath volume: Pod Security\'s baseline check hostPathVolumes allows no hostPath volume',
    ]);
  });

  it('a volume with two sources is refused, and each source is checked', () => {
    const pod = base();
    pod.spec.volumes = [{ name: 'two', emptyDir: {}, hostPath: { path: '/' } }];
    expect(podViolations(pod, SERVER_CHECKS).map((v) => [v.check, v.at.join('.')])).toEqual([
      ['volumeSource', 'spec.volumes.0'],
      ['hostPathVolumes', 'spec.volumes.0.hostPath'],
    ]);
  });

  it('a volume of no source is an emptyDir (the API server defaults it so)', () => {
    const pod = base();
    pod.spec.volumes = [{ name: 'none' }, { name: 'null', secret: null }];
    expect(podViolations(pod, SERVER_CHECKS)).toEqual([]);
  });

  it('a value the standard does not allow is refused, whatever its type', () => {
    const pod = base();
    pod.spec.hostNetwork = 'true';
    pod.spec.containers[0].securityContext.privileged = 'yes';
    pod.spec.containers[0].ports = [{ containerPort: 80, hostPort: '80' }];
    expect(podViolations(pod, SERVER_CHECKS).map((v) => v.check)).toEqual([
      'hostNamespaces',
      'privileged',
      'hostPorts',
    ]);
  });

  it('a Windows pod passes restricted without dropping capabilities, but not baseline with SYS_ADMIN', () => {
    const pod = base();
    pod.spec.os = { name: 'windows' };
    pod.spec.containers[0].securityContext = { capabilities: { add: ['SYS_ADMIN'] } };
    expect(podViolations(pod, checksOf('restricted'))).toEqual([]);
    expect(podViolations(pod, SERVER_CHECKS).map((v) => v.check)).toEqual([
      'capabilities_baseline',
    ]);
  });
});

describe("a connected workload's pod (validate/pod-security/client-pods.ts)", () => {
  const workload = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'demo' },
    spec: { template: { metadata: {}, spec: { containers: [{ name: 'app' }] } } },
  };
  const path = ['spec', 'template', 'spec'];

  it('a violation the pod did not have before dbtls added to it is an error (a bug of dbtls)', () => {
    const o = structuredClone(workload) as any;
    const pod = clientTemplate(o, path)!;
    const before = clientViolations(pod);
    pod.spec.volumes = [{ name: 'added', hostPath: { path: '/' } }];
    const report = new Reporter(o);
    reportClientPod(pod, before, path, report);
    expect(report.results.map((r) => [r.severity, r.field?.path, r.message])).toEqual([
      [
        'error',
        'spec.template.spec.volumes[0].hostPath',
        'volume "added" is a hostPath volume: Pod Security\'s baseline check hostPathVolumes allows no hostPath volume; dbtls\'s additions for the connection did this, which is a bug in dbtls: please report it',
      ],
    ]);
  });

  it("the user's own baseline violation is a warning; a restricted-only one is not reported", () => {
    const o = structuredClone(workload) as any;
    o.spec.template.spec.hostNetwork = true;
    const pod = clientTemplate(o, path)!;
    const report = new Reporter(o);
    reportClientPod(pod, clientViolations(pod), path, report);
    // no runAsNonRoot, no seccomp profile, no dropped capabilities: restricted-only, unreported
    expect(report.results.map((r) => [r.severity, r.field?.path])).toEqual([
      ['warning', 'spec.template.spec.hostNetwork'],
    ]);
  });
});
