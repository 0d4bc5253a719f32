// Whether pybp's output uses colour: one rule for every renderer, decided once
// per command before chalk (and so Ink) is loaded. This module must not import
// chalk: chalk reads FORCE_COLOR when it loads.

export interface ColourInputs {
  env: NodeJS.ProcessEnv;
  /** `--no-color` was given. */
  noColorFlag?: boolean;
  /** Whether the output goes to a terminal. */
  isTTY: boolean;
}

/**
 * In order: `--no-color` turns colour off; FORCE_COLOR set to anything but
 * `0`/`false` turns it on, `0`/`false` off (https://force-color.org); a
 * non-empty NO_COLOR turns it off (https://no-color.org); TERM=dumb turns it
 * off; otherwise colour is on exactly when the output is a terminal.
 */
export function colourWanted({ env, noColorFlag, isTTY }: ColourInputs): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/**
 * Puts the choice where chalk and Ink will read it: colour off is FORCE_COLOR=0
 * (and NO_COLOR=1 for anything else that looks); colour on is left to chalk,
 * which reaches the same answer from the same variables and the terminal.
 */
export function applyColourChoice(inputs: ColourInputs): boolean {
  const wanted = colourWanted(inputs);
  if (!wanted) {
    inputs.env.FORCE_COLOR = '0';
    inputs.env.NO_COLOR = '1';
  }
  return wanted;
}
