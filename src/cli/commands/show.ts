/** `trail show <commit|checkpoint>`: the whole record of one change. */
import type { Command } from 'commander';
import { countedReviews } from '../../chain/review-trust.js';
import { trustedKeysOf } from '../../ledger/keys.js';
import { loadCheckpointsFirst } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import { renderCheckpointMarkdown, renderCheckpointText } from '../../read/render-checkpoint.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';
import { resolveCheckpoint } from '../resolve.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('show')
    .description(
      'the whole record of a change: request, prompts, model, reasoning, checks, files, lines, review, tests, deployments',
    )
    .argument('[ref]', 'a commit (default HEAD), a checkpoint id (or prefix) or a ckpt_ key', 'HEAD')
    .option('--json', 'machine output on stdout')
    .option('--md', 'Markdown on stdout')
    .action(async (ref: string, options: { json?: boolean; md?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      // The checkpoint is found first; then only the records that name it are decoded.
      const ledger = await loadCheckpointsFirst(repo);
      const checkpoint = await resolveCheckpoint(repo.workTree, ledger.checkpoints, ref);
      // Reviews nothing here vouches for are listed apart and do not make it approved.
      const { index, setAside } = countedReviews(
        await ledger.indexFor([checkpoint]),
        await trustedKeysOf(repo),
      );
      const view = buildCheckpointView(index, checkpoint, setAside);
      if (options.json) return printJson(ctx.io, view);
      if (options.md) return ctx.io.stdout(renderCheckpointMarkdown(view));
      ctx.io.stderr(renderCheckpointText(view));
    });
}
