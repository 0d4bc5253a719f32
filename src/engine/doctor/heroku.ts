// Will the app run on Heroku once built: the config vars the buildpack
// refuses (spec §3.2), and a Procfile with a web process (the buildpack
// declares no process types, so without one nothing serves the app).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkForbiddenEnv } from '../analysis/forbidden-env.js';
import { describeIoError } from '../fs-exists.js';
import { isPybpError } from '../errors.js';
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

const PROCFILE = 'Procfile';
// Heroku's Procfile format: `<process type>: <command>`, one per line.
const PROCESS_LINE = /^([A-Za-z0-9_-]+):\s*(.*)$/;
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
  let text: string;
  try {
    text = await readFile(join(appDir, PROCFILE), 'utf8');
  } catch (err) {
    return warn(
      id,
      AREA,
      `${PROCFILE} could not be read: ${describeIoError(err)}.`,
      `Make ${PROCFILE} a readable file with a web process, e.g. ${WEB_EXAMPLE}.`,
    );
  }
  const processes = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = PROCESS_LINE.exec(line.trim());
    if (m) processes.set(m[1], m[2].trim());
  }
  const web = processes.get('web');
  if (web) return pass(id, AREA, `${PROCFILE} has a web process: ${web}`);
  const others = [...processes.keys()];
  return warn(
    id,
    AREA,
    web === ''
      ? `${PROCFILE} has a web: line with no command.`
      : `${PROCFILE} has no web process${others.length > 0 ? ` (only ${others.join(', ')})` : ''}: Heroku routes HTTP ` +
          `traffic only to the web process, so the app would get no requests.`,
    `Add a line like ${WEB_EXAMPLE}. The command must listen on $PORT.`,
  );
}
