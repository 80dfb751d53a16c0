/**
 * Which reviews count. A review is a claim that someone approved (or asked for changes to) a
 * change; the gate (`trail check`) and the change's view (`trail show`) must not take it at
 * its word when nothing this clone trusts vouches for it. A review counts when:
 *
 * - it is signed, and the signature holds with a trusted key not revoked when it signed
 *   (checkReviewSignature: the same rule verify's approval pass applies); or
 * - it is unsigned (a code host's review, recorded by CI), and the log holding it is one a
 *   trusted writer key, not revoked when the review was written, signs.
 *
 * Anything else is set aside with the reason, so it can be shown without being counted.
 * `trail verify` reports the same reviews as problems; this keeps a gate that does not run
 * verify from passing on them.
 */
import type { TrustedKey } from '../core/log-verifier.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { checkReviewSignature } from './review.js';

type StoredReview = StoredRecord<RecordOf<'review'>>;

export interface SetAsideReview {
  review: StoredReview;
  /** Why it does not count, in words. */
  why: string;
}

/** Why a review does not count, or undefined when it does. */
export function whyReviewDoesNotCount(
  stored: StoredReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
): string | undefined {
  const signature = checkReviewSignature(stored.record, trustedKeys);
  if (signature.status === 'valid') return undefined;
  if (signature.status !== 'unsigned') return signature.message;
  const writer = trustedKeys.get(stored.writerId);
  if (!writer) {
    return `it is unsigned, and recorded in the log of writer ${stored.writerId}, whose key is not trusted (.trail/keys/)`;
  }
  if (writer.revokedAt && stored.record.time >= writer.revokedAt) {
    return `it is unsigned, and recorded by writer ${stored.writerId} after its key was revoked at ${writer.revokedAt}`;
  }
  return undefined;
}

/**
 * The index with only the reviews that count, and those set aside. The index is copied where
 * it changes (its review maps), never modified: callers may hold the original.
 */
export function countedReviews(
  index: TrailIndex,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
): { index: TrailIndex; setAside: SetAsideReview[] } {
  const setAside: SetAsideReview[] = [];
  const verdicts = new Map<string, boolean>();
  const counts = (stored: StoredReview) => {
    let verdict = verdicts.get(stored.id);
    if (verdict === undefined) {
      const why = whyReviewDoesNotCount(stored, trustedKeys);
      if (why) setAside.push({ review: stored, why });
      verdict = why === undefined;
      verdicts.set(stored.id, verdict);
    }
    return verdict;
  };
  const keep = (byKey: ReadonlyMap<string, StoredReview[]>) => {
    const kept = new Map<string, StoredReview[]>();
    for (const [key, reviews] of byKey) {
      const counted = reviews.filter(counts);
      if (counted.length > 0) kept.set(key, counted);
    }
    return kept;
  };
  const reviewsByCheckpoint = keep(index.reviewsByCheckpoint);
  const reviewsByCommit = keep(index.reviewsByCommit);
  if (setAside.length === 0) return { index, setAside };
  return { index: { ...index, reviewsByCheckpoint, reviewsByCommit }, setAside };
}
