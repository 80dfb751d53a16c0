/**
 * Gathers what a report is built from, for one repository: the ledger's index and its
 * verification (a report always states whether the ledger verifies), the policy, the
 * commits git holds, and the trusted keys. Read-only: the witness is not moved.
 */
import type { ApprovalIntegrity } from '../chain/review.js';
import type { SetAsideReview } from '../chain/review-trust.js';
import { countedReviews } from '../chain/review-trust.js';
import type { Period } from '../core/change-facts.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import { currentBranch, listCommits, repositoryIdentity } from '../git/commit-range.js';
import { loadConfig } from '../ledger/config.js';
import { loadPolicy } from '../ledger/policy-file.js';
import { recordsOfSnapshots } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import { readSignable } from '../ledger/signable.js';
import type { VerifyReport } from '../ledger/verify.js';
import { verifyAndRead, writerTimestamps } from '../ledger/verify.js';
import type { LedgerStatus, ReportInput } from './document.js';

export function ledgerStatus(report: VerifyReport, keep = 5): LedgerStatus {
  return {
    ok: report.ok,
    records: report.records,
    writers: report.writers,
    logs: report.logs.length,
    problemCount: report.problems.length,
    problems: report.problems.slice(0, keep).map((p) => {
      const where = p.seq === undefined ? '' : ` record ${p.seq}`;
      return `${p.ref}${where}: ${p.kind}: ${p.message}`;
    }),
    ...timestampsOf(report),
  };
}

function timestampsOf(report: VerifyReport): Pick<LedgerStatus, 'timestamps'> {
  const stamped = writerTimestamps(report);
  if (stamped.length === 0) return {};
  return {
    timestamps: stamped.map(({ writerId, writerName, size, time, authority }) => ({
      writerId,
      ...(writerName ? { writer: writerName } : {}),
      records: size,
      time,
      authority,
    })),
  };
}

/**
 * The approvals the approval pass found changed after they were given, by review record id:
 * what changed, the first finding of each. Problems (an altered or missing record) and
 * notices (a later correction or rewrite) alike: either way the approval no longer covers
 * the change as it stands. Other findings (an unsigned approval, a purge) leave it standing.
 */
function changedApprovals(approvals: ApprovalIntegrity): Map<string, string> {
  const changed = new Map<string, string>();
  for (const finding of [...approvals.problems, ...approvals.notices]) {
    if (finding.changedAfterApproval !== undefined && !changed.has(finding.review))
      changed.set(finding.review, finding.changedAfterApproval);
  }
  return changed;
}

export async function loadReportInput(
  repo: Repo,
  period: Period,
  generatedAt = new Date().toISOString(),
  onStage?: (stage: string) => void,
): Promise<ReportInput> {
  const policy = loadPolicy(repo);
  // One read of the ledger out of git serves both the verification and the report's records.
  onStage?.('reading and verifying the ledger');
  const { report, snapshots, decoded, trustedKeys, signatureVerdicts, existedBy } = await verifyAndRead(
    repo,
    {
      updateWitness: false,
    },
  );
  onStage?.('decoding the ledger');
  // Reviews count as trail check and trail show count them: an approval nothing trusted
  // vouches for (an unknown key, a log anyone could push) is no approval in a report either.
  const counted = countedReviews(buildIndex(recordsOfSnapshots(snapshots, {}, decoded)), trustedKeys, {
    signatureVerdicts,
    existedBy,
  });
  return reportInputOf(
    repo,
    period,
    generatedAt,
    policy,
    { verification: report, trustedKeys, ...counted },
    onStage,
  );
}

/**
 * What the SLSA bundle is made from: the ledger verified first, and refused where it fails
 * unless `allowUnverified` (ledger/signable.ts, readSignable); the report's input, and beside
 * it the index of the records that may be signed, for buildSlsaBundle.
 */
export async function loadSignableReportInput(
  repo: Repo,
  period: Period,
  options: { allowUnverified?: boolean; generatedAt?: string; onStage?: (stage: string) => void } = {},
): Promise<{ input: ReportInput; signable: TrailIndex }> {
  const policy = loadPolicy(repo);
  options.onStage?.('reading and verifying the ledger');
  const ledger = await readSignable(repo, { allowUnverified: options.allowUnverified });
  // Over a ledger that verifies every record may be signed: one index serves both.
  const counted = ledger.verification.ok
    ? ledger
    : countedReviews(buildIndex(ledger.records), ledger.trustedKeys, {
        signatureVerdicts: ledger.signatureVerdicts,
        existedBy: ledger.existedBy,
      });
  const input = await reportInputOf(
    repo,
    period,
    options.generatedAt ?? new Date().toISOString(),
    policy,
    { verification: ledger.verification, trustedKeys: ledger.trustedKeys, ...counted },
    options.onStage,
  );
  return { input, signable: ledger.index };
}

/** A report's input over a ledger already verified, read and indexed. */
async function reportInputOf(
  repo: Repo,
  period: Period,
  generatedAt: string,
  { policy, source }: ReturnType<typeof loadPolicy>,
  ledger: {
    verification: VerifyReport;
    trustedKeys: ReadonlyMap<string, TrustedKey>;
    /** With reviews counted (countedReviews), and those set aside. */
    index: TrailIndex;
    setAside: readonly SetAsideReview[];
    /** Reviews counted only on a timestamp (countedReviews' `onTimestamp`). */
    onTimestamp?: ReadonlyMap<string, string>;
  },
  onStage?: (stage: string) => void,
): Promise<ReportInput> {
  const { verification } = ledger;
  onStage?.('reading commits');
  const commits = await listCommits(repo.workTree, ['HEAD']);
  const { name: repository, uri: repositoryUri } = await repositoryIdentity(repo.workTree);
  const branch = await currentBranch(repo.workTree);
  return {
    index: ledger.index,
    commits,
    policy,
    policySource: source,
    ledger: ledgerStatus(verification),
    problemWriters: new Set(verification.problems.map((p) => p.writerId)),
    changedAfterApproval: changedApprovals(verification.approvals),
    reviewsNotCounted: ledger.setAside.length,
    reviewsOnTimestamp: ledger.onTimestamp?.size ?? 0,
    period,
    scope: {
      repository,
      branch,
      description: `${repository}: the commits reachable from ${branch ?? 'HEAD'} (${commits.length} without merges) and every checkpoint in the ledger`,
    },
    ...(repositoryUri ? { repositoryUri } : {}),
    generatedAt,
    trustedKeys: ledger.trustedKeys.size,
    ...trackedSinceOf(repo),
  };
}

function trackedSinceOf(repo: Repo): { trackedSince?: string } {
  const { trackedSince } = loadConfig(repo);
  return trackedSince === undefined ? {} : { trackedSince };
}
