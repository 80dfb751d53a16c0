/**
 * Entry point for git hooks (`trail hook git <name>`), loaded by bin/trail without the rest
 * of the CLI: post-commit runs on every commit, and loading the whole CLI's modules cost about
 * as much as sealing itself. Like `trail hook` in the CLI, it never fails the commit or push:
 * a failure becomes a capture gap.
 */
import { readFileSync } from 'node:fs';
import type { Repo } from '../ledger/repo.js';
import { findRepo } from '../ledger/repo.js';
import { recordGap } from './gaps.js';
import { runGitHook } from './git-hook.js';
import { loadSealSchemas } from './seal.js';

export async function gitHookMain(args: readonly string[], cwd = process.cwd()): Promise<void> {
  const [event = '', ...rest] = args;
  let repo: Repo | undefined;
  // Sealing needs the record schemas: they load while git answers the first questions. A
  // failure to load surfaces where they are awaited.
  if (event === 'post-commit' || event === 'post-rewrite') loadSealSchemas().catch(() => undefined);
  try {
    repo = await findRepo(cwd);
    await runGitHook(repo, event, rest, () => readFileSync(0, 'utf8'));
  } catch (error) {
    if (repo) {
      recordGap(repo, {
        what: event ? `git ${event} hook` : 'git hook',
        why: (error as Error).message,
        hook: event,
        agent: 'git',
      });
    }
  }
}
