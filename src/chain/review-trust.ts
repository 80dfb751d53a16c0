/**
 * Which reviews count. A review is a claim that someone approved (or asked for changes to) a
 * change; the gate (`trail check`) and the change's view (`trail show`) must not take it at
 * its word when nothing this clone trusts vouches for it. A review counts when:
 *
 * - it is signed, and the signature holds with a trusted key that is not revoked
 *   (checkReviewSignature: the same rule verify's approval pass applies); or
 * - it is unsigned (a code host's review, recorded by CI), or signed by a key revoked since,
 *   and the log holding it is one a trusted writer key in force signs.
 *
 * Revocation is judged as of now, never at the review's time: that time is its writer's own
 * claim, and whoever holds a stolen key backdates it at will (core/key-revocation.ts). A
 * review in the log of a revoked writer could have been appended with it after the theft, and
 * without a signature of its own it would otherwise count at the thief's word. What settles
 * it is a time the team does not control: where a trusted authority's RFC 3161 timestamp over
 * the log (`existedBy`, worked out by verify over a log that holds) shows the review existed
 * before the revocation, the revoked key's signature and log vouch for it as they did then.
 *
 * Anything else is set aside with the reason, so it can be shown without being counted.
 * `trail verify` reports the same reviews as problems, or as notices where a key was revoked
 * and nothing shows it was used after; this keeps a gate that does not run verify from
 * passing on them.
 */
import type { LogExistedBy } from '../core/key-revocation.js';
import {
  claimsAfterRevocation,
  existedBeforeRevocation,
  recordExistedBy,
  revokedAsOf,
} from '../core/key-revocation.js';
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

/** The line that names a review set aside and why, as the gate and the PR summary show it. */
export function notCountedLine({ review, why }: SetAsideReview): string {
  return `the ${review.record.decision} review by ${review.record.reviewer} is not counted: ${why}`;
}

/**
 * Why the writer's log does not vouch for a review in it, or undefined when it does: the
 * writer's key is trusted and in force, and the review does not say it came after a
 * revocation dated later.
 */
function whyWriterDoesNotVouch(
  stored: StoredReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  now: number,
  existedBy: number | undefined,
): string | undefined {
  const writer = trustedKeys.get(stored.writerId);
  if (!writer) {
    return `recorded in the log of writer ${stored.writerId}, whose key is not trusted (.trail/keys/)`;
  }
  if (claimsAfterRevocation(writer, stored.record.time)) {
    return `recorded by writer ${stored.writerId} after its key was revoked at ${writer.revokedAt}`;
  }
  if (revokedAsOf(writer, now) !== undefined && !existedBeforeRevocation(writer, existedBy)) {
    return `recorded by writer ${stored.writerId}, whose key is revoked since ${writer.revokedAt}: a record's time is its writer's own claim, so it cannot show the review predates the revocation, and no trusted timestamp over the log does`;
  }
  return undefined;
}

/**
 * Why a review does not count, or undefined when it does.
 * @param now when revocations are judged (default: now)
 * @param signatureHolds the Ed25519 check's result when it was made already, under the same
 *   trusted keys (verify's approval pass); without it the check is made here.
 */
export function whyReviewDoesNotCount(
  stored: StoredReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  now = Date.now(),
  signatureHolds?: boolean,
  existedBy?: ReadonlyMap<string, LogExistedBy>,
): string | undefined {
  const shownBy = recordExistedBy(existedBy, stored.writerId, stored.seq);
  const signature = checkReviewSignature(stored.record, trustedKeys, signatureHolds, now, shownBy);
  if (signature.status === 'valid') return undefined;
  if (signature.status === 'unsigned') {
    const writer = whyWriterDoesNotVouch(stored, trustedKeys, now, shownBy);
    return writer && `it is unsigned, and ${writer}`;
  }
  // A key revoked since vouches for nothing, but did not break the record: its writer's log
  // may still vouch for it, as for an unsigned review. A bad or unknown signature, or one the
  // review itself dates after the revocation, is a problem, not a missing voucher.
  if (signature.status !== 'revoked-key' || signature.signedAfterRevocation) return signature.message;
  const writer = whyWriterDoesNotVouch(stored, trustedKeys, now, shownBy);
  if (!writer) return undefined;
  // Signed with its own writer's key, as `trail review` signs: one revocation says it all.
  return stored.writerId === signature.keyId ? signature.message : `${signature.message}; it is ${writer}`;
}

/**
 * The index with only the reviews that count, and those set aside. The index is copied where
 * it changes (its review maps), never modified: callers may hold the original.
 *
 * `signatureVerdicts` are the review signatures verify's approval pass just checked (or found
 * in the clone's SignatureMemo), by review record id and under these same trusted keys: a
 * report counts reviews right after verifying, and checking each signature again cost 10 s of
 * a report over 90,000 approvals. Trust and revocation are judged here all the same.
 */
export function countedReviews(
  index: TrailIndex,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  options: {
    now?: number;
    signatureVerdicts?: ReadonlyMap<string, boolean>;
    /** What trusted timestamps show of revoked writers' logs (verify's `existedBy`). */
    existedBy?: ReadonlyMap<string, LogExistedBy>;
  } = {},
): {
  index: TrailIndex;
  setAside: SetAsideReview[];
  /**
   * Reviews that count only because a timestamp shows they came before their key's revocation,
   * by review record id, with a line that says so: an auditor should see what an approval rests on.
   */
  onTimestamp: Map<string, string>;
} {
  const now = options.now ?? Date.now();
  const setAside: SetAsideReview[] = [];
  const onTimestamp = new Map<string, string>();
  const verdicts = new Map<string, boolean>();
  const counts = (stored: StoredReview) => {
    let verdict = verdicts.get(stored.id);
    if (verdict === undefined) {
      const signatureHolds = options.signatureVerdicts?.get(stored.id);
      const why = whyReviewDoesNotCount(stored, trustedKeys, now, signatureHolds, options.existedBy);
      if (why) setAside.push({ review: stored, why });
      else {
        const note = countsOnTimestamp(stored, trustedKeys, now, options.existedBy, signatureHolds);
        if (note) onTimestamp.set(stored.id, note);
      }
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
  if (setAside.length === 0) return { index, setAside, onTimestamp };
  return { index: { ...index, reviewsByCheckpoint, reviewsByCommit }, setAside, onTimestamp };
}

/**
 * Of a review that counts: why, when it counts only because a timestamp over its log shows it
 * came before its key's revocation (a line for people); undefined when it counts without.
 */
export function countsOnTimestamp(
  stored: StoredReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  now: number,
  existedBy: ReadonlyMap<string, LogExistedBy> | undefined,
  signatureHolds?: boolean,
): string | undefined {
  const shown = existedBy?.get(stored.writerId);
  if (!shown || whyReviewDoesNotCount(stored, trustedKeys, now, signatureHolds) === undefined)
    return undefined;
  return timestampNote(stored, trustedKeys, shown);
}

/** Why a review whose key is revoked since still counts: the timestamp over its log. */
function timestampNote(
  stored: StoredReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  shown: LogExistedBy,
): string {
  const revoked = [stored.record.signature?.keyId, stored.writerId]
    .map((keyId) => (keyId ? trustedKeys.get(keyId) : undefined))
    .find((key) => key?.revokedAt !== undefined);
  const when = shown.time ?? new Date(shown.by).toISOString();
  return `key ${revoked?.keyId ?? stored.writerId} is revoked since ${revoked?.revokedAt ?? '?'}, but an RFC 3161 timestamp${shown.authority ? ` by ${shown.authority}` : ''} shows the review existed by ${when}, before that`;
}

/**
 * The writers revoked as of `now` whose logs hold a review the index shows. Only a timestamp
 * over one of those logs can make a review count that would not count otherwise (a review in
 * a log whose key is in force counts through that log), so a reader verifies those logs for
 * one, and no other, and only when there are any.
 */
export function revokedWritersWithReviews(
  index: TrailIndex,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  now = Date.now(),
): Set<string> {
  const writers = new Set<string>();
  for (const byKey of [index.reviewsByCheckpoint, index.reviewsByCommit]) {
    for (const reviews of byKey.values()) {
      for (const { writerId } of reviews) {
        if (writers.has(writerId)) continue;
        const writer = trustedKeys.get(writerId);
        if (writer && revokedAsOf(writer, now) !== undefined) writers.add(writerId);
      }
    }
  }
  return writers;
}
