// pybp's configuration: cosmiconfig, module name `buildpack`, searched in the
// app directory only. Validated strictly: a typo in a key is an error that names
// the file and the key, not a silently ignored setting.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENV_NAME } from './build-env.js';
import { PybpError } from './errors.js';

export type PythonSource = 'auto' | 'local' | 'heroku';
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
}

export const DEFAULT_CONFIG: PybpConfig = {
  env: {},
  python: { source: 'auto', interpreters: [] },
  tools: { uv: { source: 'pypi' } },
};

const SEARCH_PLACES = [
  'package.json',
  '.buildpackrc',
  '.buildpackrc.json',
  '.buildpackrc.yaml',
  '.buildpackrc.yml',
  '.buildpackrc.js',
  '.buildpackrc.cjs',
  '.buildpackrc.mjs',
  'buildpack.config.js',
  'buildpack.config.cjs',
  'buildpack.config.mjs',
];

/**
 * Loads the config of an app directory. cosmiconfig (and its YAML and JS
 * loaders) is imported only when one of its files is there: most apps have
 * none, and `explain --json` should start fast.
 */
export async function loadConfig(appDir: string, explicitFile?: string): Promise<LoadedConfig> {
  let present: string[] = [];
  if (!explicitFile) {
    let entries: string[] = [];
    try {
      entries = await fs.readdir(appDir);
    } catch {
      return { config: structuredClone(DEFAULT_CONFIG), file: null };
    }
    present = SEARCH_PLACES.filter((p) => entries.includes(p));
    if (present.length === 1 && present[0] === 'package.json') {
      try {
        const pkg = JSON.parse(await fs.readFile(path.join(appDir, 'package.json'), 'utf8')) as Record<string, unknown>;
        if (!('buildpack' in pkg)) present = [];
      } catch {
        present = [];
      }
    }
    if (present.length === 0) return { config: structuredClone(DEFAULT_CONFIG), file: null };
    if (present[0] === '.buildpackrc.json') {
      const fast = await readPlainJsonConfig(path.join(appDir, present[0]));
      if (fast) return fast;
    }
  }
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('buildpack', { searchStrategy: 'none', searchPlaces: SEARCH_PLACES });
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    result = explicitFile ? await explorer.load(path.resolve(explicitFile)) : await explorer.search(appDir);
  } catch (err) {
    const file = explicitFile ?? present.map((p) => path.join(appDir, p)).join(', ');
    throw new PybpError({
      code: 'config-invalid',
      title: 'The pybp config file cannot be read',
      message: `${file}: ${(err as Error).message.split('\n')[0]}`,
      fix: 'Fix the syntax of the file (see .buildpackrc.example in the pybp repository for every key).',
    });
  }
  if (!result || result.isEmpty) return { config: structuredClone(DEFAULT_CONFIG), file: result?.filepath ?? null };
  return { config: validateConfig(result.config, result.filepath), file: result.filepath };
}

/**
 * `.buildpackrc.json`, the usual config file, read without cosmiconfig: loading
 * it (with parse-json and @babel/code-frame) took about 20 ms, a third of what
 * `explain --json` costs beyond Node's start-up. Returns undefined for anything
 * cosmiconfig treats specially (an empty file or a `null`, which its search
 * skips; a `$import` key) or cannot parse, so that cosmiconfig reads it and
 * reports errors in its own words.
 */
async function readPlainJsonConfig(file: string): Promise<LoadedConfig | undefined> {
  let raw: unknown;
  try {
    const text = await fs.readFile(file, 'utf8');
    if (text.trim() === '') return undefined;
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || '$import' in raw) return undefined;
  return { config: validateConfig(raw, file), file };
}

export function validateConfig(raw: unknown, file: string): PybpConfig {
  const bad = (key: string, why: string): PybpError =>
    new PybpError({
      code: 'config-invalid',
      title: 'The pybp config has a bad key',
      message: `In ${file}, the key "${key}" ${why}.`,
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
  onlyKeys(root, '', ['layersDir', 'env', 'target', 'python', 'tools']);
  const config: PybpConfig = structuredClone(DEFAULT_CONFIG);
  if (root.layersDir !== undefined) config.layersDir = str(root.layersDir, 'layersDir');
  if (root.target !== undefined) config.target = str(root.target, 'target');
  if (root.env !== undefined) {
    const env = table(root.env, 'env');
    for (const [k, v] of Object.entries(env)) {
      if (k.startsWith('//')) continue;
      if (!ENV_NAME.test(k)) throw bad(`env.${k}`, 'is not a valid environment variable name');
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`env.${k}`, 'must be a string');
      config.env[k] = String(v);
    }
  }
  if (root.python !== undefined) {
    const py = table(root.python, 'python');
    onlyKeys(py, 'python.', ['source', 'interpreters', 'pyenvRoot', 'archiveUrlTemplate']);
    if (py.source !== undefined) config.python.source = oneOf(py.source, 'python.source', ['auto', 'local', 'heroku'] as const);
    if (py.interpreters !== undefined) {
      if (!Array.isArray(py.interpreters)) throw bad('python.interpreters', 'must be a list of paths');
      config.python.interpreters = py.interpreters.map((p, i) => filePath(p, `python.interpreters[${i}]`));
    }
    if (py.pyenvRoot !== undefined) config.python.pyenvRoot = filePath(py.pyenvRoot, 'python.pyenvRoot');
    if (py.archiveUrlTemplate !== undefined) config.python.archiveUrlTemplate = str(py.archiveUrlTemplate, 'python.archiveUrlTemplate');
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
