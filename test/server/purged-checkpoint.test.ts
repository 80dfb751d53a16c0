/**
 * A checkpoint a retention purge removed answers 410 Gone, saying when and by what rule; an id
 * the server never held answers 404. Both purges count: the server's own (POST
 * /admin/purge) and a clone's, whose tombstone and retention-purge record trail push sends.
 * On PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256Hex } from '../../src/core/hash.js';
import type { TrailApp } from '../../src/server/app.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  MemoryWriter,
  purgeRecord,
  pushWriter,
  repoPath,
  sha,
  token,
} from './harness.js';

for (const backend of BACKENDS) {
  describe(`a purged checkpoint is gone, not missing (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;
    let auditor: string;
    let outsider: string;
    let purgedByServer: string;
    let kept: string;
    let purgedByClone: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      admin = await token(opened.db, { name: 'root', role: 'admin' });
      auditor = await token(opened.db, { name: 'auditor', role: 'auditor' });
      outsider = await token(opened.db, { name: 'other', role: 'auditor', repos: ['acme/other'] });
      const w = new MemoryWriter();
      [purgedByServer, kept] = w.append([
        checkpointRecord({ commit: sha('old'), time: '2025-01-02T00:00:00.000Z' }),
        checkpointRecord({ commit: sha('new'), time: '2026-03-01T00:00:00.000Z' }),
      ]) as [string, string];
      await pushWriter(app, admin, 'acme/app', w);
      const purged = await call(app, 'POST', '/api/v1/admin/purge', admin, {
        repo: 'acme/app',
        before: '2026-01-01T00:00:00Z',
        reason: 'retention policy: 1 year',
      });
      assert.equal(purged.status, 200, JSON.stringify(purged.body));

      // A clone that purged before its first push: the tombstone goes up with its purge record.
      const clone = new MemoryWriter();
      [purgedByClone] = clone.append([
        checkpointRecord({ commit: sha('cloned'), time: '2025-01-01T00:00:00.000Z' }),
      ]) as [string];
      clone.append([
        purgeRecord(
          [purgedByClone],
          '2025-06-01T00:00:00.000Z',
          '2026-06-01T00:00:00.000Z',
          'retention.days: 365',
        ),
      ]);
      clone.tombstone(0);
      await pushWriter(app, admin, 'acme/app', clone);
    });
    after(async () => {
      await opened.cleanup();
    });

    test("a checkpoint the server's purge removed: 410 with when, the cutoff and the reason", async () => {
      const gone = await call(app, 'GET', `/api/v1/checkpoints/${purgedByServer}`, auditor);
      assert.equal(gone.status, 410, JSON.stringify(gone.body));
      assert.equal(gone.body.error.code, 'gone');
      assert.match(
        gone.body.error.message,
        new RegExp(
          `^checkpoint ${purgedByServer} of acme/app was purged by the server's retention purge at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, with every record before 2026-01-01T00:00:00.000Z: "retention policy: 1 year"$`,
        ),
      );
      assert.equal(gone.body.error.cutoff, '2026-01-01T00:00:00.000Z');
      assert.equal(gone.body.error.reason, 'retention policy: 1 year');
      assert.equal(gone.body.error.repo, 'acme/app');
      // The same by repository, and by the commit it sealed.
      const scoped = await call(app, 'GET', `/api/v1/checkpoints/${purgedByServer}?repo=acme%2Fapp`, auditor);
      assert.equal(scoped.status, 410);
      const byCommit = await call(app, 'GET', repoPath('acme/app', 'commits', sha('old')), auditor);
      assert.equal(byCommit.status, 410, JSON.stringify(byCommit.body));
      assert.equal(byCommit.body.error.message, gone.body.error.message);
      // The checkpoint it kept is still there.
      assert.equal((await call(app, 'GET', `/api/v1/checkpoints/${kept}`, auditor)).status, 200);
    });

    test("a checkpoint a clone's retention purge removed: 410 with the purge record's time, cutoff and reason", async () => {
      const gone = await call(app, 'GET', `/api/v1/checkpoints/${purgedByClone}`, auditor);
      assert.equal(gone.status, 410, JSON.stringify(gone.body));
      assert.match(
        gone.body.error.message,
        new RegExp(
          `^record ${purgedByClone} of acme/app was purged from writer [0-9a-f]+'s log by retention at 2026-06-01T00:00:00.000Z, with every record before 2025-06-01T00:00:00.000Z: "retention.days: 365"$`,
        ),
      );
      assert.equal(gone.body.error.reason, 'retention.days: 365');
    });

    test('an id never held is 404, and so is a purged one outside the token scope', async () => {
      const never = sha256Hex('never recorded');
      const missing = await call(app, 'GET', `/api/v1/checkpoints/${never}`, auditor);
      assert.equal(missing.status, 404, JSON.stringify(missing.body));
      assert.equal(missing.body.error.code, 'not-found');
      const noCommit = await call(app, 'GET', repoPath('acme/app', 'commits', sha('never')), auditor);
      assert.equal(noCommit.status, 404);
      for (const id of [purgedByServer, purgedByClone]) {
        const hidden = await call(app, 'GET', `/api/v1/checkpoints/${id}`, outsider);
        assert.equal(hidden.status, 404, `${id}: ${JSON.stringify(hidden.body)}`);
      }
    });
  });
}
