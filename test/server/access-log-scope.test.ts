/**
 * Reads over several repositories in the access log, on PGlite and on PostgreSQL: a search,
 * stats, ledger status, alerts, a report or a commit lookup without `?repo=` is logged under
 * every repository it ranged over, so an auditor scoped to one of them finds it, seeing only
 * the names in its own scope; an auditor of a repository the read did not range over does not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import { createToken } from '../../src/server/auth.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, checkpointRecord, MemoryWriter, pushWriter, sha, token } from './harness.js';

interface Entry {
  tokenId: string | null;
  route: string;
  repo: string | null;
  repos: string[] | null;
  status: number;
}

for (const backend of BACKENDS) {
  describe(`access log of reads over several repositories (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;
    /** Auditors of one repository, of another organisation, and of everything. */
    let apiAuditor: string;
    let otherAuditor: string;
    let auditor: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db, { loadReports: async () => ({ generateReport: (kind) => ({ kind }) }) });
      admin = await token(db, { name: 'admin', role: 'admin' });
      apiAuditor = await token(db, { name: 'api auditor', role: 'auditor', repos: ['acme/api'] });
      otherAuditor = await token(db, { name: 'other auditor', role: 'auditor', orgs: ['other'] });
      auditor = await token(db, { name: 'auditor', role: 'auditor' });
      for (const [i, repo] of ['acme/api', 'acme/web', 'other/svc'].entries()) {
        const writer = new MemoryWriter();
        writer.append([checkpointRecord({ commit: sha(i), summary: 'add the login form' })]);
        await pushWriter(app, admin, repo, writer);
      }
    });
    after(async () => {
      await opened.cleanup();
    });

    /** The access log as `reader` sees it, the reads of `tokenId` only. */
    async function logOf(reader: string, tokenId: string, query = ''): Promise<Entry[]> {
      const answer = await call(app, 'GET', `/api/v1/access-log?limit=1000${query}`, reader);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return (answer.body.entries as Entry[]).filter((e) => e.tokenId === tokenId).reverse();
    }

    const routes = (entries: Entry[]) => entries.map((e) => [e.route, e.repo, e.repos, e.status]);

    test("a scoped token's search and stats without ?repo= are in the access log of each repository in its scope", async () => {
      const reader = await createToken(db, { name: 'acme reader', role: 'reviewer', orgs: ['acme'] }, null);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?q=login', reader.token)).status, 200);
      assert.equal((await call(app, 'GET', '/api/v1/stats?by=repo', reader.token)).status, 200);

      const expected = [
        ['/api/v1/checkpoints', null, ['acme/api'], 200],
        ['/api/v1/stats', null, ['acme/api'], 200],
      ];
      assert.deepEqual(routes(await logOf(apiAuditor, reader.id, '&repo=acme%2Fapi')), expected);
      assert.deepEqual(
        routes(await logOf(apiAuditor, reader.id)),
        expected,
        'in the scoped view without ?repo= too; acme/web, outside it, is not named',
      );
      assert.deepEqual(
        routes(await logOf(auditor, reader.id)),
        [
          ['/api/v1/checkpoints', null, ['acme/api', 'acme/web'], 200],
          ['/api/v1/stats', null, ['acme/api', 'acme/web'], 200],
        ],
        'an unscoped auditor sees every repository the reads ranged over',
      );
      assert.deepEqual(await logOf(otherAuditor, reader.id), [], 'no read of other/svc');
      assert.deepEqual(await logOf(auditor, reader.id, '&repo=other%2Fsvc'), []);
    });

    test("an unscoped token's search without ?repo= is in the access log of every repository", async () => {
      const reader = await createToken(db, { name: 'reader', role: 'reviewer' }, null);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?q=login', reader.token)).status, 200);
      assert.deepEqual(routes(await logOf(apiAuditor, reader.id, '&repo=acme%2Fapi')), [
        ['/api/v1/checkpoints', null, ['acme/api'], 200],
      ]);
      assert.deepEqual(routes(await logOf(otherAuditor, reader.id, '&repo=other%2Fsvc')), [
        ['/api/v1/checkpoints', null, ['other/svc'], 200],
      ]);
    });

    test('ledger status, alerts, reports and commit lookups without ?repo= are attributed the same way', async () => {
      const reader = await createToken(db, { name: 'acme auditor', role: 'auditor', orgs: ['acme'] }, null);
      for (const path of [
        '/api/v1/ledger',
        '/api/v1/alerts',
        '/api/v1/reports/summary',
        `/api/v1/commits/${sha(0)}`,
      ])
        assert.equal((await call(app, 'GET', path, reader.token)).status, 200, path);
      assert.deepEqual(routes(await logOf(apiAuditor, reader.id, '&repo=acme%2Fapi')), [
        ['/api/v1/ledger', null, ['acme/api'], 200],
        ['/api/v1/alerts', null, ['acme/api'], 200],
        ['/api/v1/reports/:kind', null, ['acme/api'], 200],
        ['/api/v1/commits/:sha', null, ['acme/api'], 200],
      ]);
      assert.deepEqual(await logOf(otherAuditor, reader.id), []);
    });

    test('a read that names its repository is logged under it alone, as before', async () => {
      const reader = await createToken(db, { name: 'web reader', role: 'reviewer', orgs: ['acme'] }, null);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?repo=acme%2Fweb', reader.token)).status, 200);
      assert.deepEqual(routes(await logOf(auditor, reader.id)), [
        ['/api/v1/checkpoints', 'acme/web', null, 200],
      ]);
      assert.deepEqual(await logOf(apiAuditor, reader.id), []);
    });
  });
}
