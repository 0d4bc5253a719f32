// Reading uv's "No solution found" report from `uv pip compile --no-build`
// for the packages that stopped the resolution for lack of a wheel. uv 0.11
// words it two ways, and the difference is the one doctor needs:
//
//   `foo==1.0.0 has no usable wheels` (hint: "Wheels are required for `foo`
//   because building from source is disabled"): foo has a source distribution
//   for that version, which pip on Heroku would build;
//
//   `foo==1.0.0 has no wheels with a matching platform tag` (or Python ABI,
//   Python version, Python implementation tag; "all versions of foo have no
//   wheels with …"): foo has wheels, none for the target, and no sdist at all.
//
// Measured with uv 0.11.33 (see the unit tests for the exact texts).

export interface MissingWheel {
  /** As uv writes it (normalised by uv). */
  name: string;
  /** The version uv names, when it names one. */
  version: string | null;
  /** True when there is a source distribution (built from source on Heroku); false when there is nothing to install. */
  hasSdist: boolean;
  /** For no-sdist: the tags of the wheels uv did find (`macosx_11_0_arm64`), as its hint lists them. */
  availableFor: string | null;
}

const NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';
// `foo==1.0.0 has no …`, `all versions of foo have no …`, `foo>=1,<2 has no …`.
const STATEMENT = new RegExp(
  `(?:all versions of (${NAME})|(${NAME})(?:==([^\\s,]+)|[<>=!~][^\\s]*)?) (?:has|have) no (usable wheels|wheels with a matching [A-Za-z ]+? tag)`,
  'g',
);
const HINT_SDIST = new RegExp(`Wheels are required for \`(${NAME})\` because building from source is disabled`, 'g');
const HINT_PLATFORM = new RegExp(`Wheels are available for \`(${NAME})\` \\(v([^)\\s]+)\\) on the following platforms?: ([^\\n]+)`, 'g');
const HINT_ABI = new RegExp(`we only found wheels for \`(${NAME})\` \\(v([^)\\s]+)\\) with the following [A-Za-z ]+? tags?: ([^\\n]+)`, 'g');

/** The packages uv's report says lack a wheel, each once (an sdist anywhere wins: pip would build it). */
export function missingWheels(output: string): MissingWheel[] {
  // uv wraps its report at 80 columns; join the lines of each paragraph back.
  const flat = output.replace(/\r/g, '').replace(/\n[ \t]+/g, ' ');
  const found = new Map<string, MissingWheel>();
  const note = (name: string, version: string | null, hasSdist: boolean, availableFor: string | null) => {
    const key = name.toLowerCase();
    const prev = found.get(key);
    if (!prev) {
      found.set(key, { name, version, hasSdist, availableFor });
      return;
    }
    prev.hasSdist ||= hasSdist;
    prev.version ??= version;
    prev.availableFor ??= availableFor;
  };
  for (const m of flat.matchAll(STATEMENT)) {
    note(m[1] ?? m[2], m[3] ?? null, m[4] === 'usable wheels', null);
  }
  for (const m of flat.matchAll(HINT_SDIST)) note(m[1], null, true, null);
  for (const m of [...flat.matchAll(HINT_PLATFORM), ...flat.matchAll(HINT_ABI)]) {
    note(m[1], m[2], false, m[3].replace(/`/g, '').trim());
  }
  return [...found.values()];
}

/** `name==version` lines of `uv pip compile`'s output file (no header, no annotations). */
export function resolvedPins(text: string): Array<{ name: string; version: string }> {
  const pins: Array<{ name: string; version: string }> = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^(${NAME})(?:\\[[^\\]]*\\])?==([^\\s;\\\\]+)`).exec(line.trim());
    if (m) pins.push({ name: m[1], version: m[2] });
  }
  return pins;
}

/** The last lines of a failed run that say why (uv's `error:` / `×` / `Caused by` lines), for "could not check". */
export function uvFailureReason(output: string): string {
  const lines = output
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.replace(/^[\s×╰─▶│]+/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('DEBUG') && !l.startsWith('warning:'));
  // A network error is a chain of "Caused by:" lines; the first and the last say it.
  const causes = lines.filter((l) => l.startsWith('Caused by:'));
  const text = causes.length > 1 ? `${lines[0]} ${causes[causes.length - 1]}` : lines.slice(0, 6).join(' ');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text || 'no output';
}
