/**
 * The approval pass validates only the fields it reads (src/core/approval-records.ts). These
 * tests hold it to the full record model: every record the full schema accepts reads the same
 * through the narrow one, defaults included, and a record whose read fields have the wrong
 * shape is rejected, so the pass leaves it out rather than misreading it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approvalPassRecordSchema } from '../../src/core/approval-records.js';
import { validateRecord } from '../../src/core/records.js';

const header = (time: string) => ({
  v: 1,
  time,
  actor: { type: 'human', id: 'rev@example.com' },
  provenance: 'human',
});
const ID = 'a'.repeat(64);
const COMMIT = 'c'.repeat(40);

describe('the approval pass record schema', () => {
  const full = {
    review: validateRecord({
      kind: 'review',
      ...header('2026-01-02T09:00:00.000Z'),
      commit: COMMIT,
      checkpoint: ID,
      reviewer: 'rev@example.com',
      decision: 'approve',
      message: 'fine',
      signature: { keyId: 'k1', sig: 'c2ln' },
    }),
    checkpoint: validateRecord({
      kind: 'checkpoint',
      ...header('2026-01-01T10:05:00.000Z'),
      commit: COMMIT,
      events: [ID],
      sessions: [{ sessionId: 's1', record: ID, agent: 'claude-code' }],
      files: [
        {
          path: 'a.ts',
          status: 'modified',
          added: 1,
          removed: 0,
          aiLines: 1,
          humanLines: 0,
          unknownLines: 0,
        },
      ],
      rewrittenFrom: { commit: 'd'.repeat(40), checkpoint: ID, how: 'amend' },
    }),
    correction: validateRecord({
      kind: 'correction',
      ...header('2026-01-03T00:00:00.000Z'),
      target: ID,
      reason: 'the ticket was PROJ-13',
      changes: { 'request.tickets': ['PROJ-13'] },
    }),
    purge: validateRecord({
      kind: 'retention-purge',
      ...header('2027-01-01T00:00:00.000Z'),
      cutoff: '2026-06-01T00:00:00.000Z',
      purged: [ID],
    }),
  };

  test('reads what the full schema accepts, with the same values and defaults', () => {
    for (const record of Object.values(full)) {
      const narrow = approvalPassRecordSchema.parse(JSON.parse(JSON.stringify(record)));
      for (const [field, value] of Object.entries(narrow)) {
        assert.deepEqual(
          value,
          field === 'sessions'
            ? (record as { sessions: Array<{ sessionId: string; record?: string }> }).sessions.map(
                ({ sessionId, record: id }) => ({ sessionId, record: id }),
              )
            : (record as Record<string, unknown>)[field],
          `${record.kind}.${field}`,
        );
      }
    }
    // A review stored before a default was written out reads as the full schema reads it.
    const { examinedReasoning: _e, source: _s, ...bare } = full.review as Record<string, unknown>;
    const review = approvalPassRecordSchema.parse(bare);
    assert.equal(review.kind === 'review' && review.examinedReasoning, false);
    assert.equal(review.kind === 'review' && review.source, 'trail');
  });

  test('rejects a record whose fields read by the pass have the wrong shape', () => {
    const broken: Array<[string, Record<string, unknown>]> = [
      ['events not a list', { ...full.checkpoint, events: ID }],
      ['a session without its id', { ...full.checkpoint, sessions: [{ record: ID }] }],
      ['no commit', { ...full.checkpoint, commit: undefined }],
      ['an unknown decision', { ...full.review, decision: 'lgtm' }],
      ['a signature without its key', { ...full.review, signature: { sig: 'c2ln' } }],
      ['purged not a list', { ...full.purge, purged: ID }],
      ['a correction without its target', { ...full.correction, target: 7 }],
    ];
    for (const [what, record] of broken) {
      assert.equal(approvalPassRecordSchema.safeParse(record).success, false, what);
    }
    // A kind the pass does not judge is not one of its records.
    assert.equal(approvalPassRecordSchema.safeParse({ kind: 'event', time: 'x' }).success, false);
  });
});
