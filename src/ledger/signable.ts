/**
 * What this clone may sign about its ledger. A signed in-toto statement or SLSA bundle leaves
 * with no heading to say "LEDGER VERIFICATION FAILED", and whoever checks it checks only the
 * signature: signing records `trail verify` rejects (a rewritten log, the log of a key no one
 * trusted) would lend them this clone's key. So a signed export starts from a ledger that
 * verifies; asked to go on anyway (--allow-unverified), it takes only the records of writers
 * whose every copy of their log verifies and whose key is trusted. And a revoked key signs
 * nothing, as it appends nothing (keys.ts, loadSigningKey).
 */

import type { SetAsideReview } from '../chain/review-trust.js';
import { countedReviews } from '../chain/review-trust.js';
import { countLabel } from '../core/count-label.js';
import { TrailError } from '../core/errors.js';
import type { LogExistedBy } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import { recordsOfSnapshots } from './read.js';
import type { Repo } from './repo.js';
import type { VerifyReport } from './verify.js';
import { failingLogs, verifyAndRead } from './verify.js';

/**
 * Which logs fail, out of how many, and how many approvals: counted as `trail verify` counts
 * them, worded as a refusal says it.
 */
function failingLogsAndApprovals(report: VerifyReport): string {
  const failing = failingLogs(report);
  const approvals = report.approvals.problems.length;
  const parts: string[] = [];
  if (failing > 0) {
    parts.push(
      `${failing} of ${countLabel(report.logs.length, 'log')} fail${failing === 1 ? 's' : ''} trail verify`,
    );
  }
  if (approvals > 0)
    parts.push(`${countLabel(approvals, 'approval')} fail${approvals === 1 ? 's' : ''} trail verify`);
  return parts.join('; ');
}

/** The one line a signed export refuses with when the ledger does not verify. */
function unverifiedLedgerError(report: VerifyReport): TrailError {
  return new TrailError(
    'VERIFY_FAILED',
    `the ledger does not verify (${failingLogsAndApprovals(report)}), so nothing was signed: run \`trail verify\` to see what fails, or pass --allow-unverified to sign only what comes from logs that verify`,
  );
}

/**
 * Whether a writer's records may be signed: every copy of its log verifies, and its key is
 * trusted here. (An untrusted writer's log fails verification anyway; asked again so that
 * nothing depends on how verify words it.)
 */
function signableWriters(
  report: VerifyReport,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
): (writerId: string) => boolean {
  const failing = new Set(report.problems.map((p) => p.writerId));
  return (writerId) => trustedKeys.has(writerId) && !failing.has(writerId);
}

/** The ledger as a signed export reads it (readSignable). */
export interface SignableLedger {
  /** The verification (read-only: the witness is not moved). */
  verification: VerifyReport;
  /** The keys the verification trusted. */
  trustedKeys: ReadonlyMap<string, TrustedKey>;
  /** The review signatures the verification checked, by review record id (countedReviews). */
  signatureVerdicts: ReadonlyMap<string, boolean>;
  /** What trusted timestamps show of revoked writers' logs (countedReviews). */
  existedBy: ReadonlyMap<string, LogExistedBy>;
  /** Every record of the ledger, signable or not: what a readable report shows. */
  records: StoredRecord[];
  /** Whether a writer's records were kept in `index`. */
  signable: (writerId: string) => boolean;
  /**
   * The records of signable writers alone, indexed, with reviews counted as `trail check` and
   * `trail show` count them (chain/review-trust.ts), so nothing signed says approved on a
   * review nothing trusted vouches for. Over a ledger that verifies: every record.
   */
  index: TrailIndex;
  /** The reviews `index` does not count, and why. */
  setAside: SetAsideReview[];
  /** The reviews `index` counts only on a timestamp, by id, with why. */
  onTimestamp: Map<string, string>;
}

/**
 * Verifies the ledger, then keeps only the records of writers whose logs verify and whose key
 * is trusted: what `trail export --format intoto` and `trail report slsa` sign from. Over a
 * ledger that fails, refused with the one line of unverifiedLedgerError unless
 * `allowUnverified`.
 */
export async function readSignable(
  repo: Repo,
  options: { allowUnverified?: boolean } = {},
): Promise<SignableLedger> {
  const { report, snapshots, decoded, trustedKeys, signatureVerdicts, existedBy } = await verifyAndRead(
    repo,
    {
      updateWitness: false,
    },
  );
  if (!report.ok && !options.allowUnverified) throw unverifiedLedgerError(report);
  const signable = signableWriters(report, trustedKeys);
  const records = recordsOfSnapshots(snapshots, {}, decoded);
  const { index, setAside, onTimestamp } = countedReviews(
    buildIndex(records.filter((r) => signable(r.writerId))),
    trustedKeys,
    { signatureVerdicts, existedBy },
  );
  return {
    verification: report,
    trustedKeys,
    signatureVerdicts,
    existedBy,
    records,
    signable,
    index,
    setAside,
    onTimestamp,
  };
}
