/** `trail retention apply [--dry-run]`: purge what the retention policy no longer requires. */

import type { Command } from 'commander';
import { countLabel } from '../../core/count-label.js';
import { loadPolicy } from '../../ledger/policy-file.js';
import { findRepo, requireInitialised } from '../../ledger/repo.js';
import { applyRetention, planRetention } from '../../ledger/retention.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  const retention = program
    .command('retention')
    .description('apply the retention policy of .trail/policy.yml to this clone’s log');
  retention
    .command('apply')
    .description(
      'purge records older than retention.days that no legal hold covers, leaving verifiable tombstones',
    )
    .option('--dry-run', 'list what would be purged, change nothing')
    .option('--reason <text>', 'why, recorded with the purge', 'retention policy')
    .option('--json', 'machine output on stdout')
    .action(async (options: { dryRun?: boolean; reason: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      const { policy } = loadPolicy(repo);
      const plan = await planRetention(repo, policy);
      if (options.dryRun) {
        if (options.json) return printJson(ctx.io, { dryRun: true, ...plan });
        say(
          ctx.io,
          `would purge ${countLabel(plan.purge.length, 'record')} older than ${plan.cutoff}; ${plan.held.length} held, ${plan.kept} kept`,
        );
        for (const p of plan.purge)
          say(ctx.io, `  purge ${p.kind} ${p.recordId.slice(0, 12)} from ${p.time}`);
        for (const h of plan.held) say(ctx.io, `  held  ${h.kind} ${h.recordId.slice(0, 12)}: ${h.reason}`);
        return;
      }
      const result = await applyRetention(repo, plan, options.reason);
      if (options.json) return printJson(ctx.io, result);
      say(
        ctx.io,
        `purged ${countLabel(plan.purge.length, 'record')} older than ${plan.cutoff}; ${plan.held.length} held by legal holds`,
      );
      if (result.pushed.length > 0)
        say(ctx.io, `the rewritten log was pushed to: ${result.pushed.join(', ')}`);
    });
}
