/**
 * The branch HEAD is on. Read from the HEAD file when it is the plain symbolic ref git
 * writes (`ref: refs/heads/<branch>`), which spares post-commit a git process on every
 * commit; anything else (a detached HEAD, a reftable repository, whose HEAD file is a
 * placeholder, or no file to read) is asked of git itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { branchOfHeadFile } from './head-file.js';
import { runGit } from './run.js';

/**
 * The short name of the branch HEAD is on, or undefined when HEAD is detached.
 * @param headDir the git dir of the working tree (a linked worktree has its own HEAD)
 */
export async function currentBranch(workTree: string, headDir?: string): Promise<string | undefined> {
  if (headDir) {
    try {
      const branch = branchOfHeadFile(readFileSync(join(headDir, 'HEAD'), 'utf8'));
      if (branch) return branch;
    } catch {
      // Unreadable: git knows.
    }
  }
  const asked = await runGit(workTree, ['symbolic-ref', '-q', '--short', 'HEAD'], { allow: [1, 128] });
  return asked.stdout.toString('utf8').trim() || undefined;
}
