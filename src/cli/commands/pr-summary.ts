/** `trail pr-summary [--base REF] [--format md|json]`: the evidence a reviewer needs, for a PR/MR comment. */
import type { Command } from 'commander';
import { loadPrSummary, renderPrSummaryMarkdown } from '../../chain/pr-summary.js';
import { TrailError } from '../../core/errors.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('pr-summary')
    .description(
      'summary of the current branch for its pull/merge request: ticket, run, checks (failed and skipped included), gaps, reviewer focus, evidence',
    )
    .option(
      '--base <ref>',
      "the branch the PR targets (default: the upstream's base, else origin/HEAD, main or master)",
    )
    .option('--format <format>', 'md (a PR comment) or json', 'md')
    .option('--json', 'the same as --format json')
    .action(async (options: { base?: string; format: string; json?: boolean }) => {
      const format = options.json ? 'json' : options.format;
      if (format !== 'md' && format !== 'json') throw new TrailError('USAGE', '--format must be md or json');
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const summary = await loadPrSummary(repo, options.base !== undefined ? { base: options.base } : {});
      if (format === 'json') return printJson(ctx.io, summary);
      ctx.io.stdout(renderPrSummaryMarkdown(summary));
    });
}
