/** `trail blame FILE`: git blame's lines, each with its origin (AI session, person, unknown). */

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { blameFile, originsOf } from '../../attribution/blame.js';
import { resolveCommit } from '../../chain/code-host-mapping.js';
import { trackedSinceSeconds } from '../../core/before-tracking.js';
import { TrailError } from '../../core/errors.js';
import { workTreePathOnDisk } from '../../git/work-tree-path.js';
import { loadConfig } from '../../ledger/config.js';
import { indexForCommits, loadCheckpointsFirst } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('blame')
    .description(
      "each line of a file with git blame's commit and its origin: ai (session, agent, model, prompt), human or unknown",
    )
    .argument('<file>', 'a file in the repository')
    .option('--rev <rev>', 'blame at this revision', 'HEAD')
    .option('--json', 'machine output on stdout')
    .action(async (file: string, options: { rev: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const absolute = resolve(ctx.cwd, file);
      const path = workTreePathOnDisk(repo.workTree, file, ctx.cwd);
      if (path === undefined) throw new TrailError('INPUT_INVALID', `${file} is outside the repository`);
      // The repository's own folder (`.`, or `..` from a subfolder) is inside it, but git blame
      // takes one file: a folder is a usage mistake, not a file that is missing or untracked.
      if (path === '' || (options.rev === 'HEAD' && isFolder(absolute)))
        throw new TrailError('USAGE', `${file} is a folder: name a file`);
      if (options.rev === 'HEAD' && !existsSync(absolute))
        throw new TrailError('NOT_FOUND', `${file}: no such file`);
      const config = loadConfig(repo);
      const trackedSince = trackedSinceSeconds(config.trackedSince);
      // git blame runs while the ledger is read; events are decoded only for the sessions whose
      // lines are shown (a line names its session's first prompt).
      const blaming = blameFile(repo.workTree, path, options.rev);
      blaming.catch(() => undefined);
      const ledger = await loadCheckpointsFirst(repo);
      let blamed: Awaited<typeof blaming>;
      try {
        blamed = await blaming;
      } catch (error) {
        // Which of the two it was: a revision git does not know, or a file not in it.
        if (!(await resolveCommit(repo.workTree, options.rev))) {
          throw new TrailError('USAGE', `--rev ${options.rev}: not a commit in this repository`);
        }
        throw new TrailError('NOT_FOUND', `${file} is not tracked at ${options.rev} (git blame failed)`, {
          cause: error,
        });
      }
      const index = await indexForCommits(
        ledger,
        blamed.map((l) => l.commit),
      );
      const lines = originsOf(blamed, index, trackedSince);
      if (options.json) {
        // Both times as ISO 8601, as every other time Trail prints (git gives seconds).
        const timed = lines.map((l) => ({
          ...l,
          committerTime: new Date(l.committerTime * 1000).toISOString(),
        }));
        return printJson(ctx.io, { path, rev: options.rev, lines: timed });
      }
      const width = String(lines.length).length;
      for (const l of lines) {
        // One column width for every origin, so the line numbers and text line up.
        const who = (
          l.origin === 'ai'
            ? `ai ${(l.agent ?? '').padEnd(11).slice(0, 11)} ${(l.model ?? '').slice(0, 18)}`
            : l.origin === 'human'
              ? `human${l.overrodeSessionId ? '*' : ''}`
              : 'unknown'
        ).padEnd(33);
        ctx.io.stderr(`${l.commit.slice(0, 8)} ${who} ${String(l.line).padStart(width)}| ${l.text}\n`);
      }
    });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Missing or unreadable: the checks after this one say which.
    return false;
  }
}
