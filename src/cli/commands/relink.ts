/**
 * `trail relink [REV...]`: after a squash or rebase merge done by the code host (e.g. in CI
 * on the default branch), links the new commits to the checkpoints of the commits they replaced.
 */
import type { Command } from 'commander';
import { relinkCommit } from '../../capture/relink.js';
import { noCommitsYet } from '../../core/errors.js';
import { gitOverRevisions, hasCommits } from '../../git/commit-range.js';
import { loadIndex } from '../../ledger/read.js';
import { findRepo, requireInitialised } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('relink')
    .description(
      'link commits made by the code host (squash or rebase merges) to the checkpoints they replaced',
    )
    .argument('[revs...]', 'commits or a range (default HEAD)')
    .option('--json', 'machine output on stdout')
    .action(async (revs: string[], options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      if (revs.length === 0 && !(await hasCommits(repo.workTree))) throw noCommitsYet();
      const given = revs.length ? revs : ['HEAD'];
      const list = (await gitOverRevisions(repo.workTree, ['rev-list', '--no-walk', ...given, '--'], given))
        .toString('utf8')
        .split('\n')
        .filter(Boolean);
      const results = [];
      for (const commit of list.reverse()) {
        results.push(await relinkCommit(repo, commit, await loadIndex(repo, { onlyKinds: ['checkpoint'] })));
      }
      if (options.json) return printJson(ctx.io, results);
      for (const r of results) {
        say(
          ctx.io,
          r.from.length > 0
            ? `${r.commit.slice(0, 10)}: linked by ${r.how} to ${r.from.map((c) => c.slice(0, 10)).join(', ')} (${r.lines.ai} AI, ${r.lines.human} human, ${r.lines.unknown} unknown lines)`
            : `${r.commit.slice(0, 10)}: ${r.how === 'already-linked' ? 'already has a checkpoint' : 'no checkpoint to link'}`,
        );
      }
    });
}
