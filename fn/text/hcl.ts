// HCL, for vault.hcl (Vault and OpenBao read their configuration with HCL 1, hashicorp/hcl v1;
// what is written here reads the same in HCL 2): quoting, rendering from attributes and blocks as
// data, and a parser of what the render writes.
//
// Reader facts (hashicorp/hcl v1 hcl/scanner scanString and hcl/strconv Unquote; HCL 2's native
// syntax spec): a string is `"…"` on one line, with Go's escapes (`\\ \" \n \r \t`, `\uXXXX`,
// `\UXXXXXXXX`); `${` inside a string opens an interpolation, inside which a `"` does not end the
// string (HCL 1) or which is evaluated (HCL 2), and HCL 2 also reads `%{` as a directive. So `$`
// and `%` before `{` are written as `\u0024` and `\u0025`, which both versions read as the
// character and neither as the start of anything.
import {
  escapeEach,
  isControl,
  oneLine,
  refuse,
  UnwritableValue,
  unwritableAnywhere,
} from './unwritable.js';

const LANGUAGE = 'HCL';

export type HclValue = string | number | boolean;
export interface HclBlock {
  block: string;
  labels?: readonly string[];
  body: readonly HclEntry[];
}
/** An attribute (name, value), a block, a comment line or a blank line. */
export type HclEntry =
  | readonly [string, HclValue]
  | HclBlock
  | { comment: string }
  | { blank: true };

/** Why `value` cannot be an HCL string, or undefined. */
export function unwritableInHcl(value: string): string | undefined {
  return unwritableAnywhere(value);
}

const NAMED: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `value` as an HCL string literal, quotes included. */
export function hclString(value: string): string {
  refuse(LANGUAGE, unwritableInHcl(value));
  const body = escapeEach(value, (c) => {
    if (NAMED[c] !== undefined) return NAMED[c];
    if (isControl(c)) return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return undefined;
  }).replace(/[$%]\{/g, (m) => `\\u00${m[0] === '$' ? '24' : '25'}{`);
  return `"${body}"`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** HCL text from a body: `name = value`, blocks `type "label" { … }` indented by two spaces. */
export function renderHcl(body: readonly HclEntry[]): string {
  return `${renderBody(body, '').join('\n')}\n`;
}

function renderBody(body: readonly HclEntry[], indent: string): string[] {
  const out: string[] = [];
  for (const e of body) {
    if (Array.isArray(e)) {
      const [name, value] = e as readonly [string, HclValue];
      out.push(
        `${indent}${identifier(name)} = ${typeof value === 'string' ? hclString(value) : value}`,
      );
    } else if ('block' in e) {
      const head = [identifier(e.block), ...(e.labels ?? []).map(hclString)].join(' ');
      if (e.body.length === 0) out.push(`${indent}${head} {}`);
      else out.push(`${indent}${head} {`, ...renderBody(e.body, `${indent}  `), `${indent}}`);
    } else if ('comment' in e) out.push(`${indent}# ${oneLine(e.comment)}`);
    else out.push('');
  }
  return out;
}

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new UnwritableValue(LANGUAGE, `bad identifier ${name}`);
  return name;
}

/** A parsed body: attributes by name and blocks in order. */
export interface HclParsed {
  attributes: Map<string, HclValue>;
  blocks: { block: string; labels: string[]; body: HclParsed }[];
}

/**
 * The attributes and blocks of HCL as renderHcl writes it (comments, strings with escapes,
 * numbers, booleans). Throws on anything else. One pass over the text.
 */
export function parseHcl(text: string): HclParsed {
  const p = { text, i: 0 };
  const body = parseBody(p);
  if (p.i < text.length) throw new Error(`HCL: unexpected ${JSON.stringify(text[p.i])} at ${p.i}`);
  return body;
}

function parseBody(p: { text: string; i: number }): HclParsed {
  const out: HclParsed = { attributes: new Map(), blocks: [] };
  for (;;) {
    skip(p);
    if (p.i >= p.text.length || p.text[p.i] === '}') return out;
    const name = word(p);
    skip(p);
    if (p.text[p.i] === '=') {
      p.i++;
      skip(p);
      out.attributes.set(name, value(p));
      continue;
    }
    const labels: string[] = [];
    while (p.text[p.i] === '"') {
      labels.push(string(p));
      skip(p);
    }
    if (p.text[p.i] !== '{') throw new Error(`HCL: expected { after ${name}`);
    p.i++;
    const body = parseBody(p);
    if (p.text[p.i] !== '}') throw new Error(`HCL: block ${name} is not closed`);
    p.i++;
    out.blocks.push({ block: name, labels, body });
  }
}

/** Skips blanks, line breaks and `#` comments. */
function skip(p: { text: string; i: number }): void {
  while (p.i < p.text.length) {
    const c = p.text[p.i];
    if (c === '#') {
      const end = p.text.indexOf('\n', p.i);
      p.i = end < 0 ? p.text.length : end + 1;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') p.i++;
    else return;
  }
}

function word(p: { text: string; i: number }): string {
  const start = p.i;
  while (p.i < p.text.length && /[A-Za-z0-9_.-]/.test(p.text[p.i])) p.i++;
  if (p.i === start) throw new Error(`HCL: expected a name at ${start}`);
  return p.text.slice(start, p.i);
}

function value(p: { text: string; i: number }): HclValue {
  if (p.text[p.i] === '"') return string(p);
  const w = word(p);
  if (w === 'true' || w === 'false') return w === 'true';
  if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w);
  throw new Error(`HCL: ${w} is not a value`);
}

const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function string(p: { text: string; i: number }): string {
  let out = '';
  for (p.i++; p.i < p.text.length; p.i++) {
    const c = p.text[p.i];
    if (c === '"') {
      p.i++;
      return out;
    }
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = p.text[++p.i];
    const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex === 0 && UNESCAPE[e] === undefined) throw new Error(`HCL: bad escape \\${e}`);
    if (hex === 0) out += UNESCAPE[e];
    else {
      out += String.fromCodePoint(Number.parseInt(p.text.slice(p.i + 1, p.i + 1 + hex), 16));
      p.i += hex;
    }
  }
  throw new Error('HCL: a string is not closed on its line');
}
