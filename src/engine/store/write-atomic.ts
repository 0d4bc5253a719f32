// Every file pybp writes into a layers directory is written whole or not at
// all: a killed build never leaves half a toml, journal or history. The
// temporary file (`.<name>.<pid>.tmp`, which recovery clears) is never opened
// through a symlink, and the rename replaces a link at `file` rather than
// writing through it (store/control-file.ts).
import { writeControlFile } from './control-file.js';

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await writeControlFile(file, content);
}
