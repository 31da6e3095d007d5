// kpt, kustomize and Argo CD read a function's stdout through a pipe, often more slowly than it
// writes. The output must arrive whole and unchanged, also through a non-blocking pipe, and a
// slow reader must not make dbtls hold its output in memory (process.stdout on a pipe queues
// what the reader has not taken: the whole output, for a function that never yields).
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../bench/generate.mjs';
import { ROOT, tempDir } from './tools.js';

const DIST = join(ROOT, 'dist/dbtls.js');
const PEAK_RSS = join(ROOT, 'bench/peak-rss.cjs');

/** Runs dbtls on the file open at `stdin` with stdout to a pipe read in pieces, `pauseMs` between them. */
function throughPipe(
  stdin: number,
  pauseMs: number,
): Promise<{ status: number | null; stdout: Buffer; peakKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', PEAK_RSS, DIST], {
      stdio: [stdin, 'pipe', 'ignore', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let rss = '';
    child.stdio[3]!.on('data', (d: Buffer) => {
      rss += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      chunks.push(d);
      if (pauseMs > 0) {
        child.stdout!.pause();
        setTimeout(() => child.stdout!.resume(), pauseMs);
      }
    });
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(chunks), peakKiB: Number(rss.trim()) }),
    );
  });
}

describe('output through a pipe', () => {
  it('arrives whole to a slow reader, and dbtls does not hold it meanwhile', async () => {
    const dir = tempDir();
    const file = join(dir, 'input.yaml');
    writeFileSync(file, generate(1000)); // 4 MiB in, 17 MiB out
    const outFile = join(dir, 'output.yaml');
    const toFile = spawnSync(process.execPath, ['--require', PEAK_RSS, DIST], {
      stdio: [openSync(file, 'r'), openSync(outFile, 'w'), 'ignore', 'pipe'],
    });
    expect(toFile.status).toBe(0);
    const fileKiB = Number(String(toFile.output[3]).trim());
    const slow = await throughPipe(openSync(file, 'r'), 2);
    expect(slow.status).toBe(0);
    expect(slow.stdout.equals(readFileSync(outFile))).toBe(true);
    // Queued, the output would add some 40 MiB (its text and its bytes); blocking writes add none.
    expect(slow.peakKiB / 1024).toBeLessThan(fileKiB / 1024 + 15);
  }, 60_000);

  it('arrives whole through a pipe left non-blocking by whoever opened it', () => {
    // Python opens the pipe, sets O_NONBLOCK on the end dbtls writes to, and reads it slowly.
    const script = `
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen([sys.argv[1], sys.argv[2]], stdin=open(sys.argv[3]), stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
time.sleep(0.3)
data = b''
with os.fdopen(r, 'rb') as f:
    while True:
        b = f.read(65536)
        if not b: break
        data += b
sys.stdout.buffer.write(data)
sys.exit(p.wait())
`;
    const file = join(tempDir(), 'input.yaml');
    writeFileSync(file, generate(100));
    const r = spawnSync('python3', ['-c', script, process.execPath, DIST, file], {
      maxBuffer: 1 << 30,
    });
    expect(r.status).toBe(0);
    const direct = spawnSync(process.execPath, [DIST], {
      input: readFileSync(file),
      maxBuffer: 1 << 30,
    });
    expect(r.stdout.equals(direct.stdout)).toBe(true);
    expect(r.stdout.length).toBeGreaterThan(1_000_000);
  });
});
