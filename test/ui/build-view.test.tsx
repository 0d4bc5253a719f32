// The whole build view, fed the event sequences the engine emits.
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BuildReport } from '../../src/engine/executor/build.js';
import type { EngineEvent } from '../../src/engine/core/events.js';
import { BuildStore } from '../../src/ui/ink/build-store.js';
import { BuildView } from '../../src/ui/ink/BuildView.js';
import {
  actions,
  failureEvents,
  firstBuild,
  interruptedError,
  interruptedEvents,
  pipFailed,
  report,
  screen,
  secondBuild,
  successEvents,
  versionChange,
} from './fixtures.js';

afterEach(() => cleanup());

/** Renders the view, plays the events, finishes, and returns the last screen once the view has exited. */
async function play(events: EngineEvent[], final: BuildReport, opts: { debug?: boolean; pybp?: string[] } = {}): Promise<string> {
  const store = new BuildStore(0);
  const { frames } = render(<BuildView store={store} debug={opts.debug} pybp={opts.pybp} />);
  const list = actions(events);
  for (const a of list) store.dispatch(a);
  store.dispatch({ type: 'finish', report: final, at: list.length * 1000 });
  // The view exits itself once the summary is drawn; under CI=true Ink then writes a bare '\n'.
  await vi.waitFor(() => expect(screen(frames)).toMatch(/Build (succeeded|failed|interrupted)/));
  return screen(frames);
}

describe('BuildView', () => {
  it('shows a first build: header, steps with ✓ and times, CREATED layers, summary', async () => {
    const out = await play(successEvents(firstBuild), report(firstBuild, 'succeeded'));
    expect(out).toContain('pybp build /tmp/shop');
    expect(out).toContain('pip · Python 3.12 → 3.12.13 (.python-version) · ubuntu 24.04 amd64');
    expect(out).toContain('interpreter: local 3.12.1 at /py/3.12.1 (stands in for 3.12.13)');
    expect(out).toMatch(/✓ Determining Python version {2}\d+\.\d s/);
    expect(out).toContain('✓ Installing Python  3.0 s');
    expect(out).toContain('  python     CREATED         0.9 s · 274 MB');
    expect(out).toContain('  pip        CREATED         6.4 s · 10 MB');
    expect(out).toContain('  pip-cache  CREATED         0.0 s · 0 B');
    expect(out).toContain('  venv       ALWAYS REBUILT  0.9 s · 14 KB');
    // Output is collapsed once a step has worked.
    expect(out).toContain('2 lines of output hidden (the step succeeded)');
    expect(out).not.toContain('Collecting pip==26.1.2');
    expect(out).not.toContain('│');
    // The summary table, totals, and where this differs from Heroku.
    expect(out).toContain('layer      action              time      size');
    expect(out).toContain('python     CREATED            0.9 s    274 MB');
    expect(out).toContain('total                         8.5 s    284 MB');
    expect(out).toContain('Differs from Heroku');
    expect(out).toContain('! python-patch-substituted: Heroku would install Python 3.12.13');
    expect(out).toContain('✓ Build succeeded in 8.5 s.');
    expect(out).toContain('next: pybp run /tmp/shop -- <command>');
    expect(out).not.toContain('╭');
  });

  it("the next: hint runs pybp the way the user can (commands/self-command.ts), quoting a path with a space", async () => {
    const out = await play(successEvents(firstBuild), report(firstBuild, 'succeeded'), { pybp: ['node', '/home/u/my tools/pybp/dist/cli.js'] });
    expect(out).toContain("next: node '/home/u/my tools/pybp/dist/cli.js' run /tmp/shop -- <command>");
    const npx = await play(successEvents(firstBuild), report(firstBuild, 'succeeded'), { pybp: ['npx', 'pybp'] });
    expect(npx).toContain('next: npx pybp run /tmp/shop -- <command>');
  });

  it('shows a second build: REUSED layers with their reason, venv ALWAYS REBUILT', async () => {
    const out = await play(successEvents(secondBuild), report(secondBuild, 'succeeded'));
    expect(out).toContain('  python     REUSED          0.9 s · 274 MB\n             ↳ Python 3.12.13 (ubuntu 24.04, amd64) unchanged');
    expect(out).toContain('  pip        REUSED');
    expect(out).toContain('  pip-cache  REUSED');
    expect(out).toContain('  venv       ALWAYS REBUILT  0.9 s · 14 KB\n             ↳ uncached for pip');
    expect(out).toMatch(/^pip-cache  REUSED /m);
    expect(out).toMatch(/^venv       ALWAYS REBUILT /m);
    expect(out).not.toContain('Differs from Heroku');
  });

  it('shows discarded layers with field: old → new, dropped layers, and pybp-only reasons as differences', async () => {
    const out = await play(successEvents(versionChange), report(versionChange, 'succeeded'));
    expect(out).toContain('  python     DISCARDED');
    expect(out).toContain('↳ python_version: 3.12.13 → 3.13.15 — Python version changed from 3.12.13 to 3.13.15');
    expect(out).toContain('↳ interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0');
    expect(out).toContain('Left by an earlier build, not used by this one:');
    expect(out).toContain('  poetry     DROPPED\n             ↳ layer: poetry (heroku/python) → (none)');
    expect(out).toMatch(/^poetry     DROPPED {16}— {9}—$/m);
    expect(out).toContain('! python: interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0');
  });

  it('prints each finished thing once, in order', async () => {
    const out = await play(successEvents(firstBuild), report(firstBuild, 'succeeded'));
    for (const title of ['pybp build', '✓ Determining Python version', '✓ Installing Python', '✓ Installing pip', '✓ Installing dependencies']) {
      expect(out.split(title)).toHaveLength(2);
    }
    const order = ['pybp build', '✓ Determining', '✓ Installing Python', '✓ Installing pip', '✓ Installing dependencies', 'layer      action', 'Build succeeded'];
    const at = order.map((t) => out.indexOf(t));
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });

  it('shows a failed step with all of its output and the error block', async () => {
    const out = await play(failureEvents(), report(firstBuild, 'failed', pipFailed));
    expect(out).toContain('✗ Installing dependencies using pip');
    expect(out).toContain('failed');
    expect(out).toContain('│ $ pip install --requirement requirements.txt');
    for (let i = 1; i <= 12; i++) expect(out).toContain(`│ pip line ${i}\n`);
    expect(out).not.toContain('earlier line');
    expect(out).toMatch(/╭─+╮/);
    expect(out).toContain('│ ✗ Dependencies could not be installed with pip (pip-dependencies-failed)');
    expect(out).toContain('│ fix: Fix requirements.txt (or the package it names) and build again.');
    expect(out).toContain('Nothing from this build was kept');
    expect(out).toContain('pip-cache  CREATED                —         —  not reached');
    // A layer the failed build made was rolled back: no size is claimed for it.
    expect(out).toMatch(/python {5}CREATED {12}0\.9 s {9}— {2}rolled back/);
    expect(out).toContain('✗ Build failed during “Installing dependencies using pip” after 8.5 s.');
  });

  it('shows an interrupted build: which step, and that the layers were rolled back', async () => {
    const out = await play(interruptedEvents(), report(firstBuild, 'interrupted', interruptedError, ['python', 'pip']));
    expect(out).toContain('✗ Installing pip');
    expect(out).toContain('interrupted');
    expect(out).toContain('│ Collecting pip==26.1.2');
    expect(out).toContain('Build interrupted during “Installing pip”');
    expect(out).toContain('The layers were rolled back: they are as the last successful build left them.');
    expect(out).toContain('Build interrupted after 8.5 s.');
    // An interruption is not drawn as an error.
    expect(out).not.toContain('(interrupted)');
    expect(out).not.toContain('Build failed');
  });

  it('shows an error that stops the build before anything is planned', async () => {
    const error = {
      code: 'multiple-package-managers' as const,
      title: 'Multiple package manager files were found',
      message: 'requirements.txt and uv.lock are both present.',
      fix: 'Delete one of them.',
    };
    const failed: BuildReport = { ...report(firstBuild, 'failed', error), layers: [], layersDir: null, python: null, packageManager: null };
    const out = await play([{ type: 'error', error }], failed);
    expect(out).not.toContain('pybp build');
    expect(out).not.toContain('layer      action');
    expect(out).toContain('│ ✗ Multiple package manager files were found (multiple-package-managers)');
    expect(out).toContain('│ fix: Delete one of them.');
    expect(out).not.toContain('Nothing from this build was kept');
    expect(out).toContain('✗ Build failed after 8.5 s.');
  });

  it('a Python-version error comes under the [Determining Python version] step, as in the buildpack', async () => {
    const error = {
      code: 'python-version-eol' as const,
      title: 'The requested Python version has reached end-of-life',
      message: '.python-version asks for Python 3.8.',
      fix: 'Upgrade to Python 3.10 or newer.',
    };
    const failed: BuildReport = { ...report(firstBuild, 'failed', error), layers: [], layersDir: null, python: null, packageManager: null };
    const events: EngineEvent[] = [
      { type: 'step-started', step: 'python-version', title: 'Determining Python version' },
      { type: 'step-finished', step: 'python-version', ok: false, durationMs: 0 },
      { type: 'error', error },
    ];
    const out = await play(events, failed);
    expect(out).toMatch(/✗ Determining Python version .*failed/);
    expect(out.indexOf('Determining Python version')).toBeLessThan(out.indexOf('│ ✗ The requested Python version has reached end-of-life (python-version-eol)'));
    expect(out).toContain('✗ Build failed during “Determining Python version”');
  });

  it('keeps stack traces out of the error block unless --debug', async () => {
    const bug = {
      code: 'internal-error' as const,
      title: 'pybp hit an unexpected error',
      message: 'boom',
      fix: 'Report it.',
      details: ['Error: boom\n    at step (/x/build.js:10:5)'],
    };
    const quiet = await play([{ type: 'error', error: bug }], { ...report(firstBuild, 'failed', bug), layers: [] });
    expect(quiet).not.toContain('at step');
    cleanup();
    const loud = await play([{ type: 'error', error: bug }], { ...report(firstBuild, 'failed', bug), layers: [] }, { debug: true });
    expect(loud).toContain('at step (/x/build.js:10:5)');
  });

  it('redraws only the running step: a spinner, its layers, and the last 8 output lines', async () => {
    const store = new BuildStore(0);
    const { frames, lastFrame, unmount } = render(<BuildView store={store} />);
    expect(screen(frames)).toMatch(/Reading the app/);
    const events = failureEvents().filter((e) => e.type !== 'error');
    for (const a of actions(events, Date.now() - events.length * 1000)) store.dispatch(a);
    await vi.waitFor(() => expect(screen(frames)).toContain('pip line 12'));
    const out = screen([lastFrame() ?? '']);
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Installing dependencies using pip/);
    expect(out).toContain('  pip-cache  CREATED         0.0 s · 0 B');
    expect(out).toContain('  venv       ALWAYS REBUILT\n');
    expect(out).toContain('│ … 5 earlier lines');
    expect(out).toContain('│ pip line 5\n');
    expect(out).toContain('│ pip line 12');
    expect(out).not.toContain('│ pip line 4\n');
    expect(out).not.toContain('Reading the app');
    unmount();
  });
});
