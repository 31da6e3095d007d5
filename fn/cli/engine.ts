// The engine: everything a run needs past reading its input and writing its answer. fn/main.ts
// loads it (a file of its own in dist/, scripts/build.mjs) only for a list with something to
// process and for the commands that always need it, so that a start costs what the entry point
// weighs and not the whole function (docs/performance.md).
export { processList } from './krm.js';
export { directoryCommand } from './command.js';
export { admissionCommand } from '../admission/cli.js';
export { runAdmissionKrm } from '../admission/krm.js';
export { KINDS } from '../kinds/index.js';
