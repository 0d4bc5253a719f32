// The real binary in a real pseudo-terminal: `node dist/cli.js build` inside
// tmux (CI unset there, so pybp picks the Ink view), then the screen as tmux
// holds it. Needs `npm run build` first (npm test does it) and tmux.
//
// The app's tools come from the run's loopback index (tools.indexUrl), so the
// build needs no network; installing pip still takes several seconds.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { cliEnv, pybpBin as cli } from '../support/cli.js';
import { testInfra } from '../support/context.js';
// A socket of our own: no user's tmux server (or its environment) is touched.
const socket = `pybp-tty-${process.pid}`;

// No user's tmux.conf, and panes started by /bin/sh: tmux otherwise takes
// the shell from $SHELL or the passwd entry, which for a service user such as
// nobody is nologin (the pane would die at once).
function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, SHELL: '/bin/sh' } });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

let scratch: string;
let app: string;
let runs = 0;

/** Runs `pybp build <app>` in a fresh 120×50 tmux window; returns the whole screen (scrollback included) and the exit status. */
async function buildInTmux(): Promise<{ screen: string; code: number }> {
  runs += 1;
  const session = `build${runs}`;
  const done = join(scratch, `${session}.exit`);
  const script = join(scratch, `${session}.sh`);
  // The tests' one environment policy, but a terminal's: no CI, no colour overrides.
  const env = cliEnv({ CI: undefined, FORCE_COLOR: undefined, NO_COLOR: undefined, TERM: 'xterm-256color' });
  const argv = [
    process.execPath, cli, 'build', app, '--python-source', 'local',
    '--env', 'PIP_CONFIG_FILE=/dev/null', '--env', 'PIP_ROOT_USER_ACTION=ignore',
  ];
  await writeFile(
    script,
    [
      // tmux starts panes with its server's environment: set exactly the one the test wants.
      ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v ?? '')}`),
      'unset CI',
      argv.map(shellQuote).join(' '),
      `echo $? > ${shellQuote(done)}`,
      // Keep the pane (and its screen) until the test has read it.
      'sleep 600',
      '',
    ].join('\n'),
  );
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '50', `sh ${shellQuote(script)}`);
  // Inside the suite's testTimeout (vitest.config.ts), so a build that never ends shows its screen.
  const deadline = Date.now() + 270_000;
  while (!existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`the build did not finish in time; screen:\n${tmux('capture-pane', '-p', '-S', '-', '-t', session)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The exit file is written after pybp is gone: its last frame is on the screen.
  const screen = tmux('capture-pane', '-p', '-S', '-', '-t', session);
  tmux('kill-session', '-t', session);
  return { screen, code: Number((await readFile(done, 'utf8')).trim()) };
}

/** The summary table's row for a layer (the row starts at column 0). */
function summaryRow(screen: string, layer: string): string {
  const row = screen.split('\n').find((line) => line.startsWith(`${layer.padEnd(9)}  `));
  if (!row) throw new Error(`no summary row for ${layer} in:\n${screen}`);
  return row;
}

describe('pybp build in a terminal (tmux)', () => {
  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does).`);
    execFileSync('tmux', ['-V']);
    scratch = await makeTempDir('pybp tty-');
    app = join(scratch, 'tty app');
    const { indexUrl } = testInfra();
    await makePipApp(app, { indexUrl, python: '3.12', requirements: [] });
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ tools: { indexUrl } }));
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // no server left: every session was killed already
    }
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('first build: the Ink view shows CREATED layers, each step once, and the summary', async () => {
    const { screen, code } = await buildInTmux();
    expect(code, screen).toBe(0);
    expect(screen).toContain(`pybp build ${app}`);
    expect(screen).toContain('pip · Python 3.12 → 3.12.13 (.python-version)');
    for (const step of ['Determining Python version', 'Installing Python', 'Installing pip', 'Installing dependencies using pip']) {
      // Finished steps are printed once (<Static>), with a ✓, never left spinning.
      expect(screen.split(`✓ ${step}`), step).toHaveLength(2);
    }
    expect(screen).toMatch(/^ {2}python {5}CREATED /m);
    expect(screen).toMatch(/^ {2}pip {8}CREATED /m);
    expect(screen).toMatch(/^ {2}pip-cache {2}CREATED /m);
    expect(screen).toMatch(/^ {2}venv {7}ALWAYS REBUILT /m);
    expect(screen).toMatch(/^layer {6}action {14}time {6}size$/m);
    expect(summaryRow(screen, 'python')).toMatch(/CREATED +\d+\.\d s +\d+ MB$/);
    expect(summaryRow(screen, 'pip')).toContain('CREATED');
    expect(summaryRow(screen, 'pip-cache')).toContain('CREATED');
    expect(summaryRow(screen, 'venv')).toContain('ALWAYS REBUILT');
    expect(screen).toMatch(/^total +\d+\.\d s +\d+ MB$/m);
    // The local 3.12.x stands in for Heroku's 3.12.13: flagged.
    expect(screen).toContain('Differs from Heroku');
    expect(screen).toMatch(/✓ Build succeeded in \d+\.\d s\./);
    // Nothing of the live area is left behind: no spinner, no raw escape codes.
    expect(screen).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(screen).not.toMatch(/\u001b|\[\d*[AGK]/);
  });

  it('second build: python, pip and pip-cache REUSED, venv ALWAYS REBUILT', async () => {
    const { screen, code } = await buildInTmux();
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/^ {2}python {5}REUSED /m);
    expect(screen).toContain('↳ Python 3.12.13');
    expect(summaryRow(screen, 'python')).toContain('REUSED');
    expect(summaryRow(screen, 'pip')).toContain('REUSED');
    expect(summaryRow(screen, 'pip-cache')).toContain('REUSED');
    expect(summaryRow(screen, 'venv')).toContain('ALWAYS REBUILT');
    expect(screen).not.toContain('CREATED');
    expect(screen).toMatch(/✓ Build succeeded in \d+\.\d s\./);
  });
});
