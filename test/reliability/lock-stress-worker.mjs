// One contender in the lock stress test (lock.test.ts). It takes pybp's layers
// lock over and over; while holding it, it creates a marker file exclusively:
// if the marker already exists, another process holds the lock at the same
// time, which is recorded as a double. Now and then it dies holding the lock
// (SIGKILL), leaving a stale lock for the others to take over.
// argv: lock module URL, layers dir, run time ms, die rate.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [lockUrl, layersDir, runMs, dieRate] = process.argv.slice(2);
const { acquireLayersLock } = await import(lockUrl);
const marker = join(layersDir, 'holder');
const report = join(layersDir, `report-${process.pid}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const end = Date.now() + Number(runMs);
let held = 0;
let refused = 0;
let tookOver = 0;
let doubles = 0;
while (Date.now() < end) {
  let lock;
  // A lock file naming a dead process before acquiring: acquiring it is a takeover.
  const stale = staleLockBefore();
  try {
    lock = await acquireLayersLock(layersDir, 'stress');
  } catch (err) {
    if (err?.code !== 'layers-locked') throw err;
    refused++;
    await sleep(Math.random() * 2);
    continue;
  }
  held++;
  if (stale) tookOver++;
  let mine = false;
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx' });
    mine = true;
  } catch {
    doubles++;
    appendFileSync(join(layersDir, 'doubles'), `${process.pid}\n`);
  }
  await sleep(Math.random() * 2);
  if (mine) rmSync(marker, { force: true });
  writeFileSync(report, JSON.stringify({ held, refused, tookOver, doubles }));
  if (Math.random() < Number(dieRate)) process.kill(process.pid, 'SIGKILL');
  await lock.release();
}
writeFileSync(report, JSON.stringify({ held, refused, tookOver, doubles }));

function staleLockBefore() {
  let holder;
  try {
    holder = JSON.parse(readFileSync(join(layersDir, '.pybp', 'lock'), 'utf8')).pid;
  } catch {
    return false;
  }
  try {
    process.kill(holder, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}
