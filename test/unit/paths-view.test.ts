// Heroku's paths: the host/view mapping, the one decision (flag, config,
// what the machine can do), and the sandbox's command line run for real
// (bwrap is installed where the tests run: .ci/run).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/engine/io/process.js';
import { pathView, toHost, toView } from '../../src/engine/io/sandbox.js';
import { sandboxAvailability } from '../../src/engine/io/sandbox-probe.js';
import { decidePaths } from '../../src/engine/project/paths-choice.js';
import { isPybpError } from '../../src/engine/core/errors.js';

describe('the path view', () => {
  const view = pathView('heroku', '/home/me/app', '/home/me/app/.pybp/layers');

  it('maps the layers (inside the app) before the app, both ways; other paths are left alone', () => {
    expect(toView(view, '/home/me/app/.pybp/layers/venv/bin/python')).toBe('/layers/heroku_python/venv/bin/python');
    expect(toView(view, '/home/me/app/.pybp/layers')).toBe('/layers/heroku_python');
    expect(toView(view, '/home/me/app/manage.py')).toBe('/workspace/manage.py');
    expect(toView(view, '/home/me/apple')).toBe('/home/me/apple');
    expect(toHost(view, '/layers/heroku_python/pip/bin/pip')).toBe('/home/me/app/.pybp/layers/pip/bin/pip');
    expect(toHost(view, '/workspace')).toBe('/home/me/app');
    expect(toHost(view, '/usr/bin/gcc')).toBe('/usr/bin/gcc');
  });

  it('host mode sees the host paths', () => {
    const host = pathView('host', '/a', '/a/.pybp/layers');
    expect(toView(host, '/a/.pybp/layers/venv')).toBe('/a/.pybp/layers/venv');
  });
});

describe('which paths a build uses', () => {
  const tools = { bwrap: '/usr/bin/bwrap', env: '/usr/bin/env' };
  it('heroku by default where the sandbox works; host with a note naming the package where it does not', () => {
    expect(decidePaths(undefined, undefined, { usable: true, tools }).choice).toEqual({ mode: 'heroku', origin: 'default', note: null });
    const fallback = decidePaths(undefined, undefined, { usable: false, why: 'bwrap is not on PATH (install the bubblewrap package)' });
    expect(fallback.choice.mode).toBe('host');
    expect(fallback.choice.note).toContain('bubblewrap');
    expect(decidePaths('host', 'heroku', { usable: true, tools }).choice).toEqual({ mode: 'host', origin: 'flag', note: null });
  });

  it('heroku asked for (flag or config) where the sandbox does not work is paths-heroku-unavailable', () => {
    for (const [flag, config] of [['heroku', undefined], [undefined, 'heroku']] as const) {
      let caught: unknown;
      try {
        decidePaths(flag, config, { usable: false, why: 'macOS has no bubblewrap (Linux only)' });
      } catch (err) {
        caught = err;
      }
      expect(isPybpError(caught) && caught.code).toBe('paths-heroku-unavailable');
    }
  });
});

describe('the sandbox', () => {
  it('shows the layers at /layers/heroku_python and the app at /workspace, writable; the rest read-only; /tmp private', async () => {
    const available = await sandboxAvailability();
    expect(available.usable, available.usable ? '' : available.why).toBe(true);
    if (!available.usable) return;
    const root = mkdtempSync(join(os.tmpdir(), 'pybp-sandbox-test-'));
    const hostTmp = join('/tmp', `pybp-sandbox-test-${process.pid}`);
    try {
      const app = join(root, 'app');
      const layers = join(app, '.pybp', 'layers');
      for (const d of [app, layers]) rmSync(d, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(layers, { recursive: true }));
      writeFileSync(join(root, 'outside'), 'x');
      writeFileSync(hostTmp, 'x');
      const view = pathView('heroku', app, layers);
      const script = [
        'pwd',
        'echo made > /layers/heroku_python/f',
        'echo made > /workspace/g',
        `(echo no > ${join(root, 'outside')}) 2>/dev/null && echo wrote-outside || echo outside-read-only`,
        `test -e ${hostTmp} && echo tmp-shared || echo tmp-private`,
        'echo scratch > /tmp/scratch',
      ].join('; ');
      const end = await runProcess({ argv: ['sh', '-c', script], env: { PATH: '/usr/bin:/bin' }, sandbox: { tools: available.tools, view }, signal: null });
      expect(end.kind).toBe('ended');
      if (end.kind !== 'ended') return;
      expect(end.stdout.toString().trim().split('\n')).toEqual(['/workspace', 'outside-read-only', 'tmp-private']);
      expect(readFileSync(join(layers, 'f'), 'utf8')).toBe('made\n');
      expect(readFileSync(join(app, 'g'), 'utf8')).toBe('made\n');
      expect(readFileSync(join(root, 'outside'), 'utf8')).toBe('x');
      // Nothing appears on the host: no /layers, no /workspace.
      expect(existsSync('/layers/heroku_python') || existsSync('/workspace')).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(hostTmp, { force: true });
    }
  });

  it("passes the tool's exit status and a SIGTERM to the group reaches the tool, not just bwrap", async () => {
    const available = await sandboxAvailability();
    if (!available.usable) throw new Error(available.why);
    const root = mkdtempSync(join(os.tmpdir(), 'pybp-sandbox-test-'));
    try {
      const view = pathView('heroku', root, root);
      const exit = await runProcess({ argv: ['sh', '-c', 'exit 7'], env: { PATH: '/usr/bin:/bin' }, sandbox: { tools: available.tools, view }, signal: null });
      expect(exit.kind === 'ended' && exit.code).toBe(7);
      const stop = new AbortController();
      const running = runProcess({
        argv: ['sh', '-c', 'trap "echo stopping; exit 3" TERM; echo ready; while :; do sleep 0.05; done'],
        env: { PATH: '/usr/bin:/bin' },
        sandbox: { tools: available.tools, view },
        signal: stop.signal,
        graceMs: 1500,
        onStdout: (chunk) => chunk.toString().includes('ready') && stop.abort(),
      });
      const end = await running;
      expect(end.kind === 'ended' && end.code).toBe(3);
      expect(end.kind === 'ended' && end.stdout.toString()).toContain('stopping');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
