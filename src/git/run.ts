/**
 * Flat async functions over a spawned `git`, cwd passed in, exit codes checked.
 * Batch operations (cat-file --batch, fast-import, update-ref --stdin) live beside this so
 * that reading or writing many records costs a fixed number of processes.
 */
import { spawn } from 'node:child_process';
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
}

export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onStdout = options.onStdout ?? ((chunk: Buffer) => out.push(chunk));
    child.stdout.on('data', onStdout);
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(new TrailError('GIT_FAILED', `could not run git: ${error.message}`, { cause: error })),
    );
    child.stdin.on('error', () => {
      // git may exit before reading all input (e.g. a bad ref); the exit code tells the story.
    });
    child.on('close', (code) => {
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
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
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
