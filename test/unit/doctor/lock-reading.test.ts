// Reading lock files and wheel tags offline, for the no-linux-wheel and
// Procfile checks: markers, extras, dev groups, manylinux and CPython tags.
import { describe, expect, it } from 'vitest';
import { poetryInstalledPackages, uvInstalledPackages } from '../../../src/engine/doctor/wheels/locked-packages.js';
import { evaluateMarker, herokuMarkerEnv } from '../../../src/engine/doctor/wheels/markers.js';
import { parseRequirements } from '../../../src/engine/doctor/wheels/requirements-lines.js';
import { programOf } from '../../../src/engine/doctor/procfile-command.js';
import { wheelFitsTarget } from '../../../src/engine/doctor/wheels/wheel-tags.js';
import { parseProcfile } from '../../../src/engine/dyno/procfile.js';

const env = herokuMarkerEnv('3.12.13', 'amd64');
const target = { pythonVersion: '3.12.13', arch: 'amd64', distroVersion: '24.04' };

describe('markers', () => {
  it.each([
    ["sys_platform == 'darwin'", false],
    ["sys_platform == 'linux' and python_version >= '3.10'", true],
    ["python_full_version < '3.12.5' or platform_machine == 'x86_64'", true],
    ["(os_name == 'nt' or sys_platform == 'win32') and extra == 'x'", false],
    ["python_version < '3.12'", false],
    ["'linux' in sys_platform", true],
  ] as const)('%s → %s', (marker, expected) => {
    expect(evaluateMarker(marker, env)).toBe(expected);
  });

  it('says null for what it cannot read', () => {
    expect(evaluateMarker("unknown_var == 'x'", env)).toBeNull();
    expect(evaluateMarker('sys_platform ==', env)).toBeNull();
  });
});

describe('wheel tags', () => {
  it.each([
    ['a-1.0-py3-none-any.whl', true],
    ['a-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', true],
    ['a-1.0-cp312-cp312-manylinux_2_40_x86_64.whl', false],
    ['a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', false],
    ['a-1.0-cp39-abi3-manylinux_2_28_x86_64.whl', true],
    ['a-1.0-cp312-cp312-manylinux_2_17_aarch64.whl', false],
    ['a-1.0-cp312-cp312-musllinux_1_2_x86_64.whl', false],
    ['a-1.0-cp312-cp312-macosx_11_0_arm64.whl', false],
    ['a-1.0-cp312-cp312-win_amd64.whl', false],
    ['a-1.0-1-py2.py3-none-any.whl', true],
  ] as const)('%s fits CPython 3.12 on heroku-24 amd64: %s', (name, expected) => {
    expect(wheelFitsTarget(name, target)).toBe(expected);
  });
});

const UV_LOCK = `
version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
  { name = "web", extra = ["fast"] },
  { name = "appnope", marker = "sys_platform == 'darwin'" },
]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "web"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files/web-1.0-py3-none-any.whl" }]

[package.optional-dependencies]
fast = [{ name = "speedups" }]

[[package]]
name = "speedups"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files/speedups-2.0.tar.gz" }
wheels = [{ url = "https://files/speedups-2.0-cp312-cp312-macosx_11_0_arm64.whl" }]

[[package]]
name = "appnope"
version = "0.1"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files/appnope-0.1-py3-none-macosx_10_9_x86_64.whl" }]

[[package]]
name = "pytest"
version = "8.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files/pytest-8.0-py3-none-any.whl" }]
`;

describe('uv.lock', () => {
  it('follows extras and markers, leaves out dev groups and the project itself', () => {
    const pkgs = uvInstalledPackages(UV_LOCK, env);
    expect(pkgs.map((p) => p.name).sort()).toEqual(['speedups', 'web']);
    const speedups = pkgs.find((p) => p.name === 'speedups')!;
    expect(speedups.hasSdist).toBe(true);
    expect(speedups.wheels).toEqual(['https://files/speedups-2.0-cp312-cp312-macosx_11_0_arm64.whl']);
  });
});

const POETRY_LOCK = `
[[package]]
name = "web"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [{ file = "web-1.0-py3-none-any.whl", hash = "sha256:00" }]

[[package]]
name = "winonly"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
markers = "sys_platform == 'win32'"
files = [{ file = "winonly-1.0-py3-none-win_amd64.whl", hash = "sha256:00" }]

[[package]]
name = "pytest"
version = "8.0"
description = ""
optional = false
python-versions = "*"
groups = ["dev"]
files = [{ file = "pytest-8.0-py3-none-any.whl", hash = "sha256:00" }]

[[package]]
name = "native"
version = "3.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [{ file = "native-3.0.tar.gz", hash = "sha256:00" }]

[metadata]
lock-version = "2.1"
python-versions = ">=3.12"
content-hash = "0"
`;

describe('poetry.lock', () => {
  it('keeps the main group whose markers hold', () => {
    const pkgs = poetryInstalledPackages(POETRY_LOCK, env);
    expect(pkgs.map((p) => p.name)).toEqual(['web', 'native']);
    expect(pkgs[1]).toMatchObject({ wheels: [], hasSdist: true, source: 'registry' });
  });
});

describe('requirements lines and Procfile commands', () => {
  it('reads names, paths and includes as pip does', () => {
    const lines = parseRequirements('# c\nFlask[async]==3.0 ; python_version > "3"\n-e ../lib\n-r base.txt\n--index-url https://x\n./local\nfoo @ file:///tmp/foo\nbar \\\n  ==1\n');
    expect(lines).toEqual([
      { kind: 'name', name: 'Flask', url: null, text: 'Flask[async]==3.0 ; python_version > "3"' },
      { kind: 'path', option: '-e', target: '../lib' },
      { kind: 'include', option: '-r', target: 'base.txt' },
      { kind: 'option', option: '--index-url', value: 'https://x' },
      { kind: 'path', option: null, target: './local' },
      { kind: 'name', name: 'foo', url: 'file:///tmp/foo', text: 'foo @ file:///tmp/foo' },
      { kind: 'name', name: 'bar', url: null, text: 'bar   ==1' },
    ]);
  });

  it('reads VCS and URL lines, other options and hashes', () => {
    const lines = parseRequirements('-i https://idx/simple\n--extra-index-url=https://b\n-e git+https://g/x.git#egg=x\ngit+https://g/y.git\nhttps://h/z-1.0.tar.gz\nreq==1.0 \\\n    --hash=sha256:abc --hash=sha256:def\n');
    expect(lines).toEqual([
      { kind: 'option', option: '-i', value: 'https://idx/simple' },
      { kind: 'option', option: '--extra-index-url', value: 'https://b' },
      { kind: 'url', option: '-e', target: 'git+https://g/x.git#egg=x' },
      { kind: 'url', option: null, target: 'git+https://g/y.git' },
      { kind: 'url', option: null, target: 'https://h/z-1.0.tar.gz' },
      { kind: 'name', name: 'req', url: null, text: 'req==1.0' },
    ]);
  });

  it('finds the program a Procfile line starts', () => {
    expect(programOf('WEB_CONCURRENCY=2 exec gunicorn app:app')).toEqual({ program: 'gunicorn', module: null, moduleArg: null });
    expect(programOf('python -m uvicorn.main app:app')).toEqual({ program: 'python', module: 'uvicorn', moduleArg: 'uvicorn.main' });
  });

  it('parses process types at line start only', () => {
    expect([...parseProcfile('web: gunicorn app:app\n  worker: celery\nrelease:   python x.py  \n# c\n').processes]).toEqual([
      ['web', 'gunicorn app:app'],
      ['release', 'python x.py'],
    ]);
  });
});

describe('Procfile command lines and module scans', () => {
  it('splits a command line into the simple commands a shell runs', async () => {
    const { commandSegments } = await import('../../../src/engine/doctor/procfile-command.js');
    expect(commandSegments('yes "yes" | python manage.py migrate')).toEqual(['yes "yes"', 'python manage.py migrate']);
    expect(commandSegments("a && b || c; d & e")).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(commandSegments(`echo 'a | b' "c && d" e\\|f`)).toEqual([`echo 'a | b' "c && d" e\\|f`]);
  });

  it('finds imports of pkg_resources or setuptools at column 0 only', async () => {
    const { topLevelImport } = await import('../../../src/engine/doctor/setuptools-at-runtime.js');
    expect(topLevelImport('import os\nimport pkg_resources\n')).toBe('pkg_resources');
    expect(topLevelImport('from pkg_resources import iter_entry_points\n')).toBe('pkg_resources');
    expect(topLevelImport('from setuptools.command import build\n')).toBe('setuptools');
    expect(topLevelImport('try:\n    import pkg_resources\nexcept ImportError:\n    pkg_resources = None\n')).toBeNull();
    expect(topLevelImport('def f():\n    import pkg_resources\n')).toBeNull();
    expect(topLevelImport('import pkg_resources_extra\n# import pkg_resources\n')).toBeNull();
  });

  it("names Poetry's root module as poetry-core does", async () => {
    const { poetryModuleName } = await import('../../../src/engine/doctor/poetry-root.js');
    expect(poetryModuleName('Shop-Site.web')).toBe('shop_site_web');
  });
});
