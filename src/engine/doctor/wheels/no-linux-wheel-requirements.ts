// `no-linux-wheel` for a pip app: which packages requirements.txt resolves to
// have no wheel for the dyno (the target's glibc and CPU, the resolved
// CPython)? uv answers for that platform with wheels only (requirements-wheels);
// a package with an sdist is built from source on Heroku (warn), one with
// neither fails the install. uv takes the newest version WITH a wheel, pip
// the newest version: for each package not pinned with ==, uv is also asked
// whether a newer version exists that has only an sdist (pip would build it). Lines that are not from an index are not given
// to uv and are named as not checked; no pinned uv, or a resolution that fails
// for another reason (the network), is "could not check", never a pass.
//
// doctor sends no request because of a repo: uv asks the index the user gave
// (`--env PIP_INDEX_URL=…`, the env of a --config file) or its default, never
// one the app names (`--index-url` in requirements.txt, PIP_INDEX_URL in the
// app's own pybp config). When the app names one and the user gave none, the
// check is "could not check", with the command that settles it.
import type { ResolvedPython } from '../../analysis/types.js';
import { UV_VERSION } from '../../core/versions.js';
import { fail, pass, unchecked, warn } from '../check.js';
import { findPinnedUv } from './pinned-tools.js';
import type { ToolInstallPolicy } from '../../tools/doctor-tools.js';
import { resolveWheels, USER_INDEX_VARS, type NewerFromSource, type ResolveTarget, type UserIndex } from './requirements-wheels.js';
import { resolverRequirements } from './resolver-requirements.js';
import type { DoctorCheck } from '../types.js';
import type { MissingWheel } from './uv-no-wheel.js';
import { describeWheelTarget, glibcOf, type WheelTarget } from './wheel-tags.js';

const ID = 'no-linux-wheel';
const AREA = 'heroku readiness';

/** The newest manylinux uv 0.11 knows as a `--python-platform` (glibc 2.40). */
const UV_NEWEST_GLIBC_MINOR = 40;

export interface RequirementsWheelArgs {
  appDir: string;
  python: ResolvedPython;
  target: { arch: string; distro_version: string };
  /** A previous build's layers, only when pybp trusts them; else null. */
  layersDir: string | null;
  /** The build's environment (host base + the user's own config vars: never the app's config file's). */
  env: Record<string, string>;
  /** Config vars the user gave (`--env`, a --config file's env): the only place an index to ask comes from. */
  userVars: Record<string, string>;
  /** Index variables (PIP_INDEX_URL…) the app's own pybp config sets and the user does not: named, never used. */
  appIndexVars: string[];
  hostEnv: NodeJS.ProcessEnv;
  /** The local interpreter a build would use (outside the app), or null. */
  interpreter: string | null;
  signal?: AbortSignal;
  /** How doctor may install its own pinned uv when none is found (absent: it may not). */
  install?: ToolInstallPolicy;
}

export function uvTarget(t: WheelTarget): ResolveTarget {
  const [, glibcMinor] = glibcOf(t.distroVersion);
  const machine = t.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return { pythonPlatform: `${machine}-manylinux_2_${Math.min(glibcMinor, UV_NEWEST_GLIBC_MINOR)}`, pythonVersion: t.pythonVersion };
}

export async function checkRequirementsWheels(args: RequirementsWheelArgs): Promise<DoctorCheck> {
  const wheelTarget: WheelTarget = { pythonVersion: args.python.resolved, arch: args.target.arch, distroVersion: args.target.distro_version };
  const where = describeWheelTarget(wheelTarget);
  const minor = args.python.resolved.split('.').slice(0, 2).join('.');
  const couldNot = (why: string, fix: string) => unchecked(ID, AREA, `Could not check whether requirements.txt has wheels for ${where}: ${why}.`, fix, why);

  const input = await resolverRequirements(args.appDir);
  const notChecked =
    input.notChecked.length > 0
      ? ` Not checked (not from a package index, so not given to the resolver; their dependencies neither): ${input.notChecked.join('; ')}.`
      : '';
  if (input.named.size === 0) {
    return input.notChecked.length > 0
      ? unchecked(
          ID,
          AREA,
          `No requirement in requirements.txt names a package from an index, so no wheel was checked for ${where}.${notChecked}`,
          'Check these packages yourself; each is built or fetched on Heroku as written.',
          `not from a package index: ${input.notChecked.join('; ')}`,
        )
      : pass(ID, AREA, 'requirements.txt names no packages, so no wheel is needed.');
  }

  const index: UserIndex = {};
  for (const name of USER_INDEX_VARS) if (args.userVars[name]) index[name] = args.userVars[name];
  const given = Object.keys(index);
  const appNamed = [...input.ownIndexes, ...args.appIndexVars.map((name) => `${name} in the app's pybp config`)];
  if (appNamed.length > 0 && given.length === 0) {
    const why = `the app names its own package index (${appNamed.join('; ')}), and doctor sends no request to an index a repository chooses`;
    return unchecked(
      ID,
      AREA,
      `Could not check whether requirements.txt has wheels for ${where}: ${why}.${notChecked}`,
      `If you trust that index, give it yourself: pybp doctor --env PIP_INDEX_URL=<its URL> (or check it with: uv pip compile requirements.txt --python-platform ${uvTarget(wheelTarget).pythonPlatform} --python-version ${wheelTarget.pythonVersion} --no-build).`,
      why,
    );
  }
  const instead = appNamed.length > 0 ? ` The app names its own index (${appNamed.join('; ')}); doctor asked the index you gave (${given.join(', ')}) instead.` : '';

  const uv = await findPinnedUv(args.layersDir, args.appDir, args.hostEnv, args.install);
  if (!uv.found) {
    return couldNot(
      `the pinned uv ${UV_VERSION} is not available (looked in ${uv.searched.join(' and ')}${uv.why ? `; ${uv.why}` : ''})`,
      `Run pybp doctor without --offline (it installs its own uv ${UV_VERSION} from the package index, checked against pybp's hashes), or put uv ${UV_VERSION} on PATH.`,
    );
  }
  const target = uvTarget(wheelTarget);
  const result = await resolveWheels({ uv: uv.tool, input, target, env: args.env, index, interpreter: args.interpreter, appDir: args.appDir, signal: args.signal });
  if (result.kind === 'could-not-check') {
    return couldNot(
      result.reason,
      `Check the index is reachable (and the requirements resolve): uv pip compile requirements.txt --python-platform ${target.pythonPlatform} --python-version ${target.pythonVersion} --no-build`,
    );
  }

  // Built from source on Heroku: packages with only an sdist, and packages whose newer version (pip's pick) has only one.
  const built = [...result.missing.filter((m) => m.hasSdist).map(describeMissing), ...result.newer.map(describeNewer)];
  const impossible = result.missing.filter((m) => !m.hasSdist);
  const how = ` Resolved by uv ${UV_VERSION} for ${target.pythonPlatform}, CPython ${target.pythonVersion}, with wheels only.${instead}`;
  const caveat =
    result.unprobed.length > 0
      ? ` Not asked whether a newer version lacks a wheel (time or count limit, or uv failed): ${shortList(result.unprobed)}; ` +
        'uv picked the newest version with a wheel for these, while pip on Heroku takes the newest version and builds it from source when it has no wheel.'
      : '';
  const builtText = built.length > 0 ? ` Their own dependencies are known only after a build and were not checked.` : '';

  if (impossible.length > 0) {
    return fail(
      ID,
      AREA,
      `${impossible.length === 1 ? 'A package requirements.txt needs has' : `${impossible.length} packages requirements.txt needs have`} neither a wheel for ${where} ` +
        `nor a source distribution, so installing on Heroku would fail: ${impossible.map(describeMissing).join('; ')}.${how}` +
        (built.length > 0 ? ` Also built from source (no wheel, an sdist): ${built.join('; ')}.${builtText}` : '') +
        notChecked,
      `Pick versions that publish manylinux wheels for ${target.pythonPlatform.split('-')[0]} and CPython ${minor} (or change the Python version) in requirements.txt.`,
      'no-linux-wheel',
    );
  }
  if (built.length > 0) {
    return unchecked(
      ID,
      AREA,
      `${built.length === 1 ? 'A package requirements.txt needs has' : `${built.length} packages requirements.txt needs have`} no wheel for ${where}, only a source distribution, ` +
        `so Heroku would build ${built.length === 1 ? 'it' : 'them'} from source (needs a compiler and headers, slow, and often fails): ${built.join('; ')}.${how}${builtText}` +
        caveat +
        notChecked,
      `Prefer versions with manylinux wheels for CPython ${minor} (or a Python version they have wheels for) in requirements.txt; ` +
        'whether the source build succeeds on Heroku is known only by building there.',
      `Heroku would compile from source: ${built.join('; ')}`,
      'no-linux-wheel',
    );
  }
  const all = `All ${result.resolved.length} package${result.resolved.length === 1 ? '' : 's'} requirements.txt resolves to have a wheel for ${where}.${how}${caveat}`;
  if (input.notChecked.length > 0 || result.unprobed.length > 0) {
    return unchecked(
      ID,
      AREA,
      `${all}${notChecked}`,
      'Check the packages not checked yourself: each is built or fetched on Heroku as written (pip takes the newest version of a package not pinned with ==).',
      [
        ...(input.notChecked.length > 0 ? [`not from a package index: ${input.notChecked.join('; ')}`] : []),
        ...(result.unprobed.length > 0 ? [`not asked whether a newer version lacks a wheel: ${shortList(result.unprobed)}`] : []),
      ].join('; '),
    );
  }
  return pass(ID, AREA, all);
}

function describeMissing(p: MissingWheel): string {
  return `${p.name}${p.version ? ` ${p.version}` : ''}${p.availableFor ? ` (wheels only for: ${p.availableFor})` : ''}`;
}

function describeNewer(p: NewerFromSource): string {
  return `${p.name} ${p.version ?? `above ${p.uvPicked}`} (not pinned: pip takes this newest version; ${p.uvPicked} is the newest with a wheel)`;
}

function shortList(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}
