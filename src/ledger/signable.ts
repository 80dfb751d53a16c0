/**
 * What this clone may sign about its ledger. A signed in-toto statement or SLSA bundle leaves
 * with no heading to say "LEDGER VERIFICATION FAILED", and whoever checks it checks only the
 * signature: signing records `trail verify` rejects (a rewritten log, the log of a key no one
 * trusted) would lend them this clone's key. So a signed export starts from a ledger that
 * verifies; asked to go on anyway (--allow-unverified), it takes only the records of writers
 * whose every copy of their log verifies and whose key is trusted. And a revoked key signs
 * nothing, as it appends nothing (keys.ts, loadSigningKey).
 */
import { TrailError } from '../core/errors.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { VerifyReport } from './verify.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Which logs fail, out of how many, and how many approvals: as `trail verify` counts them. */
function failures(report: VerifyReport): string {
  const failing = report.logs.filter((log) => log.problems.length > 0).length;
  const parts: string[] = [];
  if (failing > 0) {
    parts.push(
      `${failing} of ${plural(report.logs.length, 'log')} fail${failing === 1 ? 's' : ''} trail verify`,
    );
  }
  const approvals = report.approvals.problems.length;
  if (approvals > 0)
    parts.push(`${plural(approvals, 'approval')} fail${approvals === 1 ? 's' : ''} trail verify`);
  return parts.join('; ');
}

/** The one line a signed export refuses with when the ledger does not verify. */
export function unverifiedLedgerError(report: VerifyReport): TrailError {
  return new TrailError(
    'VERIFY_FAILED',
    `the ledger does not verify (${failures(report)}), so nothing was signed: run \`trail verify\` to see what fails, or pass --allow-unverified to sign only what comes from logs that verify`,
  );
}

/**
 * Whether a writer's records may be signed: every copy of its log verifies, and its key is
 * trusted here. (An untrusted writer's log fails verification anyway; asked again so that
 * nothing depends on how verify words it.)
 */
export function signableWriters(
  report: VerifyReport,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
): (writerId: string) => boolean {
  const failing = new Set(report.problems.map((p) => p.writerId));
  return (writerId) => trustedKeys.has(writerId) && !failing.has(writerId);
}
