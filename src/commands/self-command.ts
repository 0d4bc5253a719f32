// How the user can run this pybp again, for the `next:` hints: a hint that
// says `pybp run ...` is wrong on a machine where `pybp` is not on PATH (run
// from a clone with `node dist/cli.js`), or where `pybp` on PATH is another
// install. So the hint names, in this order:
//   pybp                      when the first `pybp` on PATH is this very install
//                             (npm install -g, npm link: a symlink to this dist/cli.js);
//   npx pybp                  when the current directory is inside this clone
//                             (npm exec runs the project's own bin there);
//   node /abs/path/dist/cli.js  anywhere else.
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SelfCommandProbe {
  /** The PATH the user's shell searches. */
  pathEnv: string | undefined;
  cwd: string;
  /** The file node runs as pybp (process.argv[1]); may be a symlink (a global bin). */
  cliFile: string;
  /** The path with every symlink resolved, or null when it does not exist. */
  realpath(p: string): string | null;
  /** A regular file (after symlinks) that the user may execute. */
  isExecutableFile(p: string): boolean;
  /** There is a file (or anything but a directory) at this path. */
  isFile(p: string): boolean;
  /** The text of pybp's own package.json, or null when there is none. */
  readText(p: string): string | null;
}

/** The words that run this pybp, e.g. ['pybp'], ['npx', 'pybp'] or ['node', '/opt/pybp/dist/cli.js']. */
export function selfCommand(probe: SelfCommandProbe): string[] {
  const cli = probe.realpath(probe.cliFile) ?? path.resolve(probe.cliFile);
  for (const dir of (probe.pathEnv ?? '').split(path.delimiter)) {
    // An empty or relative PATH entry depends on the directory the user is in: not a place to count on.
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, 'pybp');
    if (!probe.isExecutableFile(candidate)) continue;
    // The first pybp on PATH is what the shell runs: this one, or another install.
    if (probe.realpath(candidate) === cli) return ['pybp'];
    break;
  }
  const packageRoot = path.dirname(path.dirname(cli));
  if (nearestPackageDir(probe.cwd, probe) === packageRoot && isPybpPackage(probe.readText(path.join(packageRoot, 'package.json')))) {
    return ['npx', 'pybp'];
  }
  return ['node', cli];
}

/** The directory npm exec takes as the project: the nearest one up from `cwd` with a package.json. */
function nearestPackageDir(cwd: string, probe: SelfCommandProbe): string | null {
  let dir = probe.realpath(cwd) ?? path.resolve(cwd);
  for (;;) {
    if (probe.isFile(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isPybpPackage(text: string | null): boolean {
  if (text === null) return false;
  try {
    const pkg = JSON.parse(text) as { name?: unknown };
    return pkg.name === 'pybp';
  } catch {
    return false;
  }
}

/** The probe on this machine, for this process. */
export function hostSelfCommandProbe(): SelfCommandProbe {
  return {
    pathEnv: process.env.PATH,
    cwd: process.cwd(),
    cliFile: process.argv[1] ?? '',
    realpath: (p) => {
      try {
        return realpathSync(p);
      } catch {
        return null;
      }
    },
    isExecutableFile: (p) => {
      try {
        if (!statSync(p).isFile()) return false;
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    isFile: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    // Only pybp's own package.json is read (a regular file, small).
    readText: (p) => {
      try {
        return statSync(p).isFile() && statSync(p).size < 1024 * 1024 ? readFileSync(p, 'utf8') : null;
      } catch {
        return null;
      }
    },
  };
}
