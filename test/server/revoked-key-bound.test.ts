/**
 * A revoked writer key and heads dated before its revocation, at the server's ingest, on
 * PGlite and on PostgreSQL. A head's time is its signer's own claim: a stolen key goes on
 * appending and dates its heads before the revocation. The key file pushed after
 * `trail keys revoke` carries `revokedAtSize`, the size of the key's log when it was revoked;
 * ingest refuses (and flags) a head the key signed past it, whatever time it claims, and
 * stores nothing of that push. The bound only ever grows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  count,
  MemoryWriter,
  repoPath,
  sha,
  token,
} from './harness.js';

const REPO = 'acme/stolen';

for (const backend of BACKENDS) {
  describe(`revoked key bounded by its log's size (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let ingest: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      ingest = await token(db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
    });
    after(async () => {
      await opened.cleanup();
    });

    const pushKey = (key: Record<string, unknown>) =>
      call(app, 'POST', repoPath(REPO, 'keys'), ingest, { keys: [key] });
    const pushLog = (writer: MemoryWriter, from = 0) =>
      call(app, 'POST', repoPath(REPO, 'writers', writer.id, 'entries'), ingest, writer.push(from));
    const stored = (writer: MemoryWriter) => count(db, 'ledger_entries', 'writer_id = $1', [writer.id]);
    const heads = (writer: MemoryWriter) => count(db, 'tree_heads', 'writer_id = $1', [writer.id]);

    test('a head the stolen key signs past the log held at revocation is refused, whatever its time', async () => {
      const stolen = new MemoryWriter();
      stolen.append([checkpointRecord({ commit: sha(1), time: '2026-12-01T10:00:00.000Z' })]);
      stolen.append([checkpointRecord({ commit: sha(2), time: '2026-12-01T11:00:00.000Z' })]);
      assert.equal((await pushKey(stolen.trustedKey())).status, 200);
      assert.equal((await pushLog(stolen)).status, 200);
      assert.equal(await stored(stolen), 2);

      // trail keys revoke, then trail push: the key file now says when, and how far the log went.
      const revokedAt = new Date().toISOString();
      const revoked = await pushKey({ ...stolen.trustedKey(), revokedAt, revokedAtSize: 2 });
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.deepEqual(revoked.body.revoked, [stolen.id]);
      // What the key signed before still holds: the same log pushed again is a no-op.
      assert.equal((await pushLog(stolen)).status, 200);

      // The thief appends a third record and dates its head a minute before the revocation.
      const backdated = new Date(Date.parse(revokedAt) - 60_000).toISOString();
      stolen.append([checkpointRecord({ commit: sha(3), time: '2026-12-01T12:00:00.000Z' })], backdated);
      assert.equal(stolen.heads.at(-1)!.size, 3);
      const alertsBefore = await count(db, 'ledger_alerts', "kind = 'revoked-key'");
      const refused = await pushLog(stolen, 2);
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.error.problem, 'revoked-key');
      assert.equal(
        refused.body.error.message,
        `the tree head of size 3 goes past the 2 records the log held when key ${stolen.id} was revoked at ${revokedAt}: it was signed after the revocation, whatever time it claims (${backdated})`,
      );
      assert.equal(await stored(stolen), 2, 'nothing of the push is stored');
      assert.equal(await heads(stolen), 2);
      assert.equal(await count(db, 'ledger_alerts', "kind = 'revoked-key'"), alertsBefore + 1, 'flagged');

      // The whole log at once is refused the same way.
      assert.equal((await pushLog(stolen)).body.error?.problem, 'revoked-key');
      assert.equal(await stored(stolen), 2);

      // A key file pushed again with a smaller bound, or none, does not lower it.
      for (const key of [
        { ...stolen.trustedKey(), revokedAt, revokedAtSize: 1 },
        { ...stolen.trustedKey(), revokedAt },
        stolen.trustedKey(),
      ]) {
        assert.deepEqual((await pushKey(key)).body.unchanged, [stolen.id]);
        assert.equal((await pushLog(stolen, 2)).body.error?.problem, 'revoked-key');
      }
      assert.equal(await stored(stolen), 2);
    });

    test('the bound grows when the revocation is pushed again with more of the log', async () => {
      const writer = new MemoryWriter();
      writer.append([checkpointRecord({ commit: sha(11), time: '2026-12-01T10:00:00.000Z' })]);
      assert.equal((await pushKey(writer.trustedKey())).status, 200);
      const revokedAt = new Date(Date.now() + 3600_000).toISOString();
      assert.deepEqual(
        (await pushKey({ ...writer.trustedKey(), revokedAt, revokedAtSize: 0 })).body.revoked,
        [writer.id],
      );
      assert.equal((await pushLog(writer)).body.error?.problem, 'revoked-key');
      // A teammate held the record: revoked again there, the bound rises to it.
      assert.deepEqual(
        (await pushKey({ ...writer.trustedKey(), revokedAt, revokedAtSize: 1 })).body.revoked,
        [writer.id],
      );
      assert.equal((await pushLog(writer)).status, 200);
      assert.equal(await stored(writer), 1);
    });

    test('a revokedAtSize that is not a record count is refused', async () => {
      const writer = new MemoryWriter();
      for (const revokedAtSize of [-1, 1.5, '2', Number.MAX_SAFE_INTEGER + 1, null]) {
        const answer = await pushKey({
          ...writer.trustedKey(),
          revokedAt: '2026-12-02T00:00:00.000Z',
          revokedAtSize,
        });
        assert.equal(answer.status, 422, `${revokedAtSize}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.body.error.message, /keys\[0\]: revokedAtSize is not a record count/);
      }
      assert.equal(await count(db, 'repo_keys', 'key_id = $1', [writer.id]), 0);
    });
  });
}
