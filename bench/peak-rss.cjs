// Preloaded (`node --require`) into every process the benchmark times, bare `node -e 0` included:
// on exit it reports the process's own peak resident set size (getrusage's ru_maxrss, in KiB) on
// file descriptor 3, which bench/run.mjs opens as a pipe. Node's child_process does not expose the
// rusage that wait4 returns, and /proc/<pid>/status is gone once the child has exited.
'use strict';
process.on('exit', () => {
  try {
    require('node:fs').writeSync(3, `${process.resourceUsage().maxRSS}\n`);
  } catch {
    // fd 3 is not open: run outside the benchmark; report nothing.
  }
});
