#!/usr/bin/env node
// Extracts the KubeDB and KubeVault documentation examples that test/kubedb-docs.test.ts runs:
// every YAML file under docs/ holding one of the nine kinds dbtls checks (kubedb.com,
// gitops.kubedb.com, kubevault.com), and every fenced ```yaml block of the guides' markdown that
// holds one of them with spec.tls, or a gitops.kubedb.com one. Each repository is read at the
// commit pinned below, so the corpus is the same wherever it is extracted.
//
//   node scripts/kubedb-docs.mjs                      clone both repositories (needs the network)
//   node scripts/kubedb-docs.mjs --kubedb-docs DIR --kubevault-docs DIR
//                                                     read existing clones (git directories)
//   --manifest                                        also rewrite test/data/kubedb-docs/examples.json
//
// The examples are written unchanged to test/data/kubedb-docs/corpus/ (see the README there for
// why they are not committed); examples.json lists each one with its repository, commit, path
// (and block) and SHA-256, so the test knows the corpus it runs is the pinned one.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

// Some docs' blocks are templates ({{< param "info.version" >}} as a key): the yaml library warns
// of each, and these warnings are not the script's business.
process.emitWarning = () => {};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test/data/kubedb-docs');

/** The pinned sources: both Apache-2.0 at these commits (their LICENSE files). */
export const SOURCES = [
  {
    key: 'kubedb-docs',
    repository: 'kubedb/docs',
    commit: 'dd66a58b783778fd3ea572d8014e79c872a74217',
    licence: 'Apache-2.0',
  },
  {
    key: 'kubevault-docs',
    repository: 'kubevault/kubevault',
    commit: 'e32decc871081ddfa2ccefda3dcaac65451d6bd8',
    licence: 'Apache-2.0',
  },
];

const KINDS = new Set([
  'Postgres',
  'PerconaXtraDB',
  'Singlestore',
  'MSSQLServer',
  'MariaDB',
  'MySQL',
  'Redis',
  'MongoDB',
  'VaultServer',
]);
const GROUPS = new Set(['kubedb.com', 'gitops.kubedb.com', 'kubevault.com']);
/** Version catalogs: an example's directory (or markdown file) may ship the version it names. */
const CATALOG_GROUPS = new Set(['catalog.kubedb.com', 'catalog.kubevault.com']);

function git(dir, ...args) {
  return execFileSync('git', ['-C', dir, ...args], { maxBuffer: 1 << 28 });
}

/** A clone of the repository at its pinned commit: the one given, or a fresh one. */
function checkout(source, given) {
  if (given) {
    git(given, 'cat-file', '-e', `${source.commit}^{commit}`);
    return { dir: given, cleanup() {} };
  }
  const dir = mkdtempSync(join(tmpdir(), `${source.key}-`));
  execFileSync('git', ['init', '-q', dir]);
  git(dir, 'fetch', '-q', '--depth=1', `https://github.com/${source.repository}`, source.commit);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The documents of a YAML text that parse, each as a plain value; none when it does not parse. */
function documents(text) {
  try {
    return parseAllDocuments(text).map((d) => (d.errors.length ? undefined : d.toJS()));
  } catch {
    return [];
  }
}

function groupOf(apiVersion) {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** A document of one of the nine kinds (also when the text does not parse: by its lines). */
function databasesIn(text) {
  const docs = documents(text).filter((d) => d && typeof d === 'object');
  if (docs.length > 0)
    return docs.filter((d) => KINDS.has(d.kind) && GROUPS.has(groupOf(d.apiVersion)));
  const kind = /^kind:\s*(\w+)\s*$/m.exec(text)?.[1];
  const group = /^apiVersion:\s*([\w.-]+)\//m.exec(text)?.[1];
  return KINDS.has(kind) && GROUPS.has(group)
    ? [{ kind, apiVersion: `${group}/`, unparsed: true }]
    : [];
}

const wanted = (db) =>
  db.unparsed || groupOf(db.apiVersion) === 'gitops.kubedb.com' || db.spec?.tls !== undefined;

/** The fenced yaml blocks of a markdown text: their text and first line. */
function yamlBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  let open;
  lines.forEach((line, i) => {
    const fence = /^\s*```\s*(\w*)/.exec(line);
    if (!fence) {
      if (open) open.lines.push(line);
      return;
    }
    if (open) {
      // A block that shows `kubectl get … -o yaml` starts with the shell's prompt and command:
      // the object is what follows.
      let skip = 0;
      while (skip < open.lines.length && /^\s*\$ /.test(open.lines[skip])) skip++;
      const text = `${open.lines.slice(skip).join('\n')}\n`;
      if (/^(ya?ml)$/i.test(open.lang)) blocks.push({ text, line: open.line + skip });
      open = undefined;
    } else open = { lang: fence[1], line: i + 2, lines: [] };
  });
  return blocks;
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** Every example of one repository, written under corpus/<key>/. */
function extract(source, dir) {
  const files = git(dir, 'ls-tree', '-r', '--name-only', source.commit, '--', 'docs')
    .toString()
    .split('\n')
    .filter((p) => /\.(ya?ml|md)$/.test(p));
  const examples = [];
  for (const path of files) {
    const text = git(dir, 'show', `${source.commit}:${path}`).toString();
    const pieces = path.endsWith('.md')
      ? yamlBlocks(text).map((b, n) => ({ ...b, block: n, file: `${path}.block-${n}.yaml` }))
      : [{ text, file: path }];
    for (const piece of pieces) {
      const dbs = databasesIn(piece.text);
      const catalog = documents(piece.text).some((d) => CATALOG_GROUPS.has(groupOf(d?.apiVersion)));
      if (!catalog && (dbs.length === 0 || (path.endsWith('.md') && !dbs.some(wanted)))) continue;
      const target = join(OUT, 'corpus', source.key, piece.file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, piece.text);
      examples.push({
        id: `${source.key}/${piece.file}`,
        repository: source.repository,
        commit: source.commit,
        path,
        ...(piece.block !== undefined ? { block: piece.block, line: piece.line } : {}),
        ...(dbs.length === 0 ? { role: 'catalog' } : {}),
        sha256: sha256(piece.text),
      });
    }
  }
  return examples;
}

function main(argv) {
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--kubedb-docs') given['kubedb-docs'] = argv[++i];
    else if (argv[i] === '--kubevault-docs') given['kubevault-docs'] = argv[++i];
    else if (argv[i] !== '--manifest') throw new Error(`unknown argument ${argv[i]}`);
  }
  rmSync(join(OUT, 'corpus'), { recursive: true, force: true });
  const examples = [];
  for (const source of SOURCES) {
    const repo = checkout(source, given[source.key]);
    try {
      examples.push(...extract(source, repo.dir));
    } finally {
      repo.cleanup();
    }
  }
  examples.sort((a, b) => (a.id < b.id ? -1 : 1));
  const manifest = `${JSON.stringify({ sources: SOURCES, examples }, null, 1)}\n`;
  writeFileSync(join(OUT, 'corpus', 'examples.json'), manifest);
  if (argv.includes('--manifest')) writeFileSync(join(OUT, 'examples.json'), manifest);
  console.log(`${examples.length} examples in ${join(OUT, 'corpus')}`);
}

main(process.argv.slice(2));
