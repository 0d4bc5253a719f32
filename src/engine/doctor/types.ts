// What `pybp doctor` reports: one check per condition of the build that can
// be known before building, all of them at once (the build stops at the first).

import type { ErrorCode } from '../core/errors.js';

export type CheckArea = 'project files' | 'package manager' | 'python version' | 'git' | 'heroku readiness';
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The order areas are reported in: roughly the order the build meets them. */
export const CHECK_AREAS: readonly CheckArea[] = [
  'project files',
  'package manager',
  'python version',
  'git',
  'heroku readiness',
];

export interface DoctorCheck {
  /** Stable identifier, e.g. `package-manager` or `git-tracked:requirements.txt`. */
  id: string;
  area: CheckArea;
  status: CheckStatus;
  message: string;
  fix?: string;
  /** The error code the build would stop with, when there is one. */
  code?: ErrorCode;
}

export interface DoctorReport {
  app: string;
  /** False when any check failed: Heroku would fail this build. */
  ok: boolean;
  checks: DoctorCheck[];
}

export interface CheckCounts {
  pass: number;
  warn: number;
  fail: number;
}

export function countChecks(checks: readonly DoctorCheck[]): CheckCounts {
  const counts: CheckCounts = { pass: 0, warn: 0, fail: 0 };
  for (const check of checks) counts[check.status]++;
  return counts;
}
