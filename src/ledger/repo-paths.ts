/**
 * Where a repository keeps Trail's state, as plain paths (no git, no I/O), so the agent
 * hook path can use it without loading anything else. See repo.ts.
 */
import { join } from 'node:path';

export interface Repo {
  workTree: string;
  gitDir: string;
  /** This clone's private Trail state. */
  stateDir: string;
  /** The committed configuration folder. */
  configDir: string;
  /**
   * The git dir of this working tree, where its HEAD is, when known: in a linked worktree it
   * is not gitDir (the common dir, shared by all worktrees).
   */
  headDir?: string;
  /** A repository without a working tree: workTree is its git dir, and only reading works. */
  bare?: boolean;
}

export function repoAt(workTree: string, gitDir: string, headDir?: string): Repo {
  return {
    workTree,
    gitDir,
    stateDir: join(gitDir, 'trail'),
    configDir: join(workTree, '.trail'),
    ...(headDir ? { headDir } : {}),
  };
}

/** `.trail/config.json`: here, so the git hooks can find it without loading its schema. */
export function configPath(repo: Repo): string {
  return join(repo.configDir, 'config.json');
}
