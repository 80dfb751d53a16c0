/**
 * The retention purge and access log rows of reads over several repositories (`repos`,
 * migration 9), on PGlite and on PostgreSQL. A purge of one repository takes its name out
 * of such a row, which stays, every other column as it was, for the repositories it still
 * names; a row left naming none goes, like the rows of requests that named the repository.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, checkpointRecord, MemoryWriter, pushWriter, sha, token } from './harness.js';

for (const backend of BACKENDS) {
  describe(`retention purge of the access log (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      admin = await token(db, { name: 'admin', role: 'admin' });
      for (const [i, repo] of ['acme/api', 'acme/web'].entries()) {
        const writer = new MemoryWriter();
        writer.append([checkpointRecord({ commit: sha(i), summary: 'add the login form' })]);
        await pushWriter(app, admin, repo, writer);
      }
    });
    after(async () => {
      await opened.cleanup();
    });

    /** The access log rows of a token, oldest first, every column as stored. */
    const rowsOf = async (tokenId: string) =>
      (
        await db.query<Record<string, unknown>>('SELECT * FROM access_log WHERE token_id = $1 ORDER BY id', [
          tokenId,
        ])
      ).rows.map((row) => JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
    const purge = async (repo: string) => {
      const purged = await call(app, 'POST', '/api/v1/admin/purge', admin, {
        repo,
        before: new Date().toISOString(),
        reason: `test: ${repo}'s access log goes`,
      });
      assert.equal(purged.status, 200, JSON.stringify(purged.body));
      return purged.body.counts as Record<string, number>;
    };

    test('a purge takes its repository out of reads over several, and drops a row left naming none', async () => {
      const acme = await createToken(db, { name: 'acme reader', role: 'reviewer', orgs: ['acme'] }, null);
      const apiOnly = await createToken(
        db,
        { name: 'api reader', role: 'reviewer', repos: ['acme/api'] },
        null,
      );
      for (const path of ['/api/v1/checkpoints?q=login', '/api/v1/checkpoints?repo=acme%2Fapi']) {
        assert.equal((await call(app, 'GET', path, acme.token)).status, 200);
      }
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?repo=acme%2Fweb', acme.token)).status, 200);
      assert.equal((await call(app, 'GET', '/api/v1/stats', apiOnly.token)).status, 200);
      const [overBoth, namedApi, namedWeb] = await rowsOf(acme.id);
      assert.deepEqual(
        [overBoth, namedApi, namedWeb].map((r) => [r!.repo, r!.repos]),
        [
          [null, ['acme/api', 'acme/web']],
          ['acme/api', null],
          ['acme/web', null],
        ],
      );
      assert.deepEqual(
        (await rowsOf(apiOnly.id)).map((r) => [r.repo, r.repos]),
        [[null, ['acme/api']]],
      );

      const counts = await purge('acme/api');
      // The read over both stays for acme/web, under its own id and time, all else as it was.
      assert.deepEqual(await rowsOf(acme.id), [{ ...overBoth, repos: ['acme/web'] }, namedWeb]);
      assert.deepEqual(await rowsOf(apiOnly.id), [], 'a read over acme/api alone goes with it');
      assert.equal(counts.access_log_repos, 1, 'rows that stay without the name');
      // The pushes and reads that named acme/api, and the read over it alone, went.
      assert.ok(counts.access_log! >= 3, JSON.stringify(counts));
      const logged = await db.query<{ counts: Record<string, number> | string }>(
        'SELECT counts FROM purge_log ORDER BY id DESC LIMIT 1',
      );
      const recorded = logged.rows[0]!.counts;
      assert.deepEqual(typeof recorded === 'string' ? JSON.parse(recorded) : recorded, counts);

      // An auditor of acme/api finds nothing of those reads any more; one of acme/web, both.
      const auditor = await token(db, { name: 'auditor', role: 'auditor' });
      const logFor = async (repo: string) =>
        (
          (await call(app, 'GET', `/api/v1/access-log?repo=${encodeURIComponent(repo)}&limit=1000`, auditor))
            .body.entries as Array<{ tokenId: string; repo: string | null; repos: string[] | null }>
        )
          .filter((e) => e.tokenId === acme.id || e.tokenId === apiOnly.id)
          .map((e) => [e.repo, e.repos]);
      assert.deepEqual(await logFor('acme/api'), []);
      assert.deepEqual(await logFor('acme/web'), [
        ['acme/web', null],
        [null, ['acme/web']],
      ]);

      // Purged in its turn, acme/web takes the last name: the row goes.
      const next = await purge('acme/web');
      assert.deepEqual(await rowsOf(acme.id), []);
      assert.equal(next.access_log_repos, 0);
    });
  });
}
