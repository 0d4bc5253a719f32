// Will the app run on Heroku once built: the config vars the buildpack
// refuses (spec §3.2), and a Procfile with a web process (the buildpack
// declares no process types, so without one nothing serves the app).

import { checkForbiddenEnv } from '../analysis/forbidden-env.js';
import { isPybpError } from '../core/errors.js';
import { missingProcessReason, PROCFILE, processCommand, readProcfile } from '../dyno/procfile.js';
import { failFromError, pass, warn } from './check.js';
import type { DoctorCheck } from './types.js';

const AREA = 'heroku readiness';

/** Checks the app's config vars (config file `env` and `--env`), never pybp's own environment. */
export function checkConfigVars(configVars: Readonly<Record<string, string>>): DoctorCheck {
  try {
    checkForbiddenEnv(configVars);
  } catch (err) {
    if (!isPybpError(err)) throw err;
    return failFromError('forbidden-env', AREA, err);
  }
  const count = Object.keys(configVars).length;
  return pass(
    'forbidden-env',
    AREA,
    count === 0
      ? 'No config vars set (config file env, --env), so none the buildpack forbids.'
      : `None of the ${count} config var${count === 1 ? '' : 's'} is one the buildpack forbids.`,
  );
}

const WEB_EXAMPLE = 'web: gunicorn myapp.wsgi (Django), or web: gunicorn app:app (Flask)';

export async function checkProcfile(appDir: string, listing: ReadonlySet<string>): Promise<DoctorCheck> {
  const id = 'procfile';
  if (!listing.has(PROCFILE)) {
    const lookalike = [...listing].find((name) => /^procfile(\.\w+)?$/i.test(name));
    if (lookalike) {
      return warn(
        id,
        AREA,
        `There is a ${lookalike} but no ${PROCFILE}: the name must be exactly "${PROCFILE}" (capital P, no extension), ` +
          `so Heroku would see no process types.`,
        `git mv "${lookalike}" ${PROCFILE} && git commit`,
      );
    }
    return warn(
      id,
      AREA,
      `No ${PROCFILE}: the Python buildpack declares no process types, so Heroku would not know how to start the app.`,
      `Add a ${PROCFILE} in the app root with a web process, e.g. ${WEB_EXAMPLE}.`,
    );
  }
  const read = await readProcfile(appDir);
  if (read.kind !== 'found') {
    return warn(
      id,
      AREA,
      // 'missing' here: listed a moment ago, gone now (or a broken symlink).
      read.kind === 'unreadable' ? `${read.reason}.` : `${PROCFILE} could not be read: it is not there any more, or is a broken symlink.`,
      `Make ${PROCFILE} a readable file with a web process, e.g. ${WEB_EXAMPLE}.`,
    );
  }
  const procfile = read.procfile;
  const web = processCommand(procfile, 'web');
  if (web) return pass(id, AREA, `${PROCFILE} has a web process: ${web}`);
  return warn(
    id,
    AREA,
    `${missingProcessReason(procfile, 'web', PROCFILE)}: Heroku routes HTTP traffic only to the web process, so the app would get no requests.`,
    procfile.indented.some((l) => l.name === 'web')
      ? `Remove the blanks before "web:" so the line starts with it. The command must listen on $PORT.`
      : `Add a line like ${WEB_EXAMPLE}. The command must listen on $PORT.`,
  );
}
