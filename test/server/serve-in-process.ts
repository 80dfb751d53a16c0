/**
 * `trail serve` run in-process, as the CLI runs it (`run` from src/cli/main.ts), for tests
 * that use the server it starts and then stop it as a signal would.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveControl } from '../../src/cli/commands/serve.js';
import { run } from '../../src/cli/main.js';
import type { CliResult } from '../helpers/cli.js';
import { trailProcess } from '../helpers/cli.js';
import { gitEnv } from '../helpers/temp-repo.js';

export interface ServeStarted {
  url: string;
  adminToken: string | null;
}

export interface RunningServe extends ServeStarted {
  /** What the command wrote to stderr so far. */
  stderr: () => string;
  /** Stops the server as a signal would; resolves to the command's exit status. */
  stop: () => Promise<number>;
}

/**
 * Starts `trail -C dir serve --port 0 --json ...args` on PGlite and waits until it prints its
 * address (at most a minute); when it does not, it is stopped and the test fails with its
 * stderr.
 */
export async function startServe(dir: string, args: readonly string[] = []): Promise<RunningServe> {
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
  const running = run(['-C', dir, 'serve', '--port', '0', '--json', ...args], io, {
    ...gitEnv,
    DATABASE_URL: '',
  });
  const deadline = Date.now() + 60_000;
  while (!stdout.includes('"url"') && Date.now() < deadline) await sleep(50);
  if (!stdout.includes('"url"')) {
    // Stopped all the same, so a server that started late does not keep the test run alive.
    serveControl.emit('stop');
    await running;
    assert.fail(`trail serve did not start: ${stderr}`);
  }
  const started = JSON.parse(stdout) as ServeStarted;
  return {
    ...started,
    stderr: () => stderr,
    stop: () => {
      serveControl.emit('stop');
      return running;
    },
  };
}

/** A PostgreSQL URL on a port nothing listens on (1, tcpmux). */
const NOWHERE = 'postgres://postgres@127.0.0.1:1/test';

/**
 * `trail serve --port 0 ...args` as a process, with a database nothing listens on: for the
 * options it must refuse before the database is opened (a server that started anyway fails
 * at once rather than running on).
 */
export function serveRefusing(dir: string, args: readonly string[]): CliResult {
  return trailProcess(dir, ['serve', '--port', '0', '--database-url', NOWHERE, ...args]);
}
