/**
 * Every answered request keeps its access-log row, whatever the client put in it, on PGlite
 * and on PostgreSQL: a NUL in `?repo=` or in the path made the insert fail and the row of a
 * successful read was lost. Logged text is made storable and cut to length, a repository is
 * logged only under a valid name, and an insert that still fails is retried once with the
 * values the server chose itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeAccessLog } from '../../src/server/access-log.js';
import type { TrailApp } from '../../src/server/app.js';
import type { Database, Queryable } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, token } from './harness.js';

interface Row {
  route: string;
  path: string;
  repo: string | null;
  status: number;
}

for (const backend of BACKENDS) {
  describe(`access log of hostile requests (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let auditor: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      auditor = await token(db, { name: 'auditor', role: 'auditor' });
    });
    after(() => opened.cleanup());

    const newest = async (): Promise<Row | undefined> =>
      (await db.query<Row>('SELECT route, path, repo, status FROM access_log ORDER BY id DESC LIMIT 1'))
        .rows[0];

    test('a read with ?repo=%00 is answered and logged, without the name', async () => {
      const before = await db.query('SELECT id FROM access_log');
      const answer = await call(app, 'GET', '/api/v1/repos?repo=%00', auditor);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const after = await db.query('SELECT id FROM access_log');
      assert.equal(after.rows.length, before.rows.length + 1, 'one row for the read');
      assert.deepEqual(await newest(), {
        route: '/api/v1/repos',
        path: '/api/v1/repos',
        repo: null,
        status: 200,
      });
    });

    test('a repository is logged only under a valid name; a NUL in the path is replaced', async () => {
      await call(app, 'GET', '/api/v1/repos?repo=acme%2Fweb', auditor);
      assert.equal((await newest())?.repo, 'acme/web');
      await call(app, 'GET', `/api/v1/repos?repo=${'a'.repeat(300)}`, auditor);
      assert.equal((await newest())?.repo, null);
      const answer = await call(app, 'GET', '/api/v1/repos/acme%00web/writers', auditor);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      const row = await newest();
      assert.equal(row?.status, 400);
      assert.equal(row?.repo, null);
      assert.ok(!row?.path.includes('\u0000'), JSON.stringify(row));
    });

    test('an insert that fails is written again with the values the server chose', async (t) => {
      const errors = t.mock.method(console, 'error', () => {});
      const sent: unknown[][] = [];
      const failingOnce: Queryable = {
        query: async (sql, params) => {
          sent.push([...(params ?? [])]);
          if (sent.length === 1) throw new Error('simulated failure');
          return db.query(sql, params);
        },
        exec: (sql) => db.exec(sql),
      };
      await writeAccessLog(failingOnce, {
        tokenId: null,
        method: 'GET',
        route: '/api/v1/checkpoints',
        path: `/api/v1/checkpoints/${'x'.repeat(5000)}`,
        repo: 'acme/web',
        repos: ['acme/web'],
        status: 200,
      });
      assert.equal(sent.length, 2);
      assert.equal((sent[0]![3] as string).length, 2048, 'the path is cut to length');
      assert.deepEqual(sent[1], [
        null,
        'GET',
        '/api/v1/checkpoints',
        '/api/v1/checkpoints',
        null,
        false,
        null,
        200,
      ]);
      assert.deepEqual(await newest(), {
        route: '/api/v1/checkpoints',
        path: '/api/v1/checkpoints',
        repo: null,
        status: 200,
      });
      assert.equal(errors.mock.callCount(), 1);
    });
  });
}
