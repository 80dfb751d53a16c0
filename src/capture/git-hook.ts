/**
 * The git side of `trail hook git <name>`. Runs inside git's hooks, so it must never change
 * the outcome of a commit or push: every failure becomes a capture gap (by the caller).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrailError } from '../core/errors.js';
import { GIT_HOOKS } from '../git/hooks.js';
import { pushTrailRefs } from '../git/remote-config.js';
import { gitText } from '../git/run.js';
import type { Repo } from '../ledger/repo.js';
import { isInitialised } from '../ledger/repo.js';
import { carryCheckpoint, parseRewriteList } from './rewrite.js';
import { prepareCommitMessage, sealCommit } from './seal.js';
import { stampBeforePush } from './stamp-on-push.js';

export async function runGitHook(
  repo: Repo,
  name: string,
  args: readonly string[],
  stdin: () => string,
): Promise<void> {
  if (!isInitialised(repo)) return;
  switch (name) {
    case 'pre-push':
      return prePush(repo, args[0]);
    case 'prepare-commit-msg':
      if (args[0]) await prepareCommitMessage(repo, args[0]);
      return;
    case 'post-commit': {
      // A cherry-pick: the new commit carries the picked commit's attribution.
      // Per working tree: a linked worktree keeps its own, beside its own HEAD.
      const pick = join(repo.headDir ?? repo.gitDir, 'CHERRY_PICK_HEAD');
      if (existsSync(pick)) {
        const source = readFileSync(pick, 'utf8').trim();
        const head = await gitText(repo.workTree, ['rev-parse', 'HEAD']);
        const carried = await carryCheckpoint(repo, [source], head, 'cherry-pick');
        if (carried.checkpointId) return;
      }
      await sealCommit(repo, 'HEAD');
      return;
    }
    case 'post-rewrite': {
      for (const [newSha, olds] of parseRewriteList(stdin())) {
        await carryCheckpoint(repo, olds, newSha, args[0] ?? 'rewrite');
      }
      return;
    }
    default:
      // Trail installs only these hooks: another name, or none, means a hook set up by hand
      // or mistyped, which captures nothing until it is fixed. The caller records the gap.
      throw new TrailError(
        'USAGE',
        name
          ? `"${name.slice(0, 80)}" is not a git hook Trail handles (${GIT_HOOKS.join(', ')})`
          : 'no git hook named: trail hook git <hook>',
      );
  }
}

async function prePush(repo: Repo, remote: string | undefined): Promise<void> {
  if (!remote) return;
  const marker = join(repo.stateDir, 'push-pending');
  // No log yet (a first push before any record): git refuses a refspec that matches nothing,
  // which is no failure to record as a gap.
  if (!(await gitText(repo.workTree, ['for-each-ref', '--count=1', '--format=x', 'refs/trail/logs/']))) {
    rmSync(marker, { force: true });
    return;
  }
  // Stamped first, so the token goes out with this push; a failure waits until the refs are out.
  const stampFailure = await stampBeforePush(repo);
  try {
    await pushTrailRefs(repo.workTree, remote);
    rmSync(marker, { force: true });
  } catch (error) {
    // Fail soft: the code push goes on; the marker makes the next push (or trail status) retry.
    mkdirSync(repo.stateDir, { recursive: true });
    writeFileSync(marker, `${new Date().toISOString()} ${remote}\n`);
    throw error;
  }
  if (stampFailure) throw stampFailure;
}
