// Packs a tree with GNU tar when the tree is hard links to a shared
// interpreter (a python layer made from pyenv's): another build linking the
// same files meanwhile changes their ctime, not their content, and tar then
// says "file changed as we read it" and exits 1 with a complete archive.
// That, and only that, is not a failure.
import { spawnSync } from 'node:child_process';

export function tarHardLinkedTree(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const packed = spawnSync('tar', args, { encoding: 'utf8', env });
  if (packed.error) throw packed.error;
  const complaints = packed.stderr.split('\n').filter((l) => l !== '' && !l.endsWith('file changed as we read it'));
  if (packed.status === 0 || (packed.status === 1 && complaints.length === 0)) return;
  throw new Error(`tar ${args.join(' ')} failed (${packed.status ?? packed.signal}): ${packed.stderr}`);
}
