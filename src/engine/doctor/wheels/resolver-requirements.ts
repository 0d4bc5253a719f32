// What of an app's requirements.txt doctor may hand to a resolver: the named
// requirements (from the index) and the options that send no traffic, with `-r` includes
// inlined and `-c` constraints collected, both only from files inside the app
// (bounded reads). Everything that could make a resolver read or build code
// from the app or elsewhere (local paths, `-e`, `file:` and VCS URLs, direct
// `name @ url` references, includes leaving the app) is left out and named, so
// the check can say it was not checked. An index the file names
// (`--index-url`, `--extra-index-url`, a `--find-links` URL) is never handed
// over either: a cloned repo does not choose where doctor sends requests
// (resolverIndexes in no-linux-wheel-requirements decides what is asked).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readAppText } from '../../io/app-file.js';
import { normalizeName } from './locked-packages.js';
import { parseRequirements } from './requirements-lines.js';

/** Option lines a resolver gets as written: where packages come from (a directory inside the app), and which may not be wheels. */
const PASSED_OPTIONS = new Map<string, string>([
  ['--no-index', '--no-index'],
  ['-f', '--find-links'],
  ['--find-links', '--find-links'],
  ['--no-binary', '--no-binary'],
  ['--only-binary', '--only-binary'],
]);

/** Option lines that name an index: kept aside, never handed to a resolver. */
const INDEX_OPTIONS = new Set(['-i', '--index-url', '--extra-index-url']);

const MAX_FILES = 50;

export interface ResolverRequirements {
  /** Requirement and option lines for the resolver's requirements file. */
  requirements: string[];
  /** Constraint lines (from `-c` files inside the app). */
  constraints: string[];
  /** What was left out, as written (`-e .`, `git+https://…`, `-r ../base.txt`), with the file that says it. */
  notChecked: string[];
  /**
   * The package indexes the files name (`--index-url …`, `--extra-index-url …`,
   * `--find-links https://…`), with the file that says it and any credentials
   * in the URL left out: what pip on Heroku would ask, and doctor never does.
   */
  ownIndexes: string[];
  /** Normalised names pinned with `==` (or `===`) in a requirement or constraint. */
  pinned: Set<string>;
  /** Normalised names of every requirement handed over. */
  named: Set<string>;
  /** `--pre` in a requirements file: pip may pick pre-releases. */
  prereleases: boolean;
}

export async function resolverRequirements(appDir: string): Promise<ResolverRequirements> {
  const appReal = await fs.realpath(appDir).catch(() => path.resolve(appDir));
  const inside = (real: string) => {
    const rel = path.relative(appReal, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  const out: ResolverRequirements = { requirements: [], constraints: [], notChecked: [], ownIndexes: [], pinned: new Set(), named: new Set(), prereleases: false };
  const seen = new Set<string>();

  const visit = async (file: string, shown: string, asConstraints: boolean): Promise<void> => {
    const real = await fs.realpath(file).catch(() => null);
    if (real === null || !inside(real) || seen.has(real) || seen.size >= MAX_FILES) return;
    seen.add(real);
    const text = await readAppText(file, 'requirements');
    if (text === undefined) return;
    const base = path.dirname(file);
    const target = asConstraints ? out.constraints : out.requirements;
    for (const line of parseRequirements(text)) {
      switch (line.kind) {
        case 'name':
          if (line.url !== null) {
            out.notChecked.push(`${shown}: \`${line.name} @ ${line.url}\``);
            break;
          }
          target.push(line.text);
          if (!asConstraints) out.named.add(normalizeName(line.name));
          if (isExactPin(line.text)) out.pinned.add(normalizeName(line.name));
          break;
        case 'option': {
          if (line.option === '--pre' && !asConstraints) out.prereleases = true;
          if (asConstraints) break;
          if (INDEX_OPTIONS.has(line.option) || ((line.option === '-f' || line.option === '--find-links') && /^[a-z][a-z0-9+.-]*:\/\//i.test(line.value) && !/^file:/i.test(line.value))) {
            out.ownIndexes.push(`${shown}: \`${line.option} ${withoutCredentials(line.value)}\``);
            break;
          }
          const option = PASSED_OPTIONS.get(line.option);
          if (option === undefined) break;
          // A relative --find-links is relative to the file; the resolver reads the file elsewhere.
          const value = option === '--find-links' && !/^[a-z][a-z0-9+.-]*:/i.test(line.value) ? path.resolve(base, line.value) : line.value;
          if (option === '--find-links' && !/^https?:/.test(value) && !(await isInsideReal(value, inside))) {
            out.notChecked.push(`${shown}: \`${line.option} ${line.value}\``);
            break;
          }
          out.requirements.push(value === '' ? option : `${option} ${value}`);
          break;
        }
        case 'include': {
          const next = path.resolve(base, line.target);
          const nextReal = await fs.realpath(next).catch(() => null);
          if (nextReal === null || !inside(nextReal)) {
            out.notChecked.push(`${shown}: \`${line.option} ${line.target}\``);
            break;
          }
          await visit(next, path.relative(appDir, next), asConstraints || line.option === '-c');
          break;
        }
        case 'path':
        case 'url':
          out.notChecked.push(`${shown}: \`${line.option ? `${line.option} ` : ''}${line.target}\``);
          break;
      }
    }
  };
  const top = path.join(appDir, 'requirements.txt');
  const topReal = await fs.realpath(top).catch(() => null);
  // A requirements.txt that links out of the app is not what Heroku gets (path-outside-app fails it): nothing to check.
  if (topReal !== null && !inside(topReal)) out.notChecked.push(`requirements.txt (a link to ${topReal}, outside the app)`);
  else await visit(top, 'requirements.txt', false);
  return out;
}

/** `https://user:token@host/simple` → `https://host/simple`: a URL as it may be shown. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}

async function isInsideReal(p: string, inside: (real: string) => boolean): Promise<boolean> {
  const real = await fs.realpath(p).catch(() => null);
  return real !== null && inside(real);
}

/** `name[extras] == 1.2.3 ; marker`: one exact version (no wildcard, no other specifier). */
export function isExactPin(requirement: string): boolean {
  const spec = requirement.replace(/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?/, '').split(';')[0].trim();
  return /^===?\s*[^\s,*]+$/.test(spec);
}
