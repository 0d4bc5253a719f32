// What a build says when a tool (pip, Poetry, uv, python -m venv, Django's
// manage.py) exits non-zero. The tool's own words are the diagnosis, so the
// error carries its last output lines (`output`): in --json nothing else
// shows them, and in a terminal they may have scrolled away.
//
// A tool that ran out of disk space reports it only in its output (pip:
// "[Errno 28] No space left on device", uv: "(os error 28)"), and exits 1 like
// any other failure; guessing "a network problem" from the step would send the
// user the wrong way. So a full disk is recognised in the output first.
import { type ErrorData, PybpError } from '../core/errors.js';
import type { CommandResult } from '../io/run-command.js';

// ENOSPC is errno 28 and EDQUOT 122 on Linux; macOS says "No space left on
// device" too (and 69 for EDQUOT, which Python also spells out).
const DISK_FULL = /No space left on device|\[Errno 28\]|os error 28\b|Disk quota exceeded|\[Errno 122\]|os error 122\b/i;

/** True when a tool's output says the disk (or the user's quota) is full. */
export function saysDiskFull(lines: readonly string[]): boolean {
  return lines.some((line) => DISK_FULL.test(line));
}

/**
 * The error for a tool that failed: `disk-full` when its output says so,
 * otherwise `error` (the step's own wording). Either way with the output's tail.
 */
export function toolFailure(tool: string, result: Pick<CommandResult, 'status' | 'tail'>, error: ErrorData): PybpError {
  if (saysDiskFull(result.tail)) {
    return new PybpError({
      code: 'disk-full',
      title: 'The disk is full',
      message: `${tool} failed (${result.status}) because the disk is full: its output says "No space left on device". No layer of this build was kept; the previous build's layers are as they were.`,
      fix: "Free some disk space (pip's, Poetry's and uv's caches and the layers of old apps are the usual big ones; or point --layers-dir and TMPDIR at a disk with room) and build again.",
      output: result.tail,
    });
  }
  return new PybpError({ ...error, output: result.tail });
}
