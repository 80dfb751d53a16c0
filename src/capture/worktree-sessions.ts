/**
 * The sessions `trail session start` made current in the other worktrees of this clone. Each
 * worktree keeps its own (currentSessionState), all in the clone's one spool folder, so a
 * session can be named from a worktree it is not current in: `trail session end --session ID`
 * there must not end it behind its own worktree's back, where the files it changed wait to be
 * committed, nor leave that worktree recording into a session that has ended.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../ledger/repo.js';
import type { CurrentSession } from './spool.js';
import {
  CURRENT_SESSION_STATE,
  currentSessionState,
  currentSessionStateOf,
  readCurrentSession,
  spoolDir,
} from './spool.js';

export interface CurrentElsewhere {
  session: CurrentSession;
  /** The worktree it is current in; undefined when that worktree is gone (removed or moved). */
  worktree?: string;
}

/** Every other worktree's current session. Runs git only when there is one to place. */
export function currentSessionsElsewhere(repo: Repo): CurrentElsewhere[] {
  const own = currentSessionState(repo);
  const others = stateFiles(repo).filter((name) => name !== own);
  const found = others.flatMap((name) => {
    const session = readCurrentSession(repo.stateDir, name);
    return session ? [{ name, session }] : [];
  });
  if (found.length === 0) return [];
  const worktrees = worktreesByStateName(repo);
  return found.map(({ name, session }) => {
    const worktree = worktrees.get(name);
    return worktree === undefined ? { session } : { session, worktree };
  });
}

/** Removes every worktree's pointer to the session `key`: it has ended, here or elsewhere. */
export function forgetCurrentSession(repo: Repo, key: string): void {
  for (const name of stateFiles(repo)) {
    if (readCurrentSession(repo.stateDir, name)?.key === key) {
      rmSync(join(spoolDir(repo.stateDir), name), { force: true });
    }
  }
}

function stateFiles(repo: Repo): string[] {
  try {
    return readdirSync(spoolDir(repo.stateDir)).filter((name) => CURRENT_SESSION_STATE.test(name));
  } catch {
    return [];
  }
}

/**
 * Each worktree git knows, by the name its current-session file has. The first that `git
 * worktree list` prints is the main one; a linked one is named by its real path, as it names
 * itself (linkedWorktree). One whose folder is gone has no real path and is left out.
 */
function worktreesByStateName(repo: Repo): Map<string, string> {
  const listed = spawnSync('git', ['worktree', 'list', '--porcelain'], {
    cwd: repo.workTree,
    encoding: 'utf8',
    timeout: 5000,
  });
  const byName = new Map<string, string>();
  if (listed.status !== 0) return byName;
  const paths = listed.stdout
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
  paths.forEach((path, i) => {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return;
    }
    byName.set(currentSessionStateOf(i === 0 ? undefined : real), path);
  });
  return byName;
}
