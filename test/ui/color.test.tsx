// NO_COLOR / FORCE_COLOR / --no-color / a terminal: one rule decides, before
// chalk loads; chalk's level then decides for Ink's own styles and for the
// colour codes tools print.
import chalk from 'chalk';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayerBadge } from '../../src/ui/ink/LayerBadge.js';
import { OutputBox } from '../../src/ui/ink/OutputBox.js';
import { applyColourChoice, colourWanted } from '../../src/ui/colour.js';

const ANSI = /\u001b\[/;
let saved: typeof chalk.level;

beforeEach(() => {
  saved = chalk.level;
});
afterEach(() => {
  chalk.level = saved;
  cleanup();
});

describe('colourWanted: the one rule', () => {
  const cases: Array<[string, Parameters<typeof colourWanted>[0], boolean]> = [
    ['a terminal', { env: {}, isTTY: true }, true],
    ['a pipe', { env: {}, isTTY: false }, false],
    ['--no-color, even with FORCE_COLOR', { env: { FORCE_COLOR: '1' }, noColorFlag: true, isTTY: true }, false],
    ['NO_COLOR in a terminal', { env: { NO_COLOR: '1' }, isTTY: true }, false],
    ['an empty NO_COLOR', { env: { NO_COLOR: '' }, isTTY: true }, true],
    ['FORCE_COLOR over NO_COLOR', { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: false }, true],
    ['FORCE_COLOR into a pipe', { env: { FORCE_COLOR: '2' }, isTTY: false }, true],
    ['FORCE_COLOR=0 (what --no-color sets) in a terminal', { env: { FORCE_COLOR: '0' }, isTTY: true }, false],
    ['FORCE_COLOR=false', { env: { FORCE_COLOR: 'false' }, isTTY: true }, false],
    ['TERM=dumb', { env: { TERM: 'dumb' }, isTTY: true }, false],
  ];
  it.each(cases)('%s', (_name, inputs, wanted) => {
    expect(colourWanted(inputs)).toBe(wanted);
  });

  it('applyColourChoice writes "off" where chalk reads it, and leaves "on" alone', () => {
    const off: NodeJS.ProcessEnv = { NO_COLOR: 'yes' };
    expect(applyColourChoice({ env: off, isTTY: true })).toBe(false);
    expect(off).toEqual({ NO_COLOR: '1', FORCE_COLOR: '0' });
    const on: NodeJS.ProcessEnv = { TERM: 'xterm' };
    expect(applyColourChoice({ env: on, isTTY: true })).toBe(true);
    expect(on).toEqual({ TERM: 'xterm' });
  });
});

describe('colour in the views', () => {
  const toolLine = { text: '\u001b[32mResolved\u001b[0m 3 packages' };

  it('draws badges and tool output without escape codes when colour is off', () => {
    chalk.level = 0;
    expect(render(<LayerBadge action="reuse" />).frames.at(-1)).not.toMatch(ANSI);
    const out = render(<OutputBox lines={[toolLine]} mode="live" />).frames.at(-1)!;
    expect(out).not.toMatch(ANSI);
    expect(out).toContain('Resolved 3 packages');
  });

  it('keeps both when colour is on', () => {
    chalk.level = 1;
    expect(render(<LayerBadge action="reuse" />).frames.at(-1)).toMatch(ANSI);
    expect(render(<OutputBox lines={[toolLine]} mode="live" />).frames.at(-1)).toContain('\u001b[32mResolved');
  });
});
