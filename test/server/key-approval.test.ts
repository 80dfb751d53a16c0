/**
 * A locked key set, on PGlite and on PostgreSQL (src/server/key-approval.ts): an ingest token
 * can still register a key, but the server refuses (and flags) a log signed with it until an
 * admin approves it; keys registered before the lock, revocations and an unlocked key set
 * work as before.
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

const REPO = 'acme/locked';

for (const backend of BACKENDS) {
  describe(`key-set lock (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;
    let ingest: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      admin = await token(db, { name: 'acme admin', role: 'admin', orgs: ['acme'] });
      ingest = await token(db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
    });
    after(async () => {
      await opened.cleanup();
    });

    const registerKey = (writer: MemoryWriter, revokedAt?: string) =>
      call(app, 'POST', repoPath(REPO, 'keys'), ingest, {
        keys: [{ ...writer.trustedKey(), ...(revokedAt ? { revokedAt } : {}) }],
      });
    const pushLog = (writer: MemoryWriter) =>
      call(app, 'POST', repoPath(REPO, 'writers', writer.id, 'entries'), ingest, writer.push());
    const writerWith = (n: number) => {
      const writer = new MemoryWriter();
      writer.append([checkpointRecord({ commit: sha(n), time: '2026-12-01T10:00:00.000Z' })]);
      return writer;
    };

    test('a key pushed after the lock waits for an admin; the keys before it and revocations do not', async () => {
      const before = writerWith(1);
      assert.equal((await registerKey(before)).status, 200);
      assert.equal((await pushLog(before)).status, 200);

      const lock = await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo: REPO, locked: true });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      assert.deepEqual(lock.body, { repo: REPO, locked: true, approved: [before.id] });

      // A token holder registers a key of their own: it is recorded, and said to be pending.
      const stranger = writerWith(2);
      const registered = await registerKey(stranger);
      assert.equal(registered.status, 200);
      assert.deepEqual(registered.body.added, [stranger.id]);
      assert.deepEqual(registered.body.pending, [stranger.id]);
      const refused = await pushLog(stranger);
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.error.problem, 'unapproved-key');
      assert.match(
        refused.body.error.message,
        new RegExp(
          `^writer ${stranger.id}'s key was registered after ${REPO}'s key set was locked: an admin must approve it \\(POST /api/v1/admin/key-approvals\\)$`,
        ),
      );
      assert.equal(await count(db, 'ledger_alerts', "kind = 'unapproved-key'"), 1, 'flagged');
      assert.equal(
        await count(db, 'ledger_entries e JOIN repos r ON r.id = e.repo_id', 'e.writer_id = $1', [
          stranger.id,
        ]),
        0,
      );

      // The key approved by the lock goes on as before.
      before.append([checkpointRecord({ commit: sha(3), time: '2026-12-01T11:00:00.000Z' })]);
      assert.equal((await pushLog(before)).status, 200);

      const listed = await call(app, 'GET', repoPath(REPO, 'writers'), admin);
      assert.equal(listed.body.keySetLocked, true);
      const standing = Object.fromEntries(
        (listed.body.keys as Array<{ keyId: string; inForce: boolean }>).map((k) => [k.keyId, k.inForce]),
      );
      assert.deepEqual(standing, { [before.id]: true, [stranger.id]: false });

      // An admin approves it, once; then its log is accepted.
      const approve = (keyId: string) =>
        call(app, 'POST', '/api/v1/admin/key-approvals', admin, { repo: REPO, keyId });
      const approved = await approve(stranger.id);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.deepEqual(approved.body, {
        repo: REPO,
        keyId: stranger.id,
        approved: true,
        alreadyApproved: false,
      });
      assert.equal((await approve(stranger.id)).body.alreadyApproved, true);
      assert.equal((await pushLog(stranger)).status, 200);
      assert.deepEqual((await registerKey(stranger)).body.pending, []);

      // Revocations still come in by push: they only take trust away.
      const revoked = await registerKey(stranger, '2026-12-02T00:00:00.000Z');
      assert.deepEqual(revoked.body.revoked, [stranger.id]);

      // Unlocked, a new key is in force as soon as it is registered.
      assert.equal(
        (await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo: REPO, locked: false })).status,
        200,
      );
      const later = writerWith(4);
      assert.deepEqual((await registerKey(later)).body.pending, []);
      assert.equal((await pushLog(later)).status, 200);
    });

    test('bad requests: a key nobody registered, a malformed key id, a lock that is not true or false', async () => {
      const unknown = await call(app, 'POST', '/api/v1/admin/key-approvals', admin, {
        repo: REPO,
        keyId: 'f'.repeat(32),
      });
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error.message, /no key f{32} is registered for acme\/locked/);
      const malformed = await call(app, 'POST', '/api/v1/admin/key-approvals', admin, {
        repo: REPO,
        keyId: 'k1',
      });
      assert.equal(malformed.status, 400);
      const vague = await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo: REPO, locked: 'yes' });
      assert.equal(vague.status, 400);
      assert.match(vague.body.error.message, /locked must be true/);
      const elsewhere = await call(app, 'POST', '/api/v1/admin/key-lock', admin, {
        repo: 'other/svc',
        locked: true,
      });
      assert.equal(elsewhere.status, 403, 'an acme admin cannot lock another organisation');
    });
  });
}
