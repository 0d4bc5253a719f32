// --target accepts Heroku's stacks with the arches they run, and distro-version/arch
// with a known arch; anything else is bad usage (a config's target: config-invalid).
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/engine/core/target.js';

describe('parseTarget', () => {
  it.each([
    ['heroku-22', 'amd64', '22.04'],
    ['heroku-24', 'amd64', '24.04'],
    ['heroku-24/arm64', 'arm64', '24.04'],
    ['heroku-26/amd64', 'amd64', '26.04'],
    ['heroku-26/arm64', 'arm64', '26.04'],
  ])('%s is ubuntu %s on %s', (spec, arch, version) => {
    expect(parseTarget(spec, 'flag')).toEqual({ arch, distro_name: 'ubuntu', distro_version: version, origin: 'flag' });
  });

  it('takes distro-version/arch with a known arch', () => {
    expect(parseTarget('ubuntu-24.04/arm64', 'config')).toEqual({ arch: 'arm64', distro_name: 'ubuntu', distro_version: '24.04', origin: 'config' });
    expect(parseTarget('debian-12', 'flag')).toMatchObject({ arch: 'amd64', distro_name: 'debian', distro_version: '12' });
  });

  it.each([
    ['heroku-99', 'heroku-22, heroku-24, heroku-26'],
    ['heroku-20', 'heroku-22, heroku-24, heroku-26'],
    ['heroku-24/..', 'runs only on amd64 and arm64'],
    ['heroku-24/x86_64', 'runs only on amd64 and arm64'],
    ['heroku-22/arm64', 'runs only on amd64'],
    ['heroku-24/arm64/extra', 'runs only on amd64 and arm64'],
    ['ubuntu-24.04/..', 'not one of amd64, arm64'],
    ['ubuntu-24.04/', 'not one of amd64, arm64'],
    ['ubuntu-24.04/sparc', 'not one of amd64, arm64'],
    ['../../etc', 'neither a Heroku stack'],
    ['', 'neither a Heroku stack'],
  ])('refuses %j: %s', (spec, words) => {
    expect(() => parseTarget(spec, 'flag')).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringContaining(words) }));
    expect(() => parseTarget(spec, 'config')).toThrow(expect.objectContaining({ code: 'config-invalid' }));
  });
});
