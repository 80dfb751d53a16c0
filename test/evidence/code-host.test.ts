/**
 * GitHub and GitLab webhook payloads mapped to Trail's terms, using deliveries trimmed from
 * the documented examples (test/fixtures/webhooks/README.md), plus malformed payloads and
 * the two webhook authentication checks.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TrailError } from '../../src/core/errors.js';
import { validateRecord } from '../../src/core/records.js';
import {
  type CodeHostEvent,
  parseGitHubEvent,
  parseGitLabEvent,
  verifyGitHubSignature,
  verifyGitLabToken,
} from '../../src/evidence/code-host.js';

const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);

function raw(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** A fresh, mutable copy of a fixture payload; tests edit it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON fixture, edited by path in each test
function payload(name: string): Record<string, any> {
  return JSON.parse(raw(name));
}

function assertInvalid(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
    assert.equal(error.code, 'INPUT_INVALID');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const MERGE = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85';

describe('GitHub', () => {
  test('pull_request_review approved', () => {
    assert.deepEqual(
      parseGitHubEvent('pull_request_review', payload('github-pull_request_review-approved.json')),
      {
        type: 'review',
        host: 'github',
        repo: 'Codertocat/Hello-World',
        number: 42,
        headSha: HEAD,
        baseSha: BASE,
        baseRef: 'main',
        headRef: 'fix-retry',
        reviewer: 'octocat',
        decision: 'approve',
        at: '2025-03-04T11:02:17Z',
        url: 'https://github.com/Codertocat/Hello-World/pull/42#pullrequestreview-2378956710',
        body: 'Retry path is covered by the new tests. LGTM.',
        author: 'Codertocat',
      },
    );
  });

  test('pull_request_review changes_requested and commented', () => {
    const event = parseGitHubEvent(
      'pull_request_review',
      payload('github-pull_request_review-changes_requested.json'),
    );
    assert.equal(event.type, 'review');
    if (event.type !== 'review') return;
    assert.equal(event.decision, 'request-changes');
    assert.equal(event.reviewer, 'hubot');
    assert.equal(event.body, 'Please cap the backoff; an unbounded retry can hang the job.');

    const commented = payload('github-pull_request_review-approved.json');
    commented.review.state = 'commented';
    commented.review.body = null;
    const mapped = parseGitHubEvent('pull_request_review', commented);
    assert.equal(mapped.type === 'review' && mapped.decision, 'comment');
    assert.equal(mapped.type === 'review' && 'body' in mapped, false, 'a null body is left out');
  });

  test('the review is bound to the commit reviewed, not to a head that moved on', () => {
    const p = payload('github-pull_request_review-approved.json');
    p.pull_request.head.sha = MERGE;
    const event = parseGitHubEvent('pull_request_review', p);
    assert.equal(event.type === 'review' && event.headSha, HEAD);
    delete p.review.commit_id;
    const fallback = parseGitHubEvent('pull_request_review', p);
    assert.equal(fallback.type === 'review' && fallback.headSha, MERGE);
  });

  test('dismissed, edited and pending reviews are ignored with a reason', () => {
    const dismissed = payload('github-pull_request_review-approved.json');
    dismissed.action = 'dismissed';
    dismissed.review.state = 'dismissed';
    assert.deepEqual(parseGitHubEvent('pull_request_review', dismissed), {
      type: 'ignored',
      reason: 'pull_request_review action "dismissed" is not recorded (only submitted)',
    });
    const edited = payload('github-pull_request_review-approved.json');
    edited.action = 'edited';
    assert.equal(parseGitHubEvent('pull_request_review', edited).type, 'ignored');
    const pending = payload('github-pull_request_review-approved.json');
    pending.review.state = 'PENDING';
    assert.deepEqual(parseGitHubEvent('pull_request_review', pending), {
      type: 'ignored',
      reason: 'pull_request_review in state "pending" is not a decision',
    });
  });

  test('pull_request closed and merged', () => {
    assert.deepEqual(parseGitHubEvent('pull_request', payload('github-pull_request-closed-merged.json')), {
      type: 'merged',
      host: 'github',
      repo: 'Codertocat/Hello-World',
      number: 42,
      mergeCommitSha: MERGE,
      headSha: HEAD,
      at: '2025-03-04T12:00:05Z',
    });
  });

  test('pull_request closed without merging, or another action, is ignored', () => {
    const closed = payload('github-pull_request-closed-merged.json');
    closed.pull_request.merged = false;
    closed.pull_request.merged_at = null;
    assert.deepEqual(parseGitHubEvent('pull_request', closed), {
      type: 'ignored',
      reason: 'pull request closed without merging',
    });
    const opened = payload('github-pull_request-closed-merged.json');
    opened.action = 'opened';
    assert.equal(parseGitHubEvent('pull_request', opened).type, 'ignored');
  });

  test('deployment_status', () => {
    assert.deepEqual(parseGitHubEvent('deployment_status', payload('github-deployment_status.json')), {
      type: 'deployment',
      host: 'github',
      repo: 'Codertocat/Hello-World',
      env: 'production',
      sha: MERGE,
      status: 'success',
      url: 'https://github.com/Codertocat/Hello-World/actions/runs/8123456789/job/22200011',
      at: '2025-03-04T12:10:42Z',
    });
  });

  test('deployment states map to the record statuses; an empty target_url falls back', () => {
    const states: Array<[string, string]> = [
      ['in_progress', 'in-progress'],
      ['queued', 'pending'],
      ['pending', 'pending'],
      ['failure', 'failure'],
      ['error', 'error'],
      ['inactive', 'inactive'],
    ];
    for (const [state, status] of states) {
      const p = payload('github-deployment_status.json');
      p.deployment_status.state = state;
      const event = parseGitHubEvent('deployment_status', p);
      assert.equal(event.type === 'deployment' && event.status, status, state);
    }
    const p = payload('github-deployment_status.json');
    p.deployment_status.target_url = '';
    delete p.deployment_status.log_url;
    const event = parseGitHubEvent('deployment_status', p);
    assert.equal(event.type === 'deployment' && event.url, 'https://hello-world.example.com');
  });

  test('push', () => {
    assert.deepEqual(parseGitHubEvent('push', payload('github-push.json')), {
      type: 'push',
      host: 'github',
      repo: 'Codertocat/Hello-World',
      ref: 'refs/heads/main',
      before: BASE,
      after: MERGE,
      commits: [HEAD, MERGE],
      defaultBranch: 'main',
      forced: false,
    });
  });

  test('push: a payload without default_branch names the default branch by master_branch', () => {
    const p = payload('github-push.json');
    delete p.repository.default_branch;
    const without = parseGitHubEvent('push', p);
    assert.equal(without.type === 'push' && 'defaultBranch' in without, false, 'neither: none');
    p.repository.master_branch = 'trunk';
    const older = parseGitHubEvent('push', p);
    assert.equal(older.type === 'push' && older.defaultBranch, 'trunk');
  });

  test('other events are ignored, whatever their payload', () => {
    assert.deepEqual(parseGitHubEvent('ping', { zen: 'Design for failure.' }), {
      type: 'ignored',
      reason: 'GitHub ping: the webhook is configured',
    });
    assert.deepEqual(parseGitHubEvent('issues', null), {
      type: 'ignored',
      reason: 'GitHub event "issues" is not one Trail records',
    });
  });

  test('mapped events make valid review and deployment records', () => {
    const review = parseGitHubEvent(
      'pull_request_review',
      payload('github-pull_request_review-approved.json'),
    );
    const deployment = parseGitHubEvent('deployment_status', payload('github-deployment_status.json'));
    assert.ok(review.type === 'review' && deployment.type === 'deployment');
    const header = { v: 1, actor: { type: 'service', id: 'github' }, provenance: 'observed' } as const;
    validateRecord({
      kind: 'review',
      ...header,
      time: review.at,
      commit: review.headSha,
      reviewer: review.reviewer,
      decision: review.decision,
      message: review.body,
      reviewerIsAuthor: review.reviewer === review.author,
      source: 'github',
      externalUrl: review.url,
    });
    validateRecord({
      kind: 'deployment',
      ...header,
      time: deployment.at,
      env: deployment.env,
      commit: deployment.sha,
      status: deployment.status,
      url: deployment.url,
    });
  });
});

describe('GitHub malformed payloads', () => {
  test('not an object', () => {
    for (const bad of [null, [], 'submitted', 42]) {
      assertInvalid(
        () => parseGitHubEvent('pull_request_review', bad),
        'pull_request_review payload: not a JSON object',
      );
    }
  });

  test('missing fields are named by path', () => {
    const noState = payload('github-pull_request_review-approved.json');
    delete noState.review.state;
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', noState),
      'pull_request_review payload: missing review.state',
    );

    const noReview = payload('github-pull_request_review-approved.json');
    delete noReview.review;
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', noReview),
      'pull_request_review payload: missing review.state',
    );

    const ghost = payload('github-pull_request_review-approved.json');
    ghost.review.user = null;
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', ghost),
      'pull_request_review payload: missing review.user.login',
    );

    const noSha = payload('github-deployment_status.json');
    delete noSha.deployment.sha;
    assertInvalid(
      () => parseGitHubEvent('deployment_status', noSha),
      'deployment_status payload: missing deployment.sha',
    );

    const noMergedAt = payload('github-pull_request-closed-merged.json');
    noMergedAt.pull_request.merged_at = null;
    assertInvalid(
      () => parseGitHubEvent('pull_request', noMergedAt),
      'pull_request payload: missing pull_request.merged_at',
    );
  });

  test('wrong types and values', () => {
    const numberLogin = payload('github-pull_request_review-approved.json');
    numberLogin.review.user.login = 42;
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', numberLogin),
      'pull_request_review payload: review.user.login must be a string, not number 42',
    );
    const stringNumber = payload('github-pull_request_review-approved.json');
    stringNumber.pull_request.number = '42';
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', stringNumber),
      'pull_request_review payload: pull_request.number must be a non-negative integer, not string "42"',
    );
    const shortSha = payload('github-push.json');
    shortSha.commits[1].id = 'c4295bd';
    assertInvalid(
      () => parseGitHubEvent('push', shortSha),
      'push payload: commits[1].id is not a full commit id ("c4295bd")',
    );
    const badTime = payload('github-pull_request_review-approved.json');
    badTime.review.submitted_at = 'yesterday';
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', badTime),
      'pull_request_review payload: review.submitted_at is not a timestamp ("yesterday")',
    );
    const badState = payload('github-pull_request_review-approved.json');
    badState.review.state = 'lgtm';
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', badState),
      'pull_request_review payload: review.state "lgtm" is not one of approved, changes_requested, commented',
    );
    const inherited = payload('github-pull_request_review-approved.json');
    inherited.review.state = 'constructor';
    assertInvalid(
      () => parseGitHubEvent('pull_request_review', inherited),
      'pull_request_review payload: review.state "constructor" is not one of approved, changes_requested, commented',
    );
    const badDeploy = payload('github-deployment_status.json');
    badDeploy.deployment_status.state = 'exploded';
    assertInvalid(
      () => parseGitHubEvent('deployment_status', badDeploy),
      'deployment_status payload: deployment_status.state "exploded" is not a deployment state',
    );
  });
});

describe('GitLab', () => {
  test('Merge Request Hook, action approved; GitLab times are converted to ISO 8601', () => {
    assert.deepEqual(parseGitLabEvent('Merge Request Hook', payload('gitlab-merge_request-approved.json')), {
      type: 'review',
      host: 'gitlab',
      repo: 'gitlabhq/gitlab-test',
      number: 7,
      headSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      baseRef: 'main',
      headRef: 'ms-viewport',
      reviewer: 'jreviewer',
      decision: 'approve',
      at: '2025-03-04T11:30:05Z',
      url: 'http://example.com/gitlabhq/gitlab-test/-/merge_requests/7',
    });
  });

  test('an individual approval is a review too; withdrawn approvals are ignored', () => {
    const approval = payload('gitlab-merge_request-approved.json');
    approval.object_attributes.action = 'approval';
    const event = parseGitLabEvent('Merge Request Hook', approval);
    assert.equal(event.type === 'review' && event.decision, 'approve');
    for (const action of ['unapproved', 'unapproval']) {
      const p = payload('gitlab-merge_request-approved.json');
      p.object_attributes.action = action;
      const mapped = parseGitLabEvent('Merge Request Hook', p);
      assert.equal(mapped.type, 'ignored');
      assert.match(
        (mapped as Extract<CodeHostEvent, { type: 'ignored' }>).reason,
        new RegExp(`withdrawn \\(${action}\\)`),
      );
    }
    const update = payload('gitlab-merge_request-approved.json');
    update.object_attributes.action = 'update';
    assert.deepEqual(parseGitLabEvent('Merge Request Hook', update), {
      type: 'ignored',
      reason: 'merge request action "update" is not recorded',
    });
  });

  test('the reviewer falls back on the e-mail when there is no username', () => {
    const p = payload('gitlab-merge_request-approved.json');
    delete p.user.username;
    p.user.email = 'jane@example.com';
    const event = parseGitLabEvent('Merge Request Hook', p);
    assert.equal(event.type === 'review' && event.reviewer, 'jane@example.com');
  });

  test('action merge', () => {
    const p = payload('gitlab-merge_request-approved.json');
    p.object_attributes.action = 'merge';
    p.object_attributes.state = 'merged';
    p.object_attributes.merge_commit_sha = MERGE;
    assert.deepEqual(parseGitLabEvent('Merge Request Hook', p), {
      type: 'merged',
      host: 'gitlab',
      repo: 'gitlabhq/gitlab-test',
      number: 7,
      mergeCommitSha: MERGE,
      headSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      at: '2025-03-04T11:30:05Z',
    });
  });

  test('Deployment Hook: the full commit id comes from commit_url, the offset is kept', () => {
    assert.deepEqual(parseGitLabEvent('Deployment Hook', payload('gitlab-deployment.json')), {
      type: 'deployment',
      host: 'gitlab',
      repo: 'root/test-deployment-webhooks',
      env: 'staging',
      sha: '279484c09fbe69ededfced8c1bb6e6d24616b468',
      status: 'success',
      url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
      at: '2021-04-28T21:50:00+02:00',
    });
  });

  test('deployment statuses; API deployments without deployable_url use the environment URL', () => {
    const states: Array<[string, string]> = [
      ['running', 'in-progress'],
      ['failed', 'failure'],
      ['canceled', 'error'],
      ['created', 'pending'],
    ];
    for (const [state, status] of states) {
      const p = payload('gitlab-deployment.json');
      p.status = state;
      const event = parseGitLabEvent('Deployment Hook', p);
      assert.equal(event.type === 'deployment' && event.status, status, state);
    }
    const api = payload('gitlab-deployment.json');
    api.deployable_url = null;
    const event = parseGitLabEvent('Deployment Hook', api);
    assert.equal(event.type === 'deployment' && event.url, 'https://staging.example.com');
  });

  test('without the header (a saved payload) or from a System Hook, object_kind decides', () => {
    const fromFile = parseGitLabEvent('', payload('gitlab-merge_request-approved.json'));
    assert.equal(fromFile.type, 'review');
    const system = parseGitLabEvent('System Hook', payload('gitlab-deployment.json'));
    assert.equal(system.type, 'deployment');
    assert.equal(
      parseGitLabEvent('merge_request', payload('gitlab-merge_request-approved.json')).type,
      'review',
    );
  });

  test('Push Hook', () => {
    const p = {
      object_kind: 'push',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      ref: 'refs/heads/master',
      project: { path_with_namespace: 'mike/diaspora' },
      commits: [
        { id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327' },
        { id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' },
      ],
    };
    assert.deepEqual(parseGitLabEvent('Push Hook', p), {
      type: 'push',
      host: 'gitlab',
      repo: 'mike/diaspora',
      ref: 'refs/heads/master',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      commits: ['b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'],
    });
    // GitLab lists at most 20 commits: the total says when the list is short.
    const long = { ...p, project: { ...p.project, default_branch: 'master' }, total_commits_count: 31 };
    const event = parseGitLabEvent('Push Hook', long);
    assert.equal(event.type === 'push' && event.defaultBranch, 'master');
    assert.equal(event.type === 'push' && event.totalCommits, 31);
    const complete = parseGitLabEvent('Push Hook', { ...long, total_commits_count: 2 });
    assert.equal(complete.type === 'push' && 'totalCommits' in complete, false);
    assert.throws(
      () => parseGitLabEvent('Push Hook', { ...long, total_commits_count: '31' }),
      /total_commits_count must be a non-negative integer/,
    );
  });

  test('other hooks are ignored', () => {
    assert.deepEqual(parseGitLabEvent('Pipeline Hook', { object_kind: 'pipeline' }), {
      type: 'ignored',
      reason: 'GitLab event "Pipeline Hook" is not one Trail records',
    });
    assert.equal(parseGitLabEvent('constructor', {}).type, 'ignored');
    assert.equal(parseGitLabEvent('', { object_kind: 'toString' }).type, 'ignored');
  });
});

describe('GitLab malformed payloads', () => {
  test('not an object, missing and wrong fields', () => {
    assertInvalid(
      () => parseGitLabEvent('Merge Request Hook', 'approved'),
      'Merge Request Hook payload: not a JSON object',
    );
    const noCommit = payload('gitlab-merge_request-approved.json');
    delete noCommit.object_attributes.last_commit;
    assertInvalid(
      () => parseGitLabEvent('Merge Request Hook', noCommit),
      'Merge Request Hook payload: missing object_attributes.last_commit.id',
    );
    const noUser = payload('gitlab-merge_request-approved.json');
    delete noUser.user;
    assertInvalid(
      () => parseGitLabEvent('Merge Request Hook', noUser),
      'Merge Request Hook payload: missing user.username',
    );
    const badTime = payload('gitlab-merge_request-approved.json');
    badTime.object_attributes.updated_at = '2025-03-04 11:30:05 CET';
    assertInvalid(
      () => parseGitLabEvent('Merge Request Hook', badTime),
      'Merge Request Hook payload: object_attributes.updated_at is not a timestamp ("2025-03-04 11:30:05 CET")',
    );
  });

  test('a deployment whose commit cannot be identified in full', () => {
    const mismatch = payload('gitlab-deployment.json');
    mismatch.short_sha = 'deadbeef';
    assertInvalid(
      () => parseGitLabEvent('Deployment Hook', mismatch),
      'Deployment Hook payload: commit_url 279484c09fbe69ededfced8c1bb6e6d24616b468 does not match short_sha deadbeef',
    );
    const noUrl = payload('gitlab-deployment.json');
    delete noUrl.commit_url;
    assertInvalid(
      () => parseGitLabEvent('Deployment Hook', noUrl),
      'Deployment Hook payload: missing commit_url',
    );
    const shortUrl = payload('gitlab-deployment.json');
    shortUrl.commit_url = 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/commit/279484c0';
    assertInvalid(
      () => parseGitLabEvent('Deployment Hook', shortUrl),
      /^Deployment Hook payload: commit_url does not end in a full commit id/,
    );
    const badStatus = payload('gitlab-deployment.json');
    badStatus.status = 'exploded';
    assertInvalid(
      () => parseGitLabEvent('Deployment Hook', badStatus),
      'Deployment Hook payload: status "exploded" is not a deployment status',
    );
  });
});

describe('webhook authentication', () => {
  const secret = 'trail-webhook-secret';

  test("GitHub's documented test vector", () => {
    // docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation".
    assert.ok(
      verifyGitHubSignature(
        "It's a Secret to Everybody",
        'Hello, World!',
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    );
  });

  test('X-Hub-Signature-256 over the raw body, as bytes or text', () => {
    const body = raw('github-pull_request_review-approved.json');
    const header = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    assert.equal(verifyGitHubSignature(secret, body, header), true);
    assert.equal(verifyGitHubSignature(secret, new TextEncoder().encode(body), header), true);
    assert.equal(
      verifyGitHubSignature(secret, body, header.toUpperCase().replace('SHA256=', 'sha256=')),
      true,
    );
  });

  test('a tampered body, another secret or a garbled header fails', () => {
    const body = raw('github-pull_request_review-approved.json');
    const header = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const tampered = body.replace('"state": "approved"', '"state": "approved" ');
    assert.notEqual(tampered, body);
    assert.equal(verifyGitHubSignature(secret, tampered, header), false);
    assert.equal(verifyGitHubSignature('another-secret', body, header), false);
    assert.equal(
      verifyGitHubSignature('', body, `sha256=${createHmac('sha256', '').update(body).digest('hex')}`),
      false,
    );
    for (const garbled of [
      undefined,
      '',
      'sha256=',
      header.slice(0, -2),
      `${header}00`,
      header.replace('sha256=', 'sha1='),
      `sha256=${'zz'.repeat(32)}`,
    ]) {
      assert.equal(verifyGitHubSignature(secret, body, garbled), false, String(garbled));
    }
  });

  test('X-Gitlab-Token', () => {
    assert.equal(verifyGitLabToken(secret, secret), true);
    assert.equal(verifyGitLabToken(secret, `${secret}x`), false);
    assert.equal(verifyGitLabToken(secret, 'short'), false);
    assert.equal(verifyGitLabToken(secret, undefined), false);
    assert.equal(verifyGitLabToken('', ''), false);
  });
});
