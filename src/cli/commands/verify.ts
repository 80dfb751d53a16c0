/** `trail verify`: every log, every record, every signature, the witness, and every approval. */
import type { Command } from 'commander';
import { approvalFindingLine } from '../../chain/review.js';
import { findRepo } from '../../ledger/repo.js';
import { failureSummary, verifyRepository } from '../../ledger/verify.js';
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
          `verified ${report.records} records in ${report.logs.length} log${report.logs.length === 1 ? '' : 's'} from ${report.writers} writer${report.writers === 1 ? '' : 's'}: all hold`,
        );
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
