/** `trail deploy --env NAME --commit SHA [--status S] [--url URL]`: record where a commit was deployed. */
import type { Command } from 'commander';
import { DEPLOYMENT_STATUSES, recordDeployment } from '../../chain/deploy.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('deploy')
    .description('record a deployment of a commit to an environment')
    .option('--env <name>', 'the environment (production, staging...)')
    .option('--commit <sha>', 'the commit deployed (any commit-ish; resolved to its full id)')
    .option('--status <status>', `${DEPLOYMENT_STATUSES.join('|')}`, 'success')
    .option('--url <url>', 'where it runs, or the deployment job')
    .option('--json', 'machine output on stdout')
    .action(
      async (options: { env?: string; commit?: string; status?: string; url?: string; json?: boolean }) => {
        const ctx = context();
        const repo = await findRepo(ctx.cwd);
        const { id, record } = await recordDeployment(repo, { ...options, processEnv: ctx.env });
        if (options.json) return printJson(ctx.io, { id, ...record });
        say(
          ctx.io,
          `deployment of ${record.commit.slice(0, 12)} to ${record.env}: ${record.status}${record.url ? ` (${record.url})` : ''}: record ${id.slice(0, 12)}`,
        );
      },
    );
}
