import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsUnder } from './global-teardown.js';

describe('the teardown that leaves a clone removable', () => {
  it('finds the mounts under .test-tmp, deepest first, with the kernel escapes undone', () => {
    const table = join(mkdtempSync(join(tmpdir(), 'mounts-')), 'mounts');
    writeFileSync(
      table,
      [
        '/dev/vda / ext4 rw 0 0',
        '/dev/vda /c/.test-tmp/containers/storage/overlay ext4 rw 0 0',
        'overlay /c/.test-tmp/containers/storage/overlay/abc/merged overlay rw 0 0',
        'shm /c/.test-tmp/a\\040b tmpfs rw 0 0',
        '/dev/vda /c/.test-tmpx ext4 rw 0 0',
        '',
      ].join('\n'),
    );
    expect(mountsUnder('/c/.test-tmp', table)).toEqual([
      '/c/.test-tmp/containers/storage/overlay/abc/merged',
      '/c/.test-tmp/containers/storage/overlay',
      '/c/.test-tmp/a b',
    ]);
  });
});
