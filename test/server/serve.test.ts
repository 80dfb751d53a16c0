/**
 * `trail serve` as a person runs it, in-process on a PGlite data folder: the first start
 * prints a one-time admin token that works, a restart keeps the data and prints none, and
 * a bad port is a one-line usage error. A first start that cannot listen stores no token,
 * so the next start still prints one.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { count, freshPostgres } from './harness.js';
import type { ServeStarted } from './serve-in-process.js';
import { startServe } from './serve-in-process.js';

/** Starts `trail serve --json` in-process, uses the server, stops it as a signal would. */
async function serveOnce(
  dir: string,
  ...extra: string[]
): Promise<{ code: number; started: ServeStarted; stderr: string }> {
  const server = await startServe(dir, extra);
  const started = { url: server.url, adminToken: server.adminToken };
  assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await fetch(`${started.url}/health`)).status, 200);
  if (started.adminToken) {
    const tokens = await fetch(`${started.url}/api/v1/admin/tokens`, {
      headers: { authorization: `Bearer ${started.adminToken}` },
    });
    assert.equal(tokens.status, 200);
  }
  const code = await server.stop();
  return { code, started, stderr: server.stderr() };
}

describe('trail serve', () => {
  test('a data folder or database that cannot be used is one line naming it, not a stack', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'a-file'), 'x');
      const onFile = await trail(dir, 'serve', '--port', '0', '--data', 'a-file');
      assert.equal(onFile.code, 1);
      assert.equal(onFile.stderr, 'trail: cannot write a-file: it is a file, not a folder\n');
      const under = await trail(dir, 'serve', '--port', '0', '--data', 'a-file/server');
      assert.equal(
        under.stderr,
        'trail: cannot write a-file/server: part of the path is a file, not a folder\n',
      );

      // This machine's PostgreSQL: a database that is not there, and a port nothing listens on.
      const missing = await trail(
        dir,
        'serve',
        '--port',
        '0',
        '--database-url',
        'postgres://postgres:s3cret@127.0.0.1:5432/trail_no_such_database',
      );
      assert.equal(missing.code, 1);
      assert.equal(
        missing.stderr,
        'trail: cannot use the database at postgres://postgres:***@127.0.0.1:5432/trail_no_such_database: database "trail_no_such_database" does not exist [3D000]\n',
        'named, with its password masked',
      );
      const closed = createServer().listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const port = (closed.address() as AddressInfo).port;
      closed.close();
      await once(closed, 'close');
      const refused = await trail(
        dir,
        'serve',
        '--port',
        '0',
        '--database-url',
        `postgres://postgres@127.0.0.1:${port}/test`,
      );
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /^trail: cannot use the database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test: connect ECONNREFUSED .*\[ECONNREFUSED\]\n$/,
      );
      // Not a URL at all: named as the mistake, before anything is opened (node-postgres would
      // take it for a host name and fail on "base").
      const notUrl = await trail(dir, 'serve', '--port', '0', '--database-url', 'trail-db');
      assert.equal(notUrl.code, 2);
      assert.equal(
        notUrl.stderr,
        'trail: --database-url must be a PostgreSQL URL (postgres://user@host:5432/database), not "trail-db"\n',
      );
      const otherDatabase = await trail(
        dir,
        'serve',
        '--port',
        '0',
        '--database-url',
        'mysql://root:pw@127.0.0.1/test',
      );
      assert.equal(otherDatabase.code, 2);
      assert.equal(
        otherDatabase.stderr,
        'trail: --database-url must be a PostgreSQL URL (postgres://user@host:5432/database)\n',
        'the password is not repeated',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('first start prints an admin token once; a restart keeps the data and prints none', async () => {
    const dir = tempDir();
    try {
      await firstAndSecondStart(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a first start that cannot listen stores no admin token: the next start prints one', async () => {
    // The token is shown once and only its hash is kept: stored by a start that then failed
    // (here: the port is taken), it would never be shown, and no later start would make one.
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const database = await freshPostgres('trail_serve');
    const dir = tempDir();
    try {
      const port = String((taken.address() as AddressInfo).port);
      const failed = await trail(dir, 'serve', '--port', port, '--database-url', database.url);
      assert.notEqual(failed.code, 0);
      assert.match(
        failed.stderr,
        /^trail: cannot listen on 127\.0\.0\.1:\d+: the port is in use .*\[EADDRINUSE\]\n$/,
      );
      assert.doesNotMatch(failed.stderr, /internal error|\n\s+at /, 'one line, no stack trace');
      assert.equal(await count(database.db, 'api_tokens'), 0, 'the failed start stored no token');
      const next = await serveOnce(dir, '--database-url', database.url);
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.started.adminToken ?? '', /^trail_/);
    } finally {
      taken.close();
      await database.cleanup();
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
