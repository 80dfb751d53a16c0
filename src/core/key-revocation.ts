/**
 * Whether a trusted key is revoked, judged at a time the verifier knows (its own clock), never
 * at a time the signed data claims. A signing time inside a signed payload is the signer's own
 * claim: whoever holds a stolen key backdates it at will, so it cannot show that a signature
 * predates the revocation. Only an independent timestamp could. Tree heads can carry an RFC
 * 3161 token (`trail timestamp`, weighed in log-verifier.ts), and a head's Merkle root covers
 * every record before it: so a token over a head that holds shows those records, reviews
 * among them, existed by the authority's time (LogExistedBy). Signed reports carry a token of
 * their own (report/signing.ts).
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
 * What a trusted authority's RFC 3161 timestamp shows of a log: its first `size` records
 * existed by `by` (milliseconds, the latest the token allows: ledger/stamp-checks.ts). Verify
 * works it out for a revoked writer's log that holds, from the largest stamped head that
 * predates the revocation.
 */
export interface LogExistedBy {
  size: number;
  by: number;
  /** The token's own time (genTime, ISO) and its signer, for people. */
  time?: string;
  authority?: string;
}

/**
 * The time by which a timestamp shows the record at `seq` of `writerId`'s log existed
 * (milliseconds), or undefined when none shows it.
 */
export function recordExistedBy(
  logs: ReadonlyMap<string, LogExistedBy> | undefined,
  writerId: string,
  seq: number,
): number | undefined {
  const shown = logs?.get(writerId);
  return shown && seq >= 0 && seq < shown.size ? shown.by : undefined;
}

/** Whether something a timestamp shows existed by `existedBy` (ms) came before the key's revocation. */
export function existedBeforeRevocation(key: TrustedKey, existedBy: number | undefined): boolean {
  const revokedAt = revocationTime(key);
  return existedBy !== undefined && revokedAt !== undefined && existedBy < revokedAt;
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
