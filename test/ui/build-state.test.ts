// The build view's reducer, without Ink: events in, state out.
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/core/events.js';
import {
  type BuildAction,
  type BuildState,
  failedStep,
  finishedSteps,
  initialBuildState,
  interruptedStep,
  reduceBuild,
} from '../../src/ui/ink/build-state.js';
import { cleanOutputLine } from '../../src/ui/ink/terminal-text.js';
import {
  actions,
  failureEvents,
  firstBuild,
  interruptedError,
  interruptedEvents,
  pipFailed,
  plan,
  report,
  substituted,
  successEvents,
  versionChange,
} from './fixtures.js';

function run(list: BuildAction[], from: BuildState = initialBuildState): BuildState {
  return list.reduce(reduceBuild, from);
}

const ev = (event: EngineEvent, at: number): BuildAction => ({ type: 'event', event, at });

describe('reduceBuild', () => {
  it('starts empty', () => {
    expect(initialBuildState).toEqual({ plan: null, done: [], current: null, transfer: null, warnings: [], error: null, report: null });
  });

  it('puts the header, with the layers to drop, first in the static log', () => {
    const s = run(actions(successEvents(versionChange)).slice(0, 1));
    expect(s.plan).toEqual(plan);
    expect(s.done).toHaveLength(1);
    const header = s.done[0];
    expect(header.kind).toBe('header');
    if (header.kind !== 'header') throw new Error('unreachable');
    expect(header.drops.map((d) => d.name)).toEqual(['poetry']);
    expect(header.drops[0].action).toBe('drop');
  });

  it('closes a step when the next one starts, with its elapsed time and collapsed output', () => {
    const s = run([
      ev({ type: 'step-started', step: 'pip', title: 'Installing pip' }, 1000),
      ev({ type: 'command', step: 'pip', argv: ['python', 'pip', 'install', 'pip==26.1.2'] }, 1100),
      ev({ type: 'output', step: 'pip', line: 'Collecting pip' }, 1200),
      ev({ type: 'step-started', step: 'pip-deps', title: 'Installing dependencies using pip' }, 4500),
    ]);
    const [pip] = finishedSteps(s);
    expect(pip).toMatchObject({ id: 'pip', status: 'succeeded', durationMs: 3500, output: [], outputCount: 2 });
    expect(s.current).toMatchObject({ id: 'pip-deps', status: 'running', startedAt: 4500 });
  });

  it('keeps every output line of the running step, commands marked', () => {
    const s = run([
      ev({ type: 'step-started', step: 'pip-deps', title: 'deps' }, 0),
      ev({ type: 'command', step: 'pip-deps', argv: ['pip', 'install', '-r', 'my reqs.txt'] }, 1),
      ...Array.from({ length: 30 }, (_, i) => ev({ type: 'output', step: 'pip-deps', line: `line ${i}` }, 2 + i)),
    ]);
    expect(s.current!.output).toHaveLength(31);
    expect(s.current!.output[0]).toEqual({ text: "$ pip install -r 'my reqs.txt'", command: true });
    expect(s.current!.output[30]).toEqual({ text: 'line 29' });
    expect(s.current!.outputCount).toBe(31);
  });

  it('records layer decisions in order and fills in time and size when they finish', () => {
    const s = run(actions(successEvents(firstBuild)));
    const deps = s.current!;
    const layers = deps.entries.flatMap((e) => (e.kind === 'layer' ? [e.layer] : []));
    expect(layers.map((l) => [l.name, l.action, l.finished, l.durationMs, l.sizeBytes])).toEqual([
      ['pip-cache', 'create', true, 0, 0],
      ['venv', 'rebuild-always', true, 900, 14 * 1024],
    ]);
    expect(layers[1].reasons[0].message).toMatch(/uncached for pip/);
  });

  it('keeps the reasons of a discarded layer', () => {
    const s = run(actions(successEvents(versionChange)));
    const python = finishedSteps(s).find((st) => st.id === 'python')!;
    const entry = python.entries.find((e) => e.kind === 'layer');
    if (entry?.kind !== 'layer') throw new Error('no layer entry');
    expect(entry.layer.action).toBe('discard');
    expect(entry.layer.reasons.map((r) => [r.field, r.from, r.to])).toEqual([
      ['python_version', '3.12.13', '3.13.15'],
      ['interpreter', 'local 3.12.1 at /py/3.12.1', 'local 3.13.0 at /py/3.13.0'],
    ]);
  });

  it('files warnings under the running step and in the list of all warnings', () => {
    const s = run(actions(successEvents(firstBuild)));
    expect(s.warnings).toEqual([substituted]);
    const versionStep = finishedSteps(s)[0];
    expect(versionStep.entries).toContainEqual({ kind: 'warning', warning: substituted });
  });

  it('logs infos and warnings that come outside any step on their own', () => {
    const s = run([
      ev({ type: 'recovered', what: 'rolled-back' }, 0),
      ev({ type: 'info', step: null, message: 'hello' }, 1),
      ev({ type: 'warning', warning: substituted }, 2),
    ]);
    expect(s.done.map((d) => d.kind)).toEqual(['recovered', 'info', 'warning']);
    expect(new Set(s.done.map((d) => d.key)).size).toBe(3);
  });

  it('finishes the last step when the report comes', () => {
    const events = actions(successEvents(firstBuild));
    const last = events[events.length - 1].at;
    const s = reduceBuild(run(events), { type: 'finish', report: report(firstBuild, 'succeeded'), at: last + 500 });
    expect(s.current).toBeNull();
    expect(s.report?.status).toBe('succeeded');
    const steps = finishedSteps(s);
    expect(steps.map((st) => [st.id, st.status])).toEqual([
      ['python-version', 'succeeded'],
      ['python', 'succeeded'],
      ['pip', 'succeeded'],
      ['pip-deps', 'succeeded'],
    ]);
    expect(steps[3].output).toEqual([]);
    expect(steps[3].outputCount).toBe(3);
    // The summary is the last thing printed, once.
    expect(s.done.at(-1)).toMatchObject({
      kind: 'end',
      end: { report: { status: 'succeeded' }, error: null, failedStep: null, interruptedStep: null, touchedLayers: true },
    });
  });

  it('says in the summary which step failed or was interrupted', () => {
    const failed = reduceBuild(run(actions(failureEvents())), { type: 'finish', report: report(firstBuild, 'failed', pipFailed), at: 1e6 });
    expect(failed.done.at(-1)).toMatchObject({ kind: 'end', end: { error: pipFailed, failedStep: 'Installing dependencies using pip', interruptedStep: null } });
    const stopped = reduceBuild(run(actions(interruptedEvents())), {
      type: 'finish',
      report: report(firstBuild, 'interrupted', interruptedError),
      at: 1e6,
    });
    expect(stopped.done.at(-1)).toMatchObject({ kind: 'end', end: { failedStep: null, interruptedStep: 'Installing pip', touchedLayers: true } });
  });

  it('knows nothing was written when the build stopped before any layer step', () => {
    const s = reduceBuild(run([ev({ type: 'error', error: pipFailed }, 0)]), { type: 'finish', report: report(firstBuild, 'failed', pipFailed), at: 1 });
    expect(s.done.at(-1)).toMatchObject({ kind: 'end', end: { touchedLayers: false, failedStep: null } });
  });

  it('marks the running step failed on an error and keeps all its output', () => {
    const s = run(actions(failureEvents()));
    expect(s.error).toEqual(pipFailed);
    expect(s.current).toBeNull();
    const failed = failedStep(s)!;
    expect(failed.id).toBe('pip-deps');
    expect(failed.output.map((l) => l.text)).toEqual([
      '$ pip install --requirement requirements.txt',
      ...Array.from({ length: 12 }, (_, i) => `pip line ${i + 1}`),
    ]);
    expect(interruptedStep(s)).toBeNull();
  });

  it('marks the running step interrupted on Ctrl-C', () => {
    const s = run(actions(interruptedEvents()));
    expect(s.error).toEqual(interruptedError);
    expect(interruptedStep(s)?.title).toBe('Installing pip');
    expect(failedStep(s)).toBeNull();
  });

  it('takes the error from the report when no error event came', () => {
    const s = reduceBuild(initialBuildState, { type: 'finish', report: report(firstBuild, 'failed', pipFailed), at: 0 });
    expect(s.error).toEqual(pipFailed);
  });

  it('honours step-finished events with their own time', () => {
    const s = run([
      ev({ type: 'step-started', step: 'uv', title: 'Installing uv' }, 100),
      ev({ type: 'step-finished', step: 'uv', ok: true, durationMs: 250 }, 9999),
    ]);
    expect(finishedSteps(s)[0]).toMatchObject({ status: 'succeeded', durationMs: 250 });
    expect(s.current).toBeNull();
  });

  it('leaves a step that did not finish to the error that follows (interrupted, not failed)', () => {
    const interrupted = { code: 'interrupted' as const, title: 'The build was interrupted', message: 'stopped', fix: 'again' };
    const s = run([
      ev({ type: 'step-started', step: 'poetry', title: 'Installing Poetry' }, 100),
      ev({ type: 'step-finished', step: 'poetry', ok: false, durationMs: 250 }, 350),
      ev({ type: 'error', error: interrupted }, 400),
    ]);
    expect(finishedSteps(s)[0]).toMatchObject({ title: 'Installing Poetry', status: 'interrupted' });
    expect(interruptedStep(s)?.title).toBe('Installing Poetry');
  });

  it('ignores step-finished for a step that is not running', () => {
    const before = run([ev({ type: 'step-started', step: 'uv', title: 'Installing uv' }, 0)]);
    expect(reduceBuild(before, ev({ type: 'step-finished', step: 'pip', ok: true, durationMs: 1 }, 5))).toBe(before);
  });

  it('never changes the state it is given', () => {
    const list = actions(failureEvents(versionChange));
    let s = initialBuildState;
    for (const a of list) {
      const snapshot = structuredClone(s);
      const next = reduceBuild(s, a);
      expect(s).toEqual(snapshot);
      s = next;
    }
  });

  it('only ever appends to the static log', () => {
    let s = initialBuildState;
    const list: BuildAction[] = [...actions(successEvents(versionChange)), { type: 'finish', report: report(versionChange, 'succeeded'), at: 1e6 }];
    for (const a of list) {
      const next = reduceBuild(s, a);
      expect(next.done.slice(0, s.done.length)).toEqual(s.done);
      s = next;
    }
  });
});

describe('cleanOutputLine', () => {
  it('keeps colour codes and drops cursor movement', () => {
    expect(cleanOutputLine('\u001b[32mok\u001b[0m\u001b[2K\u001b[1G done')).toBe('\u001b[32mok\u001b[0m done');
  });

  it('keeps what a progress bar left last', () => {
    expect(cleanOutputLine('10%\r50%\r100% done')).toBe('100% done');
  });

  it('drops hyperlinks, bells and backspaces, expands tabs', () => {
    expect(cleanOutputLine('\u001b]8;;http://x\u0007link\u001b]8;;\u0007\ta\u0007b\bc')).toBe('link    abc');
  });
});
