/**
 * A locked key set, on PGlite and on PostgreSQL (src/server/key-approval.ts): an ingest token
 * can still register a key, but the server refuses (and flags) a log signed with it until an
 * admin approves it; keys registered before the lock, revocations and an unlocked key set
 * work as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signPush } from '../../src/core/push-signature.js';
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
          `^writer ${stranger.id}'s key was registered after ${REPO}'s key set was locked: an admin must approve it \\(trail admin approve-key ${stranger.id}\\)$`,
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

    test('a locked key set takes commits and policy only signed by a key in force; an open one takes them unsigned', async () => {
      const repo = 'acme/signed';
      const author = writerWith(10);
      const stranger = writerWith(11);
      const keys = (writer: MemoryWriter) =>
        call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [writer.trustedKey()] });
      assert.equal((await keys(author)).status, 200);
      const commits = [
        {
          sha: sha(20),
          parents: [],
          author: 'Dana <dana@example.com>',
          authorEmail: 'dana@example.com',
          date: '2026-12-05T09:00:00Z',
          subject: 'refunds',
          paths: ['src/refund.ts'],
        },
      ];
      const send = (what: 'commits' | 'policy', body: Record<string, unknown>) =>
        call(app, 'POST', repoPath(repo, what), ingest, body);
      // Open: unsigned, as older clones send them, or signed by a key the repository does not
      // trust (yet): taken, and recorded as unsigned.
      assert.equal((await send('commits', { commits })).status, 200);
      const untrusted = new MemoryWriter();
      const early = [{ ...commits[0]!, sha: sha(19), subject: 'from an untrusted clone' }];
      const taken = await send('commits', {
        commits: early,
        signature: signPush(repo, 'commits', { commits: early }, untrusted.key),
      });
      assert.equal(taken.status, 200, JSON.stringify(taken.body));

      assert.equal(
        (await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo, locked: true })).status,
        200,
      );
      assert.equal((await keys(stranger)).status, 200);
      const more = [{ ...commits[0]!, sha: sha(21), parents: [sha(20)], subject: 'rate limits' }];
      const problem = async (body: Record<string, unknown>, what: 'commits' | 'policy' = 'commits') => {
        const answer = await send(what, body);
        assert.equal(answer.status, 422, JSON.stringify(answer.body));
        return `${answer.body.error.problem}: ${answer.body.error.message}`;
      };
      assert.match(
        await problem({ commits: more }),
        /^unsigned-push: acme\/signed's key set is locked: its commits must be signed/,
      );
      const signed = (key: MemoryWriter['key'], what: 'commits' | 'policy', body: object, time?: string) =>
        ({ ...body, signature: signPush(repo, what, body, key, time) }) as Record<string, unknown>;
      assert.match(await problem(signed(stranger.key, 'commits', { commits: more })), /^unapproved-key: /);
      assert.match(
        await problem({ commits: more, signature: signPush(repo, 'commits', { commits }, author.key) }),
        /^bad-signature: the signature on the commits does not verify/,
      );
      assert.match(
        await problem({
          commits: more,
          signature: signPush('acme/other', 'commits', { commits: more }, author.key),
        }),
        /^bad-signature: /,
      );
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      assert.match(
        await problem(signed(author.key, 'commits', { commits: more }, hourAgo)),
        /^stale-signature: /,
      );
      assert.match(
        await problem({ commits: more, signature: { keyId: author.id } }),
        /^bad-signature: "signature" must be/,
      );

      const accepted = await send('commits', signed(author.key, 'commits', { commits: more }));
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(accepted.body.added, 1);
      const policy = { commit: sha(21), policy: 'required: [request.tickets]\n' };
      assert.match(await problem(policy, 'policy'), /^unsigned-push: .*its policy must be signed/);
      const stored = await send('policy', signed(author.key, 'policy', policy));
      assert.equal(stored.status, 200, JSON.stringify(stored.body));
      const signers = await db.query<{ sha: string; signed_by: string | null }>(
        'SELECT c.sha, c.signed_by FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = $1 ORDER BY c.sha',
        [repo],
      );
      assert.deepEqual(
        signers.rows.map((r) => [r.sha, r.signed_by]),
        [
          [sha(19), null],
          [sha(20), null],
          [sha(21), author.id],
        ].sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
      const policySigner = await db.query<{ signed_by: string }>(
        'SELECT p.signed_by FROM repo_policies p JOIN repos r ON r.id = p.repo_id WHERE r.name = $1',
        [repo],
      );
      assert.deepEqual(
        policySigner.rows.map((r) => r.signed_by),
        [author.id],
      );
    });
  });
}
