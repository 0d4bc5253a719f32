// The lines of a requirements file that name something: a requirement
// (`name[extras] ==1.0 ; marker`, `name @ url`), or an option that points at a
// path or URL (`-e ../lib`, `-r other.txt`, `-c constraints.txt`, a bare
// `./pkg` or `file:...`). Comments, blank lines and continuations handled as pip does.

export type RequirementLine =
  | { kind: 'name'; name: string; url: string | null }
  | { kind: 'path'; option: string | null; target: string }
  | { kind: 'include'; option: '-r' | '-c'; target: string };

const OPTION_WITH_VALUE = /^(-e|--editable|-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(.+)$/;

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
      else out.push(...editable(value));
      continue;
    }
    if (line.startsWith('-')) continue;
    if (/^(\.|\/|~|file:)/.test(line)) {
      out.push({ kind: 'path', option: null, target: line.split(/\s*;/)[0].trim() });
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(@\s*(\S+))?/.exec(line);
    if (m) out.push({ kind: 'name', name: m[1], url: m[4] ?? null });
  }
  return out;
}

function editable(value: string): RequirementLine[] {
  if (/^(git\+|hg\+|svn\+|bzr\+|https?:)/.test(value)) return [];
  return [{ kind: 'path', option: '-e', target: value.split('#')[0] }];
}
