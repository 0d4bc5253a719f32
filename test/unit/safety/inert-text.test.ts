// The one sanitizer for untrusted text, and the one shell quoting function.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasUnsafe, inert, inertExceptColour, inertLines, toolOutputLine } from '../../../src/engine/core/inert-text.js';
import { shellCommand, shellQuote } from '../../../src/engine/core/shell-quote.js';
import { jsonText } from '../../../src/ui/json-text.js';

const OSC52 = 'a\u001b]52;c;aGVsbG8=\u0007.txt';

/** Nothing a terminal could take as an instruction, or that hides or reorders text. */
function assertInert(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/);
}

describe('inert', () => {
  it('shows an OSC 52 clipboard write as text, on one line', () => {
    expect(inert(OSC52)).toBe('a\\x1b]52;c;aGVsbG8=\\x07.txt');
  });

  it('keeps a name with a newline or a carriage return on one line', () => {
    expect(inert('x\n0 problems, 0 warnings. Heroku would build this app.')).toBe('x\\n0 problems, 0 warnings. Heroku would build this app.');
    expect(inert('ok\r✗ evil')).toBe('ok\\r✗ evil');
  });

  it('shows every C0 control, DEL, the C1 controls (8-bit CSI and OSC), bidi overrides and invisible characters', () => {
    const all = [...Array(0x20).keys(), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), 0x202e, 0x2066, 0x200b, 0xfeff, 0x2028].map((c) => String.fromCharCode(c)).join('');
    const shown = inert(all);
    assertInert(shown);
    expect(shown).toContain('\\x9b');
    expect(shown).toContain('\\u202e');
    expect(shown).toContain('\\t');
  });

  it('leaves ordinary text, accents and symbols alone', () => {
    for (const text of ['requirements.txt', 'café app', 'Python 3.12 → 3.13.1 — ✓', '日本語', 'a\\nb']) {
      expect(inert(text)).toBe(text);
      expect(hasUnsafe(text)).toBe(false);
    }
  });

  it('is idempotent: a view of a view is the same view', () => {
    const once = inert(`${OSC52}\n\u009b2J`);
    expect(inert(once)).toBe(once);
  });

  it('inertLines keeps pybp\'s own line breaks and nothing else', () => {
    expect(inertLines('line one\nline \u001b[2Jtwo')).toBe('line one\nline \\x1b[2Jtwo');
  });
});

describe('inertExceptColour (the plain writer\'s guard)', () => {
  it('passes SGR colour codes and line breaks, shows every other sequence inert', () => {
    const line = '\u001b[31m✗\u001b[39m bad \u001b[2J\u001b]0;title\u0007 \u009b31m\n';
    const out = inertExceptColour(line);
    expect(out).toBe('\u001b[31m✗\u001b[39m bad \\x1b[2J\\x1b]0;title\\x07 \\x9b31m\n');
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/\u001b/);
  });
});

describe('toolOutputLine', () => {
  it('keeps colours, drops cursor moves, hyperlinks, bells and progress redraws', () => {
    expect(toolOutputLine('10%\r\u001b[32mok\u001b[0m\u001b[2K done')).toBe('\u001b[32mok\u001b[0m done');
    expect(toolOutputLine('\u001b]8;;http://x\u0007link\u001b]8;;\u0007\tb')).toBe('link    b');
  });

  it('an OSC 52 or a C1 control in a package\'s build output cannot reach the terminal', () => {
    const out = toolOutputLine(`building ${OSC52} \u009d52;c;eA==\u009c \u202eevil`);
    expect(out).not.toContain('\u001b');
    assertInert(out);
  });
});

describe('shellQuote / shellCommand', () => {
  const bash = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8' });

  it('leaves plain words, quotes the rest', () => {
    expect(shellCommand(['git', 'add', '--', 'requirements.txt'])).toBe('git add -- requirements.txt');
    expect(shellQuote('my app')).toBe("'my app'");
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('~/x')).toBe("'~/x'");
  });

  it('writes a word with control characters as $\'…\': inert when printed, the same bytes when run', () => {
    for (const word of [OSC52, 'x\n0 problems', "a'b\\c\td", '\u202eevil', 'a$(touch x)`id`;b']) {
      const quoted = shellQuote(word);
      assertInert(quoted);
      const r = bash(`printf '%s' ${quoted}`);
      expect(r.stdout).toBe(word);
    }
  });
});

describe('jsonText', () => {
  it('stays one JSON document with the same values, with no raw C1, DEL or bidi character', () => {
    const value = { name: `${OSC52}\u009b2J\u007f\u202e\u2028`, n: 1 };
    const text = jsonText(value);
    expect(JSON.parse(text)).toEqual(value);
    assertInert(text.replace(/\n/g, ''));
  });
});
