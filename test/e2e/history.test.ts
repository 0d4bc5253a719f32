// End-to-end: every build goes into the history; `pybp history` lists them and
// `pybp explain --last` / `--build N` show one, as the builds reported it.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { build, runPybp, writeToolsConfig, type BuildJson } from './pybp.js';

interface HistoryJson {
  builds: Array<{
    id: number;
    startedAt: string;
    status: string;
    durationMs: number;
    python: { resolved: string } | null;
    packageManager: string | null;
    error: { code: string } | null;
    layers: Array<{ name: string; action: string; reasons: Array<{ field: string; from: string | null; to: string | null }>; durationMs: number | null; sizeBytes: number | null }>;
  }>;
}

async function json<T>(args: string[]): Promise<{ code: number | null; body: T }> {
  const r = await runPybp(args);
  try {
    return { code: r.code, body: JSON.parse(r.stdout) as T };
  } catch {
    throw new Error(`pybp ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('build history', () => {
  let app: string;
  const reports: BuildJson[] = [];

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    app = join(await makeTempDir(), 'history app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
    await writeToolsConfig(app, indexUrl);
    reports.push(await build(app));
    writeFileSync(join(app, '.python-version'), '3.13\n');
    reports.push(await build(app));
    for (const r of reports) expect(r.status, JSON.stringify(r.error)).toBe('succeeded');
  });

  it('history --json lists both builds, newest first, with what each build reported', async () => {
    const { code, body } = await json<HistoryJson>(['history', app, '--json']);
    expect(code).toBe(0);
    expect(body.builds.map((b) => [b.id, b.status, b.packageManager, b.python?.resolved])).toEqual([
      [2, 'succeeded', 'uv', '3.13.15'],
      [1, 'succeeded', 'uv', '3.12.13'],
    ]);
    const [second, first] = body.builds;
    expect(Date.parse(first.startedAt)).toBeLessThanOrEqual(Date.parse(second.startedAt));
    for (const [entry, report] of [[first, reports[0]], [second, reports[1]]] as const) {
      expect(entry.layers.map((l) => ({ name: l.name, action: l.action, reasons: l.reasons, durationMs: l.durationMs, sizeBytes: l.sizeBytes }))).toEqual(
        report.layers.map((l) => ({ name: l.name, action: l.action, reasons: l.reasons, durationMs: l.durationMs, sizeBytes: l.sizeBytes })),
      );
      expect(entry.durationMs).toBeGreaterThan(0);
    }
    expect(Object.fromEntries(second.layers.map((l) => [l.name, l.action]))).toEqual({ python: 'discard', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'discard' });
  });

  it('explain --last --json is the newest build; --build 1 the first; a missing build is an error', async () => {
    const last = await json<HistoryJson>(['explain', app, '--last', '--json']);
    expect(last.code).toBe(0);
    expect(last.body.builds).toHaveLength(1);
    expect(last.body.builds[0].id).toBe(2);
    const venv = last.body.builds[0].layers.find((l) => l.name === 'venv');
    expect(venv?.reasons.map((r) => [r.field, r.from, r.to])).toContainEqual(['python_version', '3.12.13', '3.13.15']);

    const first = await json<HistoryJson>(['explain', app, '--build', '1', '--json']);
    expect(first.body.builds[0]).toMatchObject({ id: 1, python: { resolved: '3.12.13' } });
    expect(first.body.builds[0].layers.map((l) => l.action)).toEqual(['create', 'create', 'rebuild-always', 'create']);

    const missing = await json<{ error: { code: string; message: string } }>(['explain', app, '--build', '7', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.body.error.code).toBe('no-build-history');
    expect(missing.body.error.message).toContain('builds 1 to 2');
  });

  it('explain estimates a rebuild from the build that last made the layer from the same inputs', async () => {
    // Back to 3.12: python and venv were made from exactly these inputs by build 1.
    const { code, body } = await json<{
      layers: Array<{ name: string; action: string; estimatedMs: number | null; estimate: { lastMs: number | null; basis: string; fromBuild: number | null } | null }>;
      cost: { estimatedMs: number; unestimated: string[] };
    }>(['explain', app, '--json', '--python-source', 'local', '--python', '3.12']);
    expect(code).toBe(0);
    const byName = Object.fromEntries(body.layers.map((l) => [l.name, l]));
    const made = (name: string) => reports[0].layers.find((l) => l.name === name)!.durationMs;
    expect(byName.python).toMatchObject({ action: 'discard', estimatedMs: made('python'), estimate: { lastMs: made('python'), basis: 'same-inputs', fromBuild: 1 } });
    expect(byName.venv).toMatchObject({ action: 'discard', estimatedMs: made('venv'), estimate: { basis: 'same-inputs', fromBuild: 1 } });
    expect(byName.uv).toMatchObject({ action: 'reuse', estimatedMs: null, estimate: null });
    // uv-cache is made on every build; its inputs (uv, Python 3.12.13, target) were build 1's.
    expect(byName['uv-cache'].estimate).toMatchObject({ basis: 'same-inputs', fromBuild: 1 });
    const sum = ['python', 'uv-cache', 'venv'].reduce((total, name) => total + (byName[name].estimatedMs ?? 0), 0);
    expect(body.cost).toEqual({ estimatedMs: sum, lastMs: expect.any(Number), unestimated: [] });
  });

  it('a failed build is recorded too, with its error', async () => {
    writeFileSync(join(app, '.python-version'), '3.99\n');
    const failed = await build(app);
    expect(failed.exitCode).toBe(1);
    const { body } = await json<HistoryJson>(['explain', app, '--last', '--json']);
    expect(body.builds[0]).toMatchObject({ id: 3, status: 'failed', error: { code: failed.error!.code } });
    writeFileSync(join(app, '.python-version'), '3.13\n');
  });

  it('history and explain --last on a path that is not an app directory are errors, not an empty history', async () => {
    const missing = join(await makeTempDir(), 'no such app');
    for (const args of [['history', missing], ['explain', missing, '--last']]) {
      const r = await json<{ error: { code: string } }>([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.body.error.code).toBe('app-dir-not-found');
    }
    const notDir = join(app, 'pyproject.toml');
    const r = await json<{ error: { code: string } }>(['history', notDir, '--json']);
    expect(r.code).toBe(1);
    expect(r.body.error.code).toBe('app-dir-not-a-directory');
  });
});
