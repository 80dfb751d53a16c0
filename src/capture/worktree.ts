/**
 * Linked worktrees (`git worktree add`) share one clone's state folder, `.git/trail/`, while
 * each has its own files, HEAD and work in progress: what belongs to one worktree (a file's
 * shadow, the current manual session) is kept under a name that says which, and each spool
 * line says which worktree it was recorded in, so a commit carries only its own worktree's
 * sessions.
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

/** What spool lines name the main worktree by (a linked one's is its tag, 8 hex digits). */
const MAIN_WORKTREE = 'main';

/**
 * The worktree a spool line is recorded in (`SpoolHeader.worktree`): MAIN_WORKTREE, or a linked
 * worktree's tag. The main worktree has a name rather than a tag of its path, so moving the
 * clone keeps its pending sessions its own.
 */
export function worktreeId(repo: Repo): string {
  return worktreeTag(repo) ?? MAIN_WORKTREE;
}

/** Whether `value` is what worktreeId gives: no user data, so never a redaction's business. */
export function isWorktreeId(value: string): boolean {
  return value === MAIN_WORKTREE || /^[0-9a-f]{8}$/.test(value);
}
