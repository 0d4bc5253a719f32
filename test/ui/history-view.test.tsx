// `pybp history` and `pybp explain --last`: the same facts in the Ink view and in plain lines.
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryReport, LastBuildReport } from '../../src/engine/history/report.js';
import type { HistoryBuild } from '../../src/engine/store/history.js';
import { HistoryView } from '../../src/ui/ink/HistoryView.js';
import { LastBuildView } from '../../src/ui/ink/LastBuildView.js';
import { printHistory, printLastBuild } from '../../src/ui/plain/history.js';
import { formatWhen } from '../../src/ui/format.js';
import { pythonChanged, screen } from './fixtures.js';

afterEach(() => cleanup());

const started = '2026-12-01T14:02:03.000Z';
const first: HistoryBuild = {
  id: 1,
  startedAt: started,
  status: 'succeeded',
  durationMs: 13_800,
  python: { requested: '3.12', resolved: '3.12.13', origin: '.python-version', interpreter: 'local 3.12.1 at /py/3.12.1' },
  packageManager: 'uv',
  target: { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' },
  error: null,
  layers: [
    { name: 'python', action: 'create', reasons: [], outcome: 'done', durationMs: 2100, sizeBytes: 300 * 1024 * 1024, inputs: null },
    { name: 'venv', action: 'create', reasons: [], outcome: 'done', durationMs: 11_000, sizeBytes: 2 * 1024 * 1024, inputs: null },
  ],
};
const second: HistoryBuild = {
  ...first,
  id: 2,
  status: 'failed',
  durationMs: 4000,
  error: { code: 'uv-sync-failed', title: 'uv sync failed' },
  layers: [
    { name: 'python', action: 'discard', reasons: [pythonChanged], outcome: 'rolled-back', durationMs: 2000, sizeBytes: 300 * 1024 * 1024, inputs: null },
    { name: 'venv', action: 'discard', reasons: [pythonChanged], outcome: 'not-reached', durationMs: null, sizeBytes: null, inputs: null },
  ],
};
const history: HistoryReport = { app: '/tmp/shop', layersDir: '/tmp/shop/.pybp/layers', builds: [second, first], notes: [] };
const last: LastBuildReport = { app: '/tmp/shop', layersDir: '/tmp/shop/.pybp/layers', build: second, newestId: 2, notes: [] };

function plain(print: (out: NodeJS.WritableStream) => void): string {
  const chunks: string[] = [];
  print({ write: (c: string) => chunks.push(c) > 0 } as unknown as NodeJS.WritableStream);
  return stripVTControlCharacters(chunks.join('')).split('\n').map((l) => l.trimEnd()).join('\n');
}

describe('history', () => {
  const when = formatWhen(started);
  it('plain: newest first, with status, time, setup, the layers rebuilt and the error code', () => {
    const out = plain((o) => printHistory(history, o));
    expect(out).toContain(`#2  ${when}  failed         4.0 s  uv, Python 3.12.13  rebuilt: python, venv  (uv-sync-failed)`);
    expect(out).toContain(`#1  ${when}  succeeded     13.8 s  uv, Python 3.12.13  rebuilt: python, venv`);
    expect(out.indexOf('#2')).toBeLessThan(out.indexOf('#1'));
  });

  it('Ink: the same rows', () => {
    const out = screen(render(<HistoryView report={history} />).frames);
    expect(out).toContain(`#2  ${when}  failed        4.0 s  uv, Python 3.12.13\n    rebuilt: python, venv · uv-sync-failed`);
    expect(out).toContain(`#1  ${when}  succeeded    13.8 s  uv, Python 3.12.13\n    rebuilt: python, venv`);
  });

  it('says when there is no build yet', () => {
    expect(plain((o) => printHistory({ ...history, builds: [] }, o))).toContain('(no builds recorded yet)');
    expect(screen(render(<HistoryView report={{ ...history, builds: [] }} />).frames)).toContain('(no builds recorded yet)');
  });
});

describe('explain --last', () => {
  it('plain: how the build ended, each layer with its action, time, size and reasons; a layer never reached says so', () => {
    const out = plain((o) => printLastBuild(last, o));
    expect(out).toContain('pybp explain /tmp/shop — build #2 (the last one)');
    expect(out).toContain('failed after 4.0 s (uv-sync-failed: uv sync failed)');
    // A rolled-back layer claims no size, as in the build's own summary.
    expect(out).toMatch(/^python    DISCARDED         2\.0 s {11}rolled back$/m);
    expect(out).not.toContain('300 MB');
    expect(out).toContain('- Python version changed from 3.12.13 to 3.13.15');
    expect(out).toMatch(/^venv      DISCARDED\s+not reached$/m);
  });

  it('says which environment the build used, when the history recorded it', () => {
    const withEnv: LastBuildReport = { ...last, build: { ...second, environment: { kind: 'host-config', origin: 'config' } } };
    expect(plain((o) => printLastBuild(withEnv, o))).toContain("environment: your HOME and pip/uv/Poetry config (build.hostConfig in the config); Heroku's build sees none of it");
    expect(screen(render(<LastBuildView report={withEnv} />).frames)).toContain('environment: your HOME and pip/uv/Poetry config (build.hostConfig in the config)');
    expect(plain((o) => printLastBuild(last, o))).not.toContain('environment:');
  });

  it('Ink: the same facts', () => {
    const out = screen(render(<LastBuildView report={last} />).frames);
    expect(out).toContain('build #2 (the last one)');
    expect(out).toContain('failed after 4.0 s');
    expect(out).toContain('uv-sync-failed: uv sync failed');
    expect(out).toMatch(/^python    DISCARDED          2\.0 s         —  rolled back$/m);
    expect(out).not.toContain('300 MB');
    expect(out).toContain('python_version: 3.12.13 → 3.13.15');
    expect(out).toMatch(/^venv      DISCARDED\s+—\s+—  not reached$/m);
  });
});
