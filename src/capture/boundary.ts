/**
 * Where a session runs: host, OS user, branch, local/CI/cloud, and the names (never the
 * values) of credentials in its environment. Taken once when a session starts.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { credentialNames } from '../core/redact.js';
import { branchOfHeadFile } from '../git/head-file.js';
import type { Repo } from '../ledger/repo.js';

/** Facts about where the work runs, taken once at session start (hooks and manual sessions). */
export function boundaryFacts(repo: Repo, env: NodeJS.ProcessEnv) {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry in some containers.
  }
  const mode: 'local' | 'ci' | 'cloud' = env.CI
    ? 'ci'
    : env.CODESPACES || env.GITPOD_WORKSPACE_ID
      ? 'cloud'
      : 'local';
  const branch = currentBranch(repo);
  return {
    credentialNames: credentialNames(env),
    host: hostname(),
    user,
    ...(branch ? { branch } : {}),
    mode,
  };
}

function currentBranch(repo: Repo): string | undefined {
  try {
    // A linked worktree has a HEAD of its own.
    return branchOfHeadFile(readFileSync(join(repo.headDir ?? repo.gitDir, 'HEAD'), 'utf8'));
  } catch {
    return undefined;
  }
}
