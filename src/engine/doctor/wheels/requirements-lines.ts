// The lines of a requirements file that name something: a requirement
// (`name[extras] ==1.0 ; marker`, `name @ url`), an option that points at a
// path or URL (`-e ../lib`, `-r other.txt`, `-c constraints.txt`, a bare
// `./pkg` or `file:...`), a VCS or URL requirement (`git+https://…`,
// `-e git+…`), or another option (`--index-url …`). Comments, blank lines and
// continuations handled as pip does.

export type RequirementLine =
  /** `text` is the requirement as written, without comments and `--hash` options. */
  | { kind: 'name'; name: string; url: string | null; text: string }
  | { kind: 'path'; option: string | null; target: string }
  | { kind: 'include'; option: '-r' | '-c'; target: string }
  /** A VCS or archive URL with no name before it (`git+https://…`, `-e git+…`, `https://…/x.tar.gz`). */
  | { kind: 'url'; option: string | null; target: string }
  /** Any other option line: `--index-url https://…` is `{option: '--index-url', value: 'https://…'}`. */
  | { kind: 'option'; option: string; value: string };

const OPTION_WITH_VALUE = /^(-e|--editable|-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(.+)$/;
const URL_SCHEME = /^(git\+|hg\+|svn\+|bzr\+|https?:)/;

export function parseRequirements(text: string): RequirementLine[] {
  const joined = text.replace(/\\\r?\n/g, '');
  const out: RequirementLine[] = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const opt = OPTION_WITH_VALUE.exec(line);
    if (opt) {
      const value = opt[2].trim();
      if (opt[1] === '-r' || opt[1] === '--requirement') out.push({ kind: 'include', option: '-r', target: value });
      else if (opt[1] === '-c' || opt[1] === '--constraint') out.push({ kind: 'include', option: '-c', target: value });
      else out.push(editable(value));
      continue;
    }
    if (line.startsWith('-')) {
      const m = /^(-[A-Za-z]|--[A-Za-z0-9-]+)(?:\s*=\s*|\s*)(.*)$/.exec(line);
      if (m) out.push({ kind: 'option', option: m[1], value: m[2].trim() });
      continue;
    }
    if (/^(\.|\/|~|file:)/.test(line)) {
      out.push({ kind: 'path', option: null, target: line.split(/\s*;/)[0].trim() });
      continue;
    }
    if (URL_SCHEME.test(line)) {
      out.push({ kind: 'url', option: null, target: line.split(/\s*;/)[0].trim() });
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(@\s*(\S+))?/.exec(line);
    if (m) out.push({ kind: 'name', name: m[1], url: m[4] ?? null, text: line.replace(/\s--hash[=\s]\S+/g, '').trim() });
  }
  return out;
}

function editable(value: string): RequirementLine {
  if (URL_SCHEME.test(value)) return { kind: 'url', option: '-e', target: value };
  return { kind: 'path', option: '-e', target: value.split('#')[0] };
}
