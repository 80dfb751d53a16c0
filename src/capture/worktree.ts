/**
 * Linked worktrees (`git worktree add`) share one clone's state folder, `.git/trail/`, while
 * each has its own files, HEAD and work in progress: what belongs to one worktree (a file's
 * shadow, the current manual session) is kept under a name that says which.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { Repo } from '../ledger/repo.js';

const linkedWorktrees = new Map<string, string | undefined>();

/**
 * The real path of the repository's working tree when it is not the main one (the folder the
 * common git dir sits in), else undefined. Real paths: agent hooks and git hooks may name the
 * same folder through different symlinks.
 */
export function linkedWorktree(repo: Repo): string | undefined {
  if (linkedWorktrees.has(repo.workTree)) return linkedWorktrees.get(repo.workTree);
  let tree: string | undefined;
  try {
    const real = realpathSync(repo.workTree);
    tree = real === realpathSync(dirname(repo.gitDir)) ? undefined : real;
  } catch {
    // Not there to resolve: the plain name, as before.
  }
  linkedWorktrees.set(repo.workTree, tree);
  return tree;
}

/** Names a linked worktree in its day sessions' ids (core/day-session.ts); undefined for the main one. */
export function worktreeTag(repo: Repo): string | undefined {
  const tree = linkedWorktree(repo);
  return tree === undefined ? undefined : sha256Hex(tree).slice(0, 8);
}
