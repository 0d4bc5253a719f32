// Fault injection for pybp's reliability tests. With PYBP_FAULT_AT set to a
// point's name, pybp sends itself PYBP_FAULT_SIGNAL (default SIGKILL) there.
// These are the moments no output line marks (between two renames, right
// before metadata is written), where a kill is most likely to leave a layer
// half-made.
//
// `name#N` fires only the Nth time the point is reached (a write in the middle
// of a tree, not the first one). With PYBP_FAULT_ERRNO set (e.g. ENOSPC), the
// point throws the error a failing write would, instead of a signal: the way a
// test reaches a full disk without the root a small file system needs.
//
// Unset, it costs one property read.

const hits = new Map<string, number>();

export function faultPoint(name: string): void {
  const at = process.env.PYBP_FAULT_AT;
  if (!at) return;
  const hash = at.lastIndexOf('#');
  if ((hash === -1 ? at : at.slice(0, hash)) !== name) return;
  const count = (hits.get(name) ?? 0) + 1;
  hits.set(name, count);
  if (hash !== -1 && count !== Number(at.slice(hash + 1))) return;
  const errno = process.env.PYBP_FAULT_ERRNO;
  if (errno) throw injectedError(errno, name);
  const signal = (process.env.PYBP_FAULT_SIGNAL ?? 'SIGKILL') as NodeJS.Signals;
  process.kill(process.pid, signal);
}

function injectedError(code: string, point: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected at fault point ${point}`);
  error.code = code;
  return error;
}
