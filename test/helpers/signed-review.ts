/**
 * A review record as `trail review` writes it: validated, then signed with the reviewer's key
 * over its canonical bytes. An approval by rev@example.com unless `fields` say otherwise.
 */
import { signReview } from '../../src/chain/review.js';
import type { RecordOf } from '../../src/core/records.js';
import { validateRecord } from '../../src/core/records.js';
import type { KeyPair } from '../../src/core/signature.js';

export function signedReview(fields: Record<string, unknown>, key: KeyPair): RecordOf<'review'> {
  const unsigned = validateRecord({
    kind: 'review',
    v: 1,
    provenance: 'human',
    reviewer: 'rev@example.com',
    decision: 'approve',
    ...fields,
  }) as RecordOf<'review'>;
  return { ...unsigned, signature: signReview(unsigned, key) };
}

/**
 * The fields of cto@example.com's approval of a scripted change (its commit and checkpoint),
 * read with its reasoning, at `time`: what signedReview signs in the revocation tests.
 */
export function approvalOf(
  change: { sha: string; checkpointId?: string },
  time: string,
): Record<string, unknown> {
  return {
    commit: change.sha,
    checkpoint: change.checkpointId,
    time,
    examinedReasoning: true,
    actor: { type: 'human', id: 'cto@example.com' },
    reviewer: 'cto@example.com',
  };
}
