/**
 * The approval pass of `trail verify` (verifyApprovals) over logs as git gives them: it
 * finds every record an approved checkpoint seals by hashing candidates, either only the
 * records of approved sessions (when few checkpoints are approved) or every session and event
 * (when most are, which is cheaper than reading each one's session). Both ways must find an
 * altered sealed record, and neither may blame an approval for a record it does not seal.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EntryList } from '../../src/core/entry-list.js';
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import { encodeEntry, GENESIS_PREV } from '../../src/core/log-entry.js';
import type { TrustedKey } from '../../src/core/log-verifier.js';
import type { TrailRecord } from '../../src/core/records.js';
import { recordIdOf, validateRecord } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { LogSnapshot } from '../../src/ledger/log-store.js';
import { verifyApprovals } from '../../src/ledger/verify.js';
import { signedReview } from '../helpers/signed-review.js';

const reviewer = generateKeyPair();
const trusted = new Map<string, TrustedKey>([
  [reviewer.keyId, { keyId: reviewer.keyId, publicKey: reviewer.publicKey }],
]);
const header = (time: string) => ({
  v: 1,
  time,
  actor: { type: 'agent', id: 'claude-code' },
  provenance: 'observed',
});

/** `commits` agent sessions, each with a session record, a prompt and a checkpoint. */
function ledger(commits: number) {
  const records: TrailRecord[] = [];
  const checkpoints: string[] = [];
  for (let n = 0; n < commits; n++) {
    const sessionId = `session-${n}`;
    const session = validateRecord({
      kind: 'session',
      ...header('2026-03-01T10:00:00.000Z'),
      sessionId,
      agent: { name: 'claude-code' },
      startedAt: '2026-03-01T10:00:00.000Z',
    });
    const prompt = validateRecord({
      kind: 'event',
      ...header('2026-03-01T10:00:01.000Z'),
      sessionId,
      event: { type: 'prompt', text: `PROJ-${n}: make change ${n}` },
    });
    const checkpoint = validateRecord({
      kind: 'checkpoint',
      ...header('2026-03-01T10:05:00.000Z'),
      commit: n.toString(16).padStart(40, '0'),
      sessions: [{ sessionId, record: recordIdOf(session), agent: 'claude-code' }],
      events: [recordIdOf(prompt)],
    });
    records.push(session, prompt, checkpoint);
    checkpoints.push(recordIdOf(checkpoint));
  }
  return { records, checkpoints };
}

function approve(checkpoint: string): TrailRecord {
  return signedReview({ ...header('2026-03-02T09:00:00.000Z'), provenance: 'human', checkpoint }, reviewer);
}

/** One writer's log holding `records`, each line passed through `edit`, as read out of git. */
function snapshot(
  records: readonly unknown[],
  edit: (line: string) => string = (l) => l,
  writerId = 'w',
): LogSnapshot {
  const lines = records.map((record, seq) =>
    edit(encodeEntry({ prev: GENESIS_PREV, record: record as TrailRecord, seq })),
  );
  return {
    ref: `refs/trail/logs/${writerId}`,
    writerId,
    oid: '0'.repeat(40),
    stamps: [],
    entries: EntryList.fromLines(lines),
    heads: [{ size: lines.length } as SignedTreeHead],
  };
}

const alterPrompt = (n: number) => (line: string) =>
  line.replace(`PROJ-${n}: make change ${n}`, `PROJ-${n}: drop the table`);

describe('the approval pass finds what approved checkpoints seal', () => {
  for (const [way, approvedOf] of [
    ['one approval among many checkpoints (approved sessions only are hashed)', (ids: string[]) => [ids[3]!]],
    ['most checkpoints approved (every session and event is hashed)', (ids: string[]) => ids.slice(1)],
  ] as const) {
    test(way, async () => {
      const { records, checkpoints } = ledger(6);
      const approved = approvedOf(checkpoints);
      const all = [...records, ...approved.map(approve)];
      const clean = await verifyApprovals([snapshot(all)], trusted);
      assert.deepEqual(clean, { approvals: approved.length, problems: [], notices: [] });

      // The prompt of approved checkpoint 3 altered after approval.
      const altered = await verifyApprovals([snapshot(all, alterPrompt(3))], trusted);
      assert.equal(altered.problems.length, 1);
      assert.equal(altered.problems[0]!.checkpoint, checkpoints[3]);
      assert.match(
        altered.problems[0]!.message,
        /^changed after approval: record [0-9a-f]{12} it seals is missing or was altered$/,
      );

      // The prompt of checkpoint 0, approved by neither way, is not an approval's problem.
      const elsewhere = await verifyApprovals([snapshot(all, alterPrompt(0))], trusted);
      assert.deepEqual(elsewhere.problems, []);
    });
  }

  test('an approved checkpoint whose sealed ids are not a list is left out, so its approval is reported', async () => {
    const { records, checkpoints } = ledger(2);
    const malformed = { ...(records[2] as Record<string, unknown>), events: 'all of them' };
    const id = recordIdOf(malformed as unknown as TrailRecord);
    const result = await verifyApprovals(
      [snapshot([...records, malformed, approve(id), approve(checkpoints[1]!)])],
      trusted,
    );
    assert.equal(result.approvals, 2);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.checkpoint, id);
    assert.match(result.problems[0]!.message, /the approved checkpoint record is missing or was altered/);
  });

  test('across writers: the reviewer’s log approves what the author’s log seals', async () => {
    const { records, checkpoints } = ledger(4);
    const reviews = [approve(checkpoints[2]!)];
    const clean = await verifyApprovals(
      [snapshot(records, undefined, 'author'), snapshot(reviews, undefined, 'reviewer')],
      trusted,
    );
    assert.deepEqual(clean, { approvals: 1, problems: [], notices: [] });
    const altered = await verifyApprovals(
      [snapshot(records, alterPrompt(2), 'author'), snapshot(reviews, undefined, 'reviewer')],
      trusted,
    );
    assert.equal(altered.problems.length, 1);
    assert.equal(altered.problems[0]!.checkpoint, checkpoints[2]);
  });
});
