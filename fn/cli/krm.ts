// KRM mode: a ResourceList on stdin, a ResourceList on stdout, a readable summary on stderr
// (kustomize and Argo CD show stderr and ignore results), exit 1 on any error result. Reading
// and answering are fn/cli/krm-io.ts; this module runs the pipeline between them.
import { runFunction } from '../pipeline/index.js';
import type { ResourceList } from '../io/resource-list.js';
import { answer, finish, type Input, type KrmOutcome, readKrmList } from './krm-io.js';

export {
  decodeInput,
  type Input,
  inputOf,
  type KrmOutcome,
  readInput,
  summary,
} from './krm-io.js';

/**
 * The whole KRM run on the input's bytes, or on its Input (then the bytes can be freed before
 * the work starts: a caller's argument stays reachable until the call returns, 20 MiB at
 * N=5,000). Given `write`, the output goes to it in pieces and `stdout` is empty.
 */
export function runKrm(input: Uint8Array | Input, write?: (chunk: string) => void): KrmOutcome {
  const read = readKrmList(input);
  return 'list' in read ? processList(read.list, write) : read;
}

/** The pipeline on a list read from the input, and the answer. */
export function processList(list: ResourceList, write?: (chunk: string) => void): KrmOutcome {
  let out: ResourceList;
  try {
    out = runFunction(list);
  } catch (err) {
    // A bug of ours must not lose the user's resources or print a stack: pass everything through.
    return finish(list, [
      {
        severity: 'error',
        message: `internal error in dbtls: ${err instanceof Error ? err.message : String(err)}; the input was passed through unchanged. Please report this.`,
      },
    ]);
  }
  return answer(out, list.results?.length ?? 0, write);
}
