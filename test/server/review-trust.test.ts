/**
 * The server counts reviews as the CLI does (src/server/review-trust.ts), on PGlite and on
 * PostgreSQL, in the review status, the reports and the checkpoint's detail and Review card:
 *
 * - a code host's approval from a verified webhook counts, as the code host's word: the gaps
 *   report stops listing no-approval for its commit, and the detail and the Review card show
 *   it as a GitHub review (source, reviewer, time, URL), in no writer's log;
 * - an unsigned approval in the log of a writer whose key is no longer in force (revoked
 *   after the approval was pushed) is set aside: the status goes back to pending when the
 *   revocation is pushed, the reports say one review was not counted, and the server's reason
 *   is the one `trail show` gives in the same clone;
 * - an approval signed with a key that waits for an admin (registered after the key set was
 *   locked) is set aside, and counts once an admin approves the key or unlocks the key set:
 *   the status and the `status=approved` filter follow without a new push.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { TrailApp } from '../../src/server/app.js';
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
  pushWriter,
  repoPath,
  reviewRecord,
  serverWithTokens,
  sha,
  token,
} from './harness.js';
import type { ReportDoc } from './review-views.js';
import { dashboardPage, noApprovalOf, notesOf, reviewCard } from './review-views.js';

const FIXTURE = new URL('../fixtures/webhooks/github-pull_request_review-approved.json', import.meta.url);
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const REVIEW_URL = 'https://github.com/Codertocat/Hello-World/pull/42#pullrequestreview-2378956710';
const SECRET = 'org-secret-for-codertocat';

for (const backend of BACKENDS) {
  describe(`a GitHub webhook approval counts in reports and the Review card (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;
    let auditor: string;
    let checkpoint: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      admin = await token(opened.db, { name: 'admin', role: 'admin' });
      auditor = await token(opened.db, { name: 'auditor', role: 'auditor' });
      const w = new MemoryWriter();
      [checkpoint] = w.append([checkpointRecord({ commit: HEAD })]) as [string];
      await pushWriter(app, admin, 'Codertocat/Hello-World', w);
      const secret = await call(app, 'POST', '/api/v1/admin/webhook-secrets', admin, {
        host: 'github',
        org: 'Codertocat',
        secret: SECRET,
      });
      assert.equal(secret.status, 201);
    });
    after(async () => {
      await opened.cleanup();
    });

    const gaps = async (): Promise<ReportDoc> => {
      const r = await call(
        app,
        'GET',
        '/api/v1/reports/gaps?repo=Codertocat%2FHello-World&format=json',
        auditor,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    test('the gaps report stops listing no-approval, and the detail shows a github review', async () => {
      assert.equal(noApprovalOf(await gaps(), HEAD).length, 1, 'no approval before the webhook');

      const body = readFileSync(FIXTURE, 'utf8');
      const delivered = await call(app, 'POST', '/webhooks/github', undefined, body, {
        'x-github-event': 'pull_request_review',
        'x-github-delivery': 'review-1',
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      });
      assert.equal(delivered.status, 201, JSON.stringify(delivered.body));

      assert.deepEqual(noApprovalOf(await gaps(), HEAD), [], 'the webhook approval counts in the report');
      const detail: Answer = await call(app, 'GET', `/api/v1/checkpoints/${checkpoint}`, auditor);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.summary.status, 'approved');
      assert.deepEqual(detail.body.reviews, [], 'no ledger review');
      assert.deepEqual(detail.body.reviewsNotCounted, []);
      assert.equal(detail.body.webhookReviews.length, 1);
      const [hosted] = detail.body.webhookReviews;
      assert.equal(hosted.writerId, 'webhook:github', "in no writer's log");
      assert.deepEqual(
        {
          source: hosted.record.source,
          reviewer: hosted.record.reviewer,
          decision: hosted.record.decision,
          time: hosted.record.time,
          externalUrl: hosted.record.externalUrl,
          actor: hosted.record.actor,
          provenance: hosted.record.provenance,
          commit: hosted.record.commit,
          signature: hosted.record.signature,
        },
        {
          source: 'github',
          reviewer: 'octocat',
          decision: 'approve',
          time: '2025-03-04T11:02:17Z', // as the delivery states it, as trail import github-review records it
          externalUrl: REVIEW_URL,
          actor: { type: 'service', id: 'github' },
          provenance: 'observed',
          commit: HEAD,
          signature: undefined,
        },
      );
    });

    test('the Review card counts it and shows it as the code host review it is', async () => {
      const page = await dashboardPage(
        (path, init) => app.request(path, init) as Promise<Response>,
        auditor,
        `/ui/checkpoints/${checkpoint}`,
      );
      const card = reviewCard(page);
      assert.match(card, /<b>octocat<\/b>/);
      assert.match(card, /from the github webhook/);
      assert.ok(card.includes(REVIEW_URL), 'links the review on GitHub');
      assert.doesNotMatch(card, /unsigned/);
      assert.doesNotMatch(card, /Nobody has reviewed/);
      // The facts strip says approved, by the GitHub reviewer.
      assert.match(page, /Approved/);
      assert.match(page, /by octocat/);
    });
  });

  describe(`an unsigned approval in the log of a writer no longer in force is set aside (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let ingest: string;
    let auditor: string;
    let repo: TempRepo;
    let commit: string;
    let oldKey: string;

    before(async () => {
      ({ opened, server, ingest, auditor } = await serverWithTokens(backend));
      repo = tempRepo();
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const found = await findRepo(repo.dir);
      const key = loadWriterKey(found);
      oldKey = key.keyId;
      commit = repo.commit('change');
      await appendRecords(found, key, [
        checkpointRecord({ commit, sessions: [{ sessionId: 's-1', agent: 'claude-code' }] }),
      ]);
      // Unsigned, as a review recorded by CI is: only its writer's log vouches for it.
      await appendRecords(found, key, [
        reviewRecord({ commit, reviewer: 'bob@acme.example', decision: 'approve' }),
      ]);
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      repo.cleanup();
    });

    const push = async () => {
      await pushTo(repo.dir, server.url, ingest, 'acme/app');
    };
    const api = (path: string) => callOverHttp(server.url, auditor, 'GET', path);
    const statusOnServer = async () => {
      const r = await api(`/api/v1/checkpoints?repo=acme%2Fapp&commit=${commit}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { status: r.body.checkpoints[0].status as string, id: r.body.checkpoints[0].id as string };
    };
    const report = async (kind: string): Promise<ReportDoc> => {
      const r = await api(`/api/v1/reports/${kind}?repo=acme%2Fapp&format=json`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    test('counted while its key is in force; set aside, with the CLI reason, once it is revoked', async () => {
      await push();
      assert.equal((await statusOnServer()).status, 'approved', 'the writer key in force vouches for it');
      assert.equal(noApprovalOf(await report('gaps'), commit).length, 0);

      // The key is replaced and revoked, and the revocation pushed: the approval loses its voucher.
      assert.equal((await trail(repo.dir, 'keys', 'generate')).code, 0);
      const revoked = await trail(repo.dir, 'keys', 'revoke', oldKey, '--reason', 'laptop lost');
      assert.equal(revoked.code, 0, revoked.stderr);
      await push();

      const shown = await trail(repo.dir, 'show', commit, '--json');
      assert.equal(shown.code, 0, shown.stderr);
      const view = JSON.parse(shown.stdout);
      assert.equal(view.approval.state, 'none', 'trail show does not count it');
      assert.equal(view.reviewsNotCounted.length, 1);

      const { status, id } = await statusOnServer();
      assert.equal(status, 'pending', "the server's status follows the key set");
      const filtered = await api(`/api/v1/checkpoints?repo=acme%2Fapp&status=approved`);
      assert.deepEqual(filtered.body.checkpoints, [], 'nor does the status filter count it');

      const detail = await api(`/api/v1/checkpoints/${id}`);
      assert.deepEqual(detail.body.reviews, []);
      assert.equal(detail.body.reviewsNotCounted.length, 1);
      assert.equal(detail.body.reviewsNotCounted[0].review.record.reviewer, 'bob@acme.example');
      assert.equal(
        detail.body.reviewsNotCounted[0].why,
        view.reviewsNotCounted[0].why,
        "trail show's reason",
      );
      assert.match(detail.body.reviewsNotCounted[0].why, /unsigned.*revoked/);

      assert.equal(noApprovalOf(await report('gaps'), commit).length, 1, 'the gaps report lists no approval');
      assert.ok(
        notesOf(await report('soc2')).some((n) =>
          /^1 review in the ledger is not counted: no key in force on the server/.test(n),
        ),
        JSON.stringify(notesOf(await report('soc2'))),
      );

      const checked = await trail(repo.dir, 'check', '--json');
      assert.match(checked.stdout + checked.stderr, /not counted/, 'trail check sets it aside too');

      const card = reviewCard(
        await dashboardPage(
          (path, init) => fetch(`${server.url}${path}`, init),
          auditor,
          `/ui/checkpoints/${id}`,
        ),
      );
      assert.match(card, /not counted/);
      assert.match(card, /bob@acme\.example/);
    });
  });

  describe(`an approval signed with a key that waits for an admin counts once it is let in (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;
    let ingest: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      admin = await token(opened.db, { name: 'acme admin', role: 'admin', orgs: ['acme'] });
      ingest = await token(opened.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
    });
    after(async () => {
      await opened.cleanup();
    });

    /**
     * A locked key set, a reviewer's key registered after the lock (so it waits), and a
     * checkpoint with an approval signed with that key. The server refuses any log the waiting
     * key signs (unapproved-key), so the approval travels in the log of a writer in force.
     */
    const lockedWithWaitingReviewer = async (repo: string, commit: string) => {
      const writer = new MemoryWriter();
      const reviewer = new MemoryWriter();
      assert.equal(
        (await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [writer.trustedKey()] })).status,
        200,
      );
      const lock = await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo, locked: true });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      const registered = await call(app, 'POST', repoPath(repo, 'keys'), ingest, {
        keys: [reviewer.trustedKey('reviewer laptop')],
      });
      assert.deepEqual(registered.body.pending, [reviewer.id], 'the reviewer key waits for an admin');
      const [checkpoint] = writer.append([checkpointRecord({ commit })]) as [string];
      writer.append([
        signedReview(
          {
            time: '2026-03-01T12:00:00.000Z',
            actor: { type: 'human', id: 'rev@example.com' },
            commit,
            checkpoint,
          },
          reviewer.key,
        ),
      ]);
      await pushWriter(app, ingest, repo, writer);
      return { checkpoint, reviewer };
    };

    const statusOf = async (repo: string, commit: string) => {
      const r = await call(
        app,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}&commit=${commit}`,
        admin,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.checkpoints[0].status as string;
    };
    const approvedIn = async (repo: string) => {
      const r = await call(
        app,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}&status=approved`,
        admin,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.checkpoints as Array<{ id: string }>).map((c) => c.id);
    };
    const detailOf = async (checkpoint: string) => {
      const r = await call(app, 'GET', `/api/v1/checkpoints/${checkpoint}`, admin);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    /** Pending, with the approval set aside as signed by a key not trusted (yet). */
    const assertSetAside = async (repo: string, commit: string, checkpoint: string, keyId: string) => {
      assert.equal(await statusOf(repo, commit), 'pending');
      assert.deepEqual(await approvedIn(repo), []);
      const detail = await detailOf(checkpoint);
      assert.deepEqual(detail.reviews, []);
      assert.equal(detail.reviewsNotCounted.length, 1);
      assert.equal(
        detail.reviewsNotCounted[0].why,
        `signed by key ${keyId}, which is not trusted (.trail/keys/)`,
      );
    };
    /** Approved, in the status filter too, with the approval counted. */
    const assertCounted = async (repo: string, commit: string, checkpoint: string) => {
      assert.equal(await statusOf(repo, commit), 'approved', 'the status follows the key set without a push');
      assert.deepEqual(await approvedIn(repo), [checkpoint], 'the status filter finds it');
      const detail = await detailOf(checkpoint);
      assert.equal(detail.reviews.length, 1);
      assert.deepEqual(detail.reviewsNotCounted, []);
    };

    test('an admin approves the key: the approval counts', async () => {
      const repo = 'acme/approved-later';
      const commit = sha('approved-later');
      const { checkpoint, reviewer } = await lockedWithWaitingReviewer(repo, commit);
      await assertSetAside(repo, commit, checkpoint, reviewer.id);

      const approved = await call(app, 'POST', '/api/v1/admin/key-approvals', admin, {
        repo,
        keyId: reviewer.id,
      });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.alreadyApproved, false);
      await assertCounted(repo, commit, checkpoint);
    });

    test('an admin unlocks the key set: the approval counts', async () => {
      const repo = 'acme/unlocked-later';
      const commit = sha('unlocked-later');
      const { checkpoint, reviewer } = await lockedWithWaitingReviewer(repo, commit);
      await assertSetAside(repo, commit, checkpoint, reviewer.id);

      const unlocked = await call(app, 'POST', '/api/v1/admin/key-lock', admin, { repo, locked: false });
      assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
      await assertCounted(repo, commit, checkpoint);
    });
  });
}
