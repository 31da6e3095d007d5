// Whether the real-server tests can run here. They need root (to lay out files as the kubelet
// does, owned by root and the pod's fsGroup, and to run servers as their own accounts) and the
// Debian packages .ci/install-tools installs. DBTLS_SKIP_SERVER_TESTS=1 skips them (CI never sets
// it); without it, a missing prerequisite is a failure, not a silent skip.
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SKIP = process.env.DBTLS_SKIP_SERVER_TESTS === '1';

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the real-server tests must run as root (they chown files to the pod's fsGroup and run servers as their accounts); run as root or set DBTLS_SKIP_SERVER_TESTS=1",
    );
  }
}

/**
 * A fresh temporary directory, traversable by the server accounts; `cleanup` removes it (kept
 * with DBTLS_KEEP_WORK=1, to read its logs after a failure).
 */
export function workDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dbtls-${prefix}-`));
  chmodSync(dir, 0o755);
  return {
    dir,
    cleanup: () =>
      process.env.DBTLS_KEEP_WORK ? undefined : rmSync(dir, { recursive: true, force: true }),
  };
}
