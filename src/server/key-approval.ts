/**
 * Locking a repository's key set. By default the key set is what the repository's pushes say
 * it is (`.trail/keys/`, a reviewed file in git): any ingest token in scope can add a key,
 * so a token holder could register a key of their own and push a log signed with it. An
 * admin who wants the server to be a check on that locks the key set:
 *
 * - locking approves every key registered so far;
 * - a key pushed afterwards is registered, but heads it signed are refused until an admin
 *   approves it (`unapproved-key`, flagged as an alert);
 * - revocations still come in by push: they only ever take trust away;
 * - unlocking returns to the default.
 *
 * This file reads the key set and holds its lock; an admin's changes to it are in
 * key-set-admin.ts.
 *
 * Both tables are append-only, like every audit table: the newest lock row is in force, and
 * an approval is never withdrawn (revoke the key instead). Locking, approving and
 * registering keys take the same per-repository lock, so a key registered while a lock is
 * being set is either approved by it or waits.
 */
import { revokedAsOf } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { Queryable } from './db/database.js';

/** The advisory lock under which a repository's keys, lock and approvals change. */
export async function lockKeySet(tx: Queryable, repoId: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`keys/${repoId}`]);
}

export interface KeySetState {
  locked: boolean;
  /** Keys approved for the locked key set (meaningless while it is unlocked). */
  approved: ReadonlySet<string>;
}

export async function keySetState(db: Queryable, repoId: number): Promise<KeySetState> {
  const [lock, approvals] = await Promise.all([
    db.query<{ locked: boolean }>(
      'SELECT locked FROM repo_key_locks WHERE repo_id = $1 ORDER BY id DESC LIMIT 1',
      [repoId],
    ),
    db.query<{ key_id: string }>('SELECT DISTINCT key_id FROM repo_key_approvals WHERE repo_id = $1', [
      repoId,
    ]),
  ]);
  return {
    locked: lock.rows[0]?.locked === true,
    approved: new Set(approvals.rows.map((r) => r.key_id)),
  };
}

/** Whether heads signed with `keyId` may be accepted: always, unless the key set is locked. */
export function keyInForce(state: KeySetState, keyId: string): boolean {
  return !state.locked || state.approved.has(keyId);
}

/**
 * Each repository's trusted keys, as the server judges reviews with them (review-trust.ts):
 * every key registered for it, but where its key set is locked only the approved ones. A
 * revoked key is kept with its revocation (the earliest recorded, and the largest bound), so
 * what it no longer vouches for can say why.
 */
export async function trustedKeysOf(
  db: Queryable,
  repoIds: readonly number[],
): Promise<Map<number, Map<string, TrustedKey>>> {
  const byRepo = new Map<number, Map<string, TrustedKey>>(repoIds.map((id) => [id, new Map()]));
  if (repoIds.length === 0) return byRepo;
  const rows = await db.query<{
    repo_id: number;
    key_id: string;
    public_key: string;
    name: string | null;
    revoked_at: string | null;
    revoked_at_size: string | number | null;
  }>(
    `SELECT repo_id, key_id, public_key, name, revoked_at, revoked_at_size FROM repo_keys
     WHERE repo_id = ANY($1::int[]) ORDER BY id`,
    [[...repoIds]],
  );
  const states = new Map<number, KeySetState>();
  for (const row of rows.rows) {
    const repoId = Number(row.repo_id);
    let state = states.get(repoId);
    if (!state) {
      state = await keySetState(db, repoId);
      states.set(repoId, state);
    }
    if (!keyInForce(state, row.key_id)) continue;
    const keys = byRepo.get(repoId) ?? new Map<string, TrustedKey>();
    byRepo.set(repoId, keys);
    const seen = keys.get(row.key_id);
    const revokedAt = [seen?.revokedAt, row.revoked_at ?? undefined]
      .filter((t): t is string => t !== undefined)
      .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
    const revokedAtSize = largestSize([seen?.revokedAtSize ?? null, row.revoked_at_size]);
    keys.set(row.key_id, {
      keyId: row.key_id,
      publicKey: seen?.publicKey ?? row.public_key,
      name: seen?.name ?? row.name ?? undefined,
      revokedAt,
      revokedAtSize: revokedAtSize ?? undefined,
    });
  }
  return byRepo;
}

/**
 * How many keys are in force over these repositories at `now` (trustedKeysOf, each
 * repository's own): registered, not revoked by then (a revocation dated later leaves a key in
 * force until then, as reviews are judged), and approved where its key set is locked. What
 * the NIST report counts.
 */
export function countInForce(
  keysByRepo: ReadonlyMap<number, ReadonlyMap<string, TrustedKey>>,
  now: number,
): number {
  let n = 0;
  for (const keys of keysByRepo.values()) {
    for (const key of keys.values()) if (revokedAsOf(key, now) === undefined) n++;
  }
  return n;
}

export interface RegisteredKey {
  publicKey: string;
  /** The earliest revocation recorded for the key: a later push never undoes it. */
  revokedAt: string | null;
  /**
   * The size of the key's own log when it was revoked, the largest any push recorded (a
   * revocation pushed again once more of the log was held raises it); null if none did.
   */
  revokedAtSize: number | null;
  /** False while the key set is locked and no admin approved this key. */
  inForce: boolean;
}

/** A key registered for the repository, as ingest and signed pushes judge it; undefined if none. */
export async function registeredKey(
  db: Queryable,
  repoId: number,
  keyId: string,
  state?: KeySetState,
): Promise<RegisteredKey | undefined> {
  const result = await db.query<{
    public_key: string;
    revoked_at: string | null;
    revoked_at_size: string | number | null;
  }>(
    'SELECT public_key, revoked_at, revoked_at_size FROM repo_keys WHERE repo_id = $1 AND key_id = $2 ORDER BY id',
    [repoId, keyId],
  );
  if (result.rows.length === 0) return undefined;
  const revocations = result.rows
    .map((r) => r.revoked_at)
    .filter((t): t is string => t !== null)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    publicKey: result.rows[0]!.public_key,
    revokedAt: revocations[0] ?? null,
    revokedAtSize: largestSize(result.rows.map((r) => r.revoked_at_size)),
    inForce: keyInForce(state ?? (await keySetState(db, repoId)), keyId),
  };
}

/** The largest of the revokedAtSize values recorded for a key (bigint: text on node-postgres). */
export function largestSize(sizes: ReadonlyArray<string | number | null>): number | null {
  let largest: number | null = null;
  for (const size of sizes) {
    if (size !== null && (largest === null || Number(size) > largest)) largest = Number(size);
  }
  return largest;
}

/** Registered keys that wait for an admin's approval. */
export function pendingKeys(state: KeySetState, registered: Iterable<string>): string[] {
  return [...new Set(registered)].filter((keyId) => !keyInForce(state, keyId));
}

/** Every key id registered for the repository, in order. */
export async function registeredKeyIds(db: Queryable, repoId: number): Promise<string[]> {
  const keys = await db.query<{ key_id: string }>(
    'SELECT DISTINCT key_id FROM repo_keys WHERE repo_id = $1 ORDER BY key_id',
    [repoId],
  );
  return keys.rows.map((r) => r.key_id);
}

/** A repository's key set as the ledger status shows it: locked or not, and the keys that wait. */
export async function keySetSummary(
  db: Queryable,
  repoId: number,
): Promise<{ locked: boolean; waiting: string[] }> {
  const [state, keys] = await Promise.all([keySetState(db, repoId), registeredKeyIds(db, repoId)]);
  return { locked: state.locked, waiting: pendingKeys(state, keys) };
}
