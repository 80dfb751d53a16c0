/**
 * The signature `trail push` puts on a repository's commits and policy (core/push-signature.ts),
 * checked before they are stored. Where the key set is locked (key-approval.ts) one is
 * required, from a key in force; elsewhere it is optional. The signer's key id is stored
 * beside what it signed, where the signature holds.
 */

import { parseIsoTime } from '../core/iso-time.js';
import type { PushKind, PushSignature } from '../core/push-signature.js';
import { pushSignatureHolds } from '../core/push-signature.js';
import type { RepoRef } from './auth.js';
import type { Queryable } from './db/database.js';
import { ApiError, invalid } from './errors.js';
import { WRITER_ID } from './ingest.js';
import type { KeySetState } from './key-approval.js';
import { keySetState, registeredKey } from './key-approval.js';

/** How far a push's signing time may be from the server's clock. */
export const PUSH_SIGNATURE_WINDOW_MS = 10 * 60 * 1000;

function parseSignature(value: unknown): PushSignature | undefined {
  const s = value as Partial<Record<keyof PushSignature, unknown>> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.keyId !== 'string' ||
    !WRITER_ID.test(s.keyId) ||
    typeof s.time !== 'string' ||
    parseIsoTime(s.time) === undefined ||
    typeof s.sig !== 'string' ||
    s.sig.length > 512
  ) {
    return undefined;
  }
  return { keyId: s.keyId, time: s.time, sig: s.sig };
}

/** A push of commits or of the policy, as the route received it. */
export interface SignedPush {
  repo: RepoRef;
  what: PushKind;
  /** What was signed: the request body without its `signature`. */
  body: unknown;
  signature: unknown;
}

/**
 * The key that signed this push, or undefined when it is taken as unsigned. Where the key set
 * is locked, a push without a signature that holds, from a key in force, is refused with the
 * reason. Where it is open, an unsigned push is taken as older clones send it; so is one whose
 * signature does not hold (a clone whose key the repository does not trust yet, say), since
 * refusing it would guard nothing an unsigned push does not already get past.
 */
export async function pushSigner(db: Queryable, push: SignedPush, now: Date): Promise<string | undefined> {
  const state = await keySetState(db, push.repo.id);
  if (push.signature === undefined) {
    if (!state.locked) return undefined;
    throw invalid(
      `${push.repo.name}'s key set is locked: its ${push.what} must be signed by a key in force (trail push signs them with the clone's writer key)`,
      { problem: 'unsigned-push' },
    );
  }
  const checked = await checkSignature(db, push, now, state);
  if (!(checked instanceof ApiError)) return checked;
  if (state.locked) throw checked;
  return undefined;
}

/** The signer's key id, or why the signature does not hold. */
async function checkSignature(
  db: Queryable,
  { repo, what, body, signature }: SignedPush,
  now: Date,
  state: KeySetState,
): Promise<string | ApiError> {
  const signed = parseSignature(signature);
  if (!signed) {
    return invalid('"signature" must be {keyId, time, sig} as trail push writes it', {
      problem: 'bad-signature',
    });
  }
  const key = await registeredKey(db, repo.id, signed.keyId, state);
  if (!key) {
    return invalid(
      `the ${what} are signed by key ${signed.keyId}, which is not registered for ${repo.name}`,
      {
        problem: 'unknown-key',
      },
    );
  }
  if (!key.inForce) {
    return invalid(
      `the ${what} are signed by key ${signed.keyId}, which waits for an admin's approval (trail admin approve-key ${signed.keyId})`,
      { problem: 'unapproved-key' },
    );
  }
  if (key.revokedAt && Date.parse(signed.time) >= Date.parse(key.revokedAt)) {
    return invalid(`the ${what} are signed by key ${signed.keyId}, revoked at ${key.revokedAt}`, {
      problem: 'revoked-key',
    });
  }
  if (Math.abs(Date.parse(signed.time) - now.getTime()) > PUSH_SIGNATURE_WINDOW_MS) {
    return invalid(
      `the ${what} were signed at ${signed.time}, more than 10 minutes from the server's clock (${now.toISOString()}): check the clock and push again`,
      { problem: 'stale-signature' },
    );
  }
  if (!pushSignatureHolds(repo.name, what, body, signed, key.publicKey)) {
    return invalid(`the signature on the ${what} does not verify with key ${signed.keyId}`, {
      problem: 'bad-signature',
    });
  }
  return signed.keyId;
}
