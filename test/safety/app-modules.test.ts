// On a built app, explain and doctor run nothing from it (issue 17 item 1;
// hostile-input rows 44 and 71), tried with the real CLI:
// - an app-root `poetry.py` / `json.py` (Python would import them first from
//   its working directory) and an editable project's `src/sitecustomize.py`
//   (imported by the venv's interpreter, whose site-packages points at src/)
//   append to a marker when imported; explain and doctor leave no marker and
//   no `__pycache__` in the app, and their verdicts are the real ones. Each
//   trap is shown to work when something does run it.
// - explain's forecast for a kept venv (read from the lock and the venv's
//   dist-info) equals what the build then reports, editable project included;
// - a python layer without its interpreter, or a venv whose bin/python links
//   to nothing: explain says the layer is made again and why, and the build
//   does exactly that and succeeds.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePoetryApp, makeUvApp, poetryLock, uvEnv } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { run } from '../support/env.js';
import { writeToolsConfig } from '../e2e/pybp.js';
import { makeScratch, pybpJson, type Scratch } from './support.js';

interface Reason {
  field: string;
  from: string | null;
  to: string | null;
  message: string;
  pybpOnly?: boolean;
}
interface Changes {
  add: Array<{ name: string; version: string }>;
  remove: Array<{ name: string; version: string }>;
  change: Array<{ name: string; from: string; to: string }>;
}
interface LayerJson {
  name: string;
  action: string;
  reasons: Reason[];
  packages?: Changes;
  packagesNote?: string;
}
interface DoctorJson {
  checks: Array<{ id: string; status: string; message: string }>;
}

const NO_CHANGES: Changes = { add: [], remove: [], change: [] };

let s: Scratch;

beforeAll(async () => {
  s = await makeScratch();
});

/** A module that appends its name to the file at `relative` to its own directory when imported (the app as the importer sees it). */
function trapBeside(name: string, relative: string): string {
  return `import os as _os\nopen(_os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ${JSON.stringify(relative)}), "a").write(${JSON.stringify(name + '\n')})\n`;
}

/** A module that appends its name to `marker` when imported. */
function trap(name: string, marker: string): string {
  return `open(${JSON.stringify(marker)}, "a").write(${JSON.stringify(name + '\n')})\n`;
}

function layer(layers: LayerJson[], name: string): LayerJson {
  const found = layers.find((l) => l.name === name);
  if (!found) throw new Error(`no ${name} layer in ${JSON.stringify(layers.map((l) => l.name))}`);
  return found;
}

async function explainJson(app: string): Promise<LayerJson[]> {
  const r = await pybpJson(s, ['explain', app]);
  expect(r.error, JSON.stringify(r.error)).toBeNull();
  return r.layers as LayerJson[];
}

async function doctorJson(app: string): Promise<DoctorJson> {
  const r = await pybpJson(s, ['doctor', app]);
  return r.raw.stdout ? (JSON.parse(r.raw.stdout) as DoctorJson) : { checks: [] };
}

async function buildOk(app: string): Promise<LayerJson[]> {
  const r = await pybpJson(s, ['build', app]);
  expect(r.error, JSON.stringify(r.error)).toBeNull();
  expect(r.exitCode).toBe(0);
  return r.layers as LayerJson[];
}

function lockCheck(doctor: DoctorJson): { status: string; message: string } {
  const check = doctor.checks.find((c) => c.id === 'lockfile-out-of-date');
  if (!check) throw new Error(`no lockfile-out-of-date check in ${JSON.stringify(doctor.checks.map((c) => c.id))}`);
  return check;
}

function pycacheIn(app: string): string[] {
  return readdirSync(app, { recursive: true, encoding: 'utf8' }).filter((p) => p.split('/').includes('__pycache__') && !p.startsWith('.pybp'));
}

/** What a build wrote (it runs the app's tools, as Heroku does), so that only explain and doctor are judged. */
async function clearPycache(app: string): Promise<void> {
  for (const p of pycacheIn(app)) if (p.endsWith('__pycache__')) await rm(join(app, p), { recursive: true, force: true });
}


async function setDependencies(app: string, from: string, to: string): Promise<void> {
  const pyproject = join(app, 'pyproject.toml');
  await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace(from, to));
}

describe('a built Poetry app (package mode) with an app-root poetry.py and json.py', () => {
  it('explain and doctor run neither, write no __pycache__, and tell the truth', async () => {
    const { indexUrl } = testInfra();
    // Package mode: Poetry installs the project itself, editable.
    const app = await makePoetryApp(join(s.root, 'poetry app'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'], packageMode: true });
    await mkdir(join(app, 'app'));
    await writeFile(join(app, 'app', '__init__.py'), '');
    await writeToolsConfig(app, indexUrl);
    const first = await buildOk(app);
    expect(layer(first, 'venv').packages?.add.map((p) => p.name)).toEqual(['app', 'tinydep', 'tinyweb']);
    await clearPycache(app);

    // The lock changes (a package added, one moved), then the traps go in.
    await setDependencies(app, '"tinyweb==1.0.0"', '"tinyweb==1.1.0", "tinydev==0.1.0"');
    await poetryLock(app, '3.12');
    const marker = join(s.root, 'poetry-app.MARKER');
    await writeFile(join(app, 'poetry.py'), trap('poetry.py', marker));
    await writeFile(join(app, 'json.py'), trap('json.py', marker));

    const predicted = layer(await explainJson(app), 'venv');
    const doctor = await doctorJson(app);
    expect(existsSync(marker)).toBe(false);
    expect(pycacheIn(app)).toEqual([]);
    const expected: Changes = { add: [{ name: 'tinydev', version: '0.1.0' }], remove: [], change: [{ name: 'tinyweb', from: '1.0.0', to: '1.1.0' }] };
    expect(predicted.action).toBe('reuse');
    expect(predicted.packages).toEqual(expected);
    expect(lockCheck(doctor)).toMatchObject({ status: 'pass' });

    // A stale lock is found by the real Poetry, still without running the app's modules.
    await setDependencies(app, '"tinydev==0.1.0"', '"tinydev==0.1.0", "tinydep==0.1.0"');
    expect(lockCheck(await doctorJson(app))).toMatchObject({ status: 'fail' });
    expect(existsSync(marker)).toBe(false);
    expect(pycacheIn(app)).toEqual([]);
    await setDependencies(app, '"tinydev==0.1.0", "tinydep==0.1.0"', '"tinydev==0.1.0"');

    // The traps work: the python layer's interpreter started in the app imports them.
    await run(join(app, '.pybp', 'layers', 'python', 'bin', 'python3'), ['-c', 'import json'], { cwd: app });
    expect(await readFile(marker, 'utf8')).toBe('json.py\n');
    await rm(join(app, '__pycache__'), { recursive: true, force: true });

    // The build (which runs Poetry by its script, as the buildpack does) changes what explain said.
    await unlink(join(app, 'poetry.py'));
    await unlink(join(app, 'json.py'));
    expect(layer(await buildOk(app), 'venv').packages).toEqual(expected);
    expect(layer(await explainJson(app), 'venv').packages).toEqual(NO_CHANGES);
  });
});

describe('a built uv app whose project is installed editable, with src/sitecustomize.py', () => {
  let app: string;
  let marker: string;

  beforeAll(async () => {
    const { indexUrl, uvPath } = testInfra();
    app = await makeUvApp(join(s.root, 'uv app'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const pyproject = join(app, 'pyproject.toml');
    await writeFile(pyproject, (await readFile(pyproject, 'utf8')) + '\n[build-system]\nrequires = ["poetry-core>=2"]\nbuild-backend = "poetry.core.masonry.api"\n');
    await mkdir(join(app, 'src', 'app'), { recursive: true });
    await writeFile(join(app, 'src', 'app', '__init__.py'), '');
    // In the app: with Heroku's paths the build's tools see the app (at /workspace), not the host's /tmp.
    marker = join(app, 'uv-app.MARKER');
    await writeFile(join(app, 'src', 'sitecustomize.py'), trapBeside('sitecustomize.py', '../uv-app.MARKER'));
    await run(uvPath, ['lock', '--quiet'], { cwd: app, env: uvEnv('3.12') });
    await writeToolsConfig(app, indexUrl);
    const first = await buildOk(app);
    expect(layer(first, 'venv').packages?.add.map((p) => p.name)).toEqual(['app', 'tinydep', 'tinyweb']);
    // The trap works: the build runs the venv's interpreter (uv asks it, and compiles with it), which imports it.
    expect(await readFile(marker, 'utf8')).toContain('sitecustomize.py');
    await rm(marker);
    await clearPycache(app);
  });

  it('explain and doctor never run the venv interpreter; explain forecasts no change where the build changes nothing', async () => {
    const predicted = layer(await explainJson(app), 'venv');
    await doctorJson(app);
    expect(existsSync(marker)).toBe(false);
    expect(pycacheIn(app)).toEqual([]);
    expect(predicted.action).toBe('reuse');
    expect(predicted.packages).toEqual(NO_CHANGES);
    expect(layer(await buildOk(app), 'venv').packages).toEqual(NO_CHANGES);
  });

  it('after the lock changes, explain forecasts exactly what the build reports', async () => {
    const { uvPath } = testInfra();
    await setDependencies(app, '"tinyweb==1.0.0"', '"tinyweb==1.1.0", "tinydev==0.1.0"');
    await setDependencies(app, 'version = "0.0.0"', 'version = "0.2.0"');
    await run(uvPath, ['lock', '--quiet'], { cwd: app, env: uvEnv('3.12') });
    await rm(marker, { force: true });
    const predicted = layer(await explainJson(app), 'venv');
    expect(existsSync(marker)).toBe(false);
    const expected: Changes = {
      add: [{ name: 'tinydev', version: '0.1.0' }],
      remove: [],
      change: [
        { name: 'app', from: '0.0.0', to: '0.2.0' },
        { name: 'tinyweb', from: '1.0.0', to: '1.1.0' },
      ],
    };
    expect(predicted.packages).toEqual(expected);
    expect(layer(await buildOk(app), 'venv').packages).toEqual(expected);
  });

  it('a python layer without its interpreter: explain says it is made again and why, and the build does so', async () => {
    const layers = join(app, '.pybp', 'layers');
    await unlink(join(layers, 'python', 'bin', 'python3.12'));
    const predicted = await explainJson(app);
    const python = layer(predicted, 'python');
    expect(python.action).toBe('discard');
    expect(python.reasons).toEqual([expect.objectContaining({ field: 'contents', from: 'bin/python3.12', pybpOnly: true })]);
    expect(python.reasons[0].message).toContain('bin/python3.12 is missing');
    // The venv's bin/python links into the python layer, which is made again: the venv is kept.
    expect(layer(predicted, 'venv').action).toBe('reuse');
    const built = await buildOk(app);
    expect(built.map((l) => [l.name, l.action])).toEqual(predicted.map((l) => [l.name, l.action]));
    expect(existsSync(join(layers, 'python', 'bin', 'python3.12'))).toBe(true);
    expect(layer(await explainJson(app), 'python').action).toBe('reuse');
  });

  it("a venv whose bin/python links to nothing: explain says it is made again and why, and the build does so", async () => {
    const link = join(app, '.pybp', 'layers', 'venv', 'bin', 'python');
    await unlink(link);
    await symlink(join(s.root, 'no such python'), link);
    const predicted = await explainJson(app);
    const venv = layer(predicted, 'venv');
    expect(venv.action).toBe('discard');
    expect(venv.reasons).toEqual([expect.objectContaining({ field: 'contents', from: 'bin/python', pybpOnly: true })]);
    expect(layer(predicted, 'python').action).toBe('reuse');
    const built = await buildOk(app);
    expect(built.map((l) => [l.name, l.action])).toEqual(predicted.map((l) => [l.name, l.action]));
    expect(layer(await explainJson(app), 'venv').action).toBe('reuse');
  });
});
