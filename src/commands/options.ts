// Options shared by build, explain and doctor, and the choice of renderer.
import type { PythonSource } from '../engine/index.js';
import { parseEnvFlags } from '../engine/index.js';
import { PybpError } from '../engine/index.js';
import type { PlanOptions } from '../engine/index.js';
import { parseTarget } from '../engine/index.js';
import { parsePathsMode } from '../engine/index.js';
import { applyColourChoice } from '../ui/colour.js';
import { jsonText } from '../ui/json-text.js';

export interface CommonFlags {
  json?: boolean;
  layersDir?: string;
  env?: string[];
  target?: string;
  config?: string;
  pythonSource?: string;
  hostConfig?: boolean;
  paths?: string;
  debug?: boolean;
  color?: boolean;
}

export function planOptions(dir: string | undefined, flags: CommonFlags): PlanOptions {
  let pythonSource: PythonSource | undefined;
  if (flags.pythonSource !== undefined) {
    if (!['auto', 'local', 'heroku', 'uv'].includes(flags.pythonSource)) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --python-source',
        message: `--python-source must be auto, local, heroku or uv, not "${flags.pythonSource}".`,
        fix: 'Use --python-source auto (the default), local, heroku or uv.',
      });
    }
    pythonSource = flags.pythonSource as PythonSource;
  }
  // A bad --target is bad usage (exit 2), found before anything is planned.
  if (flags.target !== undefined) parseTarget(flags.target, 'flag');
  return {
    appDir: dir ?? '.',
    layersDir: flags.layersDir,
    envFlags: parseEnvFlags(flags.env ?? []),
    target: flags.target,
    configFile: flags.config,
    pythonSource,
    hostConfig: flags.hostConfig,
    paths: parsePathsMode(flags.paths),
  };
}

export type RendererKind = 'ink' | 'plain' | 'json';

/**
 * Ink only in a real terminal with CI unset: Ink itself looks only at CI, and
 * piped output would fill with cursor codes. (The bin, launcher.ts, relies on
 * "never Ink unless stdout is a terminal": it runs any other output with a
 * bundle that has no Ink views.)
 */
export function chooseRenderer(flags: CommonFlags, stream: NodeJS.WriteStream = process.stdout): RendererKind {
  if (flags.json) return 'json';
  const ci = process.env.CI;
  if (stream.isTTY && (ci === undefined || ci === '' || ci === '0' || ci === 'false')) return 'ink';
  return 'plain';
}

/**
 * Shows a finished report the way the flags and terminal ask: JSON with
 * --json, else Ink in a terminal, else plain lines. Each view is a function
 * that imports its module itself, so --json never loads Ink or React.
 */
export async function showReport<R>(
  flags: CommonFlags,
  report: R,
  views: { json?: (report: R) => unknown; ink: (report: R) => Promise<void>; plain: (report: R) => Promise<void> },
): Promise<void> {
  const renderer = chooseRenderer(flags);
  if (renderer === 'json') process.stdout.write(jsonText(views.json ? views.json(report) : report));
  else if (renderer === 'ink') await views.ink(report);
  else await views.plain(report);
}

/** Decides colour (the one rule in ui/colour.ts) before chalk is imported. */
export function applyColorFlags(flags: CommonFlags, stream: NodeJS.WriteStream = process.stdout): void {
  applyColourChoice({ env: process.env, noColorFlag: flags.color === false, isTTY: stream.isTTY === true });
}
