// dbtls's own input and output path with nothing in between: stdin read and decoded as the
// function reads it, parsed by fn/io (the block reader and js-yaml 5, the Kubernetes schema, the
// limits), and written back by fn/io/emit.ts in pieces with the function's blocking writes.
// bench/run.mjs bundles it with esbuild.
import { decodeInput, readInput } from '../fn/cli/krm.js';
import { STDOUT, writeAll } from '../fn/cli/write.js';
import { readResourceList, writeResourceListTo } from '../fn/io/resource-list.js';

const decoded = decodeInput(readInput(0));
if ('error' in decoded) throw new Error(decoded.error);
const read = readResourceList(decoded.text);
if (!read.ok) throw new Error(read.results.map((r) => r.message).join('; '));
writeResourceListTo(read.list, (chunk) => writeAll(STDOUT, chunk));
