// Text pybp did not write reaches no renderer raw: every string of a report,
// event or error is poisoned with escape sequences (OSC 52, a clear-screen
// CSI, an 8-bit CSI, a bidi override, a carriage return) and a newline that
// would start a spoofed summary line; then every renderer entry point (plain
// and Ink; build, explain, doctor, history, explain --last, errors) draws it
// and the output must hold no sequence but colour codes (and Ink's own cursor
// moves), and no line that starts with the spoof.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorData } from '../../src/engine/core/errors.js';
import type { EngineEvent } from '../../src/engine/core/events.js';
import type { DoctorReport } from '../../src/engine/doctor/types.js';
import type { ExplainReport } from '../../src/engine/explain/report.js';
import type { HistoryReport, LastBuildReport } from '../../src/engine/history/report.js';
import type { HistoryBuild } from '../../src/engine/store/history.js';
import { printFatal } from '../../src/commands/report-error.js';
import { renderDoctorInk, renderExplainInk, renderHistoryInk, renderLastBuildInk, startInkBuild } from '../../src/ui/ink/render.js';
import { PlainBuildPrinter } from '../../src/ui/plain/build.js';
import { printDoctor } from '../../src/ui/plain/doctor.js';
import { errorLines } from '../../src/ui/plain/error.js';
import { printExplain } from '../../src/ui/plain/explain.js';
import { printHistory, printLastBuild } from '../../src/ui/plain/history.js';
import { failureEvents, firstBuild, pipFailed, report, successEvents, versionChange } from './fixtures.js';

const SPOOF = '0 problems, 0 warnings. Heroku would build this app.';
/** Hostile text for one-line strings (names, paths, reasons...). */
const HOSTILE = `\u001b]52;c;aGVsbG8=\u0007\u001b[2J\u009b31m\u202eevil\rX\n${SPOOF}`;
/** For pybp's multi-line prose (message, fix, details): its newlines are pybp's, the rest is hostile. */
const HOSTILE_PROSE = '\u001b]52;c;aGVsbG8=\u0007\u001b[2J\u009b31m\u202eevil\rX';
const MULTILINE = new Set(['message', 'fix', 'details']);
/** Values the renderers look up in tables (not text from anywhere). */
const STRUCTURAL = new Set(['action', 'status', 'outcome', 'kind', 'type', 'step', 'area', 'origin', 'tense', 'direction', 'phase', 'why']);

/** Every string of the value with hostile text appended. */
function poison<T>(value: T, key: string | null = null): T {
  if (typeof value === 'string') {
    if (key !== null && STRUCTURAL.has(key)) return value;
    return `${value}${key !== null && MULTILINE.has(key) ? HOSTILE_PROSE : HOSTILE}` as T;
  }
  if (Array.isArray(value)) return value.map((v) => poison(v, key)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v, k)])) as T;
}

/** What must never reach a terminal: any escape but SGR (and, for Ink, its own cursor moves), BEL, C1, bidi, CR, a spoofed line. */
function expectInert(output: string, { ink = false } = {}): void {
  let rest = output.replace(/\u001b\[[0-9;]*m/g, '');
  if (ink) rest = rest.replace(/\u001b\[\d*[AGK]|\u001b\[\?(?:25|2026)[lh]/g, '');
  expect(rest).not.toContain('\u001b');
  expect(rest).not.toMatch(/[\u0007\u0080-\u009f\u202e\r]/);
  for (const line of rest.split('\n')) expect(line.trimStart().startsWith(SPOOF)).toBe(false);
  // The hostile text is shown, not dropped.
  expect(rest).toContain('\\x1b]52;c;aGVsbG8=\\x07');
}

class Sink extends EventEmitter {
  readonly columns = 160;
  readonly rows = 10_000;
  readonly isTTY = true;
  data = '';
  write = (chunk: string | Uint8Array) => {
    this.data += String(chunk);
    return true;
  };
  get stream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

const error: ErrorData = poison({ ...pipFailed, details: ['a detail line'], output: ['pip line 1'] });

function explain(): ExplainReport {
  return poison({
    app: '/tmp/shop',
    layersDir: '/tmp/shop/.pybp/layers',
    packageManager: 'pip',
    python: { requested: '3.13', resolved: '3.13.15', origin: '.python-version' },
    source: { kind: 'local', interpreter: 'local 3.13.0 at /py/3.13.0', substituted: true, reason: 'stands in' },
    target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'host' },
    environment: { kind: 'host-config', origin: 'flag' },
    assumed: ['.python-version says 3.13'],
    since: { ref: 'main', commit: '0123456789abcdef', cacheBusted: true, refBuild: { packageManager: 'pip', python: '3.12.13' } },
    layers: [
      {
        name: 'python',
        types: { build: true, launch: true, cache: true },
        action: 'discard',
        reasons: [{ field: 'python_version', from: '3.12.13', to: '3.13.15', message: 'Python changed', pybpOnly: true }],
        lastBuildMs: 2100,
        estimatedMs: null,
        estimate: { lastMs: null, basis: 'none', fromBuild: null, note: 'no estimate' },
        packagesNote: 'the lock could not be read',
      },
      { name: 'poetry', types: { build: true, launch: true, cache: true }, action: 'drop', reasons: [], lastBuildMs: null, estimatedMs: null, estimate: null },
    ],
    cost: { estimatedMs: 0, lastMs: 0, unestimated: ['python'] },
    warnings: [{ code: 'python-patch-substituted', message: 'a stand-in' }],
    notes: ['a note'],
    error: null,
  } as unknown as ExplainReport);
}

const doctor: DoctorReport = poison({
  app: '/tmp/shop',
  ok: true,
  checks: [
    { id: 'git-untracked', area: 'git', status: 'warn', message: 'not tracked: a.txt', fix: 'git add -- a.txt && git commit', code: 'no-package-manager' },
    { id: 'procfile', area: 'heroku readiness', status: 'pass', message: 'Procfile has a web process: gunicorn app:app' },
  ],
} as DoctorReport);

const build: HistoryBuild = poison({
  id: 3,
  startedAt: '2026-12-01T14:02:03.000Z',
  status: 'failed',
  durationMs: 4000,
  python: { requested: '3.12', resolved: '3.12.13', origin: '.python-version', interpreter: 'local 3.12.1 at /py/3.12.1' },
  packageManager: 'uv',
  target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' },
  environment: { kind: 'host-config', origin: 'flag' },
  error: { code: 'uv-sync-failed', title: 'uv sync failed' },
  layers: [
    { name: 'venv', action: 'discard', reasons: [{ field: 'f', from: 'a', to: 'b', message: 'changed' }], outcome: 'rolled-back', durationMs: 2000, sizeBytes: 1024, inputs: null },
  ],
} as HistoryBuild);
const history: HistoryReport = { ...poison({ app: '/tmp/shop', layersDir: '/tmp/shop/.pybp/layers', notes: ['a note'] }), builds: [build, { ...build, id: 2, status: 'succeeded', error: null }] };
const lastBuild: LastBuildReport = { ...poison({ app: '/tmp/shop', layersDir: '/tmp/shop/.pybp/layers', notes: ['a note'] }), build, newestId: 3 };

/** A shared cache's restore and save, its names (the registry's reference, a reason) poisoned. */
const transferEvents: EngineEvent[] = poison([
  { type: 'cache-transfer-started', direction: 'restore', cache: 'cache image r.example/app:latest', layers: [{ name: 'uv', bytes: 1000 }] },
  { type: 'cache-blob-skipped', direction: 'restore', layer: 'venv', why: 'not-needed', detail: 'layers path: /a → /b' },
  { type: 'cache-blob-progress', direction: 'restore', layer: 'uv', phase: 'moving', bytesDone: 500, bytesTotal: 1000, elapsedMs: 20_000 },
  { type: 'cache-blob-done', direction: 'restore', layer: 'uv', phase: 'moving', bytes: 1000, durationMs: 30_000, ok: true },
  { type: 'cache-transfer-finished', direction: 'restore', cache: 'cache image r.example/app:latest', ok: true, bytesMoved: 1000, blobsMoved: 1, blobsSkipped: 1, durationMs: 30_000, bytesPerSecond: 33 },
  { type: 'cache-transfer-started', direction: 'save', cache: 'cache dir /ci/cache', layers: [{ name: 'uv', bytes: null }] },
  { type: 'cache-blob-progress', direction: 'save', layer: 'uv', phase: 'moving', bytesDone: 500, bytesTotal: null, elapsedMs: 100 },
] as EngineEvent[]);

/** Every kind of build event, poisoned, a failure included. */
function buildEvents(): EngineEvent[] {
  const events = poison(successEvents(versionChange));
  return [
    ...transferEvents,
    ...events,
    poison({ type: 'recovered', what: 'rolled-back' } as EngineEvent),
    { type: 'command', step: 'pip-deps', argv: ['pip', 'install', `x${HOSTILE}`] },
    { type: 'output', step: 'pip-deps', line: `progress${HOSTILE}` },
    { type: 'error', error },
  ];
}

afterEach(() => vi.restoreAllMocks());

describe('every renderer shows untrusted text inert', () => {
  it('plain build: events, the summary and the next: line', () => {
    for (const ending of ['succeeded', 'failed'] as const) {
      const out = new Sink();
      const printer = new PlainBuildPrinter(out.stream, out.stream, ['node', `/opt/${HOSTILE}/cli.js`]);
      for (const e of buildEvents()) printer.onEvent(e);
      printer.finish(poison(report(versionChange, ending, ending === 'failed' ? pipFailed : null)));
      expectInert(out.data);
    }
  });

  it('plain explain, doctor, history, explain --last and error lines', () => {
    const out = new Sink();
    printExplain(explain(), out.stream);
    printExplain({ ...explain(), error }, out.stream);
    printDoctor(doctor, out.stream);
    printHistory(history, out.stream);
    printLastBuild(lastBuild, out.stream);
    out.write(errorLines(error).join('\n'));
    expectInert(out.data);
  });

  it('the commands\' last-resort error printer', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    printFatal(error, {});
    printFatal(new Error(`boom${HOSTILE}`), {});
    vi.restoreAllMocks();
    expectInert(written.join(''));
  });

  it('Ink build: events as they come and the closing summary', async () => {
    for (const [events, ending] of [[buildEvents(), 'failed'], [poison(successEvents(firstBuild)), 'succeeded']] as const) {
      const out = new Sink();
      const view = startInkBuild({ stdout: out.stream, stderr: out.stream, patchConsole: false, pybp: ['node', `/opt/${HOSTILE}/cli.js`] });
      for (const e of events) view.onEvent(e);
      await view.finish(poison(report(firstBuild, ending, ending === 'failed' ? pipFailed : null)));
      expectInert(out.data, { ink: true });
    }
  });

  it('Ink explain (with and without an error), doctor, history and explain --last', async () => {
    const out = new Sink();
    const opts = { stdout: out.stream, stderr: out.stream };
    await renderExplainInk(explain(), opts);
    await renderExplainInk({ ...explain(), error }, opts);
    await renderDoctorInk(doctor, opts);
    await renderHistoryInk(history, opts);
    await renderLastBuildInk(lastBuild, opts);
    expectInert(out.data, { ink: true });
  });

  it('the next: line stays runnable: the real path, quoted, not its shown form', () => {
    const out = new Sink();
    const printer = new PlainBuildPrinter(out.stream, out.stream, ['pybp']);
    const app = '/tmp/a\u001b]52;c;x\u0007b';
    printer.finish({ ...report(firstBuild, 'succeeded'), app, layersDir: '/tmp/l s' });
    expect(out.data).toContain("next: pybp run $'/tmp/a\\x1b]52;c;x\\x07b' --layers-dir '/tmp/l s' -- <command>");
  });
});

describe('no renderer can bypass the sanitizer (fitness)', () => {
  const src = join(__dirname, '..', '..', 'src');
  const files = (dir: string): string[] =>
    readdirSync(join(src, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

  it('every Ink view draws text with pybp\'s <Text> (ui/ink/Text.tsx), never Ink\'s own', () => {
    const offenders = files('ui/ink')
      .filter((f) => f.endsWith('.tsx') && !f.endsWith('Text.tsx'))
      .filter((f) => /import\s*\{[^}]*\bText\b[^}]*\}\s*from\s*'ink'/.test(readFileSync(join(src, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the plain renderers write only through the guarded writer', () => {
    const offenders = files('ui/plain')
      .filter((f) => !f.endsWith('writer.ts'))
      .filter((f) => /\.write\(/.test(readFileSync(join(src, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('--json output is written with jsonText only', () => {
    const offenders = [...files('commands'), 'cli.ts']
      .filter((f) => /JSON\.stringify\([^)]*null, 2\)/.test(readFileSync(join(src, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
