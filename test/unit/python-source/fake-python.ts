// Fake Python installations: just the files discovery and the layer copy look
// at, so their logic can be tested without real interpreters.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FakePythonOptions {
  /** Write include/python3.Y/patchlevel.h (default true). Without it discovery must run the "binary". */
  headers?: boolean;
  /** Write lib/python3.Y/os.py (default true); without it the prefix is not a usable install. */
  stdlib?: boolean;
  /** What the fake binary prints when run (default: the version). */
  reports?: string;
}

/** Creates a pyenv-style prefix at `prefix` for `version` (e.g. "3.12.5"). Returns the prefix. */
export function makeFakePython(prefix: string, version: string, opts: FakePythonOptions = {}): string {
  const [major, minor] = version.split('.');
  const y = `${major}.${minor}`;
  const w = (rel: string, text: string, mode = 0o644) => {
    const file = path.join(prefix, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
  };
  const l = (rel: string, target: string) => {
    const file = path.join(prefix, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(target, file);
  };

  // The "interpreter" answers any command line with its version, like `python -c 'print(version)'` would.
  w(`bin/python${y}`, `#!/bin/sh\necho ${opts.reports ?? version}\n`, 0o755);
  l('bin/python3', `python${y}`);
  l('bin/python', `python${y}`);
  w(`bin/python${y}-config`, '#!/bin/sh\necho config\n', 0o755);
  l('bin/python3-config', `python${y}-config`);
  w(`bin/pip${y}`, `#!${prefix}/bin/python${y}\nimport pip\n`, 0o755);
  l('bin/pip3', `pip${y}`);
  l('bin/pip', `pip${y}`);
  w(`bin/idle${y}`, `#!${prefix}/bin/python${y}\n`, 0o755);
  w(`bin/pydoc${y}`, `#!${prefix}/bin/python${y}\n`, 0o755);
  w(`bin/2to3-${y}`, `#!${prefix}/bin/python${y}\n`, 0o755);

  if (opts.headers !== false) {
    w(
      `include/python${y}/patchlevel.h`,
      `/* Version as a string */\n#define PY_VERSION              "${version}"\n/*--end constants--*/\n`,
    );
    w(`include/python${y}/Python.h`, '#define Py_PYTHON_H\n');
    w(`include/python${y}/cpython/object.h`, '/* nested header */\n');
  }

  w(`lib/libpython${y}.so.1.0`, 'ELF shared library', 0o755);
  l(`lib/libpython${y}.so`, `libpython${y}.so.1.0`);
  w('lib/libpython3.so', 'stable ABI', 0o755);
  w('lib/libpython3.9.so.1.0', 'another minor', 0o755);
  w('lib/libsqlite3.so', 'not Python', 0o755);
  w('lib/pkgconfig/python-' + y + '.pc', `prefix=${prefix}\nexec_prefix=\${prefix}\nincludedir=\${prefix}/include\n`);
  l('lib/pkgconfig/python3.pc', `python-${y}.pc`);
  w('lib/pkgconfig/libffi.pc', 'prefix=/usr\n');

  if (opts.stdlib !== false) {
    w(`lib/python${y}/os.py`, '# os\n');
    w(`lib/python${y}/encodings/__init__.py`, '# encodings\n');
    w(`lib/python${y}/__pycache__/os.cpython-3${minor}.pyc`, 'pyc');
    w(`lib/python${y}/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl`, 'wheel');
    // An absolute link into its own tree: the copy must not point back at the source.
    l(`lib/python${y}/os_alias.py`, path.join(prefix, 'lib', `python${y}`, 'os.py'));
  }
  w(`lib/python${y}/site-packages/README.txt`, 'site-packages\n');
  w(`lib/python${y}/site-packages/pip/__init__.py`, '# pip\n');
  w(`lib/python${y}/site-packages/pip-23.2.1.dist-info/RECORD`, 'pip\n');
  return prefix;
}

export function tempDir(label: string): string {
  // realpath: on macOS /tmp is a symlink, and interpreters report resolved prefixes.
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), `pybp-${label}-`));
}

/** Everything under `root` as "relative path -> kind mode size mtime [link target]", to prove a tree unchanged. */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      const st = fs.lstatSync(full);
      const kind = entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : 'f';
      const link = entry.isSymbolicLink() ? ` -> ${fs.readlinkSync(full)}` : '';
      out.set(r, `${kind} ${st.mode.toString(8)} ${entry.isDirectory() ? '' : st.size} ${st.mtimeMs}${link}`);
      if (entry.isDirectory()) walk(full, r);
    }
  };
  out.set('.', `d ${fs.lstatSync(root).mode.toString(8)} ${fs.lstatSync(root).mtimeMs}`);
  walk(root, '');
  return out;
}

/** Sorted list of every path under `root` ("dir/", "link@", "file"). */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out.push(`${r}/`);
        walk(path.join(dir, entry.name), r);
      } else out.push(entry.isSymbolicLink() ? `${r}@` : r);
    }
  };
  walk(root, '');
  return out.sort();
}
