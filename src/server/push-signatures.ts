/**
 * The signature `trail push` puts on a repository's commits and policy (core/push-signature.ts),
 * checked before they are stored. Where the key set is locked (key-approval.ts) one is
 * required, from a key in force; elsewhere it is optional. The signer's key id is stored
 * beside what it signed, where the signature holds.
 */
import type { PushKind, PushSignature } from '../core/push-signature.js';
import { pushSignatureHolds } from '../core/push-signature.js';
import type { RepoRef } from './auth.js';
import type { Queryable } from './db/database.js';
import { ApiError, invalid } from './errors.js';
import type { KeySetState } from './key-approval.js';
import { keyInForce, keySetState } from './key-approval.js';

/** How far a push's signing time may be from the server's clock. */
export const PUSH_SIGNATURE_WINDOW_MS = 10 * 60 * 1000;

function parseSignature(value: unknown): PushSignature | undefined {
  const s = value as Partial<Record<keyof PushSignature, unknown>> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.keyId !== 'string' ||
    !/^[0-9a-f]{32}$/.test(s.keyId) ||
    typeof s.time !== 'string' ||
    Number.isNaN(Date.parse(s.time)) ||
    typeof s.sig !== 'string' ||
    s.sig.length > 512
  ) {
    return undefined;
  }
  return { keyId: s.keyId, time: s.time, sig: s.sig };
}

/**
 * The key that signed this push, or undefined when it is taken as unsigned. Where the key set
 * is locked, a push without a signature that holds, from a key in force, is refused with the
 * reason. Where it is open, an unsigned push is taken as older clones send it; so is one whose
 * signature does not hold (a clone whose key the repository does not trust yet, say), since
 * refusing it would guard nothing an unsigned push does not already get past.
 * @param body what was signed: the request body without its `signature`.
 */
export async function pushSigner(
  db: Queryable,
  repo: RepoRef,
  what: PushKind,
  body: unknown,
  signature: unknown,
  now: Date,
): Promise<string | undefined> {
  const state = await keySetState(db, repo.id);
  if (!state.locked) {
    if (signature === undefined) return undefined;
    const checked = await checkSignature(db, repo, what, body, signature, now, state);
    return checked instanceof ApiError ? undefined : checked;
  }
  if (signature === undefined) {
    throw invalid(
      `${repo.name}'s key set is locked: its ${what} must be signed by a key in force (trail push signs them with the clone's writer key)`,
      { problem: 'unsigned-push' },
    );
  }
  const checked = await checkSignature(db, repo, what, body, signature, now, state);
  if (checked instanceof ApiError) throw checked;
  return checked;
}

/** The signer's key id, or why the signature does not hold. */
async function checkSignature(
  db: Queryable,
  repo: RepoRef,
  what: PushKind,
  body: unknown,
  signature: unknown,
  now: Date,
  state: KeySetState,
): Promise<string | ApiError> {
  const signed = parseSignature(signature);
  if (!signed) {
    return invalid('"signature" must be {keyId, time, sig} as trail push writes it', {
      problem: 'bad-signature',
    });
  }
  const rows = await db.query<{ public_key: string; revoked_at: string | null }>(
    'SELECT public_key, revoked_at FROM repo_keys WHERE repo_id = $1 AND key_id = $2 ORDER BY id',
    [repo.id, signed.keyId],
  );
  const key = rows.rows[0];
  if (!key) {
    return invalid(
      `the ${what} are signed by key ${signed.keyId}, which is not registered for ${repo.name}`,
      {
        problem: 'unknown-key',
      },
    );
  }
  if (!keyInForce(state, signed.keyId)) {
    return invalid(
      `the ${what} are signed by key ${signed.keyId}, which waits for an admin's approval (POST /api/v1/admin/key-approvals)`,
      { problem: 'unapproved-key' },
    );
  }
  const revokedAt = rows.rows
    .map((r) => r.revoked_at)
    .filter((t): t is string => t !== null)
    .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  if (revokedAt && Date.parse(signed.time) >= Date.parse(revokedAt)) {
    return invalid(`the ${what} are signed by key ${signed.keyId}, revoked at ${revokedAt}`, {
      problem: 'revoked-key',
    });
  }
  if (Math.abs(Date.parse(signed.time) - now.getTime()) > PUSH_SIGNATURE_WINDOW_MS) {
    return invalid(
      `the ${what} were signed at ${signed.time}, more than 10 minutes from the server's clock (${now.toISOString()}): check the clock and push again`,
      { problem: 'stale-signature' },
    );
  }
  if (!pushSignatureHolds(repo.name, what, body, signed, key.public_key)) {
    return invalid(`the signature on the ${what} does not verify with key ${signed.keyId}`, {
      problem: 'bad-signature',
    });
  }
  return signed.keyId;
}
