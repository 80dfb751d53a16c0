/**
 * The server honours the time a key revocation names, as a clone does: revocations are judged
 * as of its clock with the rule `trail check` applies (chain/review-trust.ts), on PGlite and on
 * PostgreSQL, in the review status (and the `status` filter), the reports and the checkpoint's
 * detail and Review card. Real clones, real `trail` commands and a real server over HTTP:
 *
 * - a review signed by a key whose revocation is dated later counts until that time, and from
 *   then on is set aside with the reason `trail show` gives, with nothing pushed in between
 *   (the stored status goes stale by the clock alone, and the server writes it again);
 * - with a revocation dated in the past, a review that states a time before it counts in the
 *   log of a writer in force, and one that states a time after it is set aside, on the server
 *   as in the clone.
 *
 * Until 2026-12-07 the server took any revocation as in force at once, whatever its time: the
 * first test's approval was set aside from the push on, while `trail check` counted it.
 * Migration 16 counts again, in a database of then, the reviews such a key vouches for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { RunningServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { Answer, OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  callOverHttp,
  checkpointRecord,
  MemoryWriter,
  repoPath,
  serverWithTokens,
  sha,
  token,
} from './harness.js';
import type { ReportDoc } from './review-views.js';
import { dashboardPage, noApprovalOf, notesOf, reviewCard } from './review-views.js';

/**
 * How long after `trail keys revoke` its revocation comes into force in the first test: long
 * enough for `trail check` and `trail show` to run in the clone before it (the server's clock
 * is held meanwhile, so its side does not race it) on a loaded 2-core CI machine, where three
 * trail processes can take several seconds, and short enough to wait for.
 */
const LEAD_MS = 15_000;

/** A server, a clone pushing to it as acme/app, and what both say about one commit. */
function sides(backend: (typeof BACKENDS)[number]) {
  const state = {} as {
    opened: OpenedDb;
    server: RunningServer;
    ingest: string;
    auditor: string;
    repo: TempRepo;
  };
  /** The server's clock: held at a time while set, the real one otherwise. */
  const clock: { held?: Date } = {};
  const start = async () => {
    Object.assign(state, await serverWithTokens(backend, { now: () => clock.held ?? new Date() }));
    state.repo = tempRepo();
    const init = await trail(state.repo.dir, 'init', '--yes');
    assert.equal(init.code, 0, init.stderr);
  };
  const stop = async () => {
    await state.server.close();
    await state.opened.cleanup();
    state.repo.cleanup();
  };
  const api = async (path: string): Promise<Answer> => {
    const r = await callOverHttp(state.server.url, state.auditor, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r;
  };
  const server = {
    push: () => pushTo(state.repo.dir, state.server.url, state.ingest, 'acme/app'),
    checkpoint: async (commit: string) => {
      const r = await api(`/api/v1/checkpoints?repo=acme%2Fapp&commit=${commit}`);
      return r.body.checkpoints[0] as { id: string; status: string };
    },
    approved: async () =>
      (
        (await api('/api/v1/checkpoints?repo=acme%2Fapp&status=approved')).body.checkpoints as Array<{
          id: string;
        }>
      ).map((c) => c.id),
    detail: async (id: string) => (await api(`/api/v1/checkpoints/${id}`)).body,
    report: async (kind: string): Promise<ReportDoc> =>
      (await api(`/api/v1/reports/${kind}?repo=acme%2Fapp&format=json`)).body,
    card: async (id: string) =>
      reviewCard(
        await dashboardPage(
          (path, init) => fetch(`${state.server.url}${path}`, init),
          state.auditor,
          `/ui/checkpoints/${id}`,
        ),
      ),
  };
  const clone = {
    show: async (commit: string) => {
      const shown = await trail(state.repo.dir, 'show', commit, '--json');
      assert.equal(shown.code, 0, shown.stderr);
      return JSON.parse(shown.stdout) as {
        approval: { state: string };
        reviewsNotCounted: Array<{ reviewer: string; why: string }>;
      };
    },
    check: (commit: string) => trail(state.repo.dir, 'check', commit),
  };
  return { state, clock, start, stop, server, clone };
}

for (const backend of BACKENDS) {
  describe(`a revocation dated later leaves the key in force until then, on the server as in the clone (${backend.name})`, () => {
    const s = sides(backend);
    let commit: string;
    let keyId: string;

    before(async () => {
      await s.start();
      const found = await findRepo(s.state.repo.dir);
      const key = loadWriterKey(found);
      keyId = key.keyId;
      commit = s.state.repo.commit('change');
      await appendRecords(found, key, [
        checkpointRecord({ commit, sessions: [{ sessionId: 's-1', agent: 'claude-code' }] }),
      ]);
      // Signed with this clone's key, as `trail review` signs.
      const reviewed = await trail(s.state.repo.dir, 'review', commit, '--approve');
      assert.equal(reviewed.code, 0, reviewed.stderr);
    });
    after(() => s.stop());

    test('counted until the revocation comes into force; set aside from then, with no push between', async () => {
      // The key will be retired: revoked from a time shortly to come.
      const revokedAt = new Date(Date.now() + LEAD_MS).toISOString();
      s.clock.held = new Date();
      const revoked = await trail(
        s.state.repo.dir,
        'keys',
        'revoke',
        keyId,
        '--reason',
        'laptop retired',
        '--at',
        revokedAt,
      );
      assert.equal(revoked.code, 0, revoked.stderr);

      // The clone counts the approval until then...
      const before = await s.clone.show(commit);
      assert.equal(before.approval.state, 'approved', 'trail show counts it');
      assert.deepEqual(before.reviewsNotCounted, []);
      const checkedBefore = await s.clone.check(commit);
      assert.equal(checkedBefore.code, 0, checkedBefore.stderr);
      assert.doesNotMatch(checkedBefore.stdout + checkedBefore.stderr, /not counted/, 'so does trail check');
      assert.ok(Date.now() < Date.parse(revokedAt), 'the clone was asked before the revocation');

      // ...and so does the server, the revocation pushed with the key file.
      await s.server.push();
      const { id, status } = await s.server.checkpoint(commit);
      assert.equal(status, 'approved', 'the review status counts it');
      assert.deepEqual(await s.server.approved(), [id], 'the status filter finds it');
      const detail = await s.server.detail(id);
      assert.equal(detail.summary.status, 'approved');
      assert.equal(detail.reviews.length, 1, 'the detail counts it');
      assert.equal(detail.reviews[0].record.signature.keyId, keyId);
      assert.deepEqual(detail.reviewsNotCounted, []);
      assert.deepEqual(noApprovalOf(await s.server.report('gaps'), commit), [], 'the gaps report counts it');
      assert.ok(
        !notesOf(await s.server.report('soc2')).some((n) => /in the ledger (is|are) not counted/.test(n)),
        'the SOC 2 report sets none aside',
      );
      const card = await s.server.card(id);
      assert.doesNotMatch(card, /not counted/, 'the Review card counts it');
      assert.doesNotMatch(card, /Nobody has reviewed/);

      // The revocation comes into force, on the clone's clock and on the server's.
      await sleep(Math.max(0, Date.parse(revokedAt) - Date.now()) + 50);
      s.clock.held = undefined;

      const after = await s.clone.show(commit);
      assert.equal(after.approval.state, 'none', 'trail show no longer counts it');
      assert.equal(after.reviewsNotCounted.length, 1);
      const why = after.reviewsNotCounted[0]!.why;
      assert.match(why, new RegExp(`^signed by key ${keyId}, revoked since ${revokedAt}`));
      const checkedAfter = await s.clone.check(commit);
      assert.match(
        checkedAfter.stderr,
        new RegExp(`note: the approve review by .* is not counted: signed by key ${keyId}, revoked since`),
        'nor does trail check',
      );

      assert.equal((await s.server.checkpoint(commit)).status, 'pending', 'the status follows, unpushed');
      assert.deepEqual(await s.server.approved(), [], 'and so does the status filter');
      const set = await s.server.detail(id);
      assert.equal(set.summary.status, 'pending');
      assert.deepEqual(set.reviews, []);
      assert.equal(set.reviewsNotCounted.length, 1);
      assert.equal(set.reviewsNotCounted[0].why, why, "the server gives trail show's reason");
      assert.equal(noApprovalOf(await s.server.report('gaps'), commit).length, 1);
      assert.ok(
        notesOf(await s.server.report('soc2')).some((n) => /^1 review in the ledger is not counted/.test(n)),
      );
      assert.match(await s.server.card(id), /not counted/);
    });
  });

  describe(`a revocation in the past: a review's stated time before or after it, on the server as in the clone (${backend.name})`, () => {
    const s = sides(backend);
    const alice = generateKeyPair();
    // Alice's laptop was lost on June 1st; her key is revoked from then.
    const revokedAt = '2026-06-01T00:00:00.000Z';
    let inMarch: string;
    let inJuly: string;

    before(async () => {
      await s.start();
      const dir = s.state.repo.dir;
      const trusted = await trail(dir, 'keys', 'trust', alice.publicKey, '--name', 'alice@acme.example');
      assert.equal(trusted.code, 0, trusted.stderr);
      const found = await findRepo(dir);
      const writer = loadWriterKey(found);
      inMarch = s.state.repo.commit('march');
      inJuly = s.state.repo.commit('july');
      const approval = (commit: string, time: string) =>
        signedReview(
          {
            commit,
            time,
            actor: { type: 'human', id: 'alice@acme.example' },
            reviewer: 'alice@acme.example',
          },
          alice,
        );
      // Alice's approvals, carried in the log of this clone's writer, whose key is in force.
      await appendRecords(found, writer, [
        checkpointRecord({ commit: inMarch, sessions: [{ sessionId: 's-1', agent: 'claude-code' }] }),
        checkpointRecord({ commit: inJuly, sessions: [{ sessionId: 's-2', agent: 'claude-code' }] }),
        approval(inMarch, '2026-03-10T09:00:00.000Z'),
        approval(inJuly, '2026-07-10T09:00:00.000Z'),
      ]);
      const revoked = await trail(
        dir,
        'keys',
        'revoke',
        alice.keyId,
        '--reason',
        'laptop lost',
        '--at',
        revokedAt,
      );
      assert.equal(revoked.code, 0, revoked.stderr);
      await s.server.push();
    });
    after(() => s.stop());

    test('one stated before it counts through the log that holds it; one stated after is set aside', async () => {
      const march = await s.server.checkpoint(inMarch);
      const july = await s.server.checkpoint(inJuly);
      assert.equal(march.status, 'approved', "the writer's log in force vouches for it");
      assert.equal(july.status, 'pending');
      assert.deepEqual(await s.server.approved(), [march.id]);

      const shownMarch = await s.clone.show(inMarch);
      assert.equal(shownMarch.approval.state, 'approved', 'trail show agrees');
      assert.equal((await s.server.detail(march.id)).reviews.length, 1);

      const shownJuly = await s.clone.show(inJuly);
      assert.equal(shownJuly.approval.state, 'none');
      const why = shownJuly.reviewsNotCounted[0]!.why;
      assert.equal(why, `signed by key ${alice.keyId} after it was revoked at ${revokedAt}`);
      const detail = await s.server.detail(july.id);
      assert.deepEqual(detail.reviews, []);
      assert.equal(detail.reviewsNotCounted[0].why, why, "the server gives trail show's reason");
      assert.match(await s.server.card(july.id), /not counted/);
      const checked = await s.clone.check(inJuly);
      assert.match(checked.stderr, /not counted: signed by key [0-9a-f]+ after it was revoked/);

      const gaps = await s.server.report('gaps');
      assert.deepEqual(noApprovalOf(gaps, inMarch), []);
      assert.equal(noApprovalOf(gaps, inJuly).length, 1);
    });
  });

  describe(`migration 16 counts again what a revocation dated later vouches for (${backend.name})`, () => {
    let opened: OpenedDb;

    before(async () => {
      opened = await backend.open();
    });
    after(() => opened.cleanup());

    test('the status of a database from before it is written again, with when it goes stale', async () => {
      const { db } = opened;
      const app = appFor(db);
      const ingest = await token(db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      const writer = new MemoryWriter();
      const commit = sha('retired-later');
      const [checkpoint] = writer.append([checkpointRecord({ commit })]) as [string];
      writer.append([
        signedReview(
          {
            commit,
            checkpoint,
            time: '2026-03-01T12:00:00.000Z',
            actor: { type: 'human', id: 'rev@example.com' },
          },
          writer.key,
        ),
      ]);
      const revokedAt = new Date(Date.now() + 3600_000).toISOString();
      const keys = await call(app, 'POST', repoPath('acme/app', 'keys'), ingest, {
        keys: [{ ...writer.trustedKey(), revokedAt }],
      });
      assert.equal(keys.status, 200, JSON.stringify(keys.body));
      const pushed = await call(
        app,
        'POST',
        repoPath('acme/app', 'writers', writer.id, 'entries'),
        ingest,
        writer.push(),
      );
      assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
      const status = async () =>
        (
          await db.query<{ decision: string }>('SELECT decision FROM review_status WHERE record_id = $1', [
            checkpoint,
          ])
        ).rows.map((r) => r.decision);
      assert.deepEqual(await status(), ['approve']);

      // The database as the server before migration 16 left it: the review set aside at once.
      await db.exec('DROP TABLE review_status_due');
      await db.query('DELETE FROM schema_migrations WHERE version = 16');
      await db.query('DELETE FROM review_status');
      assert.deepEqual(await status(), []);

      assert.deepEqual(await migrate(db), [16]);
      assert.deepEqual(await status(), ['approve'], 'counted until the revocation comes into force');
      const due = await db.query<{ due_at: Date }>('SELECT due_at FROM review_status_due');
      assert.deepEqual(
        due.rows.map((r) => new Date(r.due_at).toISOString()),
        [revokedAt],
        'and stale from then',
      );
    });
  });
}
