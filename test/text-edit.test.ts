// Exact edits inside block sequences: a container's env, volumeMounts, a pod's volumes. What is
// not edited keeps its bytes; what is edited reads, to Go's two readers, as the value dbtls meant.
import { describe, expect, it } from 'vitest';
import { editText } from '../fn/io/text-edit.js';
import { parseYaml } from '../fn/io/yaml.js';
import { canonicalOf, goMeanings } from './yaml-reference/reference.js';

/** An item's text as an entry at column 0 (as `items:` holds it), and its value. */
function entry(text: string): { text: string; value: Record<string, unknown> } {
  const value = parseYaml(text) as Record<string, unknown>;
  const lines = text.replace(/\n$/, '').split('\n');
  return {
    text: lines.map((l, i) => (i === 0 ? `- ${l}` : l === '' ? l : `  ${l}`)).join('\n'),
    value,
  };
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app # the app
  annotations:
    dbtls.dev/connect-to: Postgres/pg
spec:
  template:
    spec:
      containers:
      # the main container
      - name: app
        image: "example/app:1"   # pinned
        env:
        - name: A
          value: '1'
        - {name: B, value: "2"}
      - name: sidecar
        image: example/sidecar
      volumes:
        - name: cache
          emptyDir: {}
`;

type Pod = {
  spec: { template: { spec: { containers: Record<string, unknown>[]; volumes?: unknown[] } } };
};

function changed(
  value: Record<string, unknown>,
  edit: (pod: Pod['spec']['template']['spec']) => void,
): Record<string, unknown> {
  const copy = structuredClone(value);
  edit((copy as unknown as Pod).spec.template.spec);
  return copy;
}

const ADDED = (pod: Pod['spec']['template']['spec']) => {
  const [app, sidecar] = pod.containers;
  (app.env as unknown[]).push({ name: 'PGHOST', value: 'pg' }, { name: 'PGPORT', value: '5432' });
  app.volumeMounts = [{ name: 'dbtls-pg', mountPath: '/dbtls/pg', readOnly: true }];
  sidecar.env = [{ name: 'PGHOST', value: 'pg' }];
  pod.volumes!.push({ name: 'dbtls-pg', secret: { secretName: 'app-pg', defaultMode: 0o400 } });
};

describe('text edits inside block sequences', () => {
  it('appends entries and adds pairs to entries, keeping every other line', () => {
    const { text, value } = entry(DEPLOYMENT);
    const after = changed(value, ADDED);
    const edited = editText(text, 2, value, after);
    expect(edited).toBeDefined();
    // Every line of the input is still there, in order.
    const kept = edited!.split('\n');
    let at = 0;
    for (const line of text.split('\n')) {
      at = kept.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
    }
    // Appended at the sequence's own column, whatever it is; a new pair as the emitter writes it.
    expect(edited).toContain(
      `          - {name: B, value: "2"}\n          - name: PGHOST\n            value: pg\n`,
    );
    expect(edited).toContain(
      `        volumes:\n          - name: cache\n            emptyDir: {}\n          - name: dbtls-pg\n`,
    );
    expect(edited).toContain(
      `        - name: sidecar\n          image: example/sidecar\n          env:\n            - name: PGHOST\n`,
    );
    const [meaning] = goMeanings([
      edited!
        .split('\n')
        .map((l) => l.slice(2))
        .join('\n'),
    ]);
    expect(meaning.v3).toEqual(canonicalOf(after));
    expect(meaning.kubectl).toEqual(canonicalOf(after));
  });

  it('removing what it added gives back the text byte for byte', () => {
    const { text, value } = entry(DEPLOYMENT);
    const after = changed(value, ADDED);
    const edited = editText(text, 2, value, after)!;
    const again = parseYaml(
      edited
        .split('\n')
        .map((l) => l.slice(2))
        .join('\n'),
    ) as Record<string, unknown>;
    expect(again).toEqual(after);
    // Back to the input's value: entries dropped, pairs removed.
    expect(editText(edited, 2, again, value)).toBe(text);
  });

  it("a pair on an entry's `- ` line is replaced in place, the dash kept", () => {
    const { text, value } = entry(DEPLOYMENT);
    const after = changed(value, (pod) => {
      pod.containers[1].name = 'helper';
    });
    const edited = editText(text, 2, value, after)!;
    expect(edited).toContain('        - name: helper\n          image: example/sidecar');
    expect(edited.replace('helper', 'sidecar')).toBe(text);
  });

  it('declines what it cannot do exactly: the item is then written from its value', () => {
    const flow = entry('kind: Deployment\nmetadata: {name: a}\nspec:\n  containers: [{name: a}]\n');
    const after = structuredClone(flow.value) as {
      spec: { containers: Record<string, unknown>[] };
    };
    after.spec.containers[0].env = [{ name: 'X', value: 'y' }];
    const edited = editText(flow.text, 2, flow.value, after);
    // Either exact, or declined; never a text that reads otherwise.
    if (edited !== undefined)
      expect(
        parseYaml(
          edited
            .split('\n')
            .map((l) => l.slice(2))
            .join('\n'),
        ),
      ).toEqual(after);
  });

  it('two pairs added to one mapping are one edit each, both checked', () => {
    const { text, value } = entry('kind: A\nmetadata:\n  name: a\n  annotations:\n    x: "1"\n');
    const after = structuredClone(value) as { metadata: { annotations: Record<string, string> } };
    after.metadata.annotations.y = '2';
    after.metadata.annotations.z = '3';
    expect(editText(text, 2, value, after)).toBe(`${text}\n      'y': '2'\n      z: '3'`);
  });
});

// Generated pod templates in several layouts (sequences at their key's column or indented, flow
// entries, comments, quoted keys and values), each changed as the connect stage changes them:
// what editText writes reads, to yaml.v3 and to sigs.k8s.io/yaml, as exactly the intended value,
// and taking the change back gives the original text byte for byte.
describe("text edits inside sequences, over generated layouts, read by Go's readers", () => {
  const layouts = [
    { name: 'indentless', seq: (col: number) => col },
    { name: 'indented', seq: (col: number) => col + 2 },
  ];
  /** A container as text at `col` (its `- ` at col), in one of three styles. */
  function containerText(
    i: number,
    col: number,
    seqCol: (c: number) => number,
    style: number,
  ): string {
    const pad = ' '.repeat(col);
    const inner = ' '.repeat(col + 2);
    const env = seqCol(col + 2);
    const lines = [
      `${pad}- name: c${i}${style === 1 ? ' # the container' : ''}`,
      `${inner}image: "example/c${i}:1"`,
    ];
    if (style !== 2) {
      lines.push(`${inner}env:`);
      lines.push(`${' '.repeat(env)}- {name: A${i}, value: "1"}`);
      if (style === 1) lines.push(`${' '.repeat(env)}# a comment between entries`);
      lines.push(`${' '.repeat(env)}- name: 'B${i}'`, `${' '.repeat(env + 2)}value: x y`);
    }
    return lines.join('\n');
  }
  function podText(
    n: number,
    seqCol: (c: number) => number,
    style: number,
    volumes: boolean,
  ): string {
    const containersCol = seqCol(6);
    const lines = [
      'kind: Deployment',
      'metadata:',
      '  name: w',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
    ];
    for (let i = 0; i < n; i++)
      lines.push(containerText(i, containersCol, seqCol, (style + i) % 3));
    if (volumes)
      lines.push(
        '      volumes:',
        `${' '.repeat(seqCol(6))}- name: cache`,
        `${' '.repeat(seqCol(6) + 2)}emptyDir: {}`,
      );
    return `${lines.join('\n')}\n`;
  }

  it('reads as intended and reverses exactly', () => {
    const cases: { text: string; after: unknown; edited: string }[] = [];
    for (const layout of layouts) {
      for (let n = 1; n <= 3; n++) {
        for (let style = 0; style < 3; style++) {
          for (const volumes of [false, true]) {
            const { text, value } = entry(podText(n, layout.seq, style, volumes));
            const after = changed(value, (pod) => {
              pod.containers.forEach((c, i) => {
                if (i === n - 1 && n > 1) return; // one container left alone
                const env = (c.env as unknown[] | undefined) ?? (c.env = []);
                (env as unknown[]).push(
                  { name: 'PGHOST', value: 'pg' },
                  { name: 'PGPORT', value: '5432' },
                );
                c.volumeMounts = [
                  { name: 'dbtls-pg-tls', mountPath: '/etc/dbtls/pg/tls', readOnly: true },
                ];
              });
              (pod.volumes ??= []).push({
                name: 'dbtls-pg-tls',
                secret: {
                  secretName: 'w-pg-client',
                  items: [{ key: 'tls.key', path: 'tls.key', mode: 0o440 }],
                },
              });
            });
            const edited = editText(text, 2, value, after);
            expect(edited, `${layout.name} n=${n} style=${style} volumes=${volumes}`).toBeDefined();
            const back = editText(
              edited!,
              2,
              parseYaml(
                edited!
                  .split('\n')
                  .map((l) => l.slice(2))
                  .join('\n'),
              ),
              value,
            );
            expect(back, `${layout.name} n=${n} style=${style} volumes=${volumes}: reversed`).toBe(
              text,
            );
            cases.push({ text, after, edited: edited! });
          }
        }
      }
    }
    const meanings = goMeanings(
      cases.map((c) =>
        c.edited
          .split('\n')
          .map((l) => l.slice(2))
          .join('\n'),
      ),
    );
    cases.forEach((c, i) => {
      expect(meanings[i].v3, c.edited).toEqual(canonicalOf(c.after));
      expect(meanings[i].kubectl, c.edited).toEqual(canonicalOf(c.after));
    });
    expect(cases.length).toBe(36);
  });
});
