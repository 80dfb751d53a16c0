/**
 * Whether a trusted key is revoked, judged at a time the verifier knows (its own clock), never
 * at a time the signed data claims. A signing time inside a signed payload is the signer's own
 * claim: whoever holds a stolen key backdates it at will, so it cannot show that a signature
 * predates the revocation. Only an independent timestamp could. Tree heads can carry an RFC
 * 3161 token (`trail timestamp`, weighed in log-verifier.ts); reviews and reports do not.
 */
import { parseIsoTime } from './iso-time.js';
import type { TrustedKey } from './log-verifier.js';

/**
 * When the key is revoked from, in milliseconds, or undefined when it has no revocation. A
 * revocation time that cannot be read revokes it from the start: the trust store says it is
 * revoked, and guessing when would trust it for a while.
 */
export function revocationTime(key: TrustedKey): number | undefined {
  if (key.revokedAt === undefined) return undefined;
  return parseIsoTime(key.revokedAt) ?? Number.NEGATIVE_INFINITY;
}

/**
 * When the key was revoked, in milliseconds, if it is revoked as of `now`; undefined while
 * it is in force, including before a revocation dated later (`trail keys revoke --at`).
 */
export function revokedAsOf(key: TrustedKey, now: number): number | undefined {
  const revokedAt = revocationTime(key);
  return revokedAt !== undefined && revokedAt <= now ? revokedAt : undefined;
}

/**
 * Whether a time a signer wrote (a review's `time`) says it came at or after the key's
 * revocation. One that cannot be read counts as after: nothing says it came before.
 */
export function claimsAfterRevocation(key: TrustedKey, claimed: string): boolean {
  const revokedAt = revocationTime(key);
  return revokedAt !== undefined && (parseIsoTime(claimed) ?? Number.POSITIVE_INFINITY) >= revokedAt;
}

/**
 * The earliest time after `now` at which one of these keys' revocations comes into force, in
 * milliseconds, or undefined when none is dated later. Whatever was judged at `now` with these
 * keys (which reviews count) holds until then, and may not after.
 */
export function nextRevocationAfter(keys: Iterable<TrustedKey>, now: number): number | undefined {
  let next: number | undefined;
  for (const key of keys) {
    const revokedAt = revocationTime(key);
    if (revokedAt !== undefined && revokedAt > now && (next === undefined || revokedAt < next))
      next = revokedAt;
  }
  return next;
}

/**
 * How a key's revocation reads to a person at `now`: `<revoked> <time>`, or, for a revocation
 * dated later (`trail keys revoke --at`), `in force until <time>`, since until then the key
 * still vouches for what it signs. `revoked` is the word for one in force (`trail keys list`
 * shouts it).
 */
export function revocationState(revokedAt: string, now: number, revoked = 'revoked'): string {
  const at = parseIsoTime(revokedAt);
  return at !== undefined && at > now
    ? `in force until ${revokedAt}, revoked from then`
    : `${revoked} ${revokedAt}`;
}
