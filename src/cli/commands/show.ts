/**
 * `trail show <commit|checkpoint|session>`: the whole record of one change, or of one agent
 * session (every event it recorded, and the commits that carried it).
 */
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import { loadCheckpointsFirst, loadIndex } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import { countReviewsOf } from '../../ledger/review-timestamps.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import { renderCheckpointMarkdown, renderCheckpointText } from '../../read/render-checkpoint.js';
import { renderSessionMarkdown, renderSessionText } from '../../read/render-session.js';
import { buildSessionView, findSession } from '../../read/session-view.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';
import { resolveCheckpoint } from '../resolve.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('show')
    .description(
      'the whole record of a change: request, prompts, model, reasoning, checks, files, lines, review, tests, deployments',
    )
    .argument(
      '[ref]',
      'a commit (default HEAD), a checkpoint id (or prefix), a ckpt_ key, or a session id (or prefix)',
      'HEAD',
    )
    .option('--json', 'machine output on stdout')
    .option('--md', 'Markdown on stdout')
    .action(async (ref: string, options: { json?: boolean; md?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      // The checkpoint is found first; then only the records that name it are decoded.
      const ledger = await loadCheckpointsFirst(repo);
      let checkpoint: Awaited<ReturnType<typeof resolveCheckpoint>>;
      try {
        checkpoint = await resolveCheckpoint(repo.workTree, ledger.checkpoints, ref, 'a session');
      } catch (error) {
        // Not a change: it may name a session, which every record must be read to show.
        if (!(error instanceof TrailError) || error.code !== 'NOT_FOUND' || ref.startsWith('-')) throw error;
        const index = await loadIndex(repo);
        const session = findSession(index, ref);
        if (!session) throw error;
        const view = buildSessionView(index, session);
        if (options.json) return printJson(ctx.io, view);
        if (options.md) return ctx.io.stdout(renderSessionMarkdown(view));
        return ctx.io.stderr(renderSessionText(view));
      }
      // Reviews nothing here vouches for are listed apart and do not make it approved.
      const { index, setAside, onTimestamp } = await countReviewsOf(
        repo,
        await ledger.indexFor([checkpoint]),
      );
      const view = buildCheckpointView(index, checkpoint, setAside, onTimestamp);
      if (options.json) return printJson(ctx.io, view);
      if (options.md) return ctx.io.stdout(renderCheckpointMarkdown(view));
      ctx.io.stderr(renderCheckpointText(view));
    });
}
