/**
 * The generated records of the SOC 2 benchmarks: what a ledger of `count` checkpoints holds,
 * shared by the report built from memory (report-soc2.ts) and from a ledger in git
 * (report-from-git.ts).
 */
import { type ReviewRecord, signReview } from '../../src/chain/review.js';
import type { TrailRecord } from '../../src/core/records.js';
import type { KeyPair } from '../../src/core/signature.js';
import type { StoredRecord } from '../../src/core/trail-index.js';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * For each checkpoint: a session, a prompt, the checkpoint, an approving review (nine in ten),
 * a test result and a deployment (one in four), 5.15 records on average. `idOf` names each
 * record, and records refer to each other by those names: position-based names for records
 * that stay in memory, the records' real ids for a ledger written to git. With
 * `reviewerKeys`, each approval is signed by its reviewer's key as `trail review approve`
 * signs it (reviewer i uses key i % keys), so a verifier checks one signature per approval.
 */
export function soc2Records(
  count: number,
  idOf: (record: TrailRecord, seq: number) => string = (_, seq) => hex(seq, 64),
  reviewerKeys: readonly KeyPair[] = [],
): StoredRecord[] {
  const out: StoredRecord[] = [];
  const start = Date.UTC(2026, 0, 1);
  let seq = 0;
  const add = (value: unknown) => {
    const record = value as TrailRecord;
    const id = idOf(record, seq);
    out.push({ id, writerId: 'bench-writer', seq, record });
    seq++;
    return id;
  };
  const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'gpt-5-codex'];
  for (let i = 0; i < count; i++) {
    const t = start + i * 60_000;
    const iso = (offset: number) => new Date(t + offset).toISOString();
    const sessionId = `session-${i}`;
    const commit = hex(i, 40);
    const model = models[i % 3]!;
    add({
      kind: 'session',
      v: 1,
      time: iso(0),
      actor: { type: 'human', id: `dev${i % 40}@example.com` },
      provenance: 'observed',
      sessionId,
      agent: { name: 'claude-code', version: '2.0.14' },
      model,
      request: {
        tickets: [{ id: `PAY-${i}` }],
        requester: `dev${i % 40}@example.com`,
        acceptanceCriteria: ['the endpoint rejects negative amounts'],
      },
      startedAt: iso(0),
    });
    const promptId = add({
      kind: 'event',
      v: 1,
      time: iso(1000),
      actor: { type: 'agent', id: 'claude-code' },
      provenance: 'transcript',
      sessionId,
      event: {
        type: 'prompt',
        text: `Change ${i}: add validation to the refund endpoint so negative amounts are rejected with a 400 and a message naming the field; keep the existing error format.`,
      },
    });
    const checkpointId = add({
      kind: 'checkpoint',
      v: 1,
      time: iso(30_000),
      actor: { type: 'service', id: 'trail' },
      provenance: 'observed',
      commit,
      key: `ckpt_${hex(i, 16)}`,
      parents: i > 0 ? [hex(i - 1, 40)] : [],
      author: `Dev ${i % 40} <dev${i % 40}@example.com>`,
      sessions: [{ sessionId, agent: 'claude-code', model }],
      events: [promptId],
      files: [
        {
          path: `src/f${i % 500}.ts`,
          status: 'modified',
          added: 5,
          removed: 1,
          aiLines: 5,
          humanLines: 0,
          unknownLines: 0,
        },
      ],
      attribution: {},
    });
    if (i % 10 !== 0) {
      const review = {
        kind: 'review',
        v: 1,
        time: iso(40_000),
        actor: { type: 'human', id: `rev${i % 7}@example.com` },
        provenance: 'human',
        commit,
        checkpoint: checkpointId,
        reviewer: `rev${i % 7}@example.com`,
        decision: 'approve',
        comments: [],
        examinedReasoning: i % 3 !== 0,
        source: 'trail',
      } as ReviewRecord;
      const key = reviewerKeys[(i % 7) % Math.max(1, reviewerKeys.length)];
      add(key ? { ...review, signature: signReview(review, key) } : review);
    }
    add({
      kind: 'test-result',
      v: 1,
      time: iso(35_000),
      actor: { type: 'ci', id: 'ci' },
      provenance: 'observed',
      commit,
      checkpoints: [checkpointId],
      suites: [],
      totals: {
        tests: 120,
        passed: i % 17 === 0 ? 118 : 120,
        failed: i % 17 === 0 ? 2 : 0,
        skipped: 0,
        errored: 0,
      },
      failing: [],
      coverage: { format: 'lcov', lines: { covered: 870, total: 1000, pct: 87 } },
    });
    if (i % 4 === 0) {
      add({
        kind: 'deployment',
        v: 1,
        time: iso(50_000),
        actor: { type: 'ci', id: 'deploy' },
        provenance: 'observed',
        env: 'prod',
        commit,
        status: 'success',
      });
    }
  }
  return out;
}
