/**
 * What readers say when this clone holds nothing of the ledger while `.trail/keys` trusts
 * other writers: a clone that never fetched the logs (a CI checkout fetches branches only)
 * would otherwise report "all hold" or "no checkpoint" as if that were the ledger's answer.
 */
import { existsSync } from 'node:fs';
import { countLabel } from '../core/count-label.js';
import { runGit } from '../git/run.js';
import { listTrustedKeys, writerKeyIfAny } from './keys.js';
import type { Repo } from './repo.js';
import { LOG_REF_PREFIX, REMOTE_LOG_REF_PREFIX } from './repo.js';

/**
 * What is missing and how to fetch it, or undefined when this clone holds a log or trusts no
 * other writer (a repository new to Trail).
 */
export async function unfetchedLogs(repo: Repo): Promise<string | undefined> {
  if (repo.bare) return undefined;
  const refs = await runGit(repo.workTree, [
    'for-each-ref',
    '--count=1',
    LOG_REF_PREFIX,
    REMOTE_LOG_REF_PREFIX,
  ]);
  if (refs.stdout.length > 0) return undefined;
  const others = otherTrustedWriters(repo);
  if (others === 0) return undefined;
  return `no log is here, though .trail/keys trusts ${countLabel(others, 'other writer')}: if they have written, fetch their logs (git fetch origin '+refs/trail/logs/*:refs/trail/remotes/origin/logs/*')`;
}

/**
 * What `trail verify` and `trail check` say when they found nothing: the logs to fetch
 * (unfetchedLogs), or that Trail is not set up in this repository at all (no `.trail/`), since
 * "all hold" over no ledger is no answer about it; undefined otherwise.
 */
export async function nothingFoundNote(repo: Repo): Promise<string | undefined> {
  const unfetched = await unfetchedLogs(repo);
  if (unfetched || repo.bare || existsSync(repo.configDir)) return unfetched;
  return 'Trail is not set up in this repository (no .trail/): there is no ledger here; trail init sets one up';
}

/** Trusted keys other than this clone's own. */
function otherTrustedWriters(repo: Repo): number {
  try {
    const own = writerKeyIfAny(repo)?.keyId; // none in a clone before `trail init`
    return listTrustedKeys(repo).filter((key) => key.keyId !== own).length;
  } catch {
    return 0; // a key file that does not parse: verify reports it, this note need not
  }
}
