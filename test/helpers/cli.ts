/** Runs the trail CLI in-process (fast) or as a real process (for hooks and concurrency). */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { gitEnv } from './temp-repo.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function trail(cwd: string, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => {
      stdout += s;
    },
    stderr: (s: string) => {
      stderr += s;
    },
  };
  const saved = { ...process.env };
  Object.assign(process.env, gitEnv);
  try {
    const code = await run(['-C', cwd, ...args], io, process.env);
    return { code, stdout, stderr };
  } finally {
    for (const key of Object.keys(gitEnv)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** `trail push` of the clone in `cwd` to a Trail server, as a person runs it; fails the test unless it succeeds. */
export async function pushTo(cwd: string, server: string, token: string, repo: string): Promise<void> {
  const pushed = await trail(cwd, 'push', '--server', server, '--token', token, '--repo', repo);
  if (pushed.code !== 0) throw new Error(`trail push exited ${pushed.code}: ${pushed.stderr}`);
}

export const TRAIL_BIN = fileURLToPath(new URL('../../bin/trail', import.meta.url));

/** Runs the built bin/trail as a separate process, as hooks and users do. */
export function trailProcess(
  cwd: string,
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = {},
): CliResult {
  const result = spawnSync(process.execPath, [TRAIL_BIN, ...args], {
    cwd,
    input,
    env: { ...gitEnv, ...env },
    encoding: 'utf8',
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * trailProcess without blocking this process: needed when the process talks to a server
 * running in this one, which a synchronous spawn would keep from answering.
 */
export function trailProcessAsync(
  cwd: string,
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAIL_BIN, ...args], { cwd, env: { ...gitEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
