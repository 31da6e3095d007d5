// The import graph of fn/, read from the code with TypeScript's own pre-processor: every relative
// import and re-export, `import type` included (a type is a dependency of its reader too), and the
// checks test/architecture.test.ts makes of it: no cycle, no import from a higher layer. The layers
// themselves are defined in ARCHITECTURE.md, which the test reads, so that the document and the
// rule cannot drift apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Module → the modules it imports, as paths relative to the repository (`fn/io/yaml.ts`). */
export type ImportGraph = Map<string, string[]>;

/** Every .ts file under `dir`, relative to `root`. */
export function sourceFiles(root: string, dir = 'fn'): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The graph of `files`. An import of `./x.js` is the module `x.ts` (TypeScript's NodeNext
 * convention); one that names no file of `files` keeps its `.js` name (fn/generated/, written by
 * the build), so the layer check still sees it.
 */
export function importGraph(root: string, files: readonly string[]): ImportGraph {
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const deps: string[] = [];
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(file), fileName));
      const asTs = target.replace(/\.js$/, '.ts');
      deps.push(known.has(asTs) ? asTs : target);
    }
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** Every cycle, as the modules of one strongly connected component (Tarjan), sorted. */
export function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One layer: its rank (1 is the bottom) and the paths it holds (`fn/io/`, or one file). */
export interface Layer {
  rank: number;
  name: string;
  paths: string[];
}

/**
 * The layers table of ARCHITECTURE.md: rows `| 3 | contract | `fn/contract/` | … |`, the paths
 * in backquotes in the third column.
 */
export function layersOf(markdown: string): Layer[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers'));
  if (!section) return [];
  const layers: Layer[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !/^\d+$/.test(cells[1])) continue;
    const paths = [...cells[3].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    layers.push({ rank: Number(cells[1]), name: cells[2], paths });
  }
  return layers;
}

/** The layer of a module: the one whose path is its longest prefix. */
export function layerOf(module: string, layers: readonly Layer[]): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers) {
    for (const p of layer.paths) {
      const holds = p.endsWith('/') ? module.startsWith(p) : module === p;
      if (holds && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  }
  return best?.layer;
}

/** Imports from a higher layer, and modules (or imports) in no layer: one line each. */
export function layerViolations(graph: ImportGraph, layers: readonly Layer[]): string[] {
  const out: string[] = [];
  for (const [module, deps] of graph) {
    const from = layerOf(module, layers);
    if (!from) {
      out.push(`${module} is in no layer of ARCHITECTURE.md`);
      continue;
    }
    for (const dep of deps) {
      const to = layerOf(dep, layers);
      if (!to) out.push(`${module} imports ${dep}, which is in no layer of ARCHITECTURE.md`);
      else if (to.rank > from.rank)
        out.push(
          `${module} (${from.name}, layer ${from.rank}) imports ${dep} (${to.name}, layer ${to.rank})`,
        );
    }
  }
  return out;
}

/** Relative imports that name no file: a module deleted or moved under its importers. */
export function missingImports(root: string, graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [module, deps] of graph)
    for (const dep of deps)
      if (!graph.has(dep) && !dep.startsWith('fn/generated/') && !existsSync(join(root, dep)))
        out.push(`${module} imports ${dep}, which does not exist`);
  return out;
}
