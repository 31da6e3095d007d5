// A database server started by a test: its exit is tracked, it is stopped with a signal and a
// grace period, and every one still running is killed when the test process exits.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface Supervised {
  /** The server's log so far. */
  log(): string;
  /** Stops the server (`signal`, then SIGKILL after the grace period); a no-op once it exited. */
  stop(): Promise<void>;
  /**
   * Polls `ready` every 100 ms until it answers true; throws with the log if the server exits
   * first, or stops it and throws if `timeoutMs` passes.
   */
  waitUntilReady(ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
}

export function supervise(
  name: string,
  proc: ChildProcess,
  logFile: string,
  signal: NodeJS.Signals,
  graceMs: number,
): Supervised {
  live.add(proc);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, sig) => {
      exited = code ?? (sig ? -1 : null);
      live.delete(proc);
      resolve();
    }),
  );
  const log = () => readFileSync(logFile, 'utf8');
  const stop = async () => {
    if (exited !== undefined) return;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(t);
  };
  const waitUntilReady = async (ready: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited !== undefined)
        throw new Error(`${name} exited (${exited}) before accepting connections:\n${log()}`);
      if (await ready()) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${name} did not accept connections in time:\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { log, stop, waitUntilReady };
}
