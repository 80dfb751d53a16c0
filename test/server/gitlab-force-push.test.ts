/**
 * GitLab force pushes, on PGlite and on PostgreSQL, over HTTP with real git history. GitLab's
 * push hook has no `forced` field, and its `before` is the branch's previous head whether the
 * push was forced or not; so the server tells a rewrite from git's graph as `trail push` sent
 * it: the push's old head is not behind its new head. Deliveries are built in the shape of
 * GitLab's documented push event ("Webhook events", Push events: `before`, `after`, `ref`,
 * `checkout_sha`, the project with `path_with_namespace` and `default_branch`, commits
 * oldest first without parents, `total_commits_count`), signed with `X-Gitlab-Token`.
 *
 * A push that only adds commits, a merge included, is never flagged; a rewrite is unknown
 * until the rewritten branch is sent, then flagged in the gaps report; a new head whose
 * history has a commit missing stays unknown rather than flagged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import { deliverGitLab, gitlabPush } from '../helpers/gitlab-webhook.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, repoPath, token } from './harness.js';

const PROJECT = 'acme/gitlab-app';
const SECRET = 'gitlab-webhook-secret-for-acme';
const ZERO = '0'.repeat(40);

for (const backend of BACKENDS) {
  describe(`GitLab force pushes (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let ingest: string;
    let auditor: string;
    let repo: TempRepo;
    let delivery = 0;

    before(async () => {
      opened = await backend.open();
      server = await startServer({ db: opened.db, port: 0, host: '127.0.0.1', config: { rateLimit: false } });
      ingest = await token(opened.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      auditor = await token(opened.db, { name: 'auditor', role: 'auditor' });
      const set = await callOverHttp(
        server.url,
        server.adminToken!,
        'POST',
        '/api/v1/admin/webhook-secrets',
        {
          host: 'gitlab',
          repo: PROJECT,
          secret: SECRET,
        },
      );
      assert.equal(set.status, 201, JSON.stringify(set.body));
      repo = tempRepo();
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      repo?.cleanup();
    });

    const deliver = async (push: { before: string; after: string; commits: string[] }) => {
      const res = await deliverGitLab(server.url, {
        secret: SECRET,
        event: 'Push Hook',
        id: `gitlab-${backend.name}-${++delivery}`,
        payload: gitlabPush(repo, { project: PROJECT, ...push }),
      });
      assert.equal(res.status, 201, await res.text());
    };
    const trailPush = async () => {
      await pushTo(repo.dir, server.url, ingest, PROJECT);
    };
    /** The gaps report's rows about code-host pushes, as `gap commit`. */
    const hostGaps = async () => {
      const answer = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/reports/gaps?repo=${encodeURIComponent(PROJECT)}&format=json`,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const rows: Array<Record<string, string>> = answer.body.sections.flatMap(
        (section: { table?: { rows: Array<Record<string, string>> } }) => section.table?.rows ?? [],
      );
      return rows.filter((r) => r.gap === 'unsent-commit' || r.gap === 'force-push');
    };

    test('pushes that add commits, a merge among them, are not flagged', async () => {
      repo.write('src/app.ts', 'export const app = 1;\n');
      const base = repo.commit('base');
      await trailPush();
      await deliver({ before: ZERO, after: base, commits: [base] });

      repo.write('src/app.ts', 'export const app = 2;\n');
      const second = repo.commit('second');
      repo.git('checkout', '-q', '-b', 'feature', base);
      repo.write('src/feature.ts', 'export const feature = 1;\n');
      const feature = repo.commit('a feature');
      repo.git('checkout', '-q', 'main');
      repo.git('merge', '-q', '--no-ff', '-m', "Merge branch 'feature' into 'main'", 'feature');
      const merge = repo.git('rev-parse', 'HEAD');
      await trailPush();
      // One push took main from base to the merge: GitLab lists what it added, oldest first.
      await deliver({ before: base, after: merge, commits: [second, feature, merge] });
      assert.deepEqual(await hostGaps(), []);
    });

    test('a rewrite is flagged once trail push has sent the rewritten branch', async () => {
      const head = repo.git('rev-parse', 'HEAD');
      repo.git('reset', '-q', '--hard', 'HEAD~1');
      repo.write('src/app.ts', 'export const app = 3;\n');
      const rewritten = repo.commit('rewritten history');
      // GitLab's before is the head it replaced, as for any push: nothing in it says forced.
      await deliver({ before: head, after: rewritten, commits: [rewritten] });

      // Not sent yet: the server cannot tell, and says only what it knows.
      assert.deepEqual(
        (await hostGaps()).map((r) => `${r.gap} ${r.commit}`),
        [`unsent-commit ${rewritten}`],
      );
      const unsent = await callOverHttp(server.url, auditor, 'GET', `/api/v1/commits/${rewritten}`);
      assert.deepEqual(
        unsent.body.reported.map((r: { host: string; forced: boolean | null }) => [r.host, r.forced]),
        [['gitlab', null]],
      );
      // The dashboard's page of that commit says so too, rather than "no".
      const signedIn = await fetch(`${server.url}/ui/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        body: new URLSearchParams({ token: auditor, next: '/ui' }).toString(),
        redirect: 'manual',
      });
      assert.equal(signedIn.status, 303);
      const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      const page = await fetch(`${server.url}/ui/commits/${rewritten}`, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<td>gitlab<\/td>.*<span class="faint">not known yet<\/span>/);

      await trailPush();
      const gaps = await hostGaps();
      assert.deepEqual(
        gaps.map((r) => `${r.gap} ${r.commit}`),
        [`force-push ${rewritten}`],
      );
      assert.match(
        gaps[0]!.detail ?? '',
        new RegExp(`^main on gitlab was force-pushed from ${head.slice(0, 12)} to ${rewritten.slice(0, 12)}`),
      );
    });

    test('a new head whose history has a commit missing is not flagged', async () => {
      const head = repo.git('rev-parse', 'HEAD');
      // A commit the server holds whose parent it does not (as from a shallow clone): whether
      // the old head is behind it cannot be told.
      const orphan = 'a'.repeat(40);
      const sent = await callOverHttp(server.url, ingest, 'POST', repoPath(PROJECT, 'commits'), {
        commits: [
          {
            sha: orphan,
            parents: ['b'.repeat(40)],
            author: 'Test Author',
            authorEmail: 'author@example.com',
            date: '2026-03-01T12:00:00Z',
            subject: 'on top of a commit never sent',
            paths: ['src/app.ts'],
          },
        ],
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const res = await deliverGitLab(server.url, {
        secret: SECRET,
        event: 'Push Hook',
        payload: {
          ...(gitlabPush(repo, { project: PROJECT, before: head, after: head, commits: [] }) as object),
          after: orphan,
          checkout_sha: orphan,
        },
      });
      assert.equal(res.status, 201, await res.text());
      assert.deepEqual(
        (await hostGaps()).map((r) => r.gap),
        ['force-push'],
        'only the rewrite proven above',
      );
    });
  });
}
