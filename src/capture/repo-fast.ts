/**
 * Finds the repository without spawning git, for hooks that must start in milliseconds:
 * walk up to `.git`; a `.git` file (worktree or submodule) points at the real git dir, whose
 * `commondir` file points at the shared one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Repo } from '../ledger/repo-paths.js';
import { repoAt } from '../ledger/repo-paths.js';

export function findRepoFast(start: string): Repo | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      let gitDir = dotGit;
      if (statSync(dotGit).isFile()) {
        const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
        if (!match) return undefined;
        gitDir = isAbsolute(match[1]!.trim()) ? match[1]!.trim() : resolve(dir, match[1]!.trim());
      }
      // This working tree's own git dir (where its HEAD is), before it becomes the common one.
      const headDir = gitDir;
      const commonFile = join(gitDir, 'commondir');
      if (existsSync(commonFile)) {
        const common = readFileSync(commonFile, 'utf8').trim();
        gitDir = isAbsolute(common) ? common : resolve(gitDir, common);
      }
      return repoAt(dir, gitDir, headDir);
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
