/** `trail rollback --env NAME --from SHA --to SHA --reason TEXT`: record that a deployment was rolled back. */
import type { Command } from 'commander';
import { recordRollback } from '../../chain/deploy.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('rollback')
    .description('record a rollback in an environment from one commit to another')
    .option('--env <name>', 'the environment')
    .option('--from <sha>', 'the commit taken out')
    .option('--to <sha>', 'the commit put back')
    .option('--reason <text>', 'why')
    .option('--json', 'machine output on stdout')
    .action(
      async (options: { env?: string; from?: string; to?: string; reason?: string; json?: boolean }) => {
        const ctx = context();
        const repo = await findRepo(ctx.cwd);
        const { id, record } = await recordRollback(repo, { ...options, processEnv: ctx.env });
        if (options.json) return printJson(ctx.io, { id, ...record });
        say(
          ctx.io,
          `rollback in ${record.env} from ${record.from.slice(0, 12)} to ${record.to.slice(0, 12)}: record ${id.slice(0, 12)}`,
        );
      },
    );
}
