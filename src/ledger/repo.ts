/**
 * Where a repository keeps Trail's state:
 * - `.trail/` in the working tree: committed, reviewed like code (trusted keys, config, policy);
 * - `<git common dir>/trail/`: this clone's private state (writer key, spool, witness, locks),
 *   never pushed;
 * - `refs/trail/logs/<writer>`: the ledger itself, pushed and fetched with the repository.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { TrailError } from '../core/errors.js';
import { runGit } from '../git/run.js';
import type { Repo } from './repo-paths.js';
import { repoAt } from './repo-paths.js';

export type { Repo } from './repo-paths.js';
export { repoAt } from './repo-paths.js';

export const LOG_REF_PREFIX = 'refs/trail/logs/';
export const REMOTE_LOG_REF_PREFIX = 'refs/trail/remotes/';

/**
 * The repository around `cwd`. A bare one (a mirror on a server) is refused unless the caller
 * only reads the ledger (`allowBare`, as verify does): it has no working tree for capture,
 * configuration or keys, so its Repo points every path at the git dir and says it is bare.
 */
export async function findRepo(cwd: string, options: { allowBare?: boolean } = {}): Promise<Repo> {
  const result = await runGit(
    cwd,
    ['rev-parse', '--show-toplevel', '--git-common-dir', '--absolute-git-dir'],
    {
      allow: [128],
    },
  );
  // Three lines, one per question; a bare repository has no top level to show (git says so).
  let [workTree, commonDir, headDir] = result.stdout.toString('utf8').trim().split('\n');
  if (result.code === 0 && result.stdout.toString('utf8').split('\n').length !== 4) {
    // A path holding a newline: asked one question at a time, each answer is the whole output.
    [workTree, commonDir, headDir] = await Promise.all(
      ['--show-toplevel', '--git-common-dir', '--absolute-git-dir'].map(async (question) =>
        (await runGit(cwd, ['rev-parse', question])).stdout.toString('utf8').replace(/\n$/, ''),
      ),
    );
  }
  if (result.code !== 0 && /must be run in a work tree/.test(result.stderr)) {
    if (options.allowBare) {
      const gitDir = (await runGit(cwd, ['rev-parse', '--absolute-git-dir'])).stdout.toString('utf8').trim();
      return { ...repoAt(gitDir, gitDir, gitDir), bare: true };
    }
    throw new TrailError(
      'NOT_A_REPO',
      `${resolve(cwd)} is a bare repository: Trail needs a working tree (run it in a clone)`,
    );
  }
  if (result.code !== 0 || !workTree || !commonDir || !headDir) {
    throw new TrailError('NOT_A_REPO', `${resolve(cwd)} is not inside a git repository (run git init first)`);
  }
  const gitDir = isAbsolute(commonDir) ? commonDir : resolve(cwd, commonDir);
  return repoAt(workTree, gitDir, headDir);
}

export function isInitialised(repo: Repo): boolean {
  return existsSync(join(repo.stateDir, 'keys', 'writer.pem'));
}

export function requireInitialised(repo: Repo): void {
  if (!isInitialised(repo)) {
    throw new TrailError('NOT_INITIALISED', 'Trail is not set up in this repository: run `trail init`');
  }
}
