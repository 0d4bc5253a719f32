// The entry points commands call: startInkBuild's { onEvent, finish } and the
// one-shot explain/doctor renders, writing to a stand-in terminal.
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor/types.js';
import type { ExplainReport } from '../../src/engine/explain/report.js';
import { renderDoctorInk, renderExplainInk, startInkBuild } from '../../src/ui/ink/render.js';
import { failureEvents, firstBuild, pipFailed, plan, report, successEvents } from './fixtures.js';

/** Enough of a tty WriteStream for Ink: records everything written. */
class FakeTerminal extends EventEmitter {
  readonly columns = 100;
  readonly rows = 40;
  readonly isTTY = true;
  readonly chunks: string[] = [];
  write = (chunk: string) => {
    this.chunks.push(chunk);
    return true;
  };
  text(): string {
    return stripVTControlCharacters(this.chunks.join(''));
  }
}

function terminal(): { term: FakeTerminal; stream: NodeJS.WriteStream } {
  const term = new FakeTerminal();
  return { term, stream: term as unknown as NodeJS.WriteStream };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('startInkBuild', () => {
  it('draws events as they come and resolves finish() once the last frame is written', async () => {
    const { term, stream } = terminal();
    const view = startInkBuild({ stdout: stream, stderr: stream, patchConsole: false });
    for (const e of successEvents(firstBuild)) view.onEvent(e);
    await view.finish(report(firstBuild, 'succeeded'));
    const out = term.text();
    // Finished things are written once, however often the running step was redrawn.
    expect(count(out, 'pybp build /tmp/shop')).toBe(1);
    expect(count(out, '✓ Installing pip')).toBe(1);
    expect(count(out, 'layer      action')).toBe(1);
    expect(out).toContain('  pip        CREATED         6.4 s · 10 MB');
    expect(out).toContain('✓ Build succeeded in 8.5 s.');
  });

  it('ends a failed build with the error block', async () => {
    const { term, stream } = terminal();
    const view = startInkBuild({ stdout: stream, stderr: stream, patchConsole: false });
    for (const e of failureEvents()) view.onEvent(e);
    await view.finish(report(firstBuild, 'failed', pipFailed));
    const out = term.text();
    expect(count(out, '│ pip line 1\n')).toBe(1);
    expect(out).toContain('│ ✗ Dependencies could not be installed with pip (pip-dependencies-failed)');
    expect(out).toContain('✗ Build failed during “Installing dependencies using pip”');
  });
});

describe('renderExplainInk and renderDoctorInk', () => {
  it('prints the explain view once and returns', async () => {
    const { term, stream } = terminal();
    const explain: ExplainReport = {
      app: '/tmp/shop',
      layersDir: plan.layersDir,
      packageManager: 'pip',
      python: plan.python,
      source: plan.source,
      target: plan.target,
      environment: plan.environment,
      assumed: [],
      since: null,
      layers: [
        {
          name: 'python',
          types: { build: true, launch: true, cache: true },
          action: 'create',
          reasons: [],
          lastBuildMs: null,
          estimatedMs: null,
          estimate: { lastMs: null, basis: 'none', fromBuild: null, note: 'no estimate: there is no build history here yet' },
        },
      ],
      cost: { estimatedMs: 0, lastMs: 0, unestimated: ['python'] },
      warnings: [],
      notes: [],
      error: null,
    };
    await renderExplainInk(explain, { stdout: stream, stderr: stream });
    const out = term.text();
    expect(count(out, 'pybp explain /tmp/shop')).toBe(1);
    expect(out).toMatch(/^python {4}CREATE {4}no estimate$/m);
  });

  it('prints the doctor view once, wrapped within the terminal width', async () => {
    const { term, stream } = terminal();
    const doctor: DoctorReport = {
      app: '/tmp/shop',
      verdict: 'would-build',
      ok: true,
      unchecked: [],
      checks: [
        {
          id: 'pinned',
          area: 'python version',
          status: 'pass',
          message: 'The patch version is not pinned: every build gets the latest Python 3.12 release and its security fixes.',
        },
      ],
    };
    await renderDoctorInk(doctor, { stdout: stream, stderr: stream });
    const out = term.text();
    expect(count(out, 'pybp doctor /tmp/shop')).toBe(1);
    expect(out).toContain('Python version\n  ✓ The patch version is not pinned');
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});
