/**
 * Gathers what a report is built from, for one repository: the ledger's index and its
 * verification (a report always states whether the ledger verifies), the policy, the
 * commits git holds, and the trusted keys. Read-only: the witness is not moved.
 */
import type { ApprovalIntegrity } from '../chain/review.js';
import { countedReviews } from '../chain/review-trust.js';
import type { Period } from '../core/change-facts.js';
import { buildIndex } from '../core/trail-index.js';
import { currentBranch, listCommits, repositoryName } from '../git/commit-range.js';
import { listTrustedKeys, trustedKeysOf } from '../ledger/keys.js';
import { loadPolicy } from '../ledger/policy-file.js';
import { recordsOfSnapshots } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import type { VerifyReport } from '../ledger/verify.js';
import { verifyAndRead } from '../ledger/verify.js';
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
  return (await readReportInput(repo, period, generatedAt, onStage)).input;
}

/**
 * loadReportInput, with the verification whole: what signs the report (the SLSA bundle)
 * must say which logs fail, which the report's ledger status only counts.
 */
export async function readReportInput(
  repo: Repo,
  period: Period,
  generatedAt = new Date().toISOString(),
  onStage?: (stage: string) => void,
): Promise<{ input: ReportInput; verification: VerifyReport }> {
  const { policy, source } = loadPolicy(repo);
  // One read of the ledger out of git serves both the verification and the report's records.
  onStage?.('reading and verifying the ledger');
  const { report: verification, snapshots, decoded } = await verifyAndRead(repo, { updateWitness: false });
  onStage?.('decoding the ledger');
  // Reviews count as trail check and trail show count them: an approval nothing trusted
  // vouches for (an unknown key, a log anyone could push) is no approval in a report either.
  const { index, setAside } = countedReviews(
    buildIndex(recordsOfSnapshots(snapshots, {}, decoded)),
    await trustedKeysOf(repo),
  );
  onStage?.('reading commits');
  const commits = await listCommits(repo.workTree, ['HEAD']);
  const repository = await repositoryName(repo.workTree);
  const branch = await currentBranch(repo.workTree);
  const input: ReportInput = {
    index,
    commits,
    policy,
    policySource: source,
    ledger: ledgerStatus(verification),
    problemWriters: new Set(verification.problems.map((p) => p.writerId)),
    changedAfterApproval: changedApprovals(verification.approvals),
    reviewsNotCounted: setAside.length,
    period,
    scope: {
      repository,
      branch,
      description: `${repository}: the commits reachable from ${branch ?? 'HEAD'} (${commits.length} without merges) and every checkpoint in the ledger`,
    },
    generatedAt,
    trustedKeys: listTrustedKeys(repo).length,
  };
  return { input, verification };
}
