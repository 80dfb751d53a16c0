/**
 * `trail serve` as a person runs it, in-process on a PGlite data folder: the first start
 * prints a one-time admin token that works, a restart keeps the data and prints none, and
 * a bad port is a one-line usage error.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveControl } from '../../src/cli/commands/serve.js';
import { run } from '../../src/cli/main.js';
import { trail } from '../helpers/cli.js';
import { gitEnv, tempDir } from '../helpers/temp-repo.js';

interface Started {
  url: string;
  adminToken: string | null;
}

/** Starts `trail serve --json` in-process, uses the server, stops it as a signal would. */
async function serveOnce(dir: string): Promise<{ code: number; started: Started; stderr: string }> {
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
  const running = run(['-C', dir, 'serve', '--port', '0', '--json'], io, { ...gitEnv, DATABASE_URL: '' });
  const deadline = Date.now() + 60_000;
  while (!stdout.includes('"url"') && Date.now() < deadline) await sleep(50);
  assert.ok(stdout.includes('"url"'), `trail serve did not start: ${stderr}`);
  const started = JSON.parse(stdout) as Started;
  assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await fetch(`${started.url}/health`)).status, 200);
  if (started.adminToken) {
    const tokens = await fetch(`${started.url}/api/v1/admin/tokens`, {
      headers: { authorization: `Bearer ${started.adminToken}` },
    });
    assert.equal(tokens.status, 200);
  }
  serveControl.emit('stop');
  return { code: await running, started, stderr };
}

describe('trail serve', () => {
  test('first start prints an admin token once; a restart keeps the data and prints none', async () => {
    const dir = tempDir();
    try {
      await firstAndSecondStart(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function firstAndSecondStart(dir: string): Promise<void> {
  const first = await serveOnce(dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.started.adminToken ?? '', /^trail_/);
  assert.match(first.stderr, /first start: admin token \(shown once, only its hash is stored\)/);
  assert.match(first.stderr, /trail serve: stopped/);
  assert.ok(existsSync(join(dir, '.trail-server', 'pgdata')), 'PGlite keeps its data under .trail-server/');

  const second = await serveOnce(dir);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.started.adminToken, null, 'no new admin token on a restart');
  assert.doesNotMatch(second.stderr, /admin token/);

  const bad = await trail(dir, 'serve', '--port', 'eighty');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^trail: --port must be a port number/);
}
