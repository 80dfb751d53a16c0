/**
 * The git side of `trail hook git <name>`. Runs inside git's hooks, so it must never change
 * the outcome of a commit or push: every failure becomes a capture gap.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushTrailRefs } from '../../git/remote-config.js';
import type { Repo } from '../../ledger/repo.js';

export async function runGitHook(repo: Repo, name: string, args: readonly string[]): Promise<void> {
  if (name === 'pre-push') {
    const remote = args[0];
    if (!remote) return;
    const marker = join(repo.stateDir, 'push-pending');
    try {
      await pushTrailRefs(repo.workTree, remote);
      rmSync(marker, { force: true });
    } catch (error) {
      // Fail soft: the code push goes on; the marker makes the next push (or trail status) retry.
      mkdirSync(repo.stateDir, { recursive: true });
      writeFileSync(marker, `${new Date().toISOString()} ${remote}\n`);
      throw error;
    }
  }
}
