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
}

export function repoAt(workTree: string, gitDir: string): Repo {
  return { workTree, gitDir, stateDir: join(gitDir, 'trail'), configDir: join(workTree, '.trail') };
}
