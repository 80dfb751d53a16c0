/**
 * An admin's changes to a repository's key set (key-approval.ts says what a locked key set
 * means): locking or unlocking it, and approving a key that waits.
 *
 * Which reviews the server counts follows the keys in force (review-trust.ts), so each change
 * here refreshes the repository's review status (review-state.ts) in the same transaction.
 * They sit apart from key-approval.ts, which the review status reads its keys from, so the
 * imports go one way: key-set-admin.ts → review-state.ts → key-approval.ts.
 */
import type { RepoRef } from './auth.js';
import type { Database } from './db/database.js';
import { notFound } from './errors.js';
import { keySetState, lockKeySet, registeredKeyIds } from './key-approval.js';
import { refreshRepoReviewStatus } from './review-state.js';

/**
 * Locks or unlocks a repository's key set. Locking approves, in the same transaction, every
 * key registered until then that was not approved before.
 */
export async function setKeySetLock(
  db: Database,
  repo: RepoRef,
  locked: boolean,
  tokenId: string,
  now = Date.now(),
): Promise<{ locked: boolean; approved: string[] }> {
  return db.transaction(async (tx) => {
    await lockKeySet(tx, repo.id);
    const approved: string[] = [];
    if (locked) {
      const state = await keySetState(tx, repo.id);
      approved.push(...(await registeredKeyIds(tx, repo.id)).filter((keyId) => !state.approved.has(keyId)));
      if (approved.length > 0) {
        await tx.query(
          `INSERT INTO repo_key_approvals (repo_id, key_id, approved_by)
           SELECT $1, k, $2 FROM unnest($3::text[]) AS k`,
          [repo.id, tokenId, approved],
        );
      }
    }
    await tx.query('INSERT INTO repo_key_locks (repo_id, locked, set_by) VALUES ($1, $2, $3)', [
      repo.id,
      locked,
      tokenId,
    ]);
    // Unlocking lets in keys that waited for approval: reviews in their logs may count now.
    await refreshRepoReviewStatus(tx, repo.id, now);
    return { locked, approved };
  });
}

/** Approves one registered key; approving it again changes nothing. */
export async function approveKey(
  db: Database,
  repo: RepoRef,
  keyId: string,
  tokenId: string,
  now = Date.now(),
): Promise<{ keyId: string; approved: boolean; alreadyApproved: boolean }> {
  return db.transaction(async (tx) => {
    await lockKeySet(tx, repo.id);
    const known = await tx.query('SELECT 1 FROM repo_keys WHERE repo_id = $1 AND key_id = $2 LIMIT 1', [
      repo.id,
      keyId,
    ]);
    if (known.rows.length === 0) {
      throw notFound(`no key ${keyId} is registered for ${repo.name}: push it from .trail/keys/ first`);
    }
    const state = await keySetState(tx, repo.id);
    if (state.approved.has(keyId)) return { keyId, approved: true, alreadyApproved: true };
    await tx.query('INSERT INTO repo_key_approvals (repo_id, key_id, approved_by) VALUES ($1, $2, $3)', [
      repo.id,
      keyId,
      tokenId,
    ]);
    await refreshRepoReviewStatus(tx, repo.id, now);
    return { keyId, approved: true, alreadyApproved: false };
  });
}
