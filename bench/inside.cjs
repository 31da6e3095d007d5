// Runs inside the image (bench/container.mjs mounts it): each command, given as argv with a final
// `< FILE` for stdin, as a fresh process once per round in a rotating order. Prints, per command,
// the median wall time, the median of its ratio to the last command within each round, and the
// mean CPU time (the children's user + system ticks from /proc/self/stat, read around each run).
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

const rounds = Number(process.argv[2]);
const commands = Object.entries(JSON.parse(process.argv[3]));
const ticks = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17)
};
const runs = commands.map(() => ({ wall: [], cpu: 0 }));
const ratios = commands.map(() => []);
for (let r = 0; r < rounds; r++) {
  const wall = [];
  for (let k = 0; k < commands.length; k++) {
    const i = (k + r) % commands.length;
    const argv = commands[i][1];
    const input = readFileSync(argv[argv.length - 1]);
    const before = ticks();
    const start = process.hrtime.bigint();
    const p = spawnSync(argv[0], argv.slice(1, -2), { input, stdio: ['pipe', 'ignore', 'ignore'] });
    wall[i] = Number(process.hrtime.bigint() - start) / 1e6;
    runs[i].cpu += ticks() - before;
    if (p.status !== 0) throw new Error(`${argv.join(' ')}: exit ${p.status}`);
    runs[i].wall.push(wall[i]);
  }
  const bare = wall[commands.length - 1];
  for (const [i, w] of wall.entries()) ratios[i].push(w / bare);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results = Object.fromEntries(
  commands.map(([label], i) => [
    label,
    { wall: median(runs[i].wall), ratio: median(ratios[i]), cpu: (runs[i].cpu * 10) / rounds },
  ]),
);
process.stdout.write(JSON.stringify({ node: process.version, results }));
