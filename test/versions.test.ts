// olderThan (fn/util/versions.ts), the one comparison behind MariaDB's requireSSL check (10.5.2)
// and MySQL's Multi-Primary check (8.4.2): what each caller relies on.
import { describe, expect, it } from 'vitest';
import { olderThan } from '../fn/util/versions.js';

describe('olderThan', () => {
  it.each([
    // MariaDB: versions of two parts are read as x.y.0
    [[10, 5], [10, 5, 2], true],
    [[10, 5, 1], [10, 5, 2], true],
    [[10, 5, 2], [10, 5, 2], false],
    [[10, 6], [10, 5, 2], false],
    [[11, 0, 0], [10, 5, 2], false],
    [[10, 4, 99], [10, 5, 2], true],
    // MySQL: always three parts
    [[8, 0, 40], [8, 4, 2], true],
    [[8, 4, 1], [8, 4, 2], true],
    [[8, 4, 2], [8, 4, 2], false],
    [[9, 1, 0], [8, 4, 2], false],
  ])('%j before %j: %s', (version, since, expected) => {
    expect(olderThan(version, since)).toBe(expected);
  });
});
