/**
 * What `trail push` signs when it sends a repository's commits or its policy, so that a
 * server whose key set is locked takes them only from a writer it trusts, not from whoever
 * holds an ingest token (a laxer policy, or a commit list with commits left out).
 *
 * Ed25519, with the clone's writer key, over the DSSE pre-authentication encoding of the
 * canonical JSON of `{body, repo, time, what}` with the type
 * `application/vnd.trail.push.v1+json`. The repository and the kind of push are signed, so a
 * signature cannot be replayed to another repository or as a tree head or review. The time
 * lets a server refuse one sent again much later: a policy replayed to undo a stricter one.
 */
import { canonicalize } from './canonical-json.js';
import { preAuthEncoding } from './dsse.js';
import type { KeyPair } from './signature.js';
import { sign, verifySignature } from './signature.js';

export const PUSH_PAYLOAD_TYPE = 'application/vnd.trail.push.v1+json';

/**
 * `tracked-since` is signed on its own, beside the policy: a server from before it checks a
 * policy's signature over `{commit, policy}` alone, and would refuse one over more.
 */
export type PushKind = 'commits' | 'policy' | 'tracked-since';

export interface PushSignature {
  keyId: string;
  /** When the push was signed (ISO 8601). */
  time: string;
  sig: string;
}

export function pushSigningBytes(repo: string, what: PushKind, time: string, body: unknown): Buffer {
  return preAuthEncoding(PUSH_PAYLOAD_TYPE, Buffer.from(canonicalize({ body, repo, time, what }), 'utf8'));
}

export function signPush(
  repo: string,
  what: PushKind,
  body: unknown,
  key: KeyPair,
  time = new Date().toISOString(),
): PushSignature {
  return { keyId: key.keyId, time, sig: sign(pushSigningBytes(repo, what, time, body), key.privateKey) };
}

export function pushSignatureHolds(
  repo: string,
  what: PushKind,
  body: unknown,
  signature: PushSignature,
  publicKeyBase64: string,
): boolean {
  return verifySignature(pushSigningBytes(repo, what, signature.time, body), signature.sig, publicKeyBase64);
}
