/**
 * Git runs hooks with the repository it works on named in the environment: `GIT_DIR` (in a
 * linked worktree), `GIT_INDEX_FILE` (often relative, `.git/index`) and sometimes
 * `GIT_WORK_TREE`. Every git process a hook starts inherits them and works on that worktree,
 * whatever its cwd. A hook that has to work on another worktree of the clone runs that work
 * without them, so git finds the repository from the cwd it is given.
 */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE', 'GIT_PREFIX', 'GIT_COMMON_DIR'];

/**
 * Runs `work` with the variables above unset, and sets them back after. The process is a
 * hook's: one thing at a time, under the seal lock, so nothing else runs git meanwhile.
 */
export async function withoutHookRepository<T>(work: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string>();
  for (const name of REPOSITORY_VARIABLES) {
    const value = process.env[name];
    if (value === undefined) continue;
    saved.set(name, value);
    delete process.env[name];
  }
  try {
    return await work();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}
