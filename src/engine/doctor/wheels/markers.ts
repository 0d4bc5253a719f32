// PEP 508 environment markers, evaluated for the machine Heroku builds on
// (Linux, CPython, the resolved Python). Lock files put markers on packages
// and on dependency edges; doctor uses them to know which locked packages
// Heroku would really install.
import { compare, valid } from '@renovatebot/pep440';

export type MarkerEnv = Readonly<Record<string, string>>;

/** The marker environment of a Heroku dyno for a Python version (`3.12.13`) and architecture (`amd64`/`arm64`). */
export function herokuMarkerEnv(pythonVersion: string, arch: string): MarkerEnv {
  const [major, minor] = pythonVersion.split('.');
  return {
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: arch === 'arm64' ? 'aarch64' : 'x86_64',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: pythonVersion,
    python_version: `${major}.${minor}`,
    python_full_version: pythonVersion,
    platform_release: '',
    platform_version: '',
    extra: '',
  };
}

type Token = { kind: 'name' | 'string' | 'op' | 'lparen' | 'rparen' | 'and' | 'or'; text: string };

const TOKEN = /\s*(?:(\()|(\))|('[^']*'|"[^"]*")|(===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)|(and\b)|(or\b)|([A-Za-z_][A-Za-z0-9_.]*))/y;

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(text);
    if (!m) return null;
    if (m[1]) tokens.push({ kind: 'lparen', text: '(' });
    else if (m[2]) tokens.push({ kind: 'rparen', text: ')' });
    else if (m[3]) tokens.push({ kind: 'string', text: m[3].slice(1, -1) });
    else if (m[4]) tokens.push({ kind: 'op', text: m[4].replace(/\s+/g, ' ') });
    else if (m[5]) tokens.push({ kind: 'and', text: 'and' });
    else if (m[6]) tokens.push({ kind: 'or', text: 'or' });
    else tokens.push({ kind: 'name', text: m[7] });
  }
  return tokens;
}

/**
 * True or false for a marker in `env`; `null` when the marker can't be read
 * (doctor then treats the package as installed, and says less rather than wrong).
 */
export function evaluateMarker(marker: string, env: MarkerEnv): boolean | null {
  const tokens = tokenize(marker);
  if (!tokens) return null;
  let pos = 0;
  const peek = () => tokens[pos];
  const parseOr = (): boolean | null => {
    let left = parseAnd();
    while (peek()?.kind === 'or') {
      pos++;
      const right = parseAnd();
      left = left === true || right === true ? true : left === null || right === null ? null : false;
    }
    return left;
  };
  const parseAnd = (): boolean | null => {
    let left = parseAtom();
    while (peek()?.kind === 'and') {
      pos++;
      const right = parseAtom();
      left = left === false || right === false ? false : left === null || right === null ? null : true;
    }
    return left;
  };
  const value = (t: Token | undefined): { v: string; isVar: boolean } | null => {
    if (!t) return null;
    if (t.kind === 'string') return { v: t.text, isVar: false };
    if (t.kind === 'name') {
      const name = t.text.replace(/\./g, '_');
      return name in env ? { v: env[name], isVar: true } : null;
    }
    return null;
  };
  const parseAtom = (): boolean | null => {
    const t = peek();
    if (t?.kind === 'lparen') {
      pos++;
      const inner = parseOr();
      if (peek()?.kind !== 'rparen') throw new SyntaxError('unbalanced');
      pos++;
      return inner;
    }
    const left = value(tokens[pos++]);
    const op = tokens[pos++];
    const right = value(tokens[pos++]);
    if (!op || op.kind !== 'op') throw new SyntaxError('no operator');
    if (!left || !right) return null;
    return compareValues(left.v, op.text, right.v);
  };
  try {
    const result = parseOr();
    return pos === tokens.length ? result : null;
  } catch {
    return null;
  }
}

function compareValues(left: string, op: string, right: string): boolean | null {
  if (op === 'in') return right.includes(left);
  if (op === 'not in') return !right.includes(left);
  if (valid(left) && valid(right)) {
    const c = compare(left, right);
    switch (op) {
      case '==':
      case '===':
        return c === 0;
      case '!=':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
      case '~=':
        return null;
    }
  }
  if (op === '==' || op === '===') return left === right;
  if (op === '!=') return left !== right;
  return null;
}
