// The one `interrupted` error. Whatever was running when Ctrl-C or SIGTERM
// arrived (a tool, a copy, a download), the build then rolls the transaction
// back, so the message can always promise that.
import { PybpError } from './errors.js';

/**
 * `what` names the operation cut short ("Downloading uv 0.11.33"), when the
 * code that saw the abort knows it; the build's own checks between steps leave it out.
 */
export function interruptedError(what?: string, cause?: unknown): PybpError {
  return new PybpError(
    {
      code: 'interrupted',
      title: 'The build was interrupted',
      message: `${what ? `${what} was interrupted` : 'The build was stopped before it finished'}. The layers were put back as the last successful build left them.`,
      fix: 'Run the build again when you are ready.',
    },
    cause === undefined ? undefined : { cause },
  );
}
