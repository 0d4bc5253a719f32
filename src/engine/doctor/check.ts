// Building checks, and turning the build's own errors into failed checks so
// doctor says exactly what the build would say.

import { isPybpError, type ErrorCode, type PybpError } from '../core/errors.js';
import type { CheckArea, DoctorCheck } from './types.js';

export function pass(id: string, area: CheckArea, message: string): DoctorCheck {
  return { id, area, status: 'pass', message };
}

export function warn(id: string, area: CheckArea, message: string, fix: string, code?: ErrorCode): DoctorCheck {
  return code === undefined ? { id, area, status: 'warn', message, fix } : { id, area, status: 'warn', message, fix, code };
}

/**
 * A check that could not answer: shown as a warning, and it keeps the verdict
 * at `cannot-tell`. `why` is the short reason, `settle` what would answer it.
 */
export function unchecked(id: string, area: CheckArea, message: string, fix: string, why: string, code?: ErrorCode): DoctorCheck {
  return { ...warn(id, area, message, fix, code), unchecked: { why, settle: fix } };
}

export function fail(id: string, area: CheckArea, message: string, fix: string, code?: ErrorCode): DoctorCheck {
  return code === undefined ? { id, area, status: 'fail', message, fix } : { id, area, status: 'fail', message, fix, code };
}

/** The error's message, plus the detail lines it does not already spell out. */
export function errorText(err: PybpError): string {
  const extra = (err.details ?? []).filter((line) => !err.message.includes(line));
  return extra.length === 0 ? err.message : `${err.message}\n${extra.map((line) => `- ${line}`).join('\n')}`;
}

export function failFromError(id: string, area: CheckArea, err: PybpError): DoctorCheck {
  return fail(id, area, errorText(err), err.fix, err.code);
}

/**
 * Runs a check; a PybpError it throws (an I/O error while looking at a file,
 * say) becomes a failed check instead of ending the whole report.
 */
export async function attempt<T>(
  id: string,
  area: CheckArea,
  run: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; check: DoctorCheck }> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (isPybpError(err)) return { ok: false, check: failFromError(id, area, err) };
    throw err;
  }
}

/** `attempt` for checks that return only checks. */
export async function guard(
  id: string,
  area: CheckArea,
  run: () => Promise<DoctorCheck | DoctorCheck[] | null>,
): Promise<DoctorCheck[]> {
  const result = await attempt(id, area, run);
  if (!result.ok) return [result.check];
  const value = result.value;
  return value === null ? [] : Array.isArray(value) ? value : [value];
}
