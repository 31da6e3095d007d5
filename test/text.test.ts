// The text modules of fn/text: for each target language, render(map) then parse gives the map
// back for hostile values (or the writer refuses the value with the rule it breaks), and every
// parser reads 1 MB of adversarial text in linear time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hclString, parseHcl, renderHcl } from '../fn/text/hcl.js';
import {
  mergedMssqlConf,
  parseMssqlConf,
  renderMssqlConf,
  unwritableInMssqlConf,
} from '../fn/text/mssql-conf.js';
import {
  OPTION_LINE_MAX,
  optionValue,
  parseOptionFile,
  parseServerOptions,
  renderOptionFile,
} from '../fn/text/my-cnf.js';
import {
  hbaToken,
  parseHba,
  parsePostgresConf,
  pgQuote,
  pgUnquote,
  renderHba,
  renderPostgresConf,
  unwritableInHba,
} from '../fn/text/postgresql-conf.js';
import { parseRedisConf, redisArgument, renderRedisConf } from '../fn/text/redis-conf.js';
import {
  parseShellAssignments,
  shellAssignments,
  shellDoubleQuotedText,
  shellSingleQuoted,
} from '../fn/text/shell.js';
import { UnwritableValue } from '../fn/text/unwritable.js';
import { hostileString, withNul } from './hostile-strings.js';

const RUNS = { numRuns: 300 };

describe('round trips: render(map) then parse gives the map back', () => {
  it('shell: NAME=word assignments', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const text = shellAssignments({ A: a, B_2: b }).join('\n');
        expect(Object.fromEntries(parseShellAssignments(text))).toEqual({ A: a, B_2: b });
      }),
      RUNS,
    );
  });

  it('postgresql.conf: quoted strings, numbers, booleans', () => {
    fc.assert(
      fc.property(hostileString, fc.integer(), fc.boolean(), (s, n, b) => {
        const text = renderPostgresConf([
          { comment: s },
          ['dbtls.text', s],
          ['port', n],
          ['ssl', b],
        ]);
        const got = parsePostgresConf(text).map((x) => [x.name, x.value]);
        expect(got).toEqual([
          ['dbtls.text', s],
          ['port', String(n)],
          ['ssl', b ? 'on' : 'off'],
        ]);
        expect(pgUnquote(pgQuote(s))).toBe(s);
      }),
      RUNS,
    );
  });

  it('pg_hba.conf: tokens, or a refusal naming the rule', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        if (unwritableInHba(s)) {
          expect(() => hbaToken(s)).toThrow(UnwritableValue);
          return;
        }
        const text = renderHba([{ comment: s }, ['hostssl', 'all', hbaToken(s), 'all', 'cert']]);
        expect(parseHba(text)).toEqual([['hostssl', 'all', s, 'all', 'cert']]);
      }),
      RUNS,
    );
  });

  it('my.cnf: option values, or a refusal of a line mysys would read in pieces', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const lines = [{ comment: s }, { group: 'mysqld' }, ['v', s] as const, ['w', 'x'] as const];
        if (Buffer.byteLength(`v=${optionValue(s)}`) > OPTION_LINE_MAX) {
          expect(() => renderOptionFile(lines)).toThrow(/bytes/);
          return;
        }
        const got = parseOptionFile(renderOptionFile(lines)).options;
        expect(got.map((o) => [o.group, o.name, o.value])).toEqual([
          ['mysqld', 'v', s],
          ['mysqld', 'w', 'x'],
        ]);
      }),
      RUNS,
    );
  });

  it('redis.conf: directive arguments', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const text = renderRedisConf([
          { comment: a },
          ['requirepass', a],
          ['rename-command', a, b],
        ]);
        const got = parseRedisConf(text);
        expect(got.unbalanced).toEqual([]);
        expect(got.directives.map((d) => [d.name, ...d.args])).toEqual([
          ['requirepass', a],
          ['rename-command', a, b],
        ]);
      }),
      RUNS,
    );
  });

  it('HCL: attributes and block labels', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const text = renderHcl([
          { comment: a },
          { block: 'listener', labels: [b], body: [['address', a]] },
          {
            block: 'storage',
            labels: ['file'],
            body: [
              ['path', b],
              ['ui', true],
            ],
          },
        ]);
        const got = parseHcl(text);
        expect(
          got.blocks.map((x) => [x.block, x.labels, Object.fromEntries(x.body.attributes)]),
        ).toEqual([
          ['listener', [b], { address: a }],
          ['storage', ['file'], { path: b, ui: true }],
        ]);
        expect(hclString(a)).not.toMatch(/[$%]\{/);
      }),
      RUNS,
    );
  });

  it('mssql.conf: values, or a refusal naming the rule', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const render = () => renderMssqlConf(s, new Map([['network', new Map([['tlscert', s]])]]));
        if (unwritableInMssqlConf(s)) {
          expect(render).toThrow(UnwritableValue);
          return;
        }
        expect(parseMssqlConf(render()).map((x) => [x.name, x.value])).toEqual([
          ['network.tlscert', s],
        ]);
      }),
      RUNS,
    );
  });

  it('every writer refuses NUL', () => {
    fc.assert(
      fc.property(withNul, (s) => {
        for (const write of [
          shellSingleQuoted,
          shellDoubleQuotedText,
          pgQuote,
          optionValue,
          redisArgument,
          hclString,
        ])
          expect(() => write(s)).toThrow(UnwritableValue);
      }),
      { numRuns: 50 },
    );
  });
});

describe('parsers read what the engines read', () => {
  it('my.cnf: # outside quotes ends the line, [ mysqld] is another group, a group without ] is reported', () => {
    const f = parseOptionFile('[ mysqld]\na=1\n[MySQLd  ]\nb=2#c\nc = "x#y" # z\nd="\n[oops\n');
    expect(f.options.map((o) => [o.group, o.name, o.value])).toEqual([
      [' mysqld', 'a', '1'],
      ['mysqld', 'b', '2'],
      ['mysqld', 'c', 'x#y'],
      ['mysqld', 'd', '"'],
    ]);
    expect(f.badGroup).toBe(7);
  });

  it('my.cnf: server options by the names mysqld matches', () => {
    const { options, outside } = parseServerOptions(
      'skip_ssl\n[mysqld]\nloose_require_secure_transport=ON\nenable-ssl\n[client]\nssl=0\n',
    );
    expect(outside).toBe(1);
    expect(options.map((o) => [o.name, o.value])).toEqual([
      ['require-secure-transport', 'ON'],
      ['ssl', '1'],
    ]);
  });

  it('redis.conf: quotes resolved as sdssplitargs does, unbalanced lines reported', () => {
    const got = parseRedisConf(
      '  RENAME-COMMAND "CONFIG" ""\n# x\nrequirepass "a\\x41\\n"\nbind "x"y\n',
    );
    expect(got.directives.map((d) => [d.name, ...d.args])).toEqual([
      ['rename-command', 'CONFIG', ''],
      ['requirepass', 'aA\n'],
    ]);
    expect(got.unbalanced).toEqual([4]);
  });

  it('postgresql.conf: escapes and doubled quotes as guc-file.l reads them', () => {
    const got = parsePostgresConf("a = 'it''s \\n\\101\\x'  # c\nB 'x'\nc = on\n");
    expect(got.map((s) => [s.name, s.value])).toEqual([
      ['a', "it's \nAx"],
      ['b', 'x'],
      ['c', 'on'],
    ]);
  });

  it('mssql.conf: the user file merged under dbtls keys', () => {
    const merged = mergedMssqlConf(
      '[ Network ]\ntlscert = /mine\n[sqlagent]\nenabled = true\n',
      '[network]\ntlscert = /ours\n',
      ['merged'],
    );
    expect(merged).toContain(
      '[ Network ]\n# (dbtls sets tlscert below)\ntlscert = /ours\n[sqlagent]',
    );
  });
});

/** 1 MB of text built to make a backtracking pattern take super-linear time. */
const ADVERSARIAL = [
  `[${' '.repeat(1 << 20)}`,
  `[${' '.repeat(1 << 20)}x`,
  `a=${'"'.repeat(1 << 20)}`,
  `a = '${"''".repeat(1 << 19)}`,
  `a "${'\\x'.repeat(1 << 19)}`,
  `${' \t'.repeat(1 << 19)}x`,
  `x${' '.repeat(1 << 20)}#`,
  '\n'.repeat(1 << 20),
  `${'[a]\n'.repeat(1 << 18)}`,
  `storage "${'\\u0024'.repeat(1 << 17)}`,
];

describe('linear time: every parser reads 1 MB of adversarial text quickly', () => {
  const parsers: [string, (t: string) => unknown][] = [
    ['option file', parseOptionFile],
    ['postgresql.conf', parsePostgresConf],
    ['pg_hba.conf', parseHba],
    ['redis.conf', parseRedisConf],
    ['mssql.conf', parseMssqlConf],
    ['mssql.conf merge', (t) => mergedMssqlConf(t, '[network]\ntlscert = /x\n', ['merged'])],
    ['shell assignments', parseShellAssignments],
    [
      'HCL',
      (t) => {
        try {
          return parseHcl(t);
        } catch {
          return undefined;
        }
      },
    ],
  ];
  for (const [name, parse] of parsers) {
    it(name, () => {
      for (const text of ADVERSARIAL) {
        const started = performance.now();
        parse(text);
        // 1 MiB each: a linear reader takes a fraction of a second (a few on a loaded machine),
        // a quadratic one hours.
        expect(performance.now() - started, JSON.stringify(text.slice(0, 12))).toBeLessThan(3_000);
      }
    });
  }
});
