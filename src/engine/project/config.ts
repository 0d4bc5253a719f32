// pybp's configuration, searched in the app directory only. Declarative
// files only (JSON, YAML, the `buildpack` key of package.json): a config file
// that is code (`buildpack.config.js`, `.buildpackrc.mjs`, ...) would run
// whatever a cloned repo ships the moment someone asks `pybp explain` about
// it, so pybp never loads one; it only says it ignored it. Validated
// strictly: a typo in a key is an error that names the file and the key, not
// a silently ignored setting.
import path from 'node:path';
import os from 'node:os';
import { configVarTooLarge, envNameProblem, envValueProblem } from './build-env.js';
import { inert } from '../core/inert-text.js';
import { listDir } from '../io/fs.js';
import { type AppFileKind, readAppText } from '../io/app-file.js';
import { PybpError } from '../core/errors.js';
export type PythonSource = 'auto' | 'local' | 'heroku' | 'uv';
export type UvSource = 'pypi' | 'astral';

export interface PybpConfig {
  layersDir?: string;
  env: Record<string, string>;
  target?: string;
  python: {
    source: PythonSource;
    interpreters: string[];
    pyenvRoot?: string;
    archiveUrlTemplate?: string;
    /** For the uv source: uv's `--mirror` (replaces the python-build-standalone download URL's prefix). */
    uvMirror?: string;
    /** For the uv source: uv's `--python-downloads-json-url` (a URL, or a file path resolved from the config file). */
    uvDownloadsJsonUrl?: string;
  };
  build: {
    /** Build with the user's HOME and pip/uv/Poetry config instead of the Heroku-clean environment. */
    hostConfig: boolean;
    /** Which paths the build's tools see: Heroku's (/layers/heroku_python, /workspace; Linux with bubblewrap) or the host's. Default: heroku where it can. */
    paths?: 'heroku' | 'host';
  };
  /** A shared build cache: a volume-format directory or a cache image (engine/cache/). */
  cache: {
    dir?: string;
    image?: string;
    /** Registries spoken to over plain HTTP (loopback ones always are). */
    insecureRegistries: string[];
  };
  tools: {
    /** A mirror for the pip/Poetry/uv bootstraps (a simple index URL). */
    indexUrl?: string;
    uv: { source: UvSource; archiveUrlTemplate?: string };
  };
}

export interface LoadedConfig {
  config: PybpConfig;
  /** The file it came from, or null for defaults. */
  file: string | null;
  /**
   * Found in the app directory (the repo's own config), not named with --config: explain and doctor
   * send no traffic to hosts only it names.
   */
  fromApp: boolean;
  /** Config files in the app dir that are code, which pybp never loads (full paths). */
  ignoredCodeFiles: string[];
}

export const DEFAULT_CONFIG: PybpConfig = {
  env: {},
  python: { source: 'auto', interpreters: [] },
  build: { hostConfig: false },
  cache: { insecureRegistries: [] },
  tools: { uv: { source: 'pypi' } },
};

type Syntax = 'json' | 'yaml';

/** The declarative places, in the order they are searched; the first with settings wins. */
const SEARCH_PLACES: ReadonlyArray<{ name: string; syntax: Syntax }> = [
  { name: 'package.json', syntax: 'json' },
  { name: '.buildpackrc', syntax: 'yaml' }, // YAML, of which JSON is a subset
  { name: '.buildpackrc.json', syntax: 'json' },
  { name: '.buildpackrc.yaml', syntax: 'yaml' },
  { name: '.buildpackrc.yml', syntax: 'yaml' },
];

/** Config files that are programs: never loaded, by any command. */
export const CODE_CONFIG_FILES: readonly string[] = [
  '.buildpackrc.js',
  '.buildpackrc.cjs',
  '.buildpackrc.mjs',
  '.buildpackrc.ts',
  '.buildpackrc.cts',
  '.buildpackrc.mts',
  'buildpack.config.js',
  'buildpack.config.cjs',
  'buildpack.config.mjs',
  'buildpack.config.ts',
  'buildpack.config.cts',
  'buildpack.config.mts',
];

const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'];

/**
 * Loads the config of an app directory, or the file given with --config.
 * Nothing in it is executed: JSON is parsed, YAML is parsed with js-yaml's
 * safe schema (through cosmiconfig's loader, imported only for a YAML file).
 */
export async function loadConfig(appDir: string, explicitFile?: string): Promise<LoadedConfig> {
  const listing = await listDir(appDir).catch(() => null);
  const ignoredCodeFiles = CODE_CONFIG_FILES.filter((name) => listing?.has(name)).map((name) => path.join(appDir, name));
  const fromApp = explicitFile === undefined;
  const defaults = (file: string | null = null): LoadedConfig => ({ config: structuredClone(DEFAULT_CONFIG), file, ignoredCodeFiles, fromApp: fromApp && file !== null });

  if (explicitFile) {
    const file = path.resolve(explicitFile);
    const ext = path.extname(file).toLowerCase();
    if (CODE_EXTENSIONS.includes(ext)) throw codeConfigError(file);
    const syntax: Syntax | undefined = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' || ext === '' ? 'yaml' : undefined;
    if (!syntax) {
      throw new PybpError({
        code: 'config-invalid',
        title: 'The pybp config file has an unknown type',
        message: `${file}: pybp reads config files in JSON (.json) or YAML (.yaml, .yml, or no extension), not "${ext}".`,
        fix: 'Write the config as JSON or YAML (see .buildpackrc.example in the pybp repository for every key).',
      });
    }
    const text = await readConfigText(file, 'config');
    if (text === undefined) {
      throw new PybpError({
        code: 'config-invalid',
        title: 'The pybp config file does not exist',
        message: `${file} (given with --config) does not exist.`,
        fix: 'Check the path given with --config.',
      });
    }
    const raw = await parseConfig(file, text, syntax);
    return raw === undefined ? defaults(file) : { config: validateConfig(raw, file), file, ignoredCodeFiles, fromApp };
  }

  if (listing === null) return defaults();
  for (const place of SEARCH_PLACES) {
    if (!listing.has(place.name)) continue;
    const file = path.join(appDir, place.name);
    if (place.name === 'package.json') {
      const text = await readConfigText(file, 'package-json');
      let pkg: unknown;
      try {
        pkg = text === undefined ? undefined : JSON.parse(text);
      } catch {
        continue; // a broken package.json is npm's business; it has no settings for pybp
      }
      const settings = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>).buildpack : undefined;
      if (settings === undefined || settings === null) continue;
      return { config: validateConfig(settings, file), file, ignoredCodeFiles, fromApp };
    }
    const text = await readConfigText(file, 'config');
    if (text === undefined) continue;
    const raw = await parseConfig(file, text, place.syntax);
    // An empty file (or a YAML/JSON null) has no settings: the search goes on, as cosmiconfig's did.
    if (raw === undefined) continue;
    return { config: validateConfig(raw, file), file, ignoredCodeFiles, fromApp };
  }
  return defaults();
}

/** The warning build, explain and doctor give for config files pybp ignored because they are code. */
export function ignoredCodeConfigMessage(files: readonly string[]): { title: string; message: string; fix: string } {
  const names = files.map((f) => path.basename(f)).join(', ');
  return {
    title: `pybp ignores ${names}: config files that are code are never loaded`,
    message:
      `${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} JavaScript/TypeScript. pybp reads only declarative config ` +
      `(.buildpackrc, .buildpackrc.json, .buildpackrc.yaml/.yml, or a "buildpack" key in package.json), so that inspecting ` +
      `a repo never runs its code; none of the settings in ${files.length === 1 ? 'that file' : 'those files'} apply.`,
    fix: 'Move the settings to .buildpackrc.json (see .buildpackrc.example in the pybp repository), then delete the code file.',
  };
}

function codeConfigError(file: string): PybpError {
  return new PybpError({
    code: 'config-invalid',
    title: 'pybp does not load config files that are code',
    message: `${file} is JavaScript/TypeScript; pybp reads only JSON or YAML config, so that no config file can run code.`,
    fix: 'Write the settings as JSON or YAML (e.g. .buildpackrc.json; see .buildpackrc.example in the pybp repository).',
  });
}

/** A config file's text, read bounded; undefined when absent. A directory of that name is absent too. */
async function readConfigText(file: string, kind: AppFileKind): Promise<string | undefined> {
  try {
    return await readAppText(file, kind, { directoryIsAbsent: true });
  } catch (err) {
    if (err instanceof PybpError) throw err;
    throw new PybpError({
      code: 'config-invalid',
      title: 'The pybp config file cannot be read',
      message: `${file}: ${(err as Error).message}`,
      fix: 'Check the permissions of the file (and, if it is a symlink, its target).',
    });
  }
}

/** The parsed document; undefined for an empty file or a null document (no settings). */
async function parseConfig(file: string, text: string, syntax: Syntax): Promise<unknown> {
  if (text.trim() === '') return undefined;
  let raw: unknown;
  try {
    if (syntax === 'json') {
      raw = JSON.parse(text);
    } else {
      // js-yaml's default schema: plain data, no !!js/function or other code tags.
      const { defaultLoaders } = await import('cosmiconfig');
      raw = await defaultLoaders['.yaml'](file, text);
    }
  } catch (err) {
    throw new PybpError({
      code: 'config-invalid',
      title: 'The pybp config file cannot be read',
      message: `${file}: ${firstReason((err as Error).message)}`,
      fix: 'Fix the syntax of the file (see .buildpackrc.example in the pybp repository for every key).',
    });
  }
  return raw === null || raw === undefined ? undefined : raw;
}

/** The parser's first line that says something (cosmiconfig's YAML loader starts with "YAML Error in <file>:"). */
function firstReason(message: string): string {
  const lines = message.split('\n').filter((line) => line.trim() !== '' && !/^YAML Error in /.test(line));
  return lines[0] ?? message;
}

export function validateConfig(raw: unknown, file: string): PybpConfig {
  const bad = (key: string, why: string): PybpError =>
    new PybpError({
      code: 'config-invalid',
      title: 'The pybp config has a bad key',
      // A key is the file's text: shown inert, so a newline or an ESC in it cannot fake or drive output.
      message: `In ${file}, the key "${inert(key)}" ${why}.`,
      fix: 'Fix or remove that key (see .buildpackrc.example in the pybp repository for every key and its type).',
    });
  const table = (value: unknown, key: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key, 'must be a table/object');
    return value as Record<string, unknown>;
  };
  const onlyKeys = (obj: Record<string, unknown>, prefix: string, allowed: string[]) => {
    for (const k of Object.keys(obj)) {
      // "//"-keys are comments (JSON has none), as in .buildpackrc.example.
      if (k.startsWith('//')) continue;
      if (!allowed.includes(k)) throw bad(prefix + k, `is not a pybp setting (known here: ${allowed.join(', ')})`);
    }
  };
  const str = (value: unknown, key: string): string => {
    if (typeof value !== 'string' || value === '') throw bad(key, 'must be a non-empty string');
    return value;
  };
  const filePath = (value: unknown, key: string): string => {
    const text = str(value, key);
    const expanded = text === '~' || text.startsWith('~/') ? path.join(os.homedir(), text.slice(1)) : text;
    return path.resolve(path.dirname(file), expanded);
  };
  const oneOf = <T extends string>(value: unknown, key: string, options: readonly T[]): T => {
    if (typeof value !== 'string' || !options.includes(value as T)) throw bad(key, `must be one of ${options.join(', ')}`);
    return value as T;
  };

  const root = table(raw, '(root)');
  onlyKeys(root, '', ['layersDir', 'env', 'target', 'python', 'build', 'cache', 'tools']);
  const config: PybpConfig = structuredClone(DEFAULT_CONFIG);
  if (root.layersDir !== undefined) config.layersDir = str(root.layersDir, 'layersDir');
  if (root.target !== undefined) config.target = str(root.target, 'target');
  if (root.env !== undefined) {
    const env = table(root.env, 'env');
    for (const [k, v] of Object.entries(env)) {
      if (k.startsWith('//')) continue;
      const nameProblem = envNameProblem(k);
      if (nameProblem) throw bad(`env.${k}`, nameProblem);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`env.${k}`, 'must be a string');
      const value = String(v);
      // The value is never shown: config vars hold secrets.
      const valueProblem = envValueProblem(k, value);
      if (valueProblem?.code === 'config-var-too-large') throw configVarTooLarge(k, `env in ${file}`, valueProblem.why);
      if (valueProblem) throw bad(`env.${k}`, `has a value that ${valueProblem.why}; the value is not shown, as it may hold a secret`);
      config.env[k] = value;
    }
  }
  if (root.python !== undefined) {
    const py = table(root.python, 'python');
    onlyKeys(py, 'python.', ['source', 'interpreters', 'pyenvRoot', 'archiveUrlTemplate', 'uvMirror', 'uvDownloadsJsonUrl']);
    if (py.source !== undefined) config.python.source = oneOf(py.source, 'python.source', ['auto', 'local', 'heroku', 'uv'] as const);
    if (py.interpreters !== undefined) {
      if (!Array.isArray(py.interpreters)) throw bad('python.interpreters', 'must be a list of paths');
      config.python.interpreters = py.interpreters.map((p, i) => filePath(p, `python.interpreters[${i}]`));
    }
    if (py.pyenvRoot !== undefined) config.python.pyenvRoot = filePath(py.pyenvRoot, 'python.pyenvRoot');
    if (py.archiveUrlTemplate !== undefined) config.python.archiveUrlTemplate = str(py.archiveUrlTemplate, 'python.archiveUrlTemplate');
    if (py.uvMirror !== undefined) config.python.uvMirror = str(py.uvMirror, 'python.uvMirror');
    if (py.uvDownloadsJsonUrl !== undefined) {
      const value = str(py.uvDownloadsJsonUrl, 'python.uvDownloadsJsonUrl');
      config.python.uvDownloadsJsonUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : filePath(value, 'python.uvDownloadsJsonUrl');
    }
  }
  if (root.build !== undefined) {
    const build = table(root.build, 'build');
    onlyKeys(build, 'build.', ['hostConfig', 'paths']);
    if (build.paths !== undefined) config.build.paths = oneOf(build.paths, 'build.paths', ['heroku', 'host'] as const);
    if (build.hostConfig !== undefined) {
      if (typeof build.hostConfig !== 'boolean') throw bad('build.hostConfig', 'must be true or false');
      config.build.hostConfig = build.hostConfig;
    }
  }
  if (root.cache !== undefined) {
    const cache = table(root.cache, 'cache');
    onlyKeys(cache, 'cache.', ['dir', 'image', 'insecureRegistries']);
    if (cache.dir !== undefined) config.cache.dir = filePath(cache.dir, 'cache.dir');
    if (cache.image !== undefined) config.cache.image = str(cache.image, 'cache.image');
    if (cache.insecureRegistries !== undefined) {
      if (!Array.isArray(cache.insecureRegistries)) throw bad('cache.insecureRegistries', 'must be a list of host[:port]');
      config.cache.insecureRegistries = cache.insecureRegistries.map((h, i) => str(h, `cache.insecureRegistries[${i}]`));
    }
  }
  if (root.tools !== undefined) {
    const tools = table(root.tools, 'tools');
    onlyKeys(tools, 'tools.', ['indexUrl', 'uv']);
    if (tools.indexUrl !== undefined) config.tools.indexUrl = str(tools.indexUrl, 'tools.indexUrl');
    if (tools.uv !== undefined) {
      const uv = table(tools.uv, 'tools.uv');
      onlyKeys(uv, 'tools.uv.', ['source', 'archiveUrlTemplate']);
      if (uv.source !== undefined) config.tools.uv.source = oneOf(uv.source, 'tools.uv.source', ['pypi', 'astral'] as const);
      if (uv.archiveUrlTemplate !== undefined) config.tools.uv.archiveUrlTemplate = str(uv.archiveUrlTemplate, 'tools.uv.archiveUrlTemplate');
    }
  }
  return config;
}
