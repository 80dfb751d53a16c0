/**
 * `trail import github-review|gitlab-approval FILE` with the real webhook payloads from
 * test/fixtures/webhooks/, pointed at commits of a repository built here: the pull/merge
 * request is mapped to its commits and checkpoints (code-host-mapping.ts) and recorded as
 * observed reviews. Unknown commits and malformed payloads are one line, nothing recorded.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON fixture, edited by path in each test
function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

function aiCommit(repo: TempRepo, path: string, content: string, message: string): string {
  const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${path}`);
  agent.write(path, content);
  agent.stop();
  repo.git('add', path);
  repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

async function ledgerSize(repo: TempRepo): Promise<number> {
  return JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout).records as number;
}

async function show(repo: TempRepo, ref: string) {
  const result = await trail(repo.dir, 'show', ref, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('trail import github-review / gitlab-approval', () => {
  let repo: TempRepo;
  let payloads: string;
  let base: string;
  let first: string;
  let human: string;
  let head: string;

  before(() => {
    repo = tempRepo();
    payloads = tempDir('trail-payloads-');
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    base = repo.commit('trust this clone');
    repo.git('checkout', '-q', '-b', 'fix-retry');
    first = aiCommit(repo, 'src/retry.ts', 'export const retries = 2;\n', 'Retry uploads');
    repo.write('CHANGELOG.md', 'retry uploads\n');
    human = repo.commit('Changelog by hand');
    head = aiCommit(repo, 'src/backoff.ts', 'export const backoffMs = 250;\n', 'Backoff');
    // main moves on after the branch was cut: its new commit is not part of the PR.
    repo.git('checkout', '-q', 'main');
    repo.commit('unrelated work on main');
    repo.git('checkout', '-q', 'fix-retry');
  });
  after(() => repo.cleanup());

  function save(name: string, payload: unknown): string {
    const path = join(payloads, name);
    writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2));
    return path;
  }

  function githubReview(file: string): string {
    const p = fixture(file);
    p.review.commit_id = head;
    p.pull_request.head.sha = head;
    p.pull_request.base.sha = base;
    return save(file, p);
  }

  test('a GitHub approval covers every commit of the PR (base.sha..head.sha), bound to their checkpoints', async () => {
    const file = githubReview('github-pull_request_review-approved.json');
    const before = await ledgerSize(repo);
    const result = await trail(repo.dir, 'import', 'github-review', file);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^pull request #42: recorded octocat's approve for 3 commits \(2 with a checkpoint; [0-9a-f]{12}\.\.[0-9a-f]{12}\)\n$/,
    );
    assert.equal(await ledgerSize(repo), before + 3);

    const view = await show(repo, head);
    const review = view.reviews[0];
    assert.equal(review.checkpoint, view.id);
    assert.equal(review.commit, head);
    assert.equal(review.reviewer, 'octocat');
    assert.equal(review.decision, 'approve');
    assert.equal(review.source, 'github');
    assert.equal(review.provenance, 'observed');
    assert.equal(review.time, '2025-03-04T11:02:17Z');
    assert.equal(review.message, 'Retry path is covered by the new tests. LGTM.');
    assert.equal(
      review.externalUrl,
      'https://github.com/Codertocat/Hello-World/pull/42#pullrequestreview-2378956710',
    );
    assert.equal(review.reviewerIsAuthor, false);
    assert.equal(review.signature, undefined);
    assert.equal(view.approval.state, 'approved');
    assert.equal((await show(repo, first)).reviews[0].reviewer, 'octocat');

    // The hand-written commit has no checkpoint; its review names the commit alone.
    const json = await trail(repo.dir, 'import', 'github-review', file, '--json');
    assert.equal(json.code, 0, json.stderr);
    const again = JSON.parse(json.stdout);
    assert.deepEqual(again.commits, [first, human, head]);
    assert.deepEqual(again.recorded, [], 'importing the same payload twice records nothing');
    assert.equal(again.alreadyRecorded, 3);
    assert.equal(await ledgerSize(repo), before + 3);
    assert.equal((await trail(repo.dir, 'verify')).code, 0);
  });

  test('a GitHub "changes requested" review is recorded with its decision', async () => {
    const file = githubReview('github-pull_request_review-changes_requested.json');
    const result = await trail(repo.dir, 'import', 'github-review', file);
    assert.equal(result.code, 0, result.stderr);
    const view = await show(repo, head);
    const review = view.reviews.find((r: { reviewer: string }) => r.reviewer === 'hubot');
    assert.equal(review.decision, 'request-changes');
    assert.equal(view.approval.state, 'changes-requested');
  });

  test('a GitLab approval: last_commit and its first parents back to the merge-base with the target branch', async () => {
    const p = fixture('gitlab-merge_request-approved.json');
    p.object_attributes.last_commit.id = head;
    const result = await trail(repo.dir, 'import', 'gitlab-approval', save('gitlab.json', p), '--json');
    assert.equal(result.code, 0, result.stderr);
    const outcome = JSON.parse(result.stdout);
    assert.deepEqual(outcome.commits, [first, human, head]);
    assert.equal(outcome.recorded.length, 3);
    assert.match(outcome.how, /merge-base with main/);
    const review = (await show(repo, first)).reviews.find((r: { source: string }) => r.source === 'gitlab');
    assert.equal(review.reviewer, 'jreviewer');
    assert.equal(review.decision, 'approve');
    assert.equal(review.provenance, 'observed');
    assert.equal(review.time, '2025-03-04T11:30:05Z');
    assert.equal(review.externalUrl, 'http://example.com/gitlabhq/gitlab-test/-/merge_requests/7');
  });

  test('unknown commits, malformed and foreign payloads: one line, nothing recorded', async () => {
    const before = await ledgerSize(repo);
    const dismissed = fixture('github-pull_request_review-approved.json');
    dismissed.review.state = 'dismissed';
    const noState = fixture('github-pull_request_review-approved.json');
    delete noState.review.state;
    const cases: Array<[string, string, RegExp]> = [
      // The fixtures as shipped name commits this repository never had.
      [
        'github-review',
        save('unknown.json', fixture('github-pull_request_review-approved.json')),
        /^trail: pull request #42 of Codertocat\/Hello-World: commit ec26c3e57ca3 is not in this repository \(fetch the branch first\); nothing recorded\n$/,
      ],
      [
        'gitlab-approval',
        save('unknown-mr.json', fixture('gitlab-merge_request-approved.json')),
        /^trail: merge request !7 of gitlabhq\/gitlab-test: commit da1560886d4f is not in this repository/,
      ],
      [
        'github-review',
        save('truncated.json', '{"action": "submitted", "review": {'),
        /^trail: \S+truncated\.json is not valid JSON: /,
      ],
      [
        'github-review',
        save('no-state.json', noState),
        /^trail: \S+no-state\.json: pull_request_review payload: missing review\.state\n$/,
      ],
      [
        'github-review',
        save('dismissed.json', dismissed),
        /: nothing to record: pull_request_review in state "dismissed" is not a decision\n$/,
      ],
      [
        'gitlab-approval',
        save('deployment.json', fixture('gitlab-deployment.json')),
        /^trail: \S+deployment\.json: a deployment event, not a review\n$/,
      ],
      [
        'github-review',
        join(payloads, 'missing.json'),
        /^trail: cannot read \S+missing\.json: no such file\n$/,
      ],
    ];
    for (const [kind, file, message] of cases) {
      const result = await trail(repo.dir, 'import', kind, file);
      assert.equal(result.code, 1, `${file}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, 'one line');
    }
    assert.equal(await ledgerSize(repo), before);
  });
});
