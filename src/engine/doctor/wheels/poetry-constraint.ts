// Poetry's version constraint syntax, translated to PEP 440 specifiers so
// @renovatebot/pep440 can evaluate it. Follows poetry-core's parser:
// `||` (or `|`) separates alternatives, a comma or space joins constraints,
// `^` and `~` are ranges, and a bare version means exactly that version.

const VERSION = String.raw`v?(\d+(?:\.\d+)*)((?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|post|rev|r|dev)[-_.]?\d*)*(?:\+[a-z0-9.]+)?)`;

const ANY = /^v?[x*](\.[x*])*$/i;
const TILDE = new RegExp(String.raw`^~(?!=)\s*${VERSION}$`, 'i');
const TILDE_PEP440 = new RegExp(String.raw`^~=\s*${VERSION}$`, 'i');
const CARET = new RegExp(String.raw`^\^${VERSION}$`, 'i');
const X_RANGE = /^(!=|==)?\s*v?(\d+(?:\.\d+){0,2})(?:\.[x*])+$/i;
const BASIC = new RegExp(String.raw`^(<>|!=|>=?|<=?|==?)?\s*${VERSION}(\.\*)?$`, 'i');
const EXACT = new RegExp(String.raw`^\s*(?:==?)?\s*${VERSION}\s*$`, 'i');
// poetry-core's AND separator: a comma or space that isn't part of an operator.
const AND_SEPARATOR = /(?<!^)(?<![~=>< ,]) *(?<!-)[, ](?!-) *(?!,|$)/;

/**
 * The PEP 440 specifier sets equivalent to a Poetry constraint, one per `||`
 * alternative (a version satisfies the constraint when it satisfies any of
 * them; `''` admits every version). `null` when the text isn't a constraint
 * Poetry would accept.
 */
export function translatePoetryConstraint(constraint: string): string[] | null {
  const text = constraint.trim();
  if (text === '') return null;
  if (text === '*') return [''];
  const alternatives: string[] = [];
  for (const raw of text.split(/\s*\|\|?\s*/)) {
    // Poetry tolerates trailing commas.
    const alternative = raw.replace(/,+$/, '').trimEnd();
    if (alternative === '') return null;
    const specifiers: string[] = [];
    for (const part of alternative.split(AND_SEPARATOR)) {
      const translated = translateSingle(part.trim());
      if (translated === null) return null;
      if (translated !== '') specifiers.push(translated);
    }
    alternatives.push(specifiers.join(','));
  }
  return alternatives;
}

/** Whether Poetry reads the constraint as one exact version (a bare `3.12` is `==3.12`, i.e. 3.12.0 only). */
export function isBarePoetryVersion(constraint: string): boolean {
  return EXACT.test(constraint);
}

function translateSingle(part: string): string | null {
  if (part === '') return null;
  if (ANY.test(part)) return '';

  let m = TILDE.exec(part);
  if (m) {
    const release = releaseOf(m[1]);
    const upper = release.length === 1 ? nextMajor(release) : nextMinor(release);
    return `>=${m[1]}${m[2]},<${upper}`;
  }
  m = TILDE_PEP440.exec(part);
  if (m) {
    const release = releaseOf(m[1]);
    const upper = release.length === 2 ? nextMajor(release) : nextMinor(release);
    return `>=${m[1]}${m[2]},<${upper}`;
  }
  m = CARET.exec(part);
  if (m) return `>=${m[1]}${m[2]},<${nextBreaking(releaseOf(m[1]))}`;

  m = X_RANGE.exec(part);
  if (m) return `${m[1] === '!=' ? '!=' : '=='}${m[2]}.*`;

  m = BASIC.exec(part);
  if (m) {
    const op = m[1] === undefined || m[1] === '=' ? '==' : m[1] === '<>' ? '!=' : m[1];
    const version = `${m[2]}${m[3]}`;
    if (m[4] !== undefined && (op === '==' || op === '!=')) return `${op}${version}.*`;
    return `${op}${version}`;
  }
  return null;
}

function releaseOf(text: string): number[] {
  return text.split('.').map(Number);
}

function nextMajor(release: readonly number[]): string {
  return `${release[0] + 1}.0`;
}

function nextMinor(release: readonly number[]): string {
  return `${release[0]}.${(release[1] ?? 0) + 1}`;
}

/** `^`: the next version that changes the leftmost non-zero component given. */
function nextBreaking(release: readonly number[]): string {
  const [major, minor, patch] = release;
  if (major > 0 || minor === undefined) return nextMajor(release);
  if (minor > 0 || patch === undefined) return nextMinor(release);
  return `${major}.${minor}.${patch + 1}`;
}
