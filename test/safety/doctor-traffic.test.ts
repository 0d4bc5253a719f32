// doctor sends no request because of a repo (the standing rule: explain and
// doctor are safe on a just-cloned repo). A pip app whose requirements.txt
// names its own indexes (`--index-url`, `--extra-index-url`, a `--find-links`
// URL, in an included file too) and whose own pybp config sets
// PIP_INDEX_URL: the loopback servers it names count every request, and get
// none. The wheel check says it could not check, and how to settle it; given
// the index the way a user gives it (`--env PIP_INDEX_URL=…`), it checks
// against that one, and the app's still get nothing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { type FileServer, serveFiles } from '../support/file-server.js';
import { cacheHomeWithPinnedUv } from '../support/tools.js';
import { BUILD_ENV_FLAGS, runPybp } from '../e2e/pybp.js';

interface DoctorJson {
  verdict: string;
  checks: Array<{ id: string; status: string; message: string; fix?: string; unchecked?: { why: string; settle: string } }>;
}

describe("doctor never contacts an index the app names", () => {
  let root: string;
  let cache: string;
  let named: FileServer;
  let fromConfig: FileServer;

  beforeAll(async () => {
    root = await makeTempDir('pybp doctor-traffic-');
    // The pinned uv where doctor finds it: nothing to install, so every request would be the wheel check's.
    cache = await cacheHomeWithPinnedUv(join(root, 'cache'));
    // Nothing to serve: each answers 404 and records the request.
    named = await serveFiles({});
    fromConfig = await serveFiles({});
  });
  afterAll(async () => {
    for (const server of [named, fromConfig]) await new Promise((r) => server?.server.close(r));
  });

  async function hostileApp(name: string): Promise<string> {
    const app = await makePipApp(join(root, name), {
      indexUrl: null,
      python: '3.12',
      requirements: [`--index-url ${named.url}/simple/`, `--extra-index-url http://user:token@${named.url.slice('http://'.length)}/extra/`, '-r more.txt', 'tinyweb==1.0.0'],
    });
    await writeFile(join(app, 'more.txt'), `--find-links ${named.url}/links/\n`);
    await writeFile(join(app, '.buildpackrc.json'), JSON.stringify({ env: { PIP_INDEX_URL: `${fromConfig.url}/simple/` } }));
    return app;
  }

  async function doctor(app: string, extra: string[] = []): Promise<DoctorJson> {
    const r = await runPybp(['doctor', app, '--json', ...BUILD_ENV_FLAGS, ...extra], { env: { XDG_CACHE_HOME: cache } });
    try {
      return JSON.parse(r.stdout) as DoctorJson;
    } catch {
      throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
  }

  function wheelCheck(report: DoctorJson): DoctorJson['checks'][number] {
    const found = report.checks.find((c) => c.id === 'no-linux-wheel');
    if (!found) throw new Error(`no no-linux-wheel check in ${report.checks.map((c) => c.id).join(', ')}`);
    return found;
  }

  it('sends them nothing, and says it could not check, with the command that settles it', async () => {
    const report = await doctor(await hostileApp('names its index'));
    const c = wheelCheck(report);
    expect(named.hits).toEqual([]);
    expect(fromConfig.hits).toEqual([]);
    expect(c.status, c.message).toBe('warn');
    expect(c.message).toContain('Could not check whether requirements.txt has wheels for CPython 3.12');
    expect(c.message).toContain(`requirements.txt: \`--index-url ${named.url}/simple/\``);
    expect(c.message).toContain(`more.txt: \`--find-links ${named.url}/links/\``);
    expect(c.message).toContain("PIP_INDEX_URL in the app's pybp config");
    expect(c.message).toContain('doctor sends no request to an index a repository chooses');
    // The credentials in a URL the app names, and the value of its config var, are never shown.
    expect(JSON.stringify(report)).not.toContain('token');
    expect(JSON.stringify(report)).not.toContain(`${fromConfig.url}/`);
    expect(c.unchecked?.settle).toContain('pybp doctor --env PIP_INDEX_URL=<its URL>');
    expect(report.verdict).toBe('cannot-tell');
  });

  it('given the index as a user gives it (--env PIP_INDEX_URL), checks against that one: the app\'s still get nothing', async () => {
    const c = wheelCheck(await doctor(await hostileApp('user gives the index'), ['--env', `PIP_INDEX_URL=${testInfra().indexUrl}`]));
    expect(named.hits).toEqual([]);
    expect(fromConfig.hits).toEqual([]);
    expect(c.status, c.message).toBe('pass');
    expect(c.message).toContain('All 2 packages requirements.txt resolves to have a wheel for CPython 3.12');
    expect(c.message).toContain('doctor asked the index you gave (PIP_INDEX_URL) instead.');
  });
});
