/**
 * Makes `git fetch` carry Trail's refs: each remote gets the refspec
 * `+refs/trail/logs/*:refs/trail/remotes/<remote>/logs/*`. Fetched logs land in their own
 * namespace so a remote can never overwrite this clone's logs; the `+` lets a fetch always
 * succeed, and a rewritten remote log is then caught by `trail verify` (the witness),
 * instead of making `git pull` fail. Pushing is done by the pre-push hook, because a
 * `remote.<name>.push` refspec would change what a plain `git push` pushes.
 */
import { gitText, runGit } from './run.js';

export function fetchRefspec(remote: string): string {
  return `+refs/trail/logs/*:refs/trail/remotes/${remote}/logs/*`;
}

export async function listRemotes(workTree: string): Promise<string[]> {
  const text = await gitText(workTree, ['remote']);
  return text ? text.split('\n') : [];
}

async function fetchRefspecs(workTree: string, remote: string): Promise<string[]> {
  const result = await runGit(workTree, ['config', '--get-all', `remote.${remote}.fetch`], { allow: [1] });
  return result.stdout.toString('utf8').split('\n').filter(Boolean);
}

export async function addTrailRefspecs(workTree: string): Promise<string[]> {
  const changed: string[] = [];
  for (const remote of await listRemotes(workTree)) {
    const spec = fetchRefspec(remote);
    if ((await fetchRefspecs(workTree, remote)).includes(spec)) continue;
    await runGit(workTree, ['config', '--add', `remote.${remote}.fetch`, spec]);
    changed.push(remote);
  }
  return changed;
}

export async function removeTrailRefspecs(workTree: string): Promise<string[]> {
  const changed: string[] = [];
  for (const remote of await listRemotes(workTree)) {
    const spec = fetchRefspec(remote);
    if (!(await fetchRefspecs(workTree, remote)).includes(spec)) continue;
    // --fixed-value matches the refspec literally instead of as a regular expression.
    await runGit(workTree, ['config', '--fixed-value', '--unset', `remote.${remote}.fetch`, spec]);
    changed.push(remote);
  }
  return changed;
}

export async function hasTrailRefspec(workTree: string, remote: string): Promise<boolean> {
  return (await fetchRefspecs(workTree, remote)).includes(fetchRefspec(remote));
}

/** Pushes this clone's logs (never fetched copies) to a remote; fast-forward only. */
export async function pushTrailRefs(workTree: string, remote: string): Promise<void> {
  await runGit(workTree, ['push', '--no-verify', '--quiet', remote, 'refs/trail/logs/*:refs/trail/logs/*']);
}

/** Fetches the remote's logs into their namespace. */
export async function fetchTrailRefs(workTree: string, remote: string): Promise<void> {
  await runGit(workTree, ['fetch', '--quiet', remote, fetchRefspec(remote)]);
}
