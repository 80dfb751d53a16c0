/** `trail stats`: AI share of added lines by file, directory, author, agent, model and month. */
import type { Command } from 'commander';
import { originWithoutCheckpoint, trackedSinceSeconds } from '../../core/before-tracking.js';
import { hasCommits } from '../../git/commit-range.js';
import { logNumstat } from '../../git/log-numstat.js';
import { loadConfig } from '../../ledger/config.js';
import { loadIndex } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import type { Share, UncheckpointedCommit } from '../../read/stats.js';
import { computeStats } from '../../read/stats.js';
import type { CommandContext } from '../context.js';
import { positiveCount } from '../option-values.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('stats')
    .description('AI share of added lines by file, directory, author, agent, model and month')
    .option('--rev <range>', 'commits to count (git rev-list syntax)', 'HEAD')
    .option('--top <n>', 'rows per table', '10')
    .option('--json', 'machine output on stdout')
    .action(async (options: { rev: string; top: string; json?: boolean }) => {
      const ctx = context();
      const top = positiveCount(options.top, '--top');
      const repo = await findRepo(ctx.cwd);
      // Lines come from checkpoints alone: no other record is even parsed.
      const index = await loadIndex(repo, { onlyKinds: ['checkpoint'] });
      // Commits without a checkpoint count by blame's rule: human, or unknown from before
      // Trail tracked the repository. One git log for all of them.
      const trackedSince = trackedSinceSeconds(loadConfig(repo).trackedSince);
      const commits = (await hasCommits(repo.workTree)) ? await logNumstat(repo.workTree, options.rev) : [];
      const uncheckpointed: UncheckpointedCommit[] = commits
        .filter((c) => !index.checkpointByCommit.has(c.sha))
        .map((c) => ({
          author: c.author,
          month: c.date.slice(0, 7),
          origin: originWithoutCheckpoint(c.committerTime, trackedSince).origin,
          files: c.files.filter((f) => !f.path.startsWith('.trail/')),
        }));
      const stats = computeStats(index, uncheckpointed, new Set(commits.map((c) => c.sha)));
      if (options.json) return printJson(ctx.io, stats);
      const table = (title: string, rows: Share[]) => {
        // An empty table says nothing the totals line does not.
        if (rows.length === 0) return;
        say(ctx.io, `\n${title}`);
        for (const r of rows.slice(0, top)) {
          say(
            ctx.io,
            `  ${r.key.padEnd(40).slice(0, 40)} ${(r.share === null ? '—' : `${r.share}%`).padStart(6)} AI  (${r.ai} AI, ${r.human} human, ${r.unknown} unknown)`,
          );
        }
      };
      const t = stats.totals;
      const beforeTrail = uncheckpointed.reduce(
        (sum, c) => sum + (c.origin === 'unknown' ? c.files.reduce((n, f) => n + f.added, 0) : 0),
        0,
      );
      say(
        ctx.io,
        t.ai + t.human + t.unknown === 0
          ? `no lines added in ${options.rev}: nothing to share out`
          : t.share === null
            ? `AI share of added lines: not known: none of the ${t.unknown} added lines has a known origin${beforeTrail === t.unknown ? ' (all were committed before Trail tracked this repository)' : ''}`
            : `AI share of added lines: ${t.share}% (${t.ai} AI, ${t.human} human, ${t.unknown} unknown)`,
      );
      table('By month', stats.byMonth);
      table('By agent', stats.byAgent);
      table('By model', stats.byModel);
      table('By author', stats.byAuthor);
      table('By directory', stats.byDirectory);
      table('By file', stats.byFile);
    });
}
