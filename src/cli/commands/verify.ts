/** `trail verify`: every log, every record, every signature, and the witness. */
import type { Command } from 'commander';
import { findRepo } from '../../ledger/repo.js';
import { verifyRepository } from '../../ledger/verify.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('verify')
    .description("check every log's records, hash chain, Merkle roots, signatures and history")
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const report = await verifyRepository(repo);
      if (options.json) printJson(ctx.io, report);
      else if (report.ok) {
        say(
          ctx.io,
          `verified ${report.records} records in ${report.logs.length} log${report.logs.length === 1 ? '' : 's'} from ${report.writers} writer${report.writers === 1 ? '' : 's'}: all hold`,
        );
      } else {
        for (const p of report.problems) {
          const where =
            p.seq === undefined ? '' : ` record ${p.seq}${p.recordId ? ` (${p.recordId.slice(0, 12)})` : ''}`;
          say(ctx.io, `${p.ref}${where}: ${p.kind}: ${p.message}`);
        }
        say(
          ctx.io,
          `verify failed: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.logs.length} logs`,
        );
      }
      if (!report.ok) throw new ExitCode(1);
    });
}
