/**
 * After approval a checkpoint is sealed. `trail verify` checks every approval: the bound
 * checkpoint and every record it seals must still be there under the ids the reviewer
 * signed, and the signature must hold. Legitimate later records (a correction, a rewrite of
 * the commit) are notices with exit 0; altered or missing records are problems with exit 1.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkApprovalIntegrity, reviewSignatureVerdict } from '../../src/chain/review.js';
import type { TrustedKey } from '../../src/core/log-verifier.js';
import type { RecordOf, TrailRecord } from '../../src/core/records.js';
import { recordIdOf, validateRecord } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import { entryLines, setEntryLines, tamper } from '../helpers/tamper.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

/**
 * A repository where an agent session (the real hooks) made one commit and `trail review
 * --approve` approved it: the commit, its checkpoint and the review as `trail show` reads it.
 */
async function approvedAgentCommit(
  prompt: string,
  work: (agent: ScriptedClaude) => void,
): Promise<{ repo: TempRepo; commit: string; checkpoint: string; review: Record<string, unknown> }> {
  const repo = tempRepo();
  assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
  repo.commit('trust this clone');
  const agent = new ScriptedClaude(repo.dir).start().prompt(prompt);
  work(agent);
  agent.stop();
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', prompt.replace(/^[A-Z]+-\d+: /, ''));
  const approved = await trail(
    repo.dir,
    'review',
    'HEAD',
    '--approve',
    '--reviewer',
    'rev@example.com',
    '--json',
  );
  assert.equal(approved.code, 0, approved.stderr);
  const view = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout);
  return {
    repo,
    commit: repo.git('rev-parse', 'HEAD'),
    checkpoint: JSON.parse(approved.stdout).reviews[0].checkpoint,
    review: view.reviews[0],
  };
}

describe('approval integrity in trail verify (real hooks, real tampering)', () => {
  let repo: TempRepo;
  let commit: string;
  let checkpoint: string;
  let approvedAt: string;
  let review: Record<string, unknown>;

  before(async () => {
    ({ repo, commit, checkpoint, review } = await approvedAgentCommit(
      'PROJ-12: retry uploads on timeout',
      (agent) => {
        agent.write('src/retry.ts', 'export const retries = 2;\n');
        agent.bash('npm test', 0, 'ok 1');
      },
    ));
    approvedAt = review.time as string;
  });
  after(() => repo.cleanup());

  test('an untouched approval verifies', async () => {
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /all hold\n1 approval checked: every approved checkpoint and the records it seals are as approved\n$/,
    );
    const json = JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout);
    assert.deepEqual(json.approvals, { approvals: 1, problems: [], notices: [] });
  });

  test('a correction after approval is a notice, exit 0, and trail show says what changed', async () => {
    const corrected = await trail(
      repo.dir,
      'record',
      'correction',
      '--target',
      checkpoint,
      '--reason',
      'the ticket was PROJ-13',
    );
    assert.equal(corrected.code, 0, corrected.stderr);
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 0, result.stderr);
    const prefix = `notice: ${checkpoint.slice(0, 12)} approved by rev@example.com at ${approvedAt}: changed after approval: correction [0-9a-f]{12} at \\S+: the ticket was PROJ-13`;
    assert.match(result.stderr, new RegExp(`^${prefix}\n`));
    assert.match(result.stderr, /all hold/);
    const md = (await trail(repo.dir, 'show', 'HEAD', '--md')).stdout;
    assert.match(md, /### Changed after approval\n- correction [0-9a-f]{12} at \S+: the ticket was PROJ-13/);
  });

  test('an amend after approval (a rewritten checkpoint) is a notice, exit 0', async () => {
    writeFileSync(join(repo.dir, 'src/retry.ts'), 'export const retries = 2;\nexport const jitter = true;\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--amend', '--no-edit');
    const amended = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout);
    assert.equal(amended.checkpoint.rewrittenFrom.commit, commit);
    assert.equal(amended.approval.state, 'none', 'the approval does not carry over to the rewritten commit');
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `notice: ${checkpoint.slice(0, 12)} approved by rev@example\\.com at ${approvedAt}: changed after approval: the commit was rewritten \\(\\w+\\) as ${amended.checkpoint.commit.slice(0, 12)}`,
      ),
    );
  });

  test('an altered event of the approved checkpoint fails verify: modified, and changed after approval', async () => {
    const writer = JSON.parse((await trail(repo.dir, 'keys', 'list', '--json')).stdout).writer;
    const ref = `refs/trail/logs/${writer}`;
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      const prompt = lines.find(
        (l) => l.line.includes('"type":"prompt"') && l.line.includes('PROJ-12: retry'),
      );
      assert.ok(prompt, 'the prompt event is in the log');
      prompt.line = prompt.line.replace('PROJ-12: retry', 'PROJ-12: delete');
      setEntryLines(files, lines);
    });
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /: modified: /);
    assert.match(
      result.stderr,
      new RegExp(
        `\n${checkpoint.slice(0, 12)} approved by rev@example\\.com at ${approvedAt}: changed after approval: record [0-9a-f]{12} it seals is missing or was altered\n`,
      ),
    );
    assert.match(result.stderr, /verify failed: \d+ problems in 1 of 1 log; 1 approval problem\n$/);
    const json = await trail(repo.dir, 'verify', '--json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.approvals.problems.length, 1);
    assert.equal(report.approvals.problems[0].checkpoint, checkpoint);
  });
});

describe('approval signatures and notices in trail verify (real git)', () => {
  let repo: TempRepo;
  let approval: Record<string, unknown>;

  before(async () => {
    let review: Record<string, unknown>;
    ({ repo, review } = await approvedAgentCommit('PROJ-40: cache the token', (agent) => {
      agent.write('src/token.ts', 'export const ttl = 60;\n');
    }));
    const { id: _id, ...record } = review;
    approval = record;
    assert.ok(approval.signature, 'trail review signs the approval');
  });
  after(() => repo.cleanup());

  test('more than 11 notices: the first 10 are printed and the rest counted; --json lists all', async () => {
    // Hand-recorded approvals carry no reviewer signature: each is a notice, not a problem.
    const { signature: _signature, ...unsigned } = approval;
    const claims = Array.from({ length: 12 }, (_, i) => ({
      ...unsigned,
      time: new Date(Date.parse(String(approval.time)) + (i + 1) * 1000).toISOString(),
    }));
    const file = join(repo.dir, 'claims.json');
    writeFileSync(file, JSON.stringify(claims));
    const recorded = await trail(repo.dir, 'record', 'review', '--file', file);
    assert.equal(recorded.code, 0, recorded.stderr);
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 0, result.stderr);
    const notices = result.stderr.split('\n').filter((line) => line.startsWith('notice: '));
    assert.equal(notices.length, 11, result.stderr);
    assert.ok(notices.slice(0, 10).every((line) => /not signed by the reviewer/.test(line)));
    assert.equal(notices[10], 'notice: … and 2 more (trail verify --json lists every one)');
    assert.match(result.stderr, /13 approvals checked: .* \(12 notices above\)\n$/);
    const json = JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout);
    assert.equal(json.approvals.notices.length, 12);
  });

  test('an approval whose signature no longer matches its fields fails verify, read from git', async () => {
    // The reviewer's signed fields changed after signing: a later time, another reviewer.
    const forged = {
      ...approval,
      time: new Date(Date.parse(String(approval.time)) + 60_000).toISOString(),
      reviewer: 'mallory@example.com',
    };
    const file = join(repo.dir, 'forged.json');
    writeFileSync(file, JSON.stringify(forged));
    const recorded = await trail(repo.dir, 'record', 'review', '--file', file);
    assert.equal(recorded.code, 0, recorded.stderr);
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /approved by mallory@example\.com at \S+: the reviewer's signature \(key [0-9a-f]+\) does not verify\n/,
    );
    const json = JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout);
    assert.equal(json.approvals.problems.length, 1);
    assert.equal(json.approvals.problems[0].reviewer, 'mallory@example.com');
  });
});

describe('checkApprovalIntegrity (pure)', () => {
  const reviewerKey = generateKeyPair();
  const trusted = new Map<string, TrustedKey>([
    [reviewerKey.keyId, { keyId: reviewerKey.keyId, publicKey: reviewerKey.publicKey }],
  ]);
  const COMMIT = 'c'.repeat(40);
  const header = (time: string) => ({
    v: 1,
    time,
    actor: { type: 'human', id: 'x@example.com' },
    provenance: 'observed',
  });
  const event = validateRecord({
    kind: 'event',
    ...header('2026-01-01T10:00:00.000Z'),
    sessionId: 's1',
    event: { type: 'note', text: 'hello' },
  });
  const checkpointRecord = validateRecord({
    kind: 'checkpoint',
    ...header('2026-01-01T10:05:00.000Z'),
    commit: COMMIT,
    events: [recordIdOf(event)],
  });
  const checkpointId = recordIdOf(checkpointRecord);

  function stored(record: TrailRecord, seq: number): StoredRecord {
    return { id: recordIdOf(record), writerId: 'w', seq, record };
  }
  function approval(fields: Record<string, unknown> = {}, key = reviewerKey): RecordOf<'review'> {
    return signedReview(
      {
        ...header('2026-01-02T09:00:00.000Z'),
        provenance: 'human',
        commit: COMMIT,
        checkpoint: checkpointId,
        ...fields,
      },
      key,
    );
  }
  function check(records: TrailRecord[], ids = records.map(recordIdOf)) {
    return checkApprovalIntegrity({
      records: records.map(stored),
      recordIds: new Set(ids),
      trustedKeys: trusted,
    });
  }

  test('holds when the checkpoint, its events and the signature are as approved', () => {
    const result = check([event, checkpointRecord, approval()]);
    assert.deepEqual(result, { approvals: 1, problems: [], notices: [] });
  });

  test('a field changed after signing, or a key nobody trusts, is a problem', () => {
    const altered = { ...approval(), reviewer: 'mallory@example.com' };
    assert.match(
      check([event, checkpointRecord, altered]).problems[0]!.message,
      /signature .* does not verify/,
    );
    const stranger = approval({}, generateKeyPair());
    assert.match(check([event, checkpointRecord, stranger]).problems[0]!.message, /which is not trusted/);
    const changes = { ...approval({ decision: 'request-changes' }), decision: 'comment' as const };
    assert.match(
      check([event, checkpointRecord, changes]).problems[0]!.message,
      /^comment review: .*does not verify/,
    );
  });

  test('a signature checked ahead of time on the thread pool: its verdict is the one used', async () => {
    const good = approval();
    assert.equal(await reviewSignatureVerdict(good, trusted), true);
    assert.equal(await reviewSignatureVerdict({ ...good, reviewer: 'mallory@example.com' }, trusted), false);
    // Nothing to check: no signature, or a key nobody trusts (reported without a check).
    const { signature: _dropped, ...unsigned } = good;
    assert.equal(reviewSignatureVerdict(unsigned as RecordOf<'review'>, trusted), undefined);
    assert.equal(reviewSignatureVerdict(approval({}, generateKeyPair()), trusted), undefined);
    const records = [event, checkpointRecord, good].map(stored);
    const withVerdict = (ok: boolean) =>
      checkApprovalIntegrity({
        records,
        recordIds: new Set(records.map((r) => r.id)),
        trustedKeys: trusted,
        signatureVerdicts: new Map([[recordIdOf(good), ok]]),
      });
    assert.deepEqual(withVerdict(true).problems, []);
    assert.match(withVerdict(false).problems[0]!.message, /signature .* does not verify/);
  });

  test('a missing checkpoint or event is a problem; a purged one is a notice', () => {
    assert.match(
      check([event, approval()]).problems[0]!.message,
      /^changed after approval: the approved checkpoint record is missing or was altered$/,
    );
    const withoutEvent = check([checkpointRecord, approval()]);
    assert.match(withoutEvent.problems[0]!.message, /it seals is missing or was altered/);
    const purge = validateRecord({
      kind: 'retention-purge',
      ...header('2027-01-01T00:00:00.000Z'),
      cutoff: '2026-06-01T00:00:00.000Z',
      purged: [recordIdOf(event)],
    });
    const purged = check([checkpointRecord, approval(), purge]);
    assert.deepEqual(purged.problems, []);
    assert.match(purged.notices[0]!.message, /removed by a logged retention purge/);
    const purgeAll = validateRecord({ ...purge, purged: [recordIdOf(event), checkpointId] });
    const gone = check([approval(), purgeAll]);
    assert.deepEqual(gone.problems, []);
    assert.match(
      gone.notices[0]!.message,
      /^the approved checkpoint was removed by a logged retention purge$/,
    );
  });

  test('a newer checkpoint for the commit and an unsigned approval are notices', () => {
    const newer = validateRecord({ ...checkpointRecord, time: '2026-01-03T00:00:00.000Z', summary: 'again' });
    const result = check([event, checkpointRecord, approval(), newer]);
    assert.deepEqual(result.problems, []);
    assert.match(
      result.notices[0]!.message,
      /^changed after approval: a newer checkpoint [0-9a-f]{12} for the commit/,
    );
    const { signature: _dropped, ...unsigned } = approval();
    const claim = check([event, checkpointRecord, unsigned as TrailRecord]);
    assert.deepEqual(claim.problems, []);
    assert.match(claim.notices[0]!.message, /not signed by the reviewer/);
    // A review imported from a code host carries no reviewer signature and needs none.
    const imported = { ...unsigned, source: 'github' as const, provenance: 'observed' as const };
    assert.deepEqual(check([event, checkpointRecord, imported as TrailRecord]).notices, []);
  });

  test('a rewrite is a notice whether it names the approved checkpoint or only its commit; older ones are not', () => {
    const rewrite = (fields: Record<string, unknown>) =>
      validateRecord({
        ...checkpointRecord,
        time: '2026-01-03T00:00:00.000Z',
        commit: 'd'.repeat(40),
        ...fields,
      });
    const byCheckpoint = rewrite({
      rewrittenFrom: { commit: 'e'.repeat(40), checkpoint: checkpointId, how: 'rebase' },
    });
    const byCommit = rewrite({ rewrittenFrom: { commit: COMMIT, how: 'amend' } });
    for (const [rewritten, how] of [
      [byCheckpoint, 'rebase'],
      [byCommit, 'amend'],
    ] as const) {
      const result = check([event, checkpointRecord, approval(), rewritten]);
      assert.deepEqual(result.problems, []);
      assert.equal(result.notices.length, 1);
      assert.match(
        result.notices[0]!.message,
        new RegExp(`^changed after approval: the commit was rewritten \\(${how}\\) as dddddddddddd`),
      );
    }
    // Made before the approval: the reviewer saw the history as it then was.
    const earlier = validateRecord({ ...byCommit, time: '2026-01-01T12:00:00.000Z' });
    assert.deepEqual(check([event, checkpointRecord, approval(), earlier]).notices, []);
    // An unrelated checkpoint for another commit touches nothing.
    const unrelated = rewrite({});
    assert.deepEqual(check([event, checkpointRecord, approval(), unrelated]).notices, []);
  });
});
