/**
 * What trusted RFC 3161 timestamps show of the logs of revoked writers that hold reviews, for
 * the readers that count reviews without running verify (`trail check`, `trail show`, `trail
 * pr-summary`). A review in such a log counts only where a token over the log shows it came
 * before the revocation (chain/review-trust.ts), and a token ties to records only through its
 * head's Merkle root: so those logs, and only those, are verified here, as `trail verify`
 * verifies them, and only where a copy holds a token. Most ledgers have no revoked writer
 * holding a review, and pay nothing.
 */
import { countedReviews, revokedWritersWithReviews } from '../chain/review-trust.js';
import type { LogExistedBy } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { TrailIndex } from '../core/trail-index.js';
import { trustedKeysOf } from './keys.js';
import { writersWithStamps } from './log-store.js';
import type { Repo } from './repo.js';

/**
 * The index with the reviews that count, as `trail check`, `trail show` and `trail pr-summary`
 * count them: under this clone's trusted keys, and with what timestamps show of revoked
 * writers' logs (countedReviews).
 */
export async function countReviewsOf(
  repo: Repo,
  index: TrailIndex,
): Promise<ReturnType<typeof countedReviews>> {
  const trustedKeys = await trustedKeysOf(repo);
  return countedReviews(index, trustedKeys, {
    existedBy: await reviewLogsExistedBy(repo, index, trustedKeys),
  });
}

async function reviewLogsExistedBy(
  repo: Repo,
  index: TrailIndex,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  now = Date.now(),
): Promise<ReadonlyMap<string, LogExistedBy> | undefined> {
  const revoked = revokedWritersWithReviews(index, trustedKeys, now);
  if (revoked.size === 0) return undefined;
  // A log without a token has nothing to show: it is not worth verifying.
  const writers = await writersWithStamps(repo, revoked);
  if (writers.size === 0) return undefined;
  // Loaded only now: the verifier is more than a reader of a few checkpoints needs otherwise.
  const { verifyAndRead } = await import('./verify.js');
  const { existedBy } = await verifyAndRead(repo, { writers, updateWitness: false, keepDecoded: false });
  return existedBy;
}
