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
import { lockedNames, lockedOnlyIn, normalizeName, poetryInstalledPackages, uvInstalledPackages } from './wheels/locked-packages.js';
import { herokuMarkerEnv } from './wheels/markers.js';
import { parseRequirements } from './wheels/requirements-lines.js';
import type { DoctorCheck } from './types.js';
import { isFile, isDir } from '../io/fs.js';
import { shellCommand } from '../core/shell-quote.js';
import { STACK_EXECUTABLES, STACK_EXECUTABLES_SOURCE } from './stack-executables.js';
import { resolverRequirements } from './wheels/resolver-requirements.js';

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

/** Shell builtins (a Procfile line runs under `bash -c`) and the python layer's programs. */
const ALWAYS_THERE = new Set([
  'exec', 'cd', 'set', 'trap', 'wait', 'kill', 'echo', 'printf', 'test', '[', 'true', 'false', 'export', 'source', '.',
  'eval', 'ulimit', 'umask', 'read', 'exit', ':', 'python', 'python3',
]);

/** Programs a dyno has only when another buildpack put them there. */
const FROM_BUILDPACKS: Readonly<Record<string, { buildpack: string; wraps: boolean }>> = {
  'heroku-applink-service-mesh': { buildpack: 'the AppLink service mesh buildpack (heroku/heroku-applink-service-mesh)', wraps: true },
  'bin/start-nginx': { buildpack: 'the nginx buildpack (heroku-community/nginx)', wraps: true },
  'bin/start-nginx-debug': { buildpack: 'the nginx buildpack (heroku-community/nginx)', wraps: true },
  'bin/start-nginx-solo': { buildpack: 'the nginx buildpack (heroku-community/nginx)', wraps: false },
  'bin/start-pgbouncer': { buildpack: 'the PgBouncer buildpack (heroku/pgbouncer)', wraps: true },
  'bin/start-pgbouncer-stunnel': { buildpack: 'the PgBouncer buildpack (heroku/pgbouncer)', wraps: true },
  nginx: { buildpack: 'the nginx buildpack (heroku-community/nginx)', wraps: false },
  node: { buildpack: 'the Node.js buildpack (heroku/nodejs)', wraps: false },
  npm: { buildpack: 'the Node.js buildpack (heroku/nodejs)', wraps: false },
  npx: { buildpack: 'the Node.js buildpack (heroku/nodejs)', wraps: false },
};

/** The stack whose run image a target's dyno has (heroku-26 has no list yet: heroku-24's stands in). */
export function stackOf(distroVersion: string): string {
  return distroVersion === '22.04' ? 'heroku-22' : 'heroku-24';
}

const stackSets = new Map<string, Set<string>>();
function stackHas(stack: string, program: string): boolean {
  let set = stackSets.get(stack);
  if (!set) {
    set = new Set(STACK_EXECUTABLES[stack] ?? STACK_EXECUTABLES['heroku-24']);
    stackSets.set(stack, set);
  }
  return set.has(program);
}

export interface ProcfileCommandArgs {
  appDir: string;
  listing: ReadonlySet<string>;
  packageManager: PackageManager | null;
  python: ResolvedPython | null;
  /** The last build's layers, only when pybp trusts them (made them here); else null. */
  layersDir: string | null;
  /** Installation prefix of the interpreter a build would use: its standard library answers `python -m`. */
  pythonPrefix: string | null;
  /** The Heroku stack the dyno runs on (heroku-22, heroku-24): its run image's programs need no dependency. */
  stack: string;
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
  /** Packages the lock has but the build does not install, with where they are (`the extra app[server]`). */
  notInstalled: Map<string, string>;
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
      // `-r other.txt` (nested too, inside the app) installs its requirements as well.
      const included = await resolverRequirements(args.appDir);
      for (const name of included.named) names.add(name);
      return { names, scripts, from: 'requirements.txt (with its -r files)', notInstalled: new Map() };
    }
    const lock = pm === 'uv' ? 'uv.lock' : 'poetry.lock';
    const text = await readAppText(path.join(args.appDir, lock), 'lock-file');
    if (text === undefined) return null;
    const env = herokuMarkerEnv(args.python?.resolved ?? '3.14.0', 'amd64');
    const packages = pm === 'uv' ? uvInstalledPackages(text, env) : poetryInstalledPackages(text, env);
    const names = new Set(packages.map((p) => normalizeName(p.name)));
    const notInstalled = new Map<string, string>();
    for (const name of lockedNames(pm, text)) {
      if (!names.has(name)) notInstalled.set(name, lockedOnlyIn(pm, text, name) ?? 'a dependency group the build does not install');
    }
    return { names, scripts, from: lock, notInstalled };
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

const SEVERITY = { pass: 0, warn: 1, fail: 3 } as const;
function severity(c: DoctorCheck): number {
  return SEVERITY[c.status] + (c.unchecked ? 1 : 0);
}

/**
 * A process's check: every program its command line starts (`yes | python
 * manage.py migrate` starts two), the worst of them decides.
 */
async function judge(
  args: ProcfileCommandArgs,
  type: string,
  command: string,
  deps: Dependencies | null,
  venvBin: string | null,
): Promise<DoctorCheck> {
  const id = `procfile-command:${type}`;
  const parts = commandSegments(command);
  const results: DoctorCheck[] = [];
  for (const part of parts) {
    const judged = await judgeProgram(args, type, command, part, deps, venvBin);
    if (judged) results.push(judged);
  }
  if (results.length === 0) return pass(id, AREA, `The ${type} process runs \`${command}\`.`);
  const worst = results.reduce((a, b) => (severity(b) > severity(a) ? b : a));
  if (worst.status !== 'pass' || results.length === 1) return worst;
  return pass(id, AREA, results.map((r) => r.message).join(' '));
}

/** The simple commands of a command line: split at unquoted `|`, `||`, `&&`, `;` and `&`. */
export function commandSegments(command: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    // A backslash keeps the next character (outside single quotes, as bash does).
    if (ch === '\\' && quote !== "'" && i + 1 < command.length) {
      current += ch + command[++i];
      continue;
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if (ch === '|' || ch === ';' || ch === '&') {
      if (command[i + 1] === ch) i++;
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

/** The words after a wrapper that make up the command it runs: after `--` when there is one, else all of them. */
function wrappedCommand(segment: string, wrapper: string): string | null {
  const words = segment.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const at = words.findIndex((w) => w === wrapper);
  const rest = at === -1 ? [] : words.slice(at + 1);
  const dashes = rest.indexOf('--');
  const inner = dashes === -1 ? rest.filter((w) => !w.startsWith('-')) : rest.slice(dashes + 1);
  return inner.length === 0 ? null : (dashes === -1 ? rest : inner).join(' ');
}

async function judgeProgram(
  args: ProcfileCommandArgs,
  type: string,
  command: string,
  segment: string,
  deps: Dependencies | null,
  venvBin: string | null,
): Promise<DoctorCheck | null> {
  const id = `procfile-command:${type}`;
  const parsed = programOf(segment);
  if (!parsed) return null;
  const { program, module, moduleArg } = parsed;

  const other = FROM_BUILDPACKS[program.replace(/^\.\//, '')];
  if (other && !(await isFile(path.resolve(args.appDir, program)))) {
    const inner = other.wraps ? wrappedCommand(segment, program) : null;
    const note =
      `The ${type} process runs ${program}, which ${other.buildpack} installs, not the Python buildpack: ` +
      'the app needs that buildpack too (pybp does not run it).';
    const fix = `Make sure the Heroku app has ${other.buildpack} (heroku buildpacks lists them), or fix the Procfile.`;
    if (inner === null) return warn(id, AREA, note, fix);
    const wrapped = await judgeProgram(args, type, command, inner, deps, venvBin);
    if (wrapped === null || wrapped.status === 'pass') return warn(id, AREA, `${note} The command it wraps: ${wrapped?.message ?? inner}`, fix);
    return { ...wrapped, message: `${note} The command it wraps: ${wrapped.message}` };
  }

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
  if (!module && (ALWAYS_THERE.has(program) || /^python3\.\d+$/.test(program))) return pass(id, AREA, `The ${type} process runs ${program}, which every dyno has.`);
  if (!module && venvBin && (await isFile(path.join(venvBin, program)))) {
    return pass(id, AREA, `The ${type} process runs ${program}, found in the last build's venv (${venvBin}).`);
  }
  if (!module && deps?.scripts.has(program)) return pass(id, AREA, `The ${type} process runs ${program}, a script of the app's own pyproject.toml.`);
  const providers = PROVIDERS[name] ?? [normalizeName(name)];
  const provider = deps ? providers.find((p) => deps.names.has(p)) : undefined;
  if (provider) return pass(id, AREA, `The ${type} process runs ${what}, from the dependency ${provider} (${deps!.from}).`);
  if (!module && stackHas(args.stack, program)) {
    return pass(id, AREA, `The ${type} process runs ${program}, which the ${args.stack} run image has (${STACK_EXECUTABLES_SOURCE}).`);
  }

  const addCmd = addCommand(args.packageManager, providers[0]);
  const lockedElsewhere = deps ? providers.find((p) => deps.notInstalled.has(p)) : undefined;
  if (deps && lockedElsewhere) {
    const where = deps.notInstalled.get(lockedElsewhere)!;
    return fail(
      id,
      AREA,
      `The ${type} process runs \`${command}\`, but ${lockedElsewhere} is locked only in ${where} (${deps.from}), which the build does not install ` +
        `(${args.packageManager === 'uv' ? 'uv sync --no-default-groups' : 'poetry sync --only main'} installs no extras and no dev groups). ` +
        `On Heroku the dyno would crash with "${module ? `No module named ${module}` : `${program}: command not found`}".`,
      `Make ${lockedElsewhere} a main dependency (${addCmd.replace(/^Add it: /, '')}), or fix the Procfile.`,
      'procfile-command-missing',
    );
  }
  const known = name in PROVIDERS;
  if (deps && (known || (venvBin && !module))) {
    const where = [`no dependency in ${deps.from} is named ${providers.join(' or ')}`];
    if (venvBin && !module) where.push(`the last build's venv has no bin/${program}`);
    if (!module) where.push(`the ${args.stack} run image has no ${program}`);
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
      (deps ? ` (none in ${deps.from} is named ${normalizeName(name)}, and the ${args.stack} run image has no ${program})` : '') +
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


