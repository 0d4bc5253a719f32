// The one process runner (src/engine/io/process.ts): a run ends when the
// child exits, whatever still holds its pipes; its group goes with it; output
// kept is bounded; a timeout or the stop signal stops the whole group.
// Grandchildren write their PID to a file; whatever a failed test leaves is
// killed when it ends.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { runProcess } from '../../../src/engine/io/process.js';
import { alive } from '../../support/procs.js';

const dir = mkdtempSync(join(tmpdir(), 'pybp-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
let n = 0;

/** A file a grandchild writes its PID to; that PID is killed when the test ends, should the runner have failed. */
function pidFile(): { file: string; pid: () => number } {
  const file = join(dir, `gc-${++n}.pid`);
  onTestFinished(() => {
    if (!existsSync(file)) return;
    try {
      process.kill(Number(readFileSync(file, 'utf8')), 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  });
  return { file, pid: () => Number(readFileSync(file, 'utf8').trim()) };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

describe('runProcess', () => {
  it('ends when the child exits, though a grandchild holds stdout; the grandchild is stopped with its group', async () => {
    const gc = pidFile();
    const end = await runProcess({ argv: ['sh', '-c', `sleep 300 & echo $! > '${gc.file}'; echo done; exit 4`], env, signal: null });
    expect(end).toMatchObject({ kind: 'ended', code: 4, stoppedBy: null });
    if (end.kind === 'ended') expect(end.stdout.toString()).toBe('done\n');
    expect(await gone(gc.pid())).toBe(true);
  });

  it('the stop signal stops the whole group: SIGTERM, then SIGKILL for what ignores it', async () => {
    const gc = pidFile();
    const controller = new AbortController();
    const ready = join(dir, `ready-${++n}`);
    const pending = runProcess({
      argv: ['sh', '-c', `trap '' TERM; sleep 300 & echo $! > '${gc.file}'; touch '${ready}'; while :; do sleep 0.1; done`],
      env,
      signal: controller.signal,
      graceMs: 200,
    });
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const end = await pending;
    expect(end).toMatchObject({ kind: 'ended', signal: 'SIGKILL', stoppedBy: 'abort' });
    expect(await gone(gc.pid())).toBe(true);
  });

  it('a timeout kills the group', async () => {
    const gc = pidFile();
    const end = await runProcess({ argv: ['sh', '-c', `sleep 300 & echo $! > '${gc.file}'; wait`], env, timeoutMs: 300, signal: null });
    expect(end).toMatchObject({ kind: 'ended', stoppedBy: 'timeout' });
    expect(await gone(gc.pid())).toBe(true);
  });

  it('output past the bound is cut (truncate) or stops the process (stop)', async () => {
    const argv = ['sh', '-c', 'head -c 100000 /dev/zero; sleep 5'];
    const cut = await runProcess({ argv: ['sh', '-c', 'head -c 100000 /dev/zero'], env, maxOutputBytes: 1000, signal: null });
    expect(cut).toMatchObject({ kind: 'ended', code: 0, truncated: true, stoppedBy: null });
    if (cut.kind === 'ended') expect(cut.stdout.length).toBe(1000);
    const stopped = await runProcess({ argv, env, maxOutputBytes: 1000, overflow: 'stop', signal: null });
    expect(stopped).toMatchObject({ kind: 'ended', signal: 'SIGKILL', stoppedBy: 'output', truncated: true });
  });

  it('a program that cannot be started is not-started, with the OS error', async () => {
    const end = await runProcess({ argv: [join(dir, 'no-such-program')], env, signal: null });
    expect(end.kind).toBe('not-started');
    if (end.kind === 'not-started') expect(end.error.code).toBe('ENOENT');
  });

  it('an already aborted signal starts nothing', async () => {
    const marker = join(dir, `never-${++n}`);
    const controller = new AbortController();
    controller.abort();
    const end = await runProcess({ argv: ['sh', '-c', `touch '${marker}'`], env, signal: controller.signal });
    expect(end).toMatchObject({ kind: 'ended', stoppedBy: 'abort', code: null });
    expect(existsSync(marker)).toBe(false);
  });

  it('stdin takes the given bytes', async () => {
    const end = await runProcess({ argv: ['cat'], env, stdin: { data: 'from pybp' }, signal: null });
    expect(end).toMatchObject({ kind: 'ended', code: 0 });
    if (end.kind === 'ended') expect(end.stdout.toString()).toBe('from pybp');
  });
});
