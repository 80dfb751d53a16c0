/**
 * A code host's review of a pull request counts for every commit of the pull request on the
 * server, as `trail import github-review` records it in a clone (git's base..head), on PGlite
 * and on PostgreSQL, with a real clone pushed by `trail push` and signed webhooks over HTTP:
 *
 * - a pull request of three commits, each with a checkpoint, pushed, then approved: all three
 *   are approved in the status filter, the detail (`webhookReviews`, one record for each
 *   commit), the reviewer filter, the gaps report and the dashboard's Review card; the base's
 *   own checkpoint, and the one before it, are not;
 * - a request for changes by the same reviewer afterwards: all three ask for changes (each
 *   reviewer's latest decision counts), and `trail show` in the clone, after importing the same
 *   two payloads, says the same of every commit;
 * - the review arrives first and the commits after it (CI pushes once the pull request is
 *   open): the review comes to cover each commit as the push that brings it arrives;
 * - the review's base not pushed yet: the review covers its head alone (not the head's whole
 *   history), and the pull request once the base arrives;
 * - the review delivered while the pull request's commits are being pushed: it covers them,
 *   whichever of the two takes the repository's review lock first.
 *
 * The pull request branches from `base` on main; main then moves on to `tip`, which is GitHub's
 * `pull_request.base.sha` when the review is submitted, so `base` is behind the base too.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { RunningServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import { deliverGitHub } from '../helpers/github-webhook.js';
import { deliverGitLab, gitlabPush } from '../helpers/gitlab-webhook.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { Backend, OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, checkpointRecord, serverWithTokens, token } from './harness.js';

const SECRET = 'acme-github-webhook-secret';
const PR_COMMITS = ['first', 'second', 'third'] as const;

type Name = 'base' | 'tip' | (typeof PR_COMMITS)[number];

/** A GitHub `pull_request_review` delivery body of pull request #7 of acme/app. */
function reviewBody(o: {
  id: number;
  state: 'approved' | 'changes_requested';
  head: string;
  base: string;
  at: string;
}): string {
  return JSON.stringify({
    action: 'submitted',
    review: {
      id: o.id,
      user: { login: 'octocat' },
      body: o.state === 'approved' ? 'LGTM' : 'Please handle the timeout.',
      commit_id: o.head,
      submitted_at: o.at,
      state: o.state,
      html_url: `https://github.com/acme/app/pull/7#pullrequestreview-${o.id}`,
    },
    pull_request: {
      number: 7,
      user: { login: 'dev' },
      head: { sha: o.head, ref: 'feature' },
      base: { sha: o.base, ref: 'main' },
    },
    repository: { full_name: 'acme/app' },
  });
}

interface World {
  opened: OpenedDb;
  server: RunningServer;
  ingest: string;
  auditor: string;
  repo: TempRepo;
  commits: Record<Name, string>;
}

/**
 * A server with a GitHub secret for acme, and a clone: `base` on main, the pull request's three
 * commits on `feature` from it, then main moved on to `tip`; a checkpoint for each of the five.
 */
async function world(backend: Backend): Promise<World> {
  const { opened, server, ingest, auditor } = await serverWithTokens(backend);
  const admin = await token(server.db, { name: 'admin', role: 'admin' });
  const secret = await callOverHttp(server.url, admin, 'POST', '/api/v1/admin/webhook-secrets', {
    host: 'github',
    org: 'acme',
    secret: SECRET,
  });
  assert.equal(secret.status, 201, JSON.stringify(secret.body));
  const repo = tempRepo();
  assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
  const found = await findRepo(repo.dir);
  const key = loadWriterKey(found);
  const commits = {} as Record<Name, string>;
  const commit = async (name: Name) => {
    repo.write(`${name}.txt`, `${name}\n`);
    commits[name] = repo.commit(name);
    await appendRecords(found, key, [
      checkpointRecord({
        commit: commits[name],
        sessions: [{ sessionId: `s-${name}`, agent: 'claude-code' }],
      }),
    ]);
  };
  await commit('base');
  repo.git('checkout', '-q', '-b', 'feature');
  for (const name of PR_COMMITS) await commit(name);
  repo.git('checkout', '-q', 'main');
  await commit('tip');
  return { opened, server, ingest, auditor, repo, commits };
}

/** `trail push` of main (the default branch), or of the pull request's branch. */
async function push(w: World, branch: 'main' | 'feature'): Promise<void> {
  if (branch === 'main') return pushTo(w.repo.dir, w.server.url, w.ingest, 'acme/app');
  const pushed = await trail(
    w.repo.dir,
    'push',
    '--server',
    w.server.url,
    '--token',
    w.ingest,
    '--repo',
    'acme/app',
    '--commits-from',
    'feature',
  );
  assert.equal(pushed.code, 0, pushed.stderr);
}

async function deliver(w: World, body: string, delivery: string): Promise<void> {
  const res = await deliverGitHub(w.server.url, {
    secret: SECRET,
    event: 'pull_request_review',
    id: delivery,
    payload: JSON.parse(body),
  });
  assert.equal(res.status, 201, await res.text());
}

const api = async (w: World, path: string) => {
  const r = await callOverHttp(w.server.url, w.auditor, 'GET', path);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

/** The checkpoints the list answers for a filter, as the names of their commits, sorted. */
async function listed(w: World, query: string): Promise<string[]> {
  const body = await api(w, `/api/v1/checkpoints?repo=acme%2Fapp&${query}`);
  const byCommit = new Map(Object.entries(w.commits).map(([name, sha]) => [sha, name]));
  return (body.checkpoints as Array<{ commit: string }>)
    .map((c) => byCommit.get(c.commit) ?? c.commit)
    .sort();
}

/** The checkpoint detail of a commit's checkpoint. */
async function detailOf(w: World, name: Name) {
  const [row] = (await api(w, `/api/v1/checkpoints?repo=acme%2Fapp&commit=${w.commits[name]}`)).checkpoints;
  assert.ok(row, `a checkpoint for ${name}`);
  return api(w, `/api/v1/checkpoints/${row.id}`);
}

/** The status of each named commit's checkpoint, by name. */
async function statuses(w: World, names: readonly Name[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = (await detailOf(w, name)).summary.status;
  return out;
}

const ALL: readonly Name[] = ['base', ...PR_COMMITS, 'tip'];
const everyone = (status: string, names: readonly Name[] = PR_COMMITS) =>
  Object.fromEntries(names.map((n) => [n, status]));
/** A review that covers its head commit alone: the pull request's last commit approved, no other. */
const HEAD_ALONE = {
  base: 'pending',
  first: 'pending',
  second: 'pending',
  third: 'approved',
  tip: 'pending',
};

/** The Review card of a commit's checkpoint page on the dashboard, signed in as the auditor. */
async function reviewCard(w: World, name: Name): Promise<string> {
  const login = await fetch(`${w.server.url}/ui/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: w.auditor, next: '/ui' }).toString(),
    redirect: 'manual',
  });
  assert.equal(login.status, 303, await login.text());
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const id = (await detailOf(w, name)).checkpoint.id as string;
  const page = await fetch(`${w.server.url}/ui/checkpoints/${id}`, { headers: { cookie } });
  assert.equal(page.status, 200);
  const html = await page.text();
  const start = html.indexOf('id="review"');
  assert.ok(start >= 0, 'the page has a Review card');
  return html.slice(start, html.indexOf('</section>', start));
}

type ReportDoc = { sections: Array<{ table?: { rows: Array<Record<string, unknown>> } }> };

/** The commits, by name, that the gaps report lists as without an approval. */
async function noApproval(w: World): Promise<string[]> {
  const doc: ReportDoc = await api(w, '/api/v1/reports/gaps?repo=acme%2Fapp&format=json');
  const cells = doc.sections
    .flatMap((s) => s.table?.rows ?? [])
    .map((row) => Object.values(row).map(String))
    .filter((row) => row.includes('no-approval'));
  return Object.entries(w.commits)
    .filter(([, sha]) => cells.some((row) => row.some((cell) => cell.startsWith(sha.slice(0, 7)))))
    .map(([name]) => name)
    .sort();
}

for (const backend of BACKENDS) {
  describe(`a pull request's review covers each of its commits (${backend.name})`, () => {
    let w: World;
    let approval: string;
    let changes: string;

    before(async () => {
      w = await world(backend);
      await push(w, 'main');
      await push(w, 'feature');
      approval = reviewBody({
        id: 9001,
        state: 'approved',
        head: w.commits.third,
        base: w.commits.tip,
        at: '2026-03-02T10:00:00Z',
      });
      changes = reviewBody({
        id: 9002,
        state: 'changes_requested',
        head: w.commits.third,
        base: w.commits.tip,
        at: '2026-03-02T11:00:00Z',
      });
    });
    after(async () => {
      await w.server.close();
      await w.opened.cleanup();
      w.repo.cleanup();
    });

    test('an approval of base..head approves each commit of the pull request, and not the base', async () => {
      assert.deepEqual(await noApproval(w), [...ALL].sort(), 'nothing approved before the webhook');
      await deliver(w, approval, 'approve-1');

      assert.deepEqual(await listed(w, 'status=approved'), [...PR_COMMITS].sort());
      assert.deepEqual(await listed(w, 'status=pending'), ['base', 'tip']);
      assert.deepEqual(await statuses(w, ALL), {
        ...everyone('approved'),
        base: 'pending',
        tip: 'pending',
      });
      for (const name of PR_COMMITS) {
        const detail = await detailOf(w, name);
        assert.equal(detail.webhookReviews.length, 1, name);
        const [review] = detail.webhookReviews;
        assert.equal(review.writerId, 'webhook:github');
        assert.equal(review.record.commit, w.commits[name], `the record names ${name}'s own commit`);
        assert.equal(review.record.checkpoint, detail.checkpoint.id, `and ${name}'s own checkpoint`);
        assert.equal(review.record.reviewer, 'octocat');
        assert.equal(review.record.decision, 'approve');
        assert.equal(detail.codeHost.reviews.length, 1, `the delivery is shown with ${name}`);
      }
      assert.deepEqual((await detailOf(w, 'base')).webhookReviews, []);
      assert.deepEqual((await detailOf(w, 'tip')).webhookReviews, []);
      assert.deepEqual(await listed(w, 'reviewer=octocat'), [...PR_COMMITS].sort());
      const card = await reviewCard(w, 'first');
      assert.match(card, /<b>octocat<\/b>/, "the Review card of the pull request's first commit shows it");
      assert.match(card, /from the github webhook/);
      assert.match(await reviewCard(w, 'base'), /Nobody has reviewed/);
      assert.deepEqual(await noApproval(w), ['base', 'tip'], 'the gaps report counts it for each commit');
    });

    test('a request for changes afterwards: each commit asks for changes, as trail show says after importing both', async () => {
      await deliver(w, changes, 'changes-1');
      assert.deepEqual(await listed(w, 'status=changes-requested'), [...PR_COMMITS].sort());
      assert.deepEqual(await listed(w, 'status=approved'), []);
      assert.deepEqual(await statuses(w, ALL), {
        ...everyone('changes-requested'),
        base: 'pending',
        tip: 'pending',
      });
      assert.equal((await detailOf(w, 'second')).webhookReviews.length, 2);

      // The same two reviews imported into the clone, as a CI job would: the CLI's mapping
      // (git rev-list base..head) and the server's walk name the same commits.
      for (const [file, body] of [
        ['approval.json', approval],
        ['changes.json', changes],
      ] as const) {
        writeFileSync(join(w.repo.dir, file), body);
        const imported = await trail(w.repo.dir, 'import', 'github-review', file);
        assert.equal(imported.code, 0, imported.stderr);
      }
      const state: Record<string, string> = {
        approved: 'approved',
        'changes-requested': 'changes-requested',
      };
      // Record for record: the server's webhook reviews are the records the import appended.
      const { loadIndex } = await import('../../src/ledger/read.js');
      const imported = (await loadIndex(await findRepo(w.repo.dir))).records
        .filter((r) => r.record.kind === 'review')
        .map((r) => r.id)
        .sort();
      const served = (
        await Promise.all(PR_COMMITS.map(async (name) => (await detailOf(w, name)).webhookReviews))
      )
        .flat()
        .map((r: { id: string }) => r.id)
        .sort();
      assert.equal(imported.length, 6, 'two reviews of three commits each');
      assert.deepEqual(served, imported);
      for (const name of ALL) {
        const shown = await trail(w.repo.dir, 'show', w.commits[name], '--json');
        assert.equal(shown.code, 0, shown.stderr);
        const cli = state[JSON.parse(shown.stdout).approval.state as string] ?? 'pending';
        assert.equal(
          (await detailOf(w, name)).summary.status,
          cli,
          `${name}: the server says what trail show says`,
        );
      }
    });
  });

  describe(`a review that arrives before the pull request's commits covers them once they are pushed (${backend.name})`, () => {
    let w: World;

    before(async () => {
      w = await world(backend);
    });
    after(async () => {
      await w.server.close();
      await w.opened.cleanup();
      w.repo.cleanup();
    });

    test('each commit becomes approved as the push that brings it arrives', async () => {
      await deliver(
        w,
        reviewBody({
          id: 9101,
          state: 'approved',
          head: w.commits.third,
          base: w.commits.tip,
          at: '2026-03-02T10:00:00Z',
        }),
        'early-1',
      );
      // main's push brings every checkpoint (the ledger is not on a branch) and main's commits:
      // the base is known now, the pull request's commits are not; the head is named by the review.
      await push(w, 'main');
      assert.deepEqual(await statuses(w, ALL), HEAD_ALONE);
      // CI pushes the pull request's branch: its commits arrive, and the review covers them.
      await push(w, 'feature');
      assert.deepEqual(await statuses(w, ALL), {
        ...everyone('approved'),
        base: 'pending',
        tip: 'pending',
      });
      assert.deepEqual(await listed(w, 'status=approved'), [...PR_COMMITS].sort());
      const first = await detailOf(w, 'first');
      assert.equal(first.webhookReviews.length, 1);
      assert.equal(first.webhookReviews[0].record.commit, w.commits.first);
      assert.deepEqual(await noApproval(w), ['base', 'tip']);
    });
  });
}

for (const backend of BACKENDS) {
  describe(`a review whose base the server does not hold covers its head alone until it does (${backend.name})`, () => {
    let w: World;

    before(async () => {
      w = await world(backend);
    });
    after(async () => {
      await w.server.close();
      await w.opened.cleanup();
      w.repo.cleanup();
    });

    test("the head's whole history is not taken for the pull request", async () => {
      // Only the pull request's branch is pushed: its history (base and what lies behind it)
      // is held, main's tip, the review's base, is not.
      await push(w, 'feature');
      await deliver(
        w,
        reviewBody({
          id: 9201,
          state: 'approved',
          head: w.commits.third,
          base: w.commits.tip,
          at: '2026-03-02T10:00:00Z',
        }),
        'unknown-base-1',
      );
      assert.deepEqual(await statuses(w, ALL), HEAD_ALONE);
      await push(w, 'main');
      assert.deepEqual(await statuses(w, ALL), {
        ...everyone('approved'),
        base: 'pending',
        tip: 'pending',
      });
    });
  });
}

for (const backend of BACKENDS) {
  describe(`a review delivered while its commits are being pushed (${backend.name})`, () => {
    let w: World;

    before(async () => {
      w = await world(backend);
      await push(w, 'main');
    });
    after(async () => {
      await w.server.close();
      await w.opened.cleanup();
      w.repo.cleanup();
    });

    test('covers them whichever takes the review lock first', async () => {
      // Either the push's walk finds the review waiting, or the review's walk finds the commits.
      await Promise.all([
        push(w, 'feature'),
        deliver(
          w,
          reviewBody({
            id: 9301,
            state: 'approved',
            head: w.commits.third,
            base: w.commits.tip,
            at: '2026-03-02T10:00:00Z',
          }),
          'racing-1',
        ),
      ]);
      assert.deepEqual(await statuses(w, ALL), {
        ...everyone('approved'),
        base: 'pending',
        tip: 'pending',
      });
    });
  });
}

const GITLAB_SECRET = 'acme-gitlab-webhook-secret';
const GITLAB_APPROVAL = JSON.parse(
  readFileSync(new URL('../fixtures/webhooks/gitlab-merge_request-approved.json', import.meta.url), 'utf8'),
);

/** GitLab's `approved` Merge Request Hook of merge request !7 of acme/app, on `head`, into main. */
function gitlabApproval(head: string, at: string): unknown {
  const web = 'https://gitlab.example.com/acme/app';
  return {
    ...GITLAB_APPROVAL,
    project: {
      ...GITLAB_APPROVAL.project,
      path_with_namespace: 'acme/app',
      default_branch: 'main',
      web_url: web,
    },
    object_attributes: {
      ...GITLAB_APPROVAL.object_attributes,
      target_branch: 'main',
      source_branch: 'feature',
      updated_at: at,
      url: `${web}/-/merge_requests/7`,
      last_commit: {
        ...GITLAB_APPROVAL.object_attributes.last_commit,
        id: head,
        url: `${web}/-/commit/${head}`,
      },
    },
  };
}

for (const backend of BACKENDS) {
  describe(`a GitLab approval covers its merge request's commits by the target branch's tip the host pushed (${backend.name})`, () => {
    let w: World;

    before(async () => {
      w = await world(backend);
      const admin = await token(w.server.db, { name: 'gitlab admin', role: 'admin' });
      const secret = await callOverHttp(w.server.url, admin, 'POST', '/api/v1/admin/webhook-secrets', {
        host: 'gitlab',
        org: 'acme',
        secret: GITLAB_SECRET,
      });
      assert.equal(secret.status, 201, JSON.stringify(secret.body));
      await push(w, 'main');
      await push(w, 'feature');
    });
    after(async () => {
      await w.server.close();
      await w.opened.cleanup();
      w.repo.cleanup();
    });

    const approve = async (id: string, at: string) => {
      const res = await deliverGitLab(w.server.url, {
        secret: GITLAB_SECRET,
        event: 'Merge Request Hook',
        id,
        payload: gitlabApproval(w.commits.third, at),
      });
      assert.equal(res.status, 201, await res.text());
    };

    test('with no push of main from the host, the head alone; after one, every commit of the merge request', async () => {
      // The payload names main, not a commit, and no push webhook said where main is.
      await approve('approval-1', '2026-03-02 10:00:00 UTC');
      assert.deepEqual(await statuses(w, ALL), HEAD_ALONE);
      // GitLab reports main moving from base to tip; an approval given after that is measured
      // against tip, as trail import gitlab-approval measures it against main in a clone.
      const pushed = await deliverGitLab(w.server.url, {
        secret: GITLAB_SECRET,
        event: 'Push Hook',
        id: 'push-1',
        payload: gitlabPush(w.repo, {
          project: 'acme/app',
          before: w.commits.base,
          after: w.commits.tip,
          commits: [w.commits.tip],
        }),
      });
      assert.equal(pushed.status, 201, await pushed.text());
      await approve('approval-2', '2026-03-02 11:00:00 UTC');
      assert.deepEqual(await statuses(w, ALL), { ...everyone('approved'), base: 'pending', tip: 'pending' });
      assert.deepEqual(await listed(w, 'status=approved'), [...PR_COMMITS].sort());
    });
  });
}
