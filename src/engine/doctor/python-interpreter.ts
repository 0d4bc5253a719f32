// `python-interpreter-missing`: the local build needs an interpreter for the
// resolved version (or another patch of its minor to stand in), unless it can
// download Heroku's archive. The same choice the build makes, asked ahead.
import type { ResolvedPython } from '../analysis/types.js';
import type { LoadedConfig } from '../project/config.js';
import { isPybpError } from '../core/errors.js';
import { choosePythonSource, describeInterpreter, type PythonSourceChoice } from '../python-source/choose.js';
import { uvPythonAvailability } from '../python-source/uv-python.js';
import { uvDownloadReach } from '../python-source/uv-download-reach.js';
import { checkConfigNamedFile } from '../io/config-named-file.js';
import { hostTarget, isBuildpackTarget, parseTarget } from '../core/target.js';
import { pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

const ID = 'python-interpreter';
const AREA = 'python version';

export interface InterpreterCheck {
  check: DoctorCheck;
  /**
   * The interpreter binary a local build would use, when it is a local one
   * that doctor may run (e.g. hand to uv): never one the app's config names.
   */
  executable: string | null;
}

export async function checkLocalInterpreter(args: {
  appDir: string;
  python: ResolvedPython;
  config: LoadedConfig;
  hostEnv: NodeJS.ProcessEnv;
  target?: string;
}): Promise<InterpreterCheck> {
  const { python, config } = args;
  const spec = args.target ?? config.config.target;
  let choice: PythonSourceChoice;
  try {
    const target = spec ? parseTarget(spec, args.target ? 'flag' : 'config') : hostTarget();
    choice = await choosePythonSource({
      resolvedVersion: python.resolved,
      requestedPinned: python.patchPinned,
      source: config.config.python.source,
      target,
      hostIsTarget: isBuildpackTarget(hostTarget()),
      search: {
        pyenvRoot: config.config.python.pyenvRoot,
        extraInterpreters: config.config.python.interpreters,
        env: args.hostEnv,
        // doctor runs nothing from the app, nor anything its config names
        inspectOnly: { appDir: args.appDir },
      },
      urlTemplate: config.config.python.archiveUrlTemplate,
      uv: uvPythonAvailability(args.hostEnv ?? process.env),
      // No name lookup of a host only the repo's config names (the reason then says the build depends on it).
      uvReach: () =>
        uvDownloadReach({ mirror: config.config.python.uvMirror, downloadsJsonUrl: config.config.python.uvDownloadsJsonUrl }, args.hostEnv ?? process.env, undefined, {
          mayLookUp: !config.fromApp,
        }),
    });
  } catch (err) {
    if (!isPybpError(err)) throw err;
    if (err.code !== 'python-interpreter-not-found') {
      return { check: warn(ID, AREA, `A local build could not get Python ${python.resolved}: ${err.message}`, err.fix, err.code), executable: null };
    }
    const [major, minor] = python.resolved.split('.');
    return {
      check: warn(
        ID,
        AREA,
        `No local Python ${major}.${minor} was found, so \`pybp build\` would fail here (Heroku itself installs Python ${python.resolved}; ` +
          `this machine can't run Heroku's archive).`,
        `Install it: \`pyenv install ${python.resolved}\` (or \`uv python install ${python.resolved}\`), then run pybp doctor again.`,
        'python-interpreter-missing',
      ),
      executable: null,
    };
  }
  if (choice.kind === 'heroku') {
    return { check: pass(ID, AREA, `A local build downloads Heroku's Python ${python.resolved} archive (no local ${python.resolved}).`), executable: null };
  }
  if (choice.kind === 'uv') {
    const list = config.config.python.uvDownloadsJsonUrl;
    if (list !== undefined) {
      try {
        await checkConfigNamedFile(list, 'downloads-list', 'python.uvDownloadsJsonUrl');
      } catch (err) {
        if (!isPybpError(err)) throw err;
        return { check: warn(ID, AREA, `A local build could not get Python ${python.resolved}: ${err.message}`, err.fix, err.code), executable: null };
      }
    }
    return {
      check: pass(
        ID,
        AREA,
        `A local build installs exactly Python ${python.resolved} with pybp's uv (no local ${python.resolved}; uv downloads it once into pybp's cache).` +
          (choice.dependsOnLookup
            ? ` That depends on ${choice.dependsOnLookup}, which only the app's config names as the download host: the build looks it up, doctor did not (it sends no traffic because of a repo); if it does not resolve, a local ${python.resolved.split('.').slice(0, 2).join('.')}.x stands in.`
            : ''),
      ),
      executable: null,
    };
  }
  const interpreter = choice.interpreter!;
  const namedByConfig = interpreter.origin === 'config' || (interpreter.origin === 'pyenv' && config.config.python.pyenvRoot !== undefined);
  const executable = namedByConfig ? null : interpreter.executable;
  if (choice.substituted) {
    return {
      check: pass(
        ID,
        AREA,
        `A local build uses Python ${interpreter.version} (${describeInterpreter(interpreter)}) in place of ${python.resolved}, with a python-patch-substituted warning; ` +
          `\`pyenv install ${python.resolved}\` would give the exact version.`,
      ),
      executable,
    };
  }
  return { check: pass(ID, AREA, `A local build uses Python ${interpreter.version} (${describeInterpreter(interpreter)}).`), executable };
}
