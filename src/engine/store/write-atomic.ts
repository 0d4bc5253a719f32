// Every file pybp writes into a layers directory is written whole or not at
// all: a killed build never leaves half a toml, journal or history.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Writes via a temporary file (`.<name>.<pid>.tmp`, which recovery clears) and a rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}
