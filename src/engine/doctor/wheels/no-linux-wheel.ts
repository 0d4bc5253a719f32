// `no-linux-wheel`: for each package Heroku would install from the lock file,
// is there a wheel for the dyno (glibc Linux, the CPU, the resolved CPython)?
// Read offline from uv.lock / poetry.lock (requirements.txt, which names no
// wheels, is no-linux-wheel-requirements.ts). No wheel but an sdist: built from
// source on Heroku (warn: it needs a compiler and headers, and often fails);
// neither: the install fails.
import type { PackageManager, ResolvedPython } from '../../analysis/types.js';
import path from 'node:path';
import { readAppText } from '../../io/app-file.js';
import { fail, pass, unchecked } from '../check.js';
import { type LockedPackage, poetryInstalledPackages, uvInstalledPackages } from './locked-packages.js';
import { herokuMarkerEnv } from './markers.js';
import type { DoctorCheck } from '../types.js';
import { describeWheelTarget, wheelFitsTarget, type WheelTarget } from './wheel-tags.js';

const ID = 'no-linux-wheel';
const AREA = 'heroku readiness';

export async function checkLinuxWheels(args: {
  appDir: string;
  packageManager: Exclude<PackageManager, 'pip'>;
  python: ResolvedPython;
  target: { arch: string; distro_version: string };
}): Promise<DoctorCheck> {
  const wheelTarget: WheelTarget = { pythonVersion: args.python.resolved, arch: args.target.arch, distroVersion: args.target.distro_version };
  const where = describeWheelTarget(wheelTarget);
  const lockName = args.packageManager === 'uv' ? 'uv.lock' : 'poetry.lock';
  let packages: LockedPackage[];
  try {
    const text = await readAppText(path.join(args.appDir, lockName), 'lock-file');
    if (text === undefined) return unchecked(ID, AREA, `Wheels were not checked: there is no ${lockName}.`, `Create it (${args.packageManager === 'uv' ? 'uv lock' : 'poetry lock'}) and commit it.`, `there is no ${lockName}`);
    const env = herokuMarkerEnv(args.python.resolved, args.target.arch);
    packages = args.packageManager === 'uv' ? uvInstalledPackages(text, env) : poetryInstalledPackages(text, env);
  } catch (err) {
    return unchecked(
      ID,
      AREA,
      `Wheels were not checked: ${lockName} could not be read (${(err as Error).message}).`,
      `Fix ${lockName} (re-create it with ${args.packageManager === 'uv' ? 'uv lock' : 'poetry lock'}).`,
      `${lockName} could not be read`,
    );
  }

  const fromIndex = packages.filter((p) => p.source === 'registry');
  // A Poetry 1.0 lock names no files: which wheels exist is unknown.
  const unknown = fromIndex.filter((p) => !p.filesKnown);
  const noWheel = fromIndex.filter((p) => p.filesKnown && !p.wheels.some((w) => wheelFitsTarget(w, wheelTarget)));
  const built = noWheel.filter((p) => p.hasSdist);
  const impossible = noWheel.filter((p) => !p.hasSdist);
  const list = (ps: LockedPackage[]) => ps.map((p) => `${p.name} ${p.version}${p.wheels.length > 0 ? ` (wheels only for: ${platformsOf(p.wheels)})` : ''}`);

  if (impossible.length > 0) {
    return fail(
      ID,
      AREA,
      `${impossible.length === 1 ? 'A locked package has' : `${impossible.length} locked packages have`} neither a wheel for ${where} ` +
        `nor a source distribution, so installing on Heroku would fail: ${list(impossible).join('; ')}.` +
        (built.length > 0 ? ` Also built from source (no wheel): ${list(built).join('; ')}.` : ''),
      `Pick versions that publish manylinux wheels for ${wheelTarget.arch === 'arm64' ? 'aarch64' : 'x86_64'} and CPython ${wheelTarget.pythonVersion.split('.').slice(0, 2).join('.')} ` +
        `(or change the Python version), then re-lock (${args.packageManager === 'uv' ? 'uv lock' : 'poetry lock'}) and commit ${lockName}.`,
      'no-linux-wheel',
    );
  }
  if (built.length > 0) {
    return unchecked(
      ID,
      AREA,
      `${built.length === 1 ? 'A locked package has' : `${built.length} locked packages have`} no wheel for ${where}, so Heroku would ` +
        `build ${built.length === 1 ? 'it' : 'them'} from source (needs a compiler and headers, slow, and often fails): ${list(built).join('; ')}.`,
      `Prefer versions with manylinux wheels for CPython ${wheelTarget.pythonVersion.split('.').slice(0, 2).join('.')} (or a Python version they have wheels for), then re-lock and commit ${lockName}; ` +
        'whether the source build succeeds on Heroku is known only by building there.',
      `Heroku would compile from source: ${list(built).join('; ')}`,
      'no-linux-wheel',
    );
  }
  if (unknown.length > 0) {
    return unchecked(
      ID,
      AREA,
      `${lockName} records only hashes, no file names, for ${unknown.length === 1 ? '1 package' : `${unknown.length} packages`} ` +
        `(an old lock format), so whether they have a wheel for ${where} is unknown: ${list(unknown).join('; ')}.`,
      `Re-lock with a current Poetry (poetry lock) and commit ${lockName}, then run pybp doctor again.`,
      `${lockName} names no files for ${list(unknown).join(', ')}`,
    );
  }
  const local = packages.length - fromIndex.length;
  return pass(
    ID,
    AREA,
    `All ${fromIndex.length} package${fromIndex.length === 1 ? '' : 's'} Heroku would install from ${lockName} have a wheel for ${where}` +
      (local > 0 ? ` (${local} from git, a URL or a local path not checked)` : '') +
      '.',
  );
}

function platformsOf(wheels: string[]): string {
  const platforms = new Set<string>();
  for (const w of wheels) {
    const base = (w.split('/').pop() ?? w).replace(/\.whl$/, '');
    const parts = base.split('-');
    platforms.add(parts.slice(-3).join('-'));
  }
  return [...platforms].slice(0, 4).join(', ') + (platforms.size > 4 ? ', …' : '');
}
