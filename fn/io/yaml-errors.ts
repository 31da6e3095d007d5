// A YAML parse failure as a person reads it: one line, its position, and what js-yaml's own
// reason leaves out (which key is duplicated, which character is not allowed, where an unclosed
// quote opened). Scans, not patterns: these run on the user's text (linear time, issue 24).
import { YAMLException } from 'js-yaml';

export interface YamlError {
  message: string;
  line?: number;
  column?: number;
}

/** js-yaml's reason, with what it leaves out: which key is duplicated, which character is not allowed. */
function explainYamlError(
  reason: string,
  text: string | undefined,
  at: number | undefined,
): string {
  if (text === undefined || at === undefined) return reason;
  if (reason === 'duplicated mapping key') {
    // js-yaml marks a quoted key after its quote
    const name = keyAt(
      text.slice(text[at - 1] === '"' || text[at - 1] === "'" ? at - 1 : at, at + 300),
    );
    return name !== undefined && name !== ''
      ? `duplicated mapping key ${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)} (a key may appear only once in a mapping)`
      : reason;
  }
  const c = text.codePointAt(at);
  if (
    c !== undefined &&
    (c < 0x20 || (c >= 0x7f && c <= 0x9f)) &&
    c !== 0x09 &&
    c !== 0x0a &&
    c !== 0x0d
  ) {
    return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')} (only tab, line feed and carriage return may appear as they are; in a double-quoted string write it as "\\x${c.toString(16).padStart(2, '0')}")`;
  }
  if (reason === 'deficient indentation') {
    // js-yaml says this inside a quoted string or a flow collection that runs on past its line:
    // most often a quote that is never closed. Name the line where it opened.
    const lines = text.slice(0, at).split('\n');
    for (let n = lines.length - 2; n >= Math.max(0, lines.length - 50); n--) {
      const open = unclosedQuote(lines[n]);
      if (open)
        return `the string opened with ${open.quote} at line ${n + 1}, column ${open.column} is not closed, or its next line is indented less than it (deficient indentation)`;
    }
  }
  return reason;
}

/**
 * The key a line starts with, as the reader names it: a quoted key's content, or a plain key up to
 * the first `:` before a blank or the end (without the blanks before it). Scanned: the pattern it
 * replaces backtracked quadratically on a line of tabs.
 */
function keyAt(line: string): string | undefined {
  const c = line[0];
  if (c === '"' || c === "'") {
    let content = '';
    for (let j = 1; j < line.length && line[j] !== '\n'; j++) {
      const ch = line[j];
      if (c === '"' && ch === '\\') {
        if (j + 1 >= line.length || line[j + 1] === '\n') break;
        content += line.slice(j, j + 2);
        j++;
      } else if (c === "'" && ch === "'" && line[j + 1] === "'") {
        content += "'";
        j++;
      } else if (ch === c) {
        let k = j + 1;
        while (line[k] === ' ' || line[k] === '\t') k++;
        const after = line[k + 1];
        if (
          line[k] === ':' &&
          (after === undefined || after === ' ' || after === '\t' || after === '\n')
        )
          return content;
        break;
      } else content += ch;
    }
  }
  for (let j = line.indexOf(':'); j >= 0; j = line.indexOf(':', j + 1)) {
    const eol = line.indexOf('\n');
    if (eol >= 0 && j > eol) return undefined;
    const after = line[j + 1];
    if (after === undefined || after === ' ' || after === '\t' || after === '\n') {
      let end = j;
      while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
      return line.slice(0, end);
    }
  }
  return undefined;
}

/** A quoted scalar that starts on this line and does not end on it: its quote and column. */
function unclosedQuote(line: string): { quote: string; column: number } | undefined {
  let open: { quote: string; column: number } | undefined;
  // Whether a node may start here: at the line's start or after : - [ { , and blanks.
  let nodeMayStart = true;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (open === undefined) {
      if (ch === '#' && (i === 0 || line[i - 1] === ' ')) break;
      if ((ch === '"' || ch === "'") && nodeMayStart) open = { quote: ch, column: i + 1 };
      else if (!/\s/.test(ch)) nodeMayStart = ':-[{,'.includes(ch);
    } else if (open.quote === '"' && ch === '\\') i++;
    else if (ch === open.quote) {
      if (ch === "'" && line[i + 1] === "'") i++;
      else {
        open = undefined;
        nodeMayStart = false;
      }
    }
  }
  return open;
}

/** A YAML parse failure as a one-line message with its position (1-based), never a stack. */
export function describeYamlError(err: unknown): YamlError {
  if (err instanceof YAMLException) {
    const mark = (
      err as unknown as {
        mark?: { line?: number; column?: number; buffer?: string; position?: number };
      }
    ).mark;
    const reason = (err as unknown as { reason?: string }).reason ?? err.message.split('\n')[0];
    return {
      message: explainYamlError(reason, mark?.buffer, mark?.position),
      line: mark?.line !== undefined ? mark.line + 1 : undefined,
      column: mark?.column !== undefined ? mark.column + 1 : undefined,
    };
  }
  if (err instanceof RangeError) return { message: 'input nests too deeply to process' };
  return { message: err instanceof Error ? err.message : String(err) };
}
