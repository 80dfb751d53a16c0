/**
 * A cross-process lock on a file created with O_EXCL. The holder's pid is written into it
 * so a lock left by a process that died (kill -9) is taken over instead of blocking forever.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TrailError } from '../core/errors.js';

/** A lock file with no readable pid this old was left by a writer that died mid-create. */
const UNREADABLE_STALE_MS = 10_000;

function holderIsAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').split(' ')[0]);
  } catch {
    return true; // Removed or being replaced right now: look again.
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    // Created but not yet written by its holder (open and write are two steps): held,
    // unless it has been like this for long enough that its creator must be gone.
    try {
      return Date.now() - statSync(path).mtimeMs < UNREADABLE_STALE_MS;
    } catch {
      return true;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(path: string, work: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    try {
      writeFileSync(path, `${process.pid} ${new Date().toISOString()}`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderIsAlive(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new TrailError('LOCK_TIMEOUT', `timed out waiting for the lock ${path}`);
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}
