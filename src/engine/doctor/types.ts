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
  /**
   * Set when the check could not answer (a tool missing, the index
   * unreachable, an sdist only a build can tell about). Such a check is a
   * warning on screen and keeps the verdict from `would-build`.
   */
  unchecked?: Unchecked;
}

/** Why a check did not answer, and what would settle it. */
export interface Unchecked {
  why: string;
  settle: string;
}

/**
 * The promise doctor makes. `would-build` only when every check that matters
 * ran and none failed; `would-fail` when one failed; `cannot-tell` when none
 * failed but some could not answer.
 */
export type Verdict = 'would-build' | 'would-fail' | 'cannot-tell';

export interface DoctorReport {
  app: string;
  verdict: Verdict;
  /** False when any check failed: Heroku would fail this build. */
  ok: boolean;
  checks: DoctorCheck[];
  /** The checks that could not answer, in report order: why, and what would settle each. */
  unchecked: Array<{ check: string } & Unchecked>;
}

/** The verdict of a set of checks (see Verdict). */
export function verdictOf(checks: readonly DoctorCheck[]): Verdict {
  if (checks.some((c) => c.status === 'fail')) return 'would-fail';
  return checks.some((c) => c.unchecked !== undefined) ? 'cannot-tell' : 'would-build';
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
