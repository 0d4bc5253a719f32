// NO_COLOR / FORCE_COLOR / --no-color: chalk's level decides, for Ink's own
// styles and for the colour codes tools print.
import chalk from 'chalk';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayerBadge } from '../../src/ui/ink/LayerBadge.js';
import { OutputBox } from '../../src/ui/ink/OutputBox.js';
import { applyNoColor } from '../../src/ui/ink/terminal-text.js';

const ANSI = /\u001b\[/;
let saved: typeof chalk.level;

beforeEach(() => {
  saved = chalk.level;
});
afterEach(() => {
  chalk.level = saved;
  cleanup();
});

describe('applyNoColor', () => {
  it('turns colour off for NO_COLOR', () => {
    chalk.level = 2;
    applyNoColor({ NO_COLOR: '1' });
    expect(chalk.level).toBe(0);
  });

  it('leaves colour on when FORCE_COLOR asks for it, or NO_COLOR is empty', () => {
    chalk.level = 2;
    applyNoColor({ NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(chalk.level).toBe(2);
    applyNoColor({ NO_COLOR: '' });
    expect(chalk.level).toBe(2);
  });

  it('treats FORCE_COLOR=0 (what --no-color sets) as no colour', () => {
    chalk.level = 2;
    applyNoColor({ NO_COLOR: '1', FORCE_COLOR: '0' });
    expect(chalk.level).toBe(0);
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
