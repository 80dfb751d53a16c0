/**
 * `trail review` over checkpoints sealed by real Claude Code hooks: approve, request
 * changes and comment round-trip through `trail show --json`, threads keep each comment with
 * its response, self-review is recorded as such, ranges review every checkpoint, and every
 * mistake is one line with nothing recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { reviewSigningBytes } from '../../src/chain/review.js';
import { verifySignature } from '../../src/core/signature.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

function aiCommit(repo: TempRepo, path: string, content: string, message: string): string {
  const agent = new ScriptedClaude(repo.dir).start().prompt(`PROJ-12: write ${path}`);
  agent.write(path, content);
  agent.stop();
  repo.git('add', path);
  repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

async function show(repo: TempRepo, ref = 'HEAD') {
  const result = await trail(repo.dir, 'show', ref, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

async function ledgerSize(repo: TempRepo): Promise<number> {
  const result = await trail(repo.dir, 'verify', '--json');
  return JSON.parse(result.stdout).records as number;
}

describe('trail review', () => {
  let repo: TempRepo;
  let first: string;
  let second: string;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.commit('trust this clone');
    first = aiCommit(repo, 'src/retry.ts', 'export const retries = 2;\n', 'Retry uploads');
    second = aiCommit(repo, 'src/backoff.ts', 'export const backoffMs = 250;\n', 'Backoff');
  });
  after(() => repo.cleanup());

  test('approve: a signed review bound to the checkpoint hash, shown as approved and unchanged', async () => {
    const result = await trail(
      repo.dir,
      'review',
      first,
      '--approve',
      '--reviewer',
      'rev@example.com',
      '--message',
      'Retry count matches the ticket',
      '--examined-reasoning',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^rev@example\.com approved checkpoint [0-9a-f]{12} \(commit [0-9a-f]{12}\), signed with key/,
    );
    const view = await show(repo, first);
    assert.equal(view.reviews.length, 1);
    const review = view.reviews[0];
    assert.equal(review.checkpoint, view.id);
    assert.equal(review.commit, first);
    assert.equal(review.decision, 'approve');
    assert.equal(review.reviewer, 'rev@example.com');
    assert.equal(review.examinedReasoning, true);
    assert.equal(review.source, 'trail');
    assert.equal(review.provenance, 'human');
    assert.equal(review.reviewerIsAuthor, false);
    assert.equal(review.reviewerIsRequester, false);
    assert.deepEqual(review.comments, []);
    assert.deepEqual(view.approval, {
      state: 'approved',
      unchangedSinceApproval: true,
      detail: 'approved by rev@example.com, unchanged since approval',
    });
    // The signature is over the DSSE PAE of the bound fields, with this clone's (the reviewer's) key.
    const keys = JSON.parse((await trail(repo.dir, 'keys', 'list', '--json')).stdout);
    const key = keys.trusted.find((k: { keyId: string }) => k.keyId === keys.writer);
    assert.equal(review.signature.keyId, keys.writer);
    assert.ok(verifySignature(reviewSigningBytes(review), review.signature.sig, key.publicKey));
    assert.ok(
      !verifySignature(
        reviewSigningBytes({ ...review, decision: 'comment' }),
        review.signature.sig,
        key.publicKey,
      ),
    );
    const md = await trail(repo.dir, 'show', first, '--md');
    assert.match(md.stdout, /\*\*Review:\*\* approved by rev@example\.com, unchanged since approval/);
  });

  test('request changes, a numbered thread, and a response that keeps the comment beside it', async () => {
    const asked = await trail(
      repo.dir,
      'review',
      first,
      '--request-changes',
      '--reviewer',
      'second@example.com',
      '-m',
      'Why retry *twice*? | not three',
    );
    assert.equal(asked.code, 0, asked.stderr);
    let view = await show(repo, first);
    assert.equal(view.approval.state, 'changes-requested');
    assert.equal(view.reviews.at(-1).decision, 'request-changes');
    assert.equal(view.reviews.at(-1).message, 'Why retry *twice*? | not three');

    // The commit's author answers comment #2 (#1 is the approval's message).
    const answered = await trail(
      repo.dir,
      'review',
      first,
      '--comment',
      '--reviewer',
      'author@example.com',
      '--respond-to',
      '2',
      '--response',
      'The upload API times out once in a while; two retries cover it',
    );
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stderr, /note: the reviewer is also its .*commit author/);
    view = await show(repo, first);
    const response = view.reviews.at(-1);
    assert.equal(response.decision, 'comment');
    assert.equal(response.reviewerIsAuthor, true);
    assert.deepEqual(response.comments, [
      {
        comment: 'Why retry *twice*? | not three',
        response: 'The upload API times out once in a while; two retries cover it',
        by: 'second@example.com',
      },
    ]);
    // A comment does not change a decision: changes are still requested.
    assert.equal(view.approval.state, 'changes-requested');
    const md = (await trail(repo.dir, 'show', first, '--md')).stdout;
    assert.match(
      md,
      /### Review thread\n- #1 rev@example\.com \(approve\): Retry count matches the ticket\n- #2 second@example\.com \(request-changes\): Why retry \\\*twice\\\*\? \\\| not three ↳ author@example\.com: The upload API/,
    );

    const missing = await trail(
      repo.dir,
      'review',
      first,
      '--comment',
      '--respond-to',
      '9',
      '--response',
      'x',
    );
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^trail: checkpoint [0-9a-f]{12} has no comment #9 \(its review thread has 2; see trail show\)\n$/,
    );
  });

  test('the requester reviewing their own request is recorded as such', async () => {
    const view = await show(repo, second);
    const requester = view.sessions[0].request.requester;
    assert.ok(requester, 'the session records who asked');
    const result = await trail(
      repo.dir,
      'review',
      second,
      '--comment',
      '--reviewer',
      requester,
      '-m',
      'self check',
    );
    assert.equal(result.code, 0, result.stderr);
    const review = (await show(repo, second)).reviews.at(-1);
    assert.equal(review.reviewerIsRequester, true);
    assert.equal(review.decision, 'comment');
    assert.equal((await show(repo, second)).approval.state, 'commented');
  });

  test('a checkpoint can be named by its key or an id prefix', async () => {
    const view = await show(repo, second);
    const byKey = await trail(
      repo.dir,
      'review',
      view.checkpoint.key,
      '--comment',
      '--reviewer',
      'k@example.com',
      '-m',
      'by key',
      '--json',
    );
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.equal(JSON.parse(byKey.stdout).reviews[0].checkpoint, view.id);
    const byPrefix = await trail(
      repo.dir,
      'review',
      view.id.slice(0, 10),
      '--comment',
      '--reviewer',
      'k@example.com',
      '-m',
      'by id',
      '--json',
    );
    assert.equal(JSON.parse(byPrefix.stdout).reviews[0].checkpoint, view.id);
    const empty = await trail(repo.dir, 'review', second, '--comment', '--reviewer', ' ');
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, 'trail: --reviewer must not be empty\n');
  });

  test('a range reviews every checkpoint in it and names commits without one', async () => {
    repo.write('NOTES.md', 'human notes\n');
    const human = repo.commit('Notes by hand');
    const base = repo.git('rev-parse', `${first}~1`);
    const result = await trail(
      repo.dir,
      'review',
      `${base}..HEAD`,
      '--approve',
      '--reviewer',
      'lead@example.com',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const outcome = JSON.parse(result.stdout);
    assert.deepEqual(
      outcome.reviews.map((r: { commit: string }) => r.commit),
      [first, second],
    );
    assert.deepEqual(outcome.withoutCheckpoint, [human]);
    assert.equal((await show(repo, second)).reviews.at(-1).reviewer, 'lead@example.com');
    // Both reviews in one invocation carry valid signatures: verify checks them.
    const verify = await trail(repo.dir, 'verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stderr, /approvals? checked/);
  });

  test('one-line errors, nothing recorded', async () => {
    const before = await ledgerSize(repo);
    const cases: Array<[string[], number, RegExp]> = [
      [['review', 'HEAD'], 2, /^trail: say what you decided: --approve, --request-changes or --comment\n$/],
      [
        ['review', 'HEAD', '--approve', '--comment'],
        2,
        /^trail: give one decision, not --approve and --comment\n$/,
      ],
      [
        ['review', 'HEAD', '--approve'],
        1,
        /^trail: commit [0-9a-f]{12} has no checkpoint .*nothing to review\n$/,
      ],
      [
        ['review', 'no-such-ref', '--approve'],
        1,
        /^trail: no-such-ref is neither a commit nor a checkpoint\n$/,
      ],
      [
        ['review', 'HEAD~1..HEAD', '--approve'],
        1,
        /^trail: the commit in HEAD~1\.\.HEAD has no checkpoint: nothing to review\n$/,
      ],
      [
        ['review', first, '--comment', '--respond-to', 'x', '--response', 'y'],
        2,
        /^trail: --respond-to takes the number/,
      ],
      [
        ['review', first, '--comment', '--respond-to', '1'],
        2,
        /^trail: --respond-to N needs --response TEXT\n$/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await trail(repo.dir, ...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(await ledgerSize(repo), before);

    const bare = tempRepo();
    try {
      bare.commit('nothing here');
      const result = await trail(bare.dir, 'review', 'HEAD', '--approve');
      assert.equal(result.code, 1);
      assert.equal(result.stderr, 'trail: Trail is not set up in this repository: run `trail init`\n');
    } finally {
      bare.cleanup();
    }
  });
});
