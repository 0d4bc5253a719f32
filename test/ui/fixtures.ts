// Event sequences and reports for the UI tests: shaped like what the engine
// emits for a pip app (see src/engine/executor/*-steps.ts), with fixed times.
import { stripVTControlCharacters } from 'node:util';
import type { BuildReport } from '../../src/engine/executor/build.js';
import type { ErrorData } from '../../src/engine/core/errors.js';
import type { EngineEvent, PlanSummary } from '../../src/engine/core/events.js';
import type { LayerAction, LayerDecision, Reason } from '../../src/engine/layers/types.js';
import type { BuildAction } from '../../src/ui/ink/build-state.js';

export const plan: PlanSummary = {
  app: '/tmp/shop',
  layersDir: '/tmp/shop/.pybp/layers',
  packageManager: 'pip',
  python: { requested: '3.12', resolved: '3.12.13', origin: '.python-version' },
  source: { kind: 'local', interpreter: 'local 3.12.1 at /py/3.12.1', substituted: true, reason: 'stands in' },
  target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'host' },
  environment: { kind: 'heroku-clean', origin: 'default' },
  paths: { mode: 'heroku', origin: 'default', note: null, layers: '/layers/heroku_python', app: '/workspace' },
};

const types = { build: true, launch: true, cache: true };

export function decision(name: string, action: LayerAction, reasons: Reason[] = []): LayerDecision {
  const cause = { reuse: 'unchanged', create: 'new', discard: 'changed', 'rebuild-always': 'uncached', drop: 'unused' } as const;
  return { name, types, action, cause: cause[action], reasons };
}

export const venvReason: Reason = {
  field: 'cache',
  from: null,
  to: null,
  message: 'uncached for pip: pip never removes packages dropped from requirements.txt, so the venv is made fresh',
};

export const pythonChanged: Reason = {
  field: 'python_version',
  from: '3.12.13',
  to: '3.13.15',
  message: 'Python version changed from 3.12.13 to 3.13.15',
};

export const interpreterChanged: Reason = {
  field: 'interpreter',
  from: 'local 3.12.1 at /py/3.12.1',
  to: 'local 3.13.0 at /py/3.13.0',
  message: 'the interpreter behind the layer changed (pybp only: Heroku always downloads its own build)',
  pybpOnly: true,
};

export const poetryDrop: Reason = {
  field: 'layer',
  from: 'poetry (heroku/python)',
  to: null,
  message: 'not used by this build (left over from heroku/python); it is not cached again',
};

export interface Scenario {
  python: LayerDecision;
  pip: LayerDecision;
  pipCache: LayerDecision;
  venv: LayerDecision;
  drops?: LayerDecision[];
}

export const firstBuild: Scenario = {
  python: decision('python', 'create'),
  pip: decision('pip', 'create'),
  pipCache: decision('pip-cache', 'create'),
  venv: decision('venv', 'rebuild-always', [venvReason]),
};

export const secondBuild: Scenario = {
  python: decision('python', 'reuse', [{ field: 'metadata', from: null, to: null, message: 'Python 3.12.13 (ubuntu 24.04, amd64) unchanged' }]),
  pip: decision('pip', 'reuse', [{ field: 'metadata', from: null, to: null, message: 'pip 26.1.2 unchanged' }]),
  pipCache: decision('pip-cache', 'reuse', [{ field: 'metadata', from: null, to: null, message: "pip's download and wheel cache unchanged" }]),
  venv: decision('venv', 'rebuild-always', [venvReason]),
};

export const versionChange: Scenario = {
  python: decision('python', 'discard', [pythonChanged, interpreterChanged]),
  pip: decision('pip', 'discard', [pythonChanged]),
  pipCache: decision('pip-cache', 'discard', [pythonChanged]),
  venv: decision('venv', 'rebuild-always', [venvReason]),
  drops: [decision('poetry', 'drop', [poetryDrop])],
};

export const substituted = {
  code: 'python-patch-substituted' as const,
  title: 'Local Python 3.12.1 stands in for 3.12.13',
  message: 'Heroku would install Python 3.12.13; this machine has no 3.12.13, so pybp uses the local 3.12.1.',
};

/** Events up to (and including) the start of the pip-deps step. */
function eventsUntilDeps(s: Scenario): EngineEvent[] {
  return [
    { type: 'plan', plan, decisions: [s.python, s.pip, s.pipCache, s.venv, ...(s.drops ?? [])] },
    { type: 'step-started', step: 'python-version', title: 'Determining Python version' },
    { type: 'info', step: 'python-version', message: 'Using Python version 3.12 specified in .python-version' },
    ...(s.python.action === 'reuse' ? [] : [{ type: 'warning', warning: substituted } as EngineEvent]),
    { type: 'step-started', step: 'python', title: 'Installing Python' },
    { type: 'layer-decision', step: 'python', decision: s.python },
    { type: 'layer-finished', step: 'python', layer: 'python', action: s.python.action, durationMs: 900, sizeBytes: 274 * 1024 * 1024 },
    { type: 'step-started', step: 'pip', title: 'Installing pip' },
    { type: 'layer-decision', step: 'pip', decision: s.pip },
    ...(s.pip.action === 'reuse'
      ? []
      : ([
          { type: 'info', step: 'pip', message: 'Installing pip 26.1.2' },
          { type: 'command', step: 'pip', argv: ['python', 'pip', 'install', 'pip==26.1.2'] },
          { type: 'output', step: 'pip', line: 'Collecting pip==26.1.2' },
        ] as EngineEvent[])),
    { type: 'layer-finished', step: 'pip', layer: 'pip', action: s.pip.action, durationMs: 6400, sizeBytes: 10 * 1024 * 1024 },
    { type: 'step-started', step: 'pip-deps', title: 'Installing dependencies using pip' },
    { type: 'layer-decision', step: 'pip-deps', decision: s.pipCache },
    { type: 'layer-finished', step: 'pip-deps', layer: 'pip-cache', action: s.pipCache.action, durationMs: 0, sizeBytes: 0 },
    { type: 'layer-decision', step: 'pip-deps', decision: s.venv },
    { type: 'info', step: 'pip-deps', message: "Running 'pip install -r requirements.txt'" },
    { type: 'command', step: 'pip-deps', argv: ['pip', 'install', '--requirement', 'requirements.txt'] },
  ];
}

/** A whole successful build. */
export function successEvents(s: Scenario): EngineEvent[] {
  return [
    ...eventsUntilDeps(s),
    { type: 'output', step: 'pip-deps', line: 'Collecting tinyweb==1.0.0' },
    { type: 'output', step: 'pip-deps', line: 'Successfully installed tinyweb-1.0.0' },
    { type: 'layer-finished', step: 'pip-deps', layer: 'venv', action: 'rebuild-always', durationMs: 900, sizeBytes: 14 * 1024 },
  ];
}

export const pipFailed: ErrorData = {
  code: 'pip-dependencies-failed',
  title: 'Dependencies could not be installed with pip',
  message: '`pip install -r requirements.txt` failed (exit status: 1). pip\'s output above says why.',
  fix: 'Fix requirements.txt (or the package it names) and build again.',
};

/** pip prints 12 lines, then fails. */
export function failureEvents(s: Scenario = firstBuild): EngineEvent[] {
  const lines = Array.from({ length: 12 }, (_, i) => `pip line ${i + 1}`);
  return [
    ...eventsUntilDeps(s),
    ...lines.map((line): EngineEvent => ({ type: 'output', step: 'pip-deps', line })),
    { type: 'error', error: pipFailed },
  ];
}

export const interruptedError: ErrorData = {
  code: 'interrupted',
  title: 'The build was interrupted',
  message: 'The build was stopped before it finished. The layers were put back as the last successful build left them.',
  fix: 'Run the build again when you are ready.',
};

/** Ctrl-C while pip installs itself. */
export function interruptedEvents(): EngineEvent[] {
  const all = eventsUntilDeps(firstBuild);
  const pipDone = all.findIndex((e) => e.type === 'layer-finished' && e.layer === 'pip');
  return [...all.slice(0, pipDone), { type: 'error', error: interruptedError }];
}

/** `started`: the layers a failed build had started (rolled back); the others were not reached. */
export function report(s: Scenario, status: BuildReport['status'], error: ErrorData | null = null, started: readonly string[] = ['python']): BuildReport {
  const done = status === 'succeeded';
  const timing: Record<string, [number, number]> = {
    python: [900, 274 * 1024 * 1024],
    pip: [6400, 10 * 1024 * 1024],
    'pip-cache': [0, 0],
    venv: [900, 14 * 1024],
  };
  const layers = [s.python, s.pip, s.pipCache, s.venv, ...(s.drops ?? [])].map((d) => {
    const name = String(d.name);
    const t = done || name === 'python' ? timing[name] : undefined;
    const outcome = done ? ('done' as const) : started.includes(name) ? ('rolled-back' as const) : ('not-reached' as const);
    return { name, action: d.action, reasons: d.reasons, durationMs: t?.[0] ?? null, sizeBytes: t?.[1] ?? null, outcome };
  });
  return {
    status,
    app: plan.app,
    layersDir: plan.layersDir,
    packageManager: 'pip',
    python: { ...plan.python, source: 'local', interpreter: plan.source!.interpreter },
    target: { ...plan.target },
    environment: { ...plan.environment },
    paths: { ...plan.paths },
    layers,
    warnings: s.python.action === 'reuse' ? [] : [{ code: substituted.code, message: substituted.message }],
    error,
    durationMs: 8500,
  };
}

/** Reducer actions for events, one second apart from t=0 (so step times are whole seconds). */
export function actions(events: EngineEvent[], start = 0): BuildAction[] {
  return events.map((event, i) => ({ type: 'event', event, at: start + i * 1000 }));
}

/**
 * The screen as a user would last see it. Ink under CI=true writes '\n' at
 * exit (so lastFrame() is blank then); ink-testing-library renders in debug
 * mode, where every frame is the whole output: take the last non-blank one.
 */
export function screen(frames: string[]): string {
  for (let i = frames.length - 1; i >= 0; i--) {
    // Trailing blanks are invisible on a terminal (and kept inside colour codes with FORCE_COLOR).
    if (frames[i].trim() !== '') {
      return stripVTControlCharacters(frames[i])
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n');
    }
  }
  return '';
}
