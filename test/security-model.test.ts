// README's "Security model": each bullet is held to the evidence that proves it — the bad input
// that shows the refusal (its expected output, itself checked by test/bad-inputs.test.ts), or the
// test that runs the real server or tool — and to the page it links. A bullet added without
// evidence here fails the test.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = README.slice(README.indexOf('## Security model'), README.indexOf('## Admission'));
const bullets = [...section.matchAll(/^- \*\*(.+?)\*\*/gm)].map((m) => m[1]);

const expected = (dir: string) =>
  readFileSync(join(ROOT, 'test/bad-inputs', dir, 'expected.yaml'), 'utf8');
const source = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Each bullet: the page it links, and what proves it (a file and a text it holds). */
const EVIDENCE: Record<string, { page: string; proofs: [string, string][] }> = {
  'No value becomes code.': {
    page: 'docs/security-text.md',
    proofs: [
      [expected('241-namespace-command-substitution'), 'demo$(touch /tmp/pwned)'],
      [expected('242-vault-file-path-hcl-listener'), 'is not absolute'],
      [source('test/servers/text-readers.test.ts'), 'enable-debug-command'],
    ],
  },
  'Pods stay restricted.': {
    page: 'docs/pod-security.md',
    proofs: [
      [expected('913-pg-podtemplate-hostpath-two-sources'), 'hostPathVolumes'],
      [expected('916-pg-podtemplate-hostile-init-container'), 'mounts volume "data" writable'],
    ],
  },
  "The server's TLS settings have the last word:": {
    page: 'docs/standalone.md',
    proofs: [
      [source('test/servers/postgres.test.ts'), 'postgresql.auto.conf'],
      [source('test/servers/mysql-pinned.test.ts'), 'require_secure_transport'],
      [source('test/servers/redis-pinned.test.ts'), 'tls-port'],
    ],
  },
  'Connections are granted by the database.': {
    page: 'docs/security-connections.md',
    proofs: [
      [expected('710-connect-other-team-becomes-superuser'), 'dbtls.dev/allow-clients'],
      [expected('720-cert-kubernetes-api-server-name'), "the Kubernetes API server's name"],
      [expected('724-cert-system-masters-subject'), 'system:masters'],
      [expected('725-service-template-external-ips'), 'allowedIPRanges'],
    ],
  },
  "The platform's policy is pinned": {
    page: 'docs/policy.md',
    proofs: [[source('test/pinning.test.ts'), 'a .krmignore line that hides the policy']],
  },
};

describe('README: the security model', () => {
  it('has a bullet for each kind of trust boundary, and evidence for each bullet', () => {
    expect(bullets).toEqual(Object.keys(EVIDENCE));
  });

  for (const [bullet, { page, proofs }] of Object.entries(EVIDENCE)) {
    it(`${bullet} — links ${page}, and its evidence holds it`, () => {
      const text = section.slice(section.indexOf(bullet));
      const next = text.indexOf('\n- **', 1);
      expect(next === -1 ? text : text.slice(0, next)).toContain(`(${page})`);
      expect(existsSync(join(ROOT, page))).toBe(true);
      for (const [file, phrase] of proofs) expect(file).toContain(phrase);
    });
  }
});
