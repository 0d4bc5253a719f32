// Which processes pybp may signal. A PID alone names whoever holds that number
// now: a PID read from a file (the `children` record of a killed build) may
// have been reused, or planted. So pybp records each tool it starts as
// PID + start time (field 22 of /proc/<pid>/stat, in clock ticks since boot)
// + boot id, and before it signals a group it checks that a process of that
// group is still the one it started (or a descendant started after it), runs
// as the same user, and that the PID is not 1 or below. Where /proc does not
// exist (macOS), nothing recorded can be verified, so nothing is signalled.
import { readFileSync, readdirSync, statSync } from 'node:fs';

export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks after boot. */
  start: number;
  bootId: string;
}

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  start: number;
}

let bootIdCache: string | null | undefined;
function bootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** /proc/<pid>/stat: the command name is in parentheses and may hold spaces and ')'. */
function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, pgrp field 5, starttime field 22.
    return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), start: Number(fields[19]) };
  } catch {
    return null;
  }
}

function ownerUid(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}

/** The record of a process pybp just started (synchronously, before it can be reaped). */
export function identifyProcess(pid: number): ProcessRecord | null {
  const boot = bootId();
  const stat = readStat(pid);
  if (!boot || !stat || !Number.isFinite(stat.start)) return null;
  return { pid, start: stat.start, bootId: boot };
}

export function formatRecord(r: ProcessRecord): string {
  return `${r.pid} ${r.start} ${r.bootId}`;
}

/** A `children` line; anything else (an older format, a planted bare PID) is null and never signalled. */
export function parseRecord(line: string): ProcessRecord | null {
  const m = /^(\d+) (\d+) ([0-9a-f-]{36})$/.exec(line.trim());
  if (!m) return null;
  const pid = Number(m[1]);
  if (!Number.isSafeInteger(pid) || pid <= 1) return null;
  return { pid, start: Number(m[2]), bootId: m[3] };
}

/**
 * Whether the process group led by `r.pid` is still the group pybp started:
 * the leader itself (same start time), or, once it is gone, members of that
 * group started no earlier than it (a PGID cannot be reused while a member is
 * alive). Same user, same boot, never PID <= 1, never pybp's own group.
 */
export function isOurGroup(r: ProcessRecord): boolean {
  if (!Number.isSafeInteger(r.pid) || r.pid <= 1 || r.bootId !== bootId()) return false;
  if (r.pid === process.pid || r.pid === readStat(process.pid)?.pgrp) return false;
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  const leader = readStat(r.pid);
  if (leader) return leader.start === r.start && leader.pgrp === r.pid && ownerUid(r.pid) === uid;
  // No process in that group at all (the usual end of a tool): no need to look through /proc.
  // Signal 0 only checks; it delivers nothing.
  try {
    process.kill(-r.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return false;
  }
  let member = false;
  for (const name of pids) {
    const s = readStat(Number(name));
    if (!s || s.pgrp !== r.pid) continue;
    // A member started before the leader, or of another user, is not our group.
    if (s.start < r.start || ownerUid(s.pid) !== uid) return false;
    member = true;
  }
  return member;
}

/**
 * Whether the process `r` names is still running as that same process: same
 * boot, and the PID's start time is the recorded one (a reused PID has another).
 * null where that cannot be known (no /proc): the caller decides what a bare PID is worth.
 */
export function isSameProcess(r: ProcessRecord): boolean | null {
  const boot = bootId();
  if (!boot) return null;
  if (r.bootId !== boot) return false;
  const stat = readStat(r.pid);
  return stat !== null && stat.start === r.start;
}

/**
 * Signals `r` (verified to be that same process) and every descendant it has
 * now, by parent links, each one only if it runs as this user: for a child
 * that shares pybp's process group (a terminal program), which cannot be
 * signalled as a group. Descendants are found first, so a shell and the
 * background job it started are both reached before the shell dies.
 */
export function signalTree(r: ProcessRecord, signal: NodeJS.Signals): void {
  if (isSameProcess(r) !== true) return;
  const uid = process.getuid?.();
  let stats: ProcStat[];
  try {
    stats = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map((n) => readStat(Number(n)))
      .filter((s): s is ProcStat => s !== null);
  } catch {
    stats = [];
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const tree: ProcStat[] = [];
  const queue = [r.pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      // Started after its parent, of this user: never PID 1, never pybp itself.
      if (child.pid <= 1 || child.pid === process.pid || child.start < r.start || ownerUid(child.pid) !== uid) continue;
      tree.push(child);
      queue.push(child.pid);
    }
  }
  for (const target of [r.pid, ...tree.map((t) => t.pid)]) {
    try {
      process.kill(target, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/** Signals the group only if it is verified to be ours; false when not sent. */
export function signalOurGroup(r: ProcessRecord, signal: NodeJS.Signals): boolean {
  if (!isOurGroup(r)) return false;
  try {
    process.kill(-r.pid, signal);
    return true;
  } catch {
    return false;
  }
}
