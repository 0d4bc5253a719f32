// Shared by the doctor tests: run doctor on a temp app with a hermetic git
// environment, and find checks in its report.

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { runDoctor, type DoctorCheck, type DoctorReport } from '../../../src/engine/doctor/index.js';

export { useTempApps } from '../analysis/temp-apps.js';

/**
 * Git that reads no system or user config, and never finds a repository
 * above the temp app (the temp dir could sit inside one).
 */
export function gitEnv(app: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('GIT_')) delete env[key];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CEILING_DIRECTORIES: dirname(app),
    ...extra,
  };
}

export function git(app: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.email=doctor@example.com', '-c', 'user.name=Doctor Test', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args],
    { cwd: app, env: gitEnv(app), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * Offline (doctor installs none of its own tools) unless a test asks otherwise,
 * and with an empty pybp cache: a copy of the pinned uv that this machine's
 * user has in ~/.cache/pybp/tools would otherwise have doctor resolve the
 * app's requirements against PyPI (slow, and network, in a unit test).
 */
export async function doctor(
  app: string,
  opts: { env?: Record<string, string>; hostEnv?: NodeJS.ProcessEnv; configFile?: string; offline?: boolean } = {},
): Promise<DoctorReport> {
  const hostEnv = opts.hostEnv ?? gitEnv(app, { XDG_CACHE_HOME: join(dirname(app), 'no pybp cache') });
  return runDoctor({ appDir: app, envFlags: opts.env, hostEnv, configFile: opts.configFile, offline: opts.offline ?? true });
}

/** The one check with `id`; fails the test when there is none. */
export function check(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.filter((c) => c.id === id);
  expect(found, `checks with id ${id}: ${report.checks.map((c) => c.id).join(', ')}`).toHaveLength(1);
  return found[0];
}

export function hasCheck(report: DoctorReport, id: string): boolean {
  return report.checks.some((c) => c.id === id);
}

/** A warning or failure must say what to do about it. */
export function expectStatus(c: DoctorCheck, status: DoctorCheck['status']): void {
  expect(c.status, c.message).toBe(status);
  expect(c.message.length).toBeGreaterThan(0);
  if (status === 'pass') expect(c.fix).toBeUndefined();
  else expect(c.fix?.length ?? 0).toBeGreaterThan(0);
}
