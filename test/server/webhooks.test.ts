/**
 * Code-host webhooks on PGlite and on PostgreSQL, with the documented payload fixtures: a
 * verified delivery is recorded and linked to the checkpoint of its commit (and a review
 * counts towards its status); a bad or missing signature is refused with 401 and records
 * nothing, not even the repository; a replay of a stored delivery, under any delivery id or
 * none, and the same GitHub review in another body, are answered as duplicates.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  pushWriter,
  token,
} from './harness.js';

const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const MERGE = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85';
const ORG_SECRET = 'org-secret-for-codertocat';
const REPO_SECRET = 'repo-secret-for-hello-world';
const GITLAB_SECRET = 'gitlab-server-wide-secret';

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

for (const backend of BACKENDS) {
  describe(`webhooks (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;
    let checkpoint: string;
    let delivery = 0;

    const github = (event: string, body: string, signature: string | undefined, id = `d-${++delivery}`) =>
      call(app, 'POST', '/webhooks/github', undefined, body, {
        'x-github-event': event,
        'x-github-delivery': id,
        ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
      });
    const gitlab = (event: string, body: string, secret: string | undefined) =>
      call(app, 'POST', '/webhooks/gitlab', undefined, body, {
        'x-gitlab-event': event,
        'x-gitlab-event-uuid': `g-${++delivery}`,
        ...(secret === undefined ? {} : { 'x-gitlab-token': secret }),
      });
    const snapshot = async () =>
      Promise.all(['external_events', 'reviews', 'repos'].map((t) => count(db, t)));
    const status = async () =>
      (await call(app, 'GET', '/api/v1/checkpoints?repo=Codertocat%2FHello-World', admin)).body.checkpoints[0]
        .status;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      admin = await token(db, { name: 'admin', role: 'admin' });
      const w = new MemoryWriter();
      [checkpoint] = w.append([checkpointRecord({ commit: HEAD })]) as [string];
      await pushWriter(app, admin, 'Codertocat/Hello-World', w);
      for (const body of [
        { host: 'github', org: 'Codertocat', secret: ORG_SECRET },
        { host: 'gitlab', secret: GITLAB_SECRET },
      ]) {
        assert.equal((await call(app, 'POST', '/api/v1/admin/webhook-secrets', admin, body)).status, 201);
      }
    });
    after(async () => {
      await opened.cleanup();
    });

    test('a bad, missing or foreign signature is refused with 401 and records nothing', async () => {
      const body = fixture('github-pull_request_review-approved.json');
      const before = await snapshot();
      const wrong = await github('pull_request_review', body, sign('not-the-secret', body));
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'unauthorized');
      assert.equal((await github('pull_request_review', body, undefined)).status, 401);
      assert.equal((await github('pull_request_review', body, 'sha256=deadbeef')).status, 401);
      const tampered = body.replace('"approved"', '"commented"');
      assert.equal((await github('pull_request_review', tampered, sign(ORG_SECRET, body))).status, 401);
      const elsewhere = body.replaceAll('Codertocat/Hello-World', 'someone/else');
      const noSecret = await github('pull_request_review', elsewhere, sign(ORG_SECRET, elsewhere));
      assert.equal(noSecret.status, 401);
      assert.match(noSecret.body.error.message, /no github webhook secret is configured for someone\/else/);
      const mr = fixture('gitlab-merge_request-approved.json');
      assert.equal((await gitlab('Merge Request Hook', mr, 'wrong-token')).status, 401);
      assert.equal((await gitlab('Merge Request Hook', mr, undefined)).status, 401);
      assert.deepEqual(await snapshot(), before, 'no event, review or repository was recorded');
      assert.equal(await status(), 'pending');
    });

    test('a verified GitHub review is recorded, linked to its checkpoint and counts as approval', async () => {
      const body = fixture('github-pull_request_review-approved.json');
      const before = await count(db, 'external_events');
      const r = await github('pull_request_review', body, sign(ORG_SECRET, body), 'review-1');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.type, 'review');
      assert.deepEqual(r.body.commits, [HEAD]);
      assert.deepEqual(r.body.checkpoints, [checkpoint]);
      assert.equal(await count(db, 'external_events'), before + 1);
      assert.equal(await status(), 'approved');
      const again = await github('pull_request_review', body, sign(ORG_SECRET, body), 'review-1');
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      assert.equal(await count(db, 'external_events'), before + 1, 'a redelivery is not recorded twice');
      const detail = await call(app, 'GET', `/api/v1/checkpoints/${checkpoint}`, admin);
      assert.equal(detail.body.codeHost.reviews.length, 1);
      assert.equal(detail.body.codeHost.reviews[0].event.reviewer, 'octocat');
      const reviewer = await call(app, 'GET', '/api/v1/checkpoints?reviewer=octocat', admin);
      assert.deepEqual(
        reviewer.body.checkpoints.map((c: { id: string }) => c.id),
        [checkpoint],
      );
    });

    test('a replayed delivery is stored once, whatever delivery id it carries', async () => {
      // What the signature covers is the body; X-GitHub-Delivery is not signed, so a captured
      // delivery can be re-sent with a new id or none. The review stored above is replayed.
      const body = fixture('github-pull_request_review-approved.json');
      const before = await snapshot();
      const replays = [
        await github('pull_request_review', body, sign(ORG_SECRET, body), 'a-new-delivery-id'),
        await call(app, 'POST', '/webhooks/github', undefined, body, {
          'x-github-event': 'pull_request_review',
          'x-hub-signature-256': sign(ORG_SECRET, body),
        }),
      ];
      for (const replay of replays) {
        assert.equal(replay.status, 200, JSON.stringify(replay.body));
        assert.equal(replay.body.duplicate, true);
      }
      assert.deepEqual(await snapshot(), before, 'no event, review or repository was added');
      const detail = await call(app, 'GET', `/api/v1/checkpoints/${checkpoint}`, admin);
      assert.equal(detail.body.codeHost.reviews.length, 1, 'the review is listed once');

      // The same GitHub review in another signed body (an organisation's and a repository's
      // webhook each deliver it) is still one review.
      const again = body.replace('"action": "submitted"', '"action":"submitted"');
      assert.notEqual(again, body);
      const other = await github('pull_request_review', again, sign(ORG_SECRET, again));
      assert.equal(other.status, 200, JSON.stringify(other.body));
      assert.equal(other.body.duplicate, true);
      assert.deepEqual(await snapshot(), before);

      // A push has no review id: its body alone makes it a duplicate.
      const push = JSON.stringify({
        ...(JSON.parse(fixture('github-push.json')) as object),
        after: '1111111111111111111111111111111111111111',
      });
      assert.equal((await github('push', push, sign(ORG_SECRET, push))).status, 201);
      const pushAgain = await github('push', push, sign(ORG_SECRET, push));
      assert.equal(pushAgain.status, 200);
      assert.equal(pushAgain.body.duplicate, true);
      assert.equal(await count(db, 'external_events'), before[0]! + 1);
    });

    test('a secret quoted in a review body is stored redacted', async () => {
      const token = `ghp_${'W3bh00kT0k3n'.repeat(3)}xyz`;
      // Another review (its own id): the fixture's review is stored already, and is stored once.
      const body = fixture('github-pull_request_review-approved.json')
        .replace('Retry path is covered by the new tests. LGTM.', `LGTM, but rotate ${token} first.`)
        .replace('"id": 2378956710', '"id": 2378956799');
      const r = await github('pull_request_review', body, sign(ORG_SECRET, body), 'review-with-secret');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const stored = await db.query<{ event: string }>(
        'SELECT event::text AS event FROM external_events WHERE delivery_id = $1',
        ['review-with-secret'],
      );
      assert.equal(stored.rows.length, 1);
      assert.ok(!stored.rows[0]!.event.includes(token), 'the token is not stored');
      assert.match(stored.rows[0]!.event, /LGTM, but rotate \[REDACTED:github-token\] first\./);
    });

    test('merges, deployments and pushes are recorded; ping is acknowledged, not recorded', async () => {
      const merged = fixture('github-pull_request-closed-merged.json');
      const m = await github('pull_request', merged, sign(ORG_SECRET, merged));
      assert.equal(m.status, 201, JSON.stringify(m.body));
      assert.equal(m.body.type, 'merged');
      assert.ok(m.body.commits.includes(HEAD));
      assert.deepEqual(m.body.checkpoints, [checkpoint]);
      const deploy = fixture('github-deployment_status.json');
      const d = await github('deployment_status', deploy, sign(ORG_SECRET, deploy));
      assert.equal(d.status, 201);
      assert.deepEqual(d.body.commits, [MERGE]);
      assert.deepEqual(d.body.checkpoints, []);
      const push = fixture('github-push.json');
      const p = await github('push', push, sign(ORG_SECRET, push));
      assert.equal(p.status, 201);
      assert.equal(p.body.type, 'push');
      const ping = JSON.stringify({
        zen: 'Design for failure.',
        repository: { full_name: 'Codertocat/Hello-World' },
      });
      const before = await count(db, 'external_events');
      const pinged = await github('ping', ping, sign(ORG_SECRET, ping));
      assert.equal(pinged.status, 202);
      assert.equal(await count(db, 'external_events'), before);
      const detail = await call(app, 'GET', `/api/v1/checkpoints/${checkpoint}`, admin);
      assert.equal(detail.body.codeHost.merges.length, 1);
    });

    test('a repository secret takes precedence over its organisation secret', async () => {
      const set = await call(app, 'POST', '/api/v1/admin/webhook-secrets', admin, {
        host: 'github',
        repo: 'Codertocat/Hello-World',
        secret: REPO_SECRET,
      });
      assert.equal(set.status, 201);
      const body = fixture('github-pull_request_review-changes_requested.json');
      assert.equal((await github('pull_request_review', body, sign(ORG_SECRET, body))).status, 401);
      const ok = await github('pull_request_review', body, sign(REPO_SECRET, body));
      assert.equal(ok.status, 201);
    });

    test('the secret in force is chosen among the secrets loaded for the body: one lookup per delivery', async () => {
      // The database as the app sees it, with the statements that read webhook secrets counted.
      const secretReads: string[] = [];
      const observed = new Proxy(db, {
        get(target, key, receiver) {
          if (key !== 'query') return Reflect.get(target, key, receiver);
          return (sql: string, params?: readonly unknown[]) => {
            if (sql.includes('webhook_secrets')) secretReads.push(sql);
            return target.query(sql, params);
          };
        },
      });
      const observedApp = appFor(observed);
      const ping = JSON.stringify({
        zen: 'Approachable is better than simple.',
        repository: { full_name: 'Codertocat/Hello-World' },
      });
      const deliver = (body: string, secret: string) =>
        call(observedApp, 'POST', '/webhooks/github', undefined, body, {
          'x-github-event': 'ping',
          'x-github-delivery': `d-${++delivery}`,
          'x-hub-signature-256': sign(secret, body),
        });
      assert.equal((await deliver(ping, REPO_SECRET)).status, 202);
      assert.equal(secretReads.length, 1, secretReads.join('\n---\n'));
      // The organisation's secret is among those loaded, but the repository's own is in force.
      assert.equal((await deliver(ping, ORG_SECRET)).status, 401);
      assert.equal(secretReads.length, 2);

      // A payload whose repository the raw body hides from the names read before parsing (its
      // key written with escapes, which JSON.parse reads as full_name) never had that
      // repository's secret tried: refused, even when a secret that was tried matches.
      const hidden = (repo: string) =>
        `{"zen":"x","sender":{"full_name":"Codertocat/decoy"},"repository":{"full\\u005fname":"${repo}"}}`;
      assert.equal(
        (JSON.parse(hidden('Codertocat/Other')) as { repository: { full_name: string } }).repository
          .full_name,
        'Codertocat/Other',
      );
      const other = await deliver(hidden('Codertocat/Other'), ORG_SECRET);
      assert.equal(other.status, 401, JSON.stringify(other.body));
      assert.match(
        other.body.error.message,
        /Codertocat\/Other is not among the repository names read from the raw body/,
      );
      // Hello-World's own secret is in force: the organisation's, which the decoy's name loads, is not.
      const overridden = await deliver(hidden('Codertocat/Hello-World'), ORG_SECRET);
      assert.equal(overridden.status, 401, JSON.stringify(overridden.body));
    });

    test('GitLab: a verified approval and deployment are recorded under the project path', async () => {
      const repos = await count(db, 'repos');
      const mr = fixture('gitlab-merge_request-approved.json');
      const approved = await gitlab('Merge Request Hook', mr, GITLAB_SECRET);
      assert.equal(approved.status, 201, JSON.stringify(approved.body));
      assert.equal(approved.body.repo, 'gitlabhq/gitlab-test');
      const deploy = fixture('gitlab-deployment.json');
      const deployed = await gitlab('Deployment Hook', deploy, GITLAB_SECRET);
      assert.equal(deployed.status, 201);
      assert.deepEqual(deployed.body.commits, ['279484c09fbe69ededfced8c1bb6e6d24616b468']);
      // GitLab's token signs nothing, but an exact replay under a new event uuid is the same body.
      const events = await count(db, 'external_events');
      const replayed = await gitlab('Deployment Hook', deploy, GITLAB_SECRET);
      assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
      assert.equal(replayed.body.duplicate, true);
      assert.equal(await count(db, 'external_events'), events);
      assert.equal(await count(db, 'repos'), repos + 2);
      const malformed = await gitlab(
        'Deployment Hook',
        JSON.stringify({ project: { path_with_namespace: 'a/b' } }),
        GITLAB_SECRET,
      );
      assert.equal(malformed.status, 422);
    });

    test('a replay is still a duplicate after the retention purge removed its event', async () => {
      const deploy = fixture('gitlab-deployment.json');
      const purged = await call(app, 'POST', '/api/v1/admin/purge', admin, {
        repo: 'gitlabhq/gitlab-test',
        before: new Date().toISOString(),
        reason: 'test: events go, the delivery hashes stay',
      });
      assert.equal(purged.status, 200, JSON.stringify(purged.body));
      assert.ok(purged.body.counts.external_events >= 1);
      const events = await count(db, 'external_events');
      const replayed = await gitlab('Deployment Hook', deploy, GITLAB_SECRET);
      assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
      assert.equal(replayed.body.duplicate, true);
      assert.equal(await count(db, 'external_events'), events);
    });
  });
}
