// What of requirements.txt doctor hands to uv: named requirements and index
// options, includes inside the app inlined, everything local or from a URL
// left out and named.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolverRequirements } from '../../../src/engine/doctor/wheels/resolver-requirements.js';
import { useTempApps } from './support.js';

const makeApp = useTempApps();

describe('resolverRequirements', () => {
  it('keeps names and index options, follows includes inside the app, names the rest', async () => {
    const app = await makeApp({
      'requirements.txt': [
        '--index-url https://idx.example/simple/',
        '--extra-index-url=https://extra.example/simple/',
        '--find-links wheels',
        '--pre',
        'Flask==3.0.0 --hash=sha256:abc',
        'requests>=2 ; python_version >= "3.8"',
        '-r base.txt',
        '-c constraints.txt',
        '-r ../outside.txt',
        '-e .',
        './vendor/pkg',
        'git+https://example.com/x.git',
        '-e git+https://example.com/y.git#egg=y',
        'local @ file:///tmp/local',
        '',
      ].join('\n'),
      'base.txt': 'gunicorn==22.0.0\n-r requirements.txt\n',
      'constraints.txt': 'requests==2.32.3\n',
      'wheels/.keep': '',
    });
    await mkdir(join(app, 'sub'), { recursive: true });
    await writeFile(join(app, 'setup.py'), 'raise SystemExit("never run")\n');
    const r = await resolverRequirements(app);
    expect(r.requirements).toEqual([
      `--find-links ${join(app, 'wheels')}`,
      'Flask==3.0.0',
      'requests>=2 ; python_version >= "3.8"',
      'gunicorn==22.0.0',
    ]);
    expect(r.constraints).toEqual(['requests==2.32.3']);
    // Named, never handed to a resolver: a repo does not choose where doctor sends requests.
    expect(r.ownIndexes).toEqual([
      'requirements.txt: `--index-url https://idx.example/simple/`',
      'requirements.txt: `--extra-index-url https://extra.example/simple/`',
    ]);
    expect(r.notChecked).toEqual([
      'requirements.txt: `-r ../outside.txt`',
      'requirements.txt: `-e .`',
      'requirements.txt: `./vendor/pkg`',
      'requirements.txt: `git+https://example.com/x.git`',
      'requirements.txt: `-e git+https://example.com/y.git#egg=y`',
      'requirements.txt: `local @ file:///tmp/local`',
    ]);
    expect([...r.named].sort()).toEqual(['flask', 'gunicorn', 'requests']);
    expect([...r.pinned].sort()).toEqual(['flask', 'gunicorn', 'requests']);
    expect(r.prereleases).toBe(true);
  });

  it('no index the file names reaches the resolver: -i, --index-url, --extra-index-url, a --find-links URL; credentials are not shown', async () => {
    const app = await makeApp({
      'requirements.txt': [
        '-i https://user:s3cret@private.example/simple/',
        '--extra-index-url=http://extra.example/simple/',
        '-r more.txt',
        '--find-links https://wheels.example/links/',
        'foo==1.0',
        '',
      ].join('\n'),
      'more.txt': '-f http://127.0.0.1:9/wheels/\nbar==2.0\n',
    });
    const r = await resolverRequirements(app);
    expect(r.requirements).toEqual(['bar==2.0', 'foo==1.0']);
    expect(r.ownIndexes).toEqual([
      'requirements.txt: `-i https://private.example/simple/`',
      'requirements.txt: `--extra-index-url http://extra.example/simple/`',
      'more.txt: `-f http://127.0.0.1:9/wheels/`',
      'requirements.txt: `--find-links https://wheels.example/links/`',
    ]);
    expect(r.ownIndexes.join(' ')).not.toContain('s3cret');
    expect(r.notChecked).toEqual([]);
  });

  it('a --find-links directory outside the app is not given to uv', async () => {
    const app = await makeApp({ 'requirements.txt': '--find-links /tmp\nfoo\n' });
    const r = await resolverRequirements(app);
    expect(r.requirements).toEqual(['foo']);
    expect(r.notChecked).toEqual(['requirements.txt: `--find-links /tmp`']);
    expect(r.prereleases).toBe(false);
  });

  it('a requirements.txt linking out of the app is not checked, and says where it points', async () => {
    const app = await makeApp({ '.python-version': '3.12\n' });
    const outside = await mkdtemp(join(tmpdir(), 'pybp-outside-'));
    try {
      await writeFile(join(outside, 'requirements.txt'), 'flask==3.0.0\n');
      await symlink(join(outside, 'requirements.txt'), join(app, 'requirements.txt'));
      const r = await resolverRequirements(app);
      expect(r.requirements).toEqual([]);
      expect(r.named.size).toBe(0);
      expect(r.notChecked).toEqual([`requirements.txt (a link to ${await realpath(join(outside, 'requirements.txt'))}, outside the app)`]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
