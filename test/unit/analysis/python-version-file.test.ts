import { describe, expect, it } from 'vitest';
import {
  formatRequested,
  parsePythonVersionFile,
  parseRustU16,
  rustTrim,
  sanitiseLine,
  versionLines,
} from '../../../src/engine/analysis/python-version-file.js';
import { DEFAULT_PYTHON } from '../../../src/engine/core/versions.js';
import { expectPybpError } from './temp-apps.js';

const EXAMPLE = `${DEFAULT_PYTHON.major}.${DEFAULT_PYTHON.minor}`;

const BOM = '\uFEFF';
const FFFD = '\uFFFD';

// Rust `char::is_whitespace` (Unicode White_Space), spec §5.2 step 2.
const RUST_WHITESPACE = [
  '\t', '\n', '\u000B', '\f', '\r', ' ', '\u0085', '\u00A0', '\u1680',
  '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A',
  '\u2028', '\u2029', '\u202F', '\u205F', '\u3000',
];
const NOT_WHITESPACE = [BOM, '\u200B', '\u180E', '\u001C', '\u001D', '\u001E', '\u001F', '\u007F', '\u0000', '\u200C', '\u2060'];

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('rustTrim', () => {
  it.each(RUST_WHITESPACE.map((c) => [hex(c), c]))('trims %s at both ends', (_name, c) => {
    expect(rustTrim(`${c}${c}3.12${c}`)).toBe('3.12');
    expect(rustTrim(`${c}3 12${c}`)).toBe('3 12');
  });

  it.each(NOT_WHITESPACE.map((c) => [hex(c), c]))('keeps %s', (_name, c) => {
    expect(rustTrim(`${c}3.12${c}`)).toBe(`${c}3.12${c}`);
  });

  it('differs from JS trim on U+FEFF and U+0085, keeps inner whitespace, empties all-space text', () => {
    expect(rustTrim(`${BOM} 3.12`)).toBe(`${BOM} 3.12`);
    expect(`${BOM} 3.12`.trim()).toBe('3.12');
    expect(rustTrim('\u00853.12\u0085')).toBe('3.12');
    expect(rustTrim(' 3 \t .12 ')).toBe('3 \t .12');
    expect(rustTrim(RUST_WHITESPACE.join(''))).toBe('');
    expect(rustTrim('')).toBe('');
  });
});

describe('sanitiseLine', () => {
  it('replaces ASCII control characters and DEL with U+FFFD', () => {
    for (let code = 0; code <= 0x1f; code++) {
      expect(sanitiseLine(`a${String.fromCharCode(code)}b`)).toBe(`a${FFFD}b`);
    }
    expect(sanitiseLine('a\u007Fb')).toBe(`a${FFFD}b`);
  });

  it('replaces each non-ASCII character (one per code point) and keeps printable ASCII', () => {
    expect(sanitiseLine('３.12')).toBe(`${FFFD}.12`);
    expect(sanitiseLine(`${BOM}3.12`)).toBe(`${FFFD}3.12`);
    expect(sanitiseLine('3.12\u{1F600}')).toBe(`3.12${FFFD}`);
    expect(sanitiseLine('é\u00A0ü')).toBe(FFFD.repeat(3));
    const printable = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(sanitiseLine(printable)).toBe(printable);
  });
});

describe('parseRustU16 (u16::from_str)', () => {
  it.each([
    ['0', 0], ['3', 3], ['12', 12], ['012', 12], ['000', 0], ['+3', 3], ['+012', 12], ['65535', 65535],
    ['0000000000065535', 65535], ['+0', 0],
  ] as const)('parses %j as %d', (text, value) => {
    expect(parseRustU16(text)).toBe(value);
  });

  it.each(['', '+', '-', '-0', '-3', '++3', '+-3', '65536', '99999', '100000', '1e3', ' 3', '3 ', '3a', 'a', '0x10', '3_0', '٣', '３', '1.5'])(
    'rejects %j',
    (text) => {
      expect(parseRustU16(text)).toBeUndefined();
    },
  );
});

describe('formatRequested', () => {
  it('formats X.Y and X.Y.Z from the integers', () => {
    expect(formatRequested({ major: 3, minor: 12 })).toBe('3.12');
    expect(formatRequested({ major: 3, minor: 12, patch: 3 })).toBe('3.12.3');
    expect(formatRequested({ major: 3, minor: 12, patch: 0 })).toBe('3.12.0');
  });
});

describe('parsePythonVersionFile: valid files', () => {
  it.each([
    ['3.12', { major: 3, minor: 12 }],
    ['3.12\n', { major: 3, minor: 12 }],
    ['3.12.3', { major: 3, minor: 12, patch: 3 }],
    ['3.12.0\n', { major: 3, minor: 12, patch: 0 }],
    ['  3.12  \n', { major: 3, minor: 12 }],
    ['\t3.12\r\n', { major: 3, minor: 12 }],
    ['3.12\r', { major: 3, minor: 12 }],
    ['\r\n\r\n3.12\r\n\r\n', { major: 3, minor: 12 }],
    ['# pinned for prod\n3.13\n', { major: 3, minor: 13 }],
    ['3.13\n# trailing comment\n', { major: 3, minor: 13 }],
    ['   # indented comment\n\n3.11\n  \n', { major: 3, minor: 11 }],
    ['\u00A0# comment after NBSP\r\n3.11', { major: 3, minor: 11 }],
    ['#3.11\n3.12', { major: 3, minor: 12 }],
    ['03.012', { major: 3, minor: 12 }],
    ['+3.+12', { major: 3, minor: 12 }],
    ['3.12.03', { major: 3, minor: 12, patch: 3 }],
    ['3.010', { major: 3, minor: 10 }],
    ['3.65535', { major: 3, minor: 65535 }],
    ['0.0', { major: 0, minor: 0 }],
    ['65535.65535.65535', { major: 65535, minor: 65535, patch: 65535 }],
    ['3.12.999', { major: 3, minor: 12, patch: 999 }],
    ['\u00853.12\u2028', { major: 3, minor: 12 }],
    ['\u000B\f3.12\f\u000B', { major: 3, minor: 12 }],
    ['\u30003.12\u3000', { major: 3, minor: 12 }],
  ] as const)('parses %j', (text, expected) => {
    expect(parsePythonVersionFile(text)).toEqual(expected);
  });

  it('re-formats the requested version from the integers', () => {
    expect(formatRequested(parsePythonVersionFile('03.012'))).toBe('3.12');
    expect(formatRequested(parsePythonVersionFile('+3.+12'))).toBe('3.12');
    expect(formatRequested(parsePythonVersionFile('3.12.03'))).toBe('3.12.3');
    expect(formatRequested(parsePythonVersionFile('3.010'))).toBe('3.10');
  });

  it.each(RUST_WHITESPACE.map((c) => [hex(c), c]))('trims %s around the version', (_name, c) => {
    expect(parsePythonVersionFile(`${c}3.12${c}`)).toEqual({ major: 3, minor: 12 });
  });

  it('does not set patch for an unpinned version', () => {
    expect(parsePythonVersionFile('3.12')).not.toHaveProperty('patch');
  });
});

describe('parsePythonVersionFile: InvalidVersion', () => {
  it.each([
    ['system', 'system'],
    ['python-3.12', 'python-3.12'],
    ['3', '3'],
    ['3.12.3.4', '3.12.3.4'],
    ['1..3', '1..3'],
    ['3.12.', '3.12.'],
    ['.3.12', '.3.12'],
    ['3.12rc1', '3.12rc1'],
    ['3.12.3-dev', '3.12.3-dev'],
    ['3.12.*', '3.12.*'],
    ['3.13t', '3.13t'],
    ['pypy3.10', 'pypy3.10'],
    ["'3.12'", "'3.12'"],
    ['"3.12"', '"3.12"'],
    ['3.65536', '3.65536'],
    ['3 .12', '3 .12'],
    ['3. 12', '3. 12'],
    ['3,12', '3,12'],
    ['-3.12', '-3.12'],
    ['3.-12', '3.-12'],
    ['++3.12', '++3.12'],
    ['3.12 # note', '3.12 # note'],
    ['3.12\t# note\n', '3.12\t# note'.replace('\t', FFFD)],
    ['３.12', `${FFFD}.12`],
    [`${BOM}3.12`, `${FFFD}3.12`],
    [`${BOM}3.12\n`, `${FFFD}3.12`],
    [BOM, FFFD],
    ['3.12\r3.13', `3.12${FFFD}3.13`],
    ['3.12\u200B', `3.12${FFFD}`],
    ['\u180E3.12', `${FFFD}3.12`],
    ['3.12\u001C', `3.12${FFFD}`],
    ['3.12\u001D', `3.12${FFFD}`],
    ['3.12\u001E', `3.12${FFFD}`],
    ['3.12\u001F', `3.12${FFFD}`],
    ['3.12\u007F', `3.12${FFFD}`],
    ['\u00003.12', `${FFFD}3.12`],
    ['3.12\u{1F600}', `3.12${FFFD}`],
    ['3.1٢', `3.1${FFFD}`],
    ['3.12.3.', '3.12.3.'],
    ['latest', 'latest'],
    ['>=3.12', '>=3.12'],
    ['3.x', '3.x'],
  ])('rejects %j, showing %j', async (text, shown) => {
    const error = await expectPybpError(() => parsePythonVersionFile(text), 'python-version-invalid');
    expect(error.details).toEqual([shown]);
    expect(error.message).toContain(`contains: ${shown}\n`);
    expect(error.title).toContain('.python-version');
  });

  it('explains the accepted forms and gives an example', async () => {
    const error = await expectPybpError(() => parsePythonVersionFile('python-3.12'), 'python-version-invalid');
    expect(error.message).toContain(EXAMPLE);
    expect(error.message).toMatch(/quotes/);
    expect(error.message).toMatch(/python-/);
    expect(error.message).toMatch(/wildcards/);
    expect(error.fix).toContain('#');
    expect(error.fix).toContain(EXAMPLE);
  });
});

describe('parsePythonVersionFile: MultipleVersions', () => {
  it('lists every non-comment line, sanitised, in file order', async () => {
    const error = await expectPybpError(
      () => parsePythonVersionFile('# comment\n3.12\n\n  3.13\r\npython-3.11\u00A0\nfoo\tbar\n'),
      'python-version-multiple',
    );
    expect(error.details).toEqual(['3.12', '3.13', 'python-3.11', `foo${FFFD}bar`]);
    expect(error.message).toContain('4');
    expect(error.fix).toContain(EXAMPLE);
    expect(error.fix).toContain('#');
  });

  it('treats a comment behind a BOM as a version line', async () => {
    const error = await expectPybpError(() => parsePythonVersionFile(`${BOM}# c\n3.12\n`), 'python-version-multiple');
    expect(error.details).toEqual([`${FFFD}# c`, '3.12']);
  });

  it('counts identical lines and invalid lines alike', async () => {
    const same = await expectPybpError(() => parsePythonVersionFile('3.12\n3.12'), 'python-version-multiple');
    expect(same.details).toEqual(['3.12', '3.12']);
    const junk = await expectPybpError(() => parsePythonVersionFile('3.12 3.13\nsystem'), 'python-version-multiple');
    expect(junk.details).toEqual(['3.12 3.13', 'system']);
  });

  it('does not treat a lone CR as a line break', () => {
    expect(versionLines('3.12\r3.13')).toEqual([`3.12${FFFD}3.13`]);
    expect(versionLines('3.12\r\n3.13')).toEqual(['3.12', '3.13']);
  });
});

describe('parsePythonVersionFile: NoVersion', () => {
  it.each([
    ['', 'an empty file'],
    ['\n\n', 'blank lines'],
    ['   \t\r\n\u00A0\n\u3000', 'whitespace only'],
    ['# 3.12', 'a commented-out version'],
    ['#3.12\n  # another\n', 'comments only'],
    ['\u2028# comment\u2029', 'a comment between Unicode separators'],
  ])('rejects %j (%s)', async (text) => {
    const error = await expectPybpError(() => parsePythonVersionFile(text), 'python-version-empty');
    expect(error.message).toContain('.python-version');
    expect(error.fix).toContain(EXAMPLE);
    expect(error.fix).toMatch(/comment/);
    expect(error.details).toBeUndefined();
  });
});
