/**
 * Flat async functions over a spawned `git`, cwd passed in, exit codes checked.
 * Batch operations (cat-file --batch, fast-import, update-ref --stdin) live beside this so
 * that reading or writing many records costs a fixed number of processes.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TrailError } from '../core/errors.js';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are not errors (0 always is). */
  allow?: number[];
  /** Receives stdout as it arrives, instead of collecting it (the result's stdout is empty). */
  onStdout?: (chunk: Buffer) => void;
  /**
   * With onStdout: git writes stdout to an unlinked file in this folder, read as it grows,
   * instead of to a pipe. A pipe holds 64 KiB, so for a large output git and the reader take
   * turns, each waking the other 64 KiB at a time; a file never makes git wait.
   */
  spoolDir?: string;
}

export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onStdout = options.onStdout ?? ((chunk: Buffer) => out.push(chunk));
    const spool = options.onStdout && options.spoolDir ? openSpool(options.spoolDir) : undefined;
    let child: ChildProcess;
    try {
      child = spawn('git', args, {
        cwd,
        env: options.env ? { ...process.env, ...options.env } : process.env,
        stdio: ['pipe', spool?.fd ?? 'pipe', 'pipe'],
      });
    } catch (error) {
      // Some failures throw instead of emitting 'error': a cwd that is a file is ENOTDIR.
      spool?.close();
      const code = (error as NodeJS.ErrnoException).code;
      const message =
        code === 'ENOTDIR' ? `${cwd} is not a folder` : `could not run git: ${(error as Error).message}`;
      reject(new TrailError('GIT_FAILED', message, { cause: error }));
      return;
    }
    /** Set once git is gone: what the spool's reader does when it has read everything. */
    let whenDrained: (() => void) | undefined;
    if (spool) {
      const buffer = Buffer.allocUnsafe(1 << 20);
      let position = 0;
      const pump = () => {
        try {
          for (;;) {
            // pread: git's writes move the shared file offset; an explicit position ignores it.
            const n = readSync(spool.fd, buffer, 0, buffer.length, position);
            if (n === 0) break;
            position += n;
            onStdout(buffer.subarray(0, n));
          }
        } catch (error) {
          spool.close();
          child.kill();
          reject(new TrailError('GIT_FAILED', `could not read git's output: ${(error as Error).message}`));
          return;
        }
        // Caught up with git: once it has exited, what was read is all there is.
        if (whenDrained) whenDrained();
        else setTimeout(pump, 1);
      };
      setImmediate(pump);
    } else {
      child.stdout!.on('data', onStdout);
    }
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      // No git ran: stop reading and close the file.
      if (spool && !whenDrained) whenDrained = () => spool.close();
      // Node reports a missing working folder as ENOENT of the program itself.
      const message = existsSync(cwd) ? `could not run git: ${error.message}` : `${cwd}: no such folder`;
      reject(new TrailError('GIT_FAILED', message, { cause: error }));
    });
    child.stdin!.on('error', () => {
      // git may exit before reading all input (e.g. a bad ref); the exit code tells the story.
    });
    child.on('close', (code) => {
      if (spool && !whenDrained) {
        // The last pump reads what git wrote before it exited, then settles.
        whenDrained = () => {
          spool.close();
          finish(code);
        };
        return;
      }
      finish(code);
    });
    const finish = (code: number | null) => {
      const result = {
        code: code ?? 1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (result.code !== 0 && !options.allow?.includes(result.code)) {
        const detail = result.stderr.trim().split('\n').pop() ?? '';
        reject(new TrailError('GIT_FAILED', `git ${args[0]} failed: ${detail || `exit ${result.code}`}`));
      } else {
        resolve(result);
      }
    };
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** A file for git's stdout, unlinked at once where the system allows, so nothing is left behind. */
function openSpool(dir: string): { fd: number; close(): void } | undefined {
  const path = join(dir, `git-out-${process.pid}-${randomUUID()}.tmp`);
  let fd: number;
  try {
    fd = openSync(path, 'wx+', 0o600);
  } catch {
    return undefined; // A folder we cannot write to: the pipe works too, only slower.
  }
  let linked = true;
  try {
    unlinkSync(path);
    linked = false;
  } catch {
    // Windows keeps an open file's name; it goes when the file is closed.
  }
  return {
    fd,
    close() {
      closeSync(fd);
      if (linked) unlinkSync(path);
    },
  };
}

/** Runs git and returns stdout as trimmed text. */
export async function gitText(
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.toString('utf8').trim();
}

/** Like gitText but returns undefined when git exits non-zero (e.g. a missing ref). */
export async function gitTextOrUndefined(cwd: string, args: readonly string[]): Promise<string | undefined> {
  const result = await runGit(cwd, args, { allow: [1, 128, 129] });
  return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
}
