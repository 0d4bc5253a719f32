// Reading uv 0.11.33's `uv pip compile --no-build` reports: the texts below
// are uv's own output, captured for each case (sdist only, wheels for another
// platform or ABI, every version, a dependency of a dependency).
import { describe, expect, it } from 'vitest';
import { isExactPin } from '../../../src/engine/doctor/wheels/resolver-requirements.js';
import { missingWheels, resolvedPins, uvFailureReason } from '../../../src/engine/doctor/wheels/uv-no-wheel.js';
import { uvTarget } from '../../../src/engine/doctor/wheels/no-linux-wheel-requirements.js';

const SDIST_ONLY = `  × No solution found when resolving dependencies:
  ╰─▶ Because srconly==1.0.0 has no usable wheels and you require
      srconly==1.0.0, we can conclude that your requirements are
      unsatisfiable.

hint: Wheels are required for \`srconly\` because building from source is disabled for all packages (i.e., with \`--no-build\`)`;

const MAC_ONLY = `  × No solution found when resolving dependencies:
  ╰─▶ Because maconly==1.0.0 has no wheels with a matching platform tag (e.g.,
      \`manylinux_2_39_x86_64\`) and you require maconly==1.0.0, we can conclude
      that your requirements are unsatisfiable.

hint: Wheels are available for \`maconly\` (v1.0.0) on the following platform: \`macosx_11_0_arm64\``;

const TRANSITIVE_SDIST = `  × No solution found when resolving dependencies:
  ╰─▶ Because only srconly==1.0.0 is available and srconly==1.0.0 has no
      usable wheels, we can conclude that all versions of srconly cannot be
      used.
      And because all versions of parent depend on srconly and you require
      parent, we can conclude that your requirements are unsatisfiable.

hint: Wheels are required for \`srconly\` because building from source is disabled for all packages (i.e., with \`--no-build\`)`;

const ABI = `  × No solution found when resolving dependencies:
  ╰─▶ Because only abimis==1.0.0 is available and abimis==1.0.0 has no wheels
      with a matching Python ABI tag (e.g., \`cp312\`), we can conclude that all
      versions of abimis cannot be used.
      And because you require abimis, we can conclude that your requirements
      are unsatisfiable.

hint: You require CPython 3.12 (\`cp312\`), but we only found wheels for \`abimis\` (v1.0.0) with the following Python ABI tag: \`cp311\``;

const ALL_VERSIONS_MAC = `  × No solution found when resolving dependencies:
  ╰─▶ Because all versions of multi have no wheels with a matching platform
      tag (e.g., \`manylinux_2_39_x86_64\`) and you require multi, we can
      conclude that your requirements are unsatisfiable.

hint: Wheels are available for \`multi\` (v1.1.0) on the following platform: \`macosx_11_0_arm64\``;

const ALL_VERSIONS_SDIST = `  × No solution found when resolving dependencies:
  ╰─▶ Because all versions of multisrc have no usable wheels and you require
      multisrc, we can conclude that your requirements are unsatisfiable.

hint: Wheels are required for \`multisrc\` because building from source is disabled for all packages (i.e., with \`--no-build\`)`;

const NOT_FOUND = `  × No solution found when resolving dependencies:
  ╰─▶ Because nosuchpkg was not found in the package registry and you require
      nosuchpkg, we can conclude that your requirements are unsatisfiable.
`;

describe("uv's report of packages without a wheel", () => {
  it('an sdist and no wheel for the target: built from source', () => {
    expect(missingWheels(SDIST_ONLY)).toEqual([{ name: 'srconly', version: '1.0.0', hasSdist: true, availableFor: null }]);
  });

  it('wheels for another platform and no sdist: nothing to install', () => {
    expect(missingWheels(MAC_ONLY)).toEqual([{ name: 'maconly', version: '1.0.0', hasSdist: false, availableFor: 'macosx_11_0_arm64' }]);
  });

  it('a dependency of a requirement is the one named, not the requirement', () => {
    expect(missingWheels(TRANSITIVE_SDIST)).toEqual([{ name: 'srconly', version: '1.0.0', hasSdist: true, availableFor: null }]);
  });

  it('wheels for another CPython ABI only', () => {
    expect(missingWheels(ABI)).toEqual([{ name: 'abimis', version: '1.0.0', hasSdist: false, availableFor: 'cp311' }]);
  });

  it('"all versions of": the version comes from the hint when uv gives one', () => {
    expect(missingWheels(ALL_VERSIONS_MAC)).toEqual([{ name: 'multi', version: '1.1.0', hasSdist: false, availableFor: 'macosx_11_0_arm64' }]);
    expect(missingWheels(ALL_VERSIONS_SDIST)).toEqual([{ name: 'multisrc', version: null, hasSdist: true, availableFor: null }]);
  });

  it('a failure that is not about wheels names no package, and its reason is kept', () => {
    expect(missingWheels(NOT_FOUND)).toEqual([]);
    expect(uvFailureReason(NOT_FOUND)).toBe(
      'No solution found when resolving dependencies: Because nosuchpkg was not found in the package registry and you require nosuchpkg, we can conclude that your requirements are unsatisfiable.',
    );
    const refused = [
      'error: Request failed after 3 retries in 5.3s',
      '  Caused by: Failed to fetch: `http://127.0.0.1:8799/simple/good/`',
      '  Caused by: error sending request for url (http://127.0.0.1:8799/simple/good/)',
      '  Caused by: client error (Connect)',
      '  Caused by: tcp connect error',
      '  Caused by: Connection refused (os error 111)',
    ].join('\n');
    expect(missingWheels(refused)).toEqual([]);
    expect(uvFailureReason(refused)).toBe('error: Request failed after 3 retries in 5.3s Caused by: Connection refused (os error 111)');
  });

  it('reads the pins of a resolution', () => {
    expect(resolvedPins('good==1.0.0\nparent[x]==2.0\n\n# c\n')).toEqual([
      { name: 'good', version: '1.0.0' },
      { name: 'parent', version: '2.0' },
    ]);
  });
});

describe('what uv is asked', () => {
  it('exact pins are == with one version', () => {
    expect(isExactPin('foo==1.0')).toBe(true);
    expect(isExactPin('Foo[bar] == 1.0 ; python_version >= "3.8"')).toBe(true);
    expect(isExactPin('foo===1.0')).toBe(true);
    expect(isExactPin('foo==1.*')).toBe(false);
    expect(isExactPin('foo>=1.0')).toBe(false);
    expect(isExactPin('foo==1.0,!=1.0.1')).toBe(false);
    expect(isExactPin('foo')).toBe(false);
  });

  it('the platform is the target glibc on its CPU, capped at the newest uv knows', () => {
    expect(uvTarget({ pythonVersion: '3.12.13', arch: 'amd64', distroVersion: '24.04' })).toEqual({ pythonPlatform: 'x86_64-manylinux_2_39', pythonVersion: '3.12.13' });
    expect(uvTarget({ pythonVersion: '3.13.15', arch: 'arm64', distroVersion: '22.04' })).toEqual({ pythonPlatform: 'aarch64-manylinux_2_35', pythonVersion: '3.13.15' });
    expect(uvTarget({ pythonVersion: '3.14.7', arch: 'amd64', distroVersion: '26.04' })).toEqual({ pythonPlatform: 'x86_64-manylinux_2_40', pythonVersion: '3.14.7' });
  });
});
