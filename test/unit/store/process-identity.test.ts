// Which process groups pybp may signal: only the ones it started, verified.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatRecord,
  identifyProcess,
  isOurGroup,
  parseRecord,
  signalOurGroup,
} from '../../../src/engine/io/process-identity.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function sleeper(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  started.push(child.pid!);
  return child.pid!;
}

const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

describe('children records', () => {
  it('a full record round-trips; a bare PID, PID 1, 0 and negatives are never records', () => {
    const r = { pid: 4242, start: 987654, bootId };
    expect(parseRecord(formatRecord(r))).toEqual(r);
    for (const line of ['4242', '1', `1 5 ${bootId}`, `0 5 ${bootId}`, `-1 5 ${bootId}`, `4242 x ${bootId}`, '']) {
      expect(parseRecord(line), line).toBeNull();
    }
  });
});

describe('isOurGroup', () => {
  it('the group of a process identified when it started: yes', () => {
    const pid = sleeper();
    const record = identifyProcess(pid);
    expect(record).not.toBeNull();
    expect(isOurGroup(record!)).toBe(true);
  });

  it('the same PID with another start time (a reused or planted PID): no, and no signal is sent', () => {
    const pid = sleeper();
    const record = identifyProcess(pid)!;
    const planted = { ...record, start: record.start - 1 };
    expect(isOurGroup(planted)).toBe(false);
    expect(signalOurGroup(planted, 'SIGKILL')).toBe(false);
    expect(isOurGroup(record)).toBe(true);
  });

  it('another boot, PID 1, and pybp\'s own process or group: no', () => {
    const pid = sleeper();
    const record = identifyProcess(pid)!;
    expect(isOurGroup({ ...record, bootId: '00000000-0000-0000-0000-000000000000' })).toBe(false);
    expect(isOurGroup({ pid: 1, start: identifyProcess(1)?.start ?? 0, bootId })).toBe(false);
    expect(isOurGroup(identifyProcess(process.pid)!)).toBe(false);
  });

  it('a process that is not a group leader (not started by pybp in a group of its own): no', () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(child.pid!);
    const record = identifyProcess(child.pid!)!;
    expect(isOurGroup(record)).toBe(false);
    child.kill('SIGKILL');
  });

  it('a verified group is signalled', async () => {
    const pid = sleeper();
    const record = identifyProcess(pid)!;
    expect(signalOurGroup(record, 'SIGKILL')).toBe(true);
  });
});
