/**
 * Reading a HEAD file's contents, with no git and no I/O: the agent hooks use it on every
 * call, and post-commit before asking git.
 */

const SYMBOLIC_BRANCH = /^ref: refs\/heads\/(\S+)\n?$/;

/** The branch named by a HEAD file's contents, or undefined when git must be asked. */
export function branchOfHeadFile(contents: string): string | undefined {
  const branch = SYMBOLIC_BRANCH.exec(contents)?.[1];
  // Reftable keeps HEAD in its tables and writes this name, which no branch can have, here.
  return branch === '.invalid' ? undefined : branch;
}
