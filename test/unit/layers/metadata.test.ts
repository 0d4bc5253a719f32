// Reasons come from the metadata fields (metadata-diff.ts) and the strict,
// serde-like parse of [metadata] (definition.ts).
import { describe, expect, it } from 'vitest';
import { compareMetadata, parseStrictMetadata } from '../../../src/engine/layers/definition.js';
import { diffMetadata, fieldLabel } from '../../../src/engine/layers/metadata-diff.js';
import { pipLayer } from '../../../src/engine/layers/pip.js';
import { PIP_CACHE_LAYER_FIELDS } from '../../../src/engine/layers/pip-cache.js';
import { pythonLayer, PYTHON_LAYER_FIELDS } from '../../../src/engine/layers/python.js';
import { UV_VENV_FIELDS } from '../../../src/engine/layers/venv.js';
import { parse } from 'smol-toml';

const heroku24 = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' };
const old = { arch: 'arm64', distro_name: 'ubuntu', distro_version: '22.04', python_version: '3.12.12', pip_version: '26.0.1' };
const next = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', python_version: '3.12.13', pip_version: '26.1.2' };

describe('diffMetadata', () => {
  it('lists arch first, then the OS as one name-version pair, then the other fields in their order', () => {
    expect(diffMetadata(PIP_CACHE_LAYER_FIELDS, old, next)).toEqual([
      { field: 'arch', from: 'arm64', to: 'amd64', message: 'CPU architecture changed from arm64 to amd64' },
      { field: 'distro', from: 'ubuntu-22.04', to: 'ubuntu-24.04', message: 'OS changed from ubuntu-22.04 to ubuntu-24.04' },
      { field: 'python_version', from: '3.12.12', to: '3.12.13', message: 'Python version changed from 3.12.12 to 3.12.13' },
      { field: 'pip_version', from: '26.0.1', to: '26.1.2', message: 'pip version changed from 26.0.1 to 26.1.2' },
    ]);
  });

  it('the order does not depend on the order of the fields', () => {
    const shuffled = ['pip_version', 'python_version', 'distro_version', 'arch', 'distro_name'];
    expect(diffMetadata(shuffled, old, next).map((r) => r.field)).toEqual(['arch', 'distro', 'pip_version', 'python_version']);
  });

  it('a change of only the distro name or only its version is one OS reason', () => {
    expect(diffMetadata(PYTHON_LAYER_FIELDS, heroku24, { ...heroku24, distro_name: 'debian' })).toEqual([
      { field: 'distro', from: 'ubuntu-24.04', to: 'debian-24.04', message: 'OS changed from ubuntu-24.04 to debian-24.04' },
    ]);
    expect(diffMetadata(PYTHON_LAYER_FIELDS, heroku24, { ...heroku24, distro_version: '26.04' })).toEqual([
      { field: 'distro', from: 'ubuntu-24.04', to: 'ubuntu-26.04', message: 'OS changed from ubuntu-24.04 to ubuntu-26.04' },
    ]);
  });

  it('compares only the layer\'s own fields', () => {
    expect(diffMetadata(['python_version', 'pip_version'], { ...old, python_version: '3.12.13', pip_version: '26.1.2' }, next)).toEqual([]);
  });

  it('equal metadata: no reasons', () => {
    expect(diffMetadata(PIP_CACHE_LAYER_FIELDS, next, { ...next })).toEqual([]);
  });

  it('labels known fields for humans and passes others through', () => {
    expect(fieldLabel('uv_version')).toBe('uv version');
    expect(fieldLabel('poetry_version')).toBe('Poetry version');
    expect(fieldLabel('color')).toBe('color');
  });
});

describe('parseStrictMetadata', () => {
  const good = { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04', python_version: '3.12.13' };

  it('accepts exactly the fields, all strings', () => {
    expect(parseStrictMetadata('python', PYTHON_LAYER_FIELDS, good)).toEqual({ ok: true, metadata: good });
  });

  it('no [metadata] table at all', () => {
    expect(parseStrictMetadata('python', PYTHON_LAYER_FIELDS, undefined)).toEqual({
      ok: false,
      reasons: [{ field: 'metadata', from: null, to: null, message: 'python.toml has no [metadata] table' }],
    });
  });

  it('missing, mistyped and unknown keys: one reason each, in that order', () => {
    const raw = parse('arch = "amd64"\ndistro_version = 24.04\npython_version = 3\nbuilt = 1979-05-27T07:32:00Z\nflag = true\n');
    expect(parseStrictMetadata('python', PYTHON_LAYER_FIELDS, raw)).toEqual({
      ok: false,
      reasons: [
        { field: 'distro_name', from: null, to: 'string', message: 'metadata key distro_name is missing' },
        { field: 'distro_version', from: 'float', to: 'string', message: 'metadata key distro_version is a float, not a string' },
        { field: 'python_version', from: 'integer', to: 'string', message: 'metadata key python_version is a integer, not a string' },
        { field: 'built', from: '"1979-05-27T07:32:00.000Z"', to: null, message: 'unknown metadata key built' },
        { field: 'flag', from: 'true', to: null, message: 'unknown metadata key flag' },
      ],
    });
  });

  it('a datetime and a table value are named as such', () => {
    const raw = parse('arch = "amd64"\ndistro_name = 1979-05-27\ndistro_version = "24.04"\n[python_version]\nmajor = "3"\n');
    const parsed = parseStrictMetadata('python', PYTHON_LAYER_FIELDS, raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.reasons.map((r) => [r.field, r.from])).toEqual([
        ['distro_name', 'datetime'],
        ['python_version', 'table'],
      ]);
    }
  });

  it('foreign metadata is attributed to the build that wrote it, first', () => {
    const poetryVenv = { ...good, poetry_version: '2.4.1' };
    const parsed = parseStrictMetadata('venv', UV_VENV_FIELDS, poetryVenv);
    expect(parsed).toEqual({
      ok: false,
      reasons: [
        { field: 'metadata', from: 'a Poetry build', to: null, message: 'its metadata was written by a Poetry build' },
        { field: 'uv_version', from: null, to: 'string', message: 'metadata key uv_version is missing' },
        { field: 'poetry_version', from: '2.4.1', to: null, message: 'unknown metadata key poetry_version' },
      ],
    });
  });

  it('a layer\'s own tool key is not "foreign"', () => {
    const parsed = parseStrictMetadata('pip', ['python_version', 'pip_version'], { python_version: '3.12.13', pip_version: 1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reasons.map((r) => r.field)).toEqual(['pip_version']);
  });
});

describe('compareMetadata', () => {
  it('pip ignores arch and distro: only the Python and pip versions', () => {
    const def = pipLayer({ pythonVersion: '3.12.13' });
    expect(compareMetadata(def, { python_version: '3.12.13', pip_version: '26.1.2' })).toEqual([]);
    expect(compareMetadata(def, { python_version: '3.12.12', pip_version: '26.0.1' }).map((r) => [r.field, r.from, r.to])).toEqual([
      ['python_version', '3.12.12', '3.12.13'],
      ['pip_version', '26.0.1', '26.1.2'],
    ]);
  });

  it('the pybp-only interpreter reason counts only when the buildpack\'s metadata alone would keep the layer', () => {
    const def = pythonLayer({
      pythonVersion: '3.12.13',
      target: heroku24,
      previousInterpreter: { source: 'heroku', version: '3.12.13', location: 'https://example/python.tar.zst' },
      interpreter: { source: 'local', version: '3.12.1', location: '/opt/py' },
    });
    expect(compareMetadata(def, { ...heroku24, python_version: '3.12.13' }).map((r) => [r.field, r.from, r.to, r.pybpOnly ?? false])).toEqual([
      ['interpreter', "Heroku's 3.12.13 archive", 'local 3.12.1 at /opt/py', true],
    ]);
    // With a real change, only the buildpack's reason: the other would say the same in other words.
    expect(compareMetadata(def, { ...heroku24, python_version: '3.12.12' }).map((r) => [r.field, r.from, r.to, r.pybpOnly ?? false])).toEqual([
      ['python_version', '3.12.12', '3.12.13', false],
    ]);
  });

  it('no interpreter reason when either side is unknown', () => {
    const def = pythonLayer({ pythonVersion: '3.12.13', target: heroku24, previousInterpreter: null, interpreter: { source: 'local', version: '3.12.1', location: '/opt/py' } });
    expect(compareMetadata(def, { ...heroku24, python_version: '3.12.13' })).toEqual([]);
  });
});
