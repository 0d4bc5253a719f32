// `procfile-command-missing`: each Procfile process starts a program; on a
// dyno it must come from the app's dependencies (the venv's bin/), the python
// layer, the run image, or the app itself. After a build, the venv answers;
// before one, the package names in the lock file or requirements.txt do.
import path from 'node:path';
import { parse } from 'smol-toml';
import type { PackageManager, ResolvedPython } from '../analysis/types.js';
import { readProcfile } from '../dyno/procfile.js';
import { readAppText } from '../io/app-file.js';
import { fail, pass, unchecked, warn } from './check.js';
import { normalizeName, poetryInstalledPackages, uvInstalledPackages } from './wheels/locked-packages.js';
import { herokuMarkerEnv } from './wheels/markers.js';
import { parseRequirements } from './wheels/requirements-lines.js';
import type { DoctorCheck } from './types.js';
import { isFile, isDir } from '../io/fs.js';
import { shellCommand } from '../core/shell-quote.js';

const AREA = 'heroku readiness';

/** Commands whose package has another name, or that are common enough to be sure about. */
const PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  gunicorn: ['gunicorn'],
  uvicorn: ['uvicorn'],
  daphne: ['daphne'],
  hypercorn: ['hypercorn'],
  granian: ['granian'],
  'waitress-serve': ['waitress'],
  celery: ['celery'],
  flask: ['flask'],
  'django-admin': ['django'],
  'newrelic-admin': ['newrelic'],
  'ddtrace-run': ['ddtrace'],
  streamlit: ['streamlit'],
  fastapi: ['fastapi-cli', 'fastapi'],
  rq: ['rq'],
  dramatiq: ['dramatiq'],
  huey_consumer: ['huey'],
  alembic: ['alembic'],
  scrapy: ['scrapy'],
  'opentelemetry-instrument': ['opentelemetry-instrumentation'],
};

/** Programs every dyno has without any dependency: the python layer's and the run image's. */
const ALWAYS_THERE = new Set([
  'python', 'python3', 'bash', 'sh', 'env', 'exec', 'echo', 'cat', 'sleep', 'true', 'false', 'test', 'cd', 'ls',
  'node', 'nginx', 'printf', 'tail', 'timeout', 'nohup', 'set', 'trap', 'wait', 'kill', 'curl',
]);

export interface ProcfileCommandArgs {
  appDir: string;
  listing: ReadonlySet<string>;
  packageManager: PackageManager | null;
  python: ResolvedPython | null;
  /** The last build's layers, only when pybp trusts them (made them here); else null. */
  layersDir: string | null;
  /** Installation prefix of the interpreter a build would use: its standard library answers `python -m`. */
  pythonPrefix: string | null;
}

export async function checkProcfileCommands(args: ProcfileCommandArgs): Promise<DoctorCheck[]> {
  if (!args.listing.has('Procfile')) return [];
  const read = await readProcfile(args.appDir);
  // The procfile check reports a Procfile that cannot be read.
  if (read.kind !== 'found') return [];
  const processes = read.procfile.processes;
  if (processes.size === 0) return [];

  const deps = await dependencyNames(args);
  const venvBin = args.layersDir === null ? null : path.join(args.layersDir, 'venv', 'bin');
  const built = venvBin !== null && (await isDir(venvBin));
  const checks: DoctorCheck[] = [];
  for (const [type, command] of processes) {
    if (command === '') continue;
    checks.push(await judge(args, type, command, deps, built ? venvBin : null));
  }
  return checks;
}

interface Dependencies {
  names: Set<string>;
  scripts: Set<string>;
  /** Where the names came from, for messages (`uv.lock`). */
  from: string;
}

async function dependencyNames(args: ProcfileCommandArgs): Promise<Dependencies | null> {
  const pm = args.packageManager;
  if (pm === null) return null;
  const scripts = await projectScripts(args.appDir);
  try {
    if (pm === 'pip') {
      const text = await readAppText(path.join(args.appDir, 'requirements.txt'), 'requirements');
      if (text === undefined) return null;
      const names = new Set<string>();
      for (const line of parseRequirements(text)) if (line.kind === 'name') names.add(normalizeName(line.name));
      return { names, scripts, from: 'requirements.txt' };
    }
    const lock = pm === 'uv' ? 'uv.lock' : 'poetry.lock';
    const text = await readAppText(path.join(args.appDir, lock), 'lock-file');
    if (text === undefined) return null;
    const env = herokuMarkerEnv(args.python?.resolved ?? '3.14.0', 'amd64');
    const packages = pm === 'uv' ? uvInstalledPackages(text, env) : poetryInstalledPackages(text, env);
    return { names: new Set(packages.map((p) => normalizeName(p.name))), scripts, from: lock };
  } catch {
    return null;
  }
}

/** `[project.scripts]` and `[tool.poetry.scripts]`: commands the app installs itself. */
async function projectScripts(appDir: string): Promise<Set<string>> {
  try {
    const text = await readAppText(path.join(appDir, 'pyproject.toml'), 'pyproject');
    if (text === undefined) return new Set();
    const doc = parse(text) as { project?: { scripts?: object }; tool?: { poetry?: { scripts?: object } } };
    return new Set([...Object.keys(doc.project?.scripts ?? {}), ...Object.keys(doc.tool?.poetry?.scripts ?? {})]);
  } catch {
    return new Set();
  }
}

/** The program a Procfile command starts: past `VAR=value`, `exec` and `env`. */
export function programOf(command: string): { program: string; module: string | null; moduleArg: string | null } | null {
  const words = command.match(/"[^"]*"|'[^']*'|\S+/g)?.map((w) => w.replace(/^["']|["']$/g, '')) ?? [];
  let i = 0;
  while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]) || words[i] === 'exec' || words[i] === 'env')) i++;
  const program = words[i];
  if (!program) return null;
  let moduleArg: string | null = null;
  if (/^python(3(\.\d+)?)?$/.test(program)) {
    const m = words.indexOf('-m', i + 1);
    if (m !== -1 && words[m + 1]) moduleArg = words[m + 1];
  }
  // The top-level package is what gets installed (`http.server` comes with `http`).
  return { program, module: moduleArg?.split('.')[0] ?? null, moduleArg };
}

async function judge(
  args: ProcfileCommandArgs,
  type: string,
  command: string,
  deps: Dependencies | null,
  venvBin: string | null,
): Promise<DoctorCheck> {
  const id = `procfile-command:${type}`;
  const parsed = programOf(command);
  if (!parsed) return pass(id, AREA, `The ${type} process runs \`${command}\`.`);
  const { program, module, moduleArg } = parsed;

  if (program.includes('/')) {
    if (path.isAbsolute(program)) return pass(id, AREA, `The ${type} process runs ${program} (an absolute path, not checked).`);
    const inApp = path.resolve(args.appDir, program);
    if (await isFile(inApp)) return pass(id, AREA, `The ${type} process runs ${program}, which is in the app.`);
    return fail(
      id,
      AREA,
      `The ${type} process runs ${program}, which is not in the app: the dyno would crash with "${program}: No such file or directory".`,
      `Commit ${program} (and make it executable: ${shellCommand(['chmod', '+x', '--', program])}), or fix the Procfile.`,
      'procfile-command-missing',
    );
  }

  const name = module ?? program;
  const what = module ? `python -m ${moduleArg}` : program;
  if (module) {
    const where = await moduleHome(args, module);
    if (where) return pass(id, AREA, `The ${type} process runs ${what}, from ${where}.`);
  }
  if (!module && ALWAYS_THERE.has(program)) return pass(id, AREA, `The ${type} process runs ${program}, which every dyno has.`);
  if (!module && venvBin && (await isFile(path.join(venvBin, program)))) {
    return pass(id, AREA, `The ${type} process runs ${program}, found in the last build's venv (${venvBin}).`);
  }
  if (!module && deps?.scripts.has(program)) return pass(id, AREA, `The ${type} process runs ${program}, a script of the app's own pyproject.toml.`);
  const providers = PROVIDERS[name] ?? [normalizeName(name)];
  const provider = deps ? providers.find((p) => deps.names.has(p)) : undefined;
  if (provider) return pass(id, AREA, `The ${type} process runs ${what}, from the dependency ${provider} (${deps!.from}).`);

  const known = name in PROVIDERS;
  const addCmd = addCommand(args.packageManager, providers[0]);
  if (deps && (known || (venvBin && !module))) {
    const where = [`no dependency in ${deps.from} is named ${providers.join(' or ')}`];
    if (venvBin && !module) where.push(`the last build's venv has no bin/${program}`);
    return fail(
      id,
      AREA,
      `The ${type} process runs \`${command}\`, but nothing installs ${what}: ${where.join(', and ')}. ` +
        `On Heroku the dyno would crash with "${module ? `No module named ${module}` : `${program}: command not found`}".`,
      `${addCmd}, or fix the Procfile.`,
      'procfile-command-missing',
    );
  }
  return unchecked(
    id,
    AREA,
    `The ${type} process runs ${what}; pybp can't tell before a build which dependency provides it` +
      (deps ? ` (none in ${deps.from} is named ${normalizeName(name)})` : '') +
      '.',
    'Run pybp build, then pybp doctor again: it looks in the built venv.',
    `which dependency provides ${what} is known only after a build`,
  );
}

/** Where `python -m module` would find the module without any new dependency: the standard library, or the last build's venv. */
async function moduleHome(args: ProcfileCommandArgs, module: string): Promise<string | null> {
  if (!args.python) return null;
  const [major, minor] = args.python.resolved.split('.');
  const lib = `python${major}.${minor}`;
  const places: Array<[string, string]> = [];
  const layerPython = args.layersDir === null ? null : path.join(args.layersDir, 'python');
  for (const prefix of [layerPython, args.pythonPrefix]) {
    if (prefix) places.push([path.join(prefix, 'lib', lib), "Python's standard library"]);
  }
  if (args.layersDir !== null) places.push([path.join(args.layersDir, 'venv', 'lib', lib, 'site-packages'), "the last build's venv"]);
  for (const [dir, label] of places) {
    if ((await isDir(path.join(dir, module))) || (await isFile(path.join(dir, `${module}.py`)))) return label;
  }
  return null;
}

function addCommand(pm: PackageManager | null, pkg: string): string {
  switch (pm) {
    case 'uv':
      return `Add it: ${shellCommand(['uv', 'add', pkg])} (then commit pyproject.toml and uv.lock)`;
    case 'poetry':
      return `Add it: ${shellCommand(['poetry', 'add', pkg])} (then commit pyproject.toml and poetry.lock)`;
    default:
      return `Add ${pkg} to requirements.txt and commit it`;
  }
}


