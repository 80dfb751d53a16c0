/** `trail verify`: every log, every record, every signature, the witness, and every approval. */
import type { Command } from 'commander';
import { approvalFindingLine } from '../../chain/review.js';
import { countLabel } from '../../core/count-label.js';
import { findRepo } from '../../ledger/repo.js';
import type { LogTimestamp } from '../../ledger/stamp-checks.js';
import { nothingFoundNote } from '../../ledger/unfetched-logs.js';
import type { VerifyReport } from '../../ledger/verify.js';
import { failingLogs, verifyRepository, writerTimestamps } from '../../ledger/verify.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

/** Approval notices printed before the rest are only counted. */
const NOTICES_SHOWN = 10;

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('verify')
    .description(
      "check every log's records, hash chain, Merkle roots, signatures and history, and that approved checkpoints are unchanged",
    )
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      // A bare mirror (on a server, in a receive hook) can be verified too: it reads only refs.
      const repo = await findRepo(ctx.cwd, { allowBare: true });
      const report = await verifyRepository(repo);
      const { approvals } = report;
      // Legitimate records added after an approval, and unsigned approvals: worth knowing, not
      // a failure. Every run finds the same ones again, so a long history would bury the
      // verdict under them: the first few are printed, and --json lists every one.
      if (!options.json) {
        const shown = approvals.notices.length > NOTICES_SHOWN + 1 ? NOTICES_SHOWN : approvals.notices.length;
        for (const n of approvals.notices.slice(0, shown)) say(ctx.io, `notice: ${approvalFindingLine(n)}`);
        const more = approvals.notices.length - shown;
        if (more > 0) say(ctx.io, `notice: … and ${more} more (trail verify --json lists every one)`);
      }
      if (options.json) printJson(ctx.io, report);
      else if (report.ok) {
        say(
          ctx.io,
          `verified ${report.records} record${report.records === 1 ? '' : 's'} in ${report.logs.length} log${report.logs.length === 1 ? '' : 's'} from ${report.writers} writer${report.writers === 1 ? '' : 's'}: all hold`,
        );
        for (const line of timestampLines(report)) say(ctx.io, line);
        const note = report.logs.length === 0 ? await nothingFoundNote(repo) : undefined;
        if (note) say(ctx.io, `note: ${note}`);
        if (approvals.approvals > 0) {
          say(
            ctx.io,
            `${approvals.approvals} approval${approvals.approvals === 1 ? '' : 's'} checked: every approved checkpoint and the records it seals are as approved${approvals.notices.length > 0 ? ` (${approvals.notices.length} notice${approvals.notices.length === 1 ? '' : 's'} above)` : ''}`,
          );
        }
      } else {
        for (const p of report.problems) {
          const where =
            p.seq === undefined ? '' : ` record ${p.seq}${p.recordId ? ` (${p.recordId.slice(0, 12)})` : ''}`;
          say(ctx.io, `${p.ref}${where}: ${p.kind}: ${p.message}`);
        }
        for (const p of approvals.problems) say(ctx.io, approvalFindingLine(p));
        say(ctx.io, failureSummary(report));
      }
      if (!report.ok) throw new ExitCode(1);
    });
}

/**
 * One line per writer whose log an authority's token stamps (its newest stamped head over
 * every copy): how many of its records are shown to have existed by when, and by whom. For a
 * writer whose key is revoked, also what the largest token from before the revocation shows:
 * those records (its reviews among them) still count.
 */
function timestampLines(report: VerifyReport): string[] {
  const before = new Map(writerTimestamps(report, 'beforeRevocation').map((t) => [t.writerId, t]));
  const shows = ({ size, time, authority }: LogTimestamp) =>
    `${size === 1 ? 'its first record' : `its first ${countLabel(size, 'record')}`} existed by ${time} (${authority})`;
  return writerTimestamps(report).flatMap((newest) => {
    const { writerId, writerName, size } = newest;
    const writer = writerName ? `${writerName} (${writerId.slice(0, 12)})` : writerId.slice(0, 12);
    const first = before.get(writerId);
    if (!first) return [`timestamped: ${writer}: ${shows(newest)}`];
    if (first.size === size) return [`timestamped: ${writer}: ${shows(newest)}, before its key was revoked`];
    return [
      `timestamped: ${writer}: ${shows(newest)}`,
      `timestamped before its key was revoked: ${writer}: ${shows(first)}`,
    ];
  });
}

/**
 * The last line over a ledger that fails: how many problems in which logs, out of how many,
 * and how many approval problems (a count of logs alone misled).
 */
function failureSummary(report: VerifyReport): string {
  const approvals = report.approvals.problems.length;
  const parts: string[] = [];
  if (report.problems.length > 0) {
    parts.push(
      `${countLabel(report.problems.length, 'problem')} in ${failingLogs(report)} of ${countLabel(report.logs.length, 'log')}`,
    );
  }
  if (approvals > 0) parts.push(countLabel(approvals, 'approval problem'));
  if (report.problems.length === 0) parts.push('every log holds');
  return `verify failed: ${parts.join('; ')}`;
}
