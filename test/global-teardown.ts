// Vitest global set-up with a teardown only. Podman's overlay storage makes its storage folder
// (.test-tmp/containers/storage/overlay) a private bind mount of itself and leaves it mounted when
// the last podman command exits; a mount inside the clone makes `rm -rf` of the clone fail with
// "Device or resource busy" (it did in CI). After the run, undo every mount under .test-tmp, so
// that a clone the tests ran in can be removed like any folder. The next run's podman mounts it again.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TEST_TMP = join(import.meta.dirname, '..', '.test-tmp');

/** Mount points under `dir`, deepest first, from the kernel's table (octal escapes undone). */
export function mountsUnder(dir: string, table = '/proc/self/mounts'): string[] {
  if (!existsSync(table)) return [];
  const points = readFileSync(table, 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .map((p) =>
      p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
    )
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export default function setup(): () => void {
  return () => {
    for (const point of mountsUnder(TEST_TMP)) {
      const done = spawnSync('umount', [point], { encoding: 'utf8' });
      if (done.status !== 0)
        process.stderr.write(`teardown: umount ${point}: ${done.stderr.trim()}\n`);
    }
  };
}
