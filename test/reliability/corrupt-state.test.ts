// Corrupted layer state: each case damages the layers of a built uv app, then
// explain and build must agree and give the buildpack's decision (discard
// with a reason, new, or libcnb's framework error `layer-toml-invalid`), with a
// message and a fix, and never pybp's `internal-error`. pybp's own files (the
// sidecar and the journal) never change a decision the buildpack would take.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { build, explain, explainThenBuild, writeToolsConfig } from '../e2e/pybp.js';
import { buildOk, buildRun, type Decisions, decisionsOf, describeRun, expectAppRuns, expectCleanControlDir, explainDecisions } from './harness.js';

const warningCodes = (report: object) => ((report as { warnings?: Array<{ code: string }> }).warnings ?? []).map((w) => w.code);

let app: string;
let layers: string;
let AA: Decisions;
/** The built state's files, to put back after a case that leaves them broken. */
let pristine: Record<string, string>;

const file = (rel: string) => join(layers, rel);

beforeAll(async () => {
  const { indexUrl } = testInfra();
  app = join(await makeTempDir(), 'corrupt app');
  await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], requiresPython: '>=3.12' });
  await writeToolsConfig(app, indexUrl);
  layers = join(app, '.pybp', 'layers');
  await buildOk(app, await explainDecisions(app));
  AA = await explainDecisions(app);
  pristine = Object.fromEntries(['python.toml', 'uv.toml', 'venv.toml', '.pybp/state.json'].map((f) => [f, readFileSync(file(f), 'utf8')]));
});

/** After every case, the app is built again (a case's own build, or --clear-cache) and explain is back to A→A. */
async function expectBackToA(): Promise<void> {
  expect(await explainDecisions(app)).toEqual(AA);
  expectCleanControlDir(layers);
  broken = false;
}

// A case that fails leaves its damage behind: the next case starts from a fresh build.
let broken = false;
beforeEach(async () => {
  if (broken) {
    rmSync(layers, { recursive: true, force: true });
    await buildOk(app, await explainDecisions(app));
    expect(await explainDecisions(app)).toEqual(AA);
  }
  broken = true;
});

interface TomlCase {
  name: string;
  layer: 'python' | 'uv' | 'venv';
  damage: (text: string) => string | null; // null: delete the toml
  /** What the buildpack does with it. */
  expect: { action: 'discard' | 'create'; reason: RegExp } | { error: 'layer-toml-invalid'; message: RegExp };
}

const TOML_CASES: TomlCase[] = [
  { name: 'truncated mid-value', layer: 'python', damage: (t) => t.slice(0, t.indexOf('python_version') + 'python_version = "3.1'.length), expect: { error: 'layer-toml-invalid', message: /not valid TOML/ } },
  { name: 'truncated at a line end (keys missing)', layer: 'venv', damage: (t) => t.slice(0, t.indexOf('\n', t.indexOf('[metadata]') + 11) + 1), expect: { action: 'discard', reason: /metadata key \w+ is missing/ } },
  { name: 'truncated to nothing', layer: 'python', damage: () => '', expect: { action: 'discard', reason: /has no \[metadata\] table/ } },
  { name: 'not TOML at all', layer: 'uv', damage: () => 'this is = = not toml\n', expect: { error: 'layer-toml-invalid', message: /not valid TOML/ } },
  { name: 'binary garbage with NUL bytes', layer: 'venv', damage: () => '\u0000\u0001\u00ff\u0000PK\u0003\u0004', expect: { error: 'layer-toml-invalid', message: /not valid TOML/ } },
  { name: 'a metadata value of the wrong type', layer: 'python', damage: (t) => t.replace(/python_version = "[^"]*"/, 'python_version = 3.12'), expect: { action: 'discard', reason: /python_version is a float, not a string/ } },
  { name: 'a metadata table that is a string', layer: 'venv', damage: (t) => `metadata = "x"\n${t.replace(/\[metadata\][\s\S]*$/, '')}`, expect: { error: 'layer-toml-invalid', message: /\[metadata\] is a string, not a table/ } },
  { name: 'an unknown metadata key', layer: 'venv', damage: (t) => `${t}extra_key = "1"\n`, expect: { action: 'discard', reason: /unknown metadata key extra_key/ } },
  { name: 'an unknown top-level key', layer: 'python', damage: (t) => `surprise = 1\n${t}`, expect: { error: 'layer-toml-invalid', message: /unknown top-level key "surprise"/ } },
  { name: '[types] with a non-boolean', layer: 'venv', damage: (t) => t.replace(/cache = true/, 'cache = "yes"'), expect: { error: 'layer-toml-invalid', message: /\[types\]\.cache is not a boolean/ } },
  { name: 'a layer directory without its toml', layer: 'python', damage: () => null, expect: { action: 'discard', reason: /has no python\.toml/ } },
];

describe('corrupted <layer>.toml', () => {
  for (const c of TOML_CASES) {
    it(`${c.layer}.toml ${c.name}: ${'error' in c.expect ? c.expect.error : c.expect.action}`, async () => {
      const toml = file(`${c.layer}.toml`);
      const damaged = c.damage(pristine[`${c.layer}.toml`]);
      if (damaged === null) rmSync(toml);
      else writeFileSync(toml, damaged);

      if ('error' in c.expect) {
        const predicted = await explain(app);
        const report = await build(app);
        for (const error of [predicted.error as { code: string; message: string; fix: string } | null, report.error]) {
          expect(error?.code).toBe(c.expect.error);
          expect(error?.message).toContain(toml);
          expect(error?.message).toMatch(c.expect.message);
          expect(error?.fix).toContain('--clear-cache');
        }
        expect(report.exitCode).toBe(1);
        // The failed build left the damage as it was (it stopped before writing anything).
        expect(readFileSync(toml, 'utf8')).toBe(damaged);
        writeFileSync(toml, pristine[`${c.layer}.toml`]);
      } else {
        const report = await explainThenBuild(app);
        expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
        const layer = report.layers.find((l) => l.name === c.layer)!;
        expect(layer.action).toBe(c.expect.action);
        expect(layer.reasons.map((r) => r.message).join('\n')).toMatch(c.expect.reason);
        // Every other layer as after the last successful build... (python discarded drags the venv along).
        for (const other of report.layers.filter((l) => l.name !== c.layer && l.name !== 'venv')) {
          expect(other.action).toBe(AA.find((d) => d.name === other.name)!.action);
        }
      }
      await expectBackToA();
    });
  }

  it('venv.toml without its directory: created anew, silently (libcnb step 2)', async () => {
    rmSync(file('venv'), { recursive: true });
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.layers.find((l) => l.name === 'venv')?.action).toBe('create');
    await expectAppRuns(app, '3.12');
    await expectBackToA();
  });

  it('a toml that is a directory counts as missing: the layer is discarded', async () => {
    rmSync(file('venv.toml'));
    mkdirSync(file('venv.toml'));
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.layers.find((l) => l.name === 'venv')?.action).toBe('discard');
    await expectBackToA();
  });

  it('--clear-cache gets past a framework error and starts from nothing', async () => {
    writeFileSync(file('python.toml'), 'not [valid toml');
    expect((await build(app)).error?.code).toBe('layer-toml-invalid');
    const report = await build(app, ['--clear-cache']);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(decisionsOf(report).map((d) => [d.name, d.action])).toEqual([
      ['python', 'create'],
      ['uv', 'create'],
      ['uv-cache', 'rebuild-always'],
      ['venv', 'create'],
    ]);
    // No discard lines: nothing was restored.
    expect(report.layers.flatMap((l) => l.reasons).filter((r) => r.field !== 'cache')).toEqual([]);
    await expectAppRuns(app, '3.12');
    await expectBackToA();
  });
});

describe("corrupted pybp state: the sidecar (.pybp/state.json)", () => {
  const SIDECARS: Array<[string, () => string]> = [
    ['truncated', () => pristine['.pybp/state.json'].slice(0, 40)],
    ['not JSON', () => '\u0000\u0000garbage'],
    ['an unknown version', () => '{"version": 7}'],
    ['a malformed python record', () => '{"version": 1, "python": {"version": 3}, "lastBuild": null}'],
    ['lastBuild of the wrong type', () => '{"version": 1, "python": null, "lastBuild": 5}'],
    ['lastBuild.layers of the wrong type', () => '{"version": 1, "python": null, "lastBuild": {"finishedAt": "x", "packageManager": "uv", "durationMs": 1, "layers": null}}'],
    ['a layer record of the wrong type', () => '{"version": 1, "python": null, "lastBuild": {"finishedAt": "x", "packageManager": "uv", "durationMs": 1, "layers": {"python": 7}}}'],
    ['JSON null', () => 'null'],
  ];

  for (const [name, text] of SIDECARS) {
    it(`${name}: no crash, the buildpack's decisions unchanged`, async () => {
      writeFileSync(file('.pybp/state.json'), text());
      const predicted = await explain(app);
      expect(predicted.error, JSON.stringify(predicted.error)).toBeNull();
      const report = await explainThenBuild(app);
      expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
      // The python layer may be judged on pybp's record of which interpreter filled it; without one it is the buildpack's rule alone.
      expect(decisionsOf(report).map((d) => [d.name, d.action])).toEqual(AA.map((d) => [d.name, d.action]));
      await expectBackToA();
    });
  }
});

describe('corrupted pybp state: the journal (.pybp/journal.json)', () => {
  const outside = () => join(dirname(app), 'outside');

  beforeAll(async () => {
    await mkdir(outside(), { recursive: true });
    await writeFile(join(outside(), 'keep'), 'not pybp\'s');
  });

  const JOURNALS: Array<[string, () => string]> = [
    ['truncated', () => '{"version": 1, "pid": 1, "state": "runn'],
    ['not JSON', () => 'garbage'],
    ['entries of the wrong type', () => JSON.stringify({ version: 1, pid: 1, startedAt: '', state: 'running', entries: [{ name: 5 }, 'x', null], removing: [] })],
    ['an unknown state', () => JSON.stringify({ version: 1, pid: 1, startedAt: '', state: 'bogus', entries: [], removing: [] })],
    ['entries naming paths outside the layers', () => JSON.stringify({ version: 1, pid: 1, startedAt: '', state: 'running', entries: [{ name: '../../../outside', hadDir: false, hadToml: false }], removing: [] })],
    ['a commit removing paths outside the layers', () => JSON.stringify({ version: 1, pid: 1, startedAt: '', state: 'committed', entries: [], removing: ['../../../outside', '/'], sidecar: '{}' })],
    ['a commit whose sidecar is not text', () => JSON.stringify({ version: 1, pid: 1, startedAt: '', state: 'committed', entries: [], removing: [], sidecar: 5 })],
  ];

  for (const [name, text] of JOURNALS) {
    it(`${name}: no crash, nothing outside the layers touched, explain and build agree`, async () => {
      writeFileSync(file('.pybp/journal.json'), text());
      const predicted = await explain(app);
      expect(predicted.error, JSON.stringify(predicted.error)).toBeNull();
      expect(warningCodes(predicted)).toContain('journal-unreadable');
      const report = await explainThenBuild(app);
      expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
      expect(warningCodes(report)).toContain('journal-unreadable');
      expect(decisionsOf(report)).toEqual(AA);
      expect(readFileSync(join(outside(), 'keep'), 'utf8')).toBe('not pybp\'s');
      await expectAppRuns(app, '3.12');
      await expectBackToA();
    });
  }

  it('a journal that is a directory: unreadable, no crash', async () => {
    mkdirSync(file('.pybp/journal.json'));
    const predicted = await explain(app);
    expect(predicted.error, JSON.stringify(predicted.error)).toBeNull();
    expect(warningCodes(predicted)).toContain('journal-unreadable');
    await buildOk(app, AA);
    await expectBackToA();
  });

  it('an unreadable journal still puts back the layers the killed build had set aside', async () => {
    // A 3.13 build killed right after its new python layer got its metadata; python is set aside.
    writeFileSync(join(app, '.python-version'), '3.13\n');
    const killed = await buildRun(app, { faultAt: 'metadata:python:after' });
    expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
    expect(readFileSync(file('python.toml'), 'utf8')).toContain('3.13.15');
    writeFileSync(file('.pybp/journal.json'), '{"version": 1, "state": "running", "entries": [{"na');
    writeFileSync(join(app, '.python-version'), '3.12\n');
    const predicted = await explain(app);
    expect(warningCodes(predicted)).toContain('journal-unreadable');
    expect(decisionsOf(predicted)).toEqual(AA);
    await buildOk(app, AA);
    await expectAppRuns(app, '3.12');
    await expectBackToA();
  });
});
