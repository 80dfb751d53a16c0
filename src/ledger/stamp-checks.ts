/**
 * Verify's judgement of the RFC 3161 timestamp tokens a log holds (`trail timestamp`): each
 * must be a trusted authority's valid token over the head of its size. The authority code
 * (pkijs) loads only for a log that holds one, so a ledger without tokens never pays for it.
 */

import { revocationTime, revokedAsOf } from '../core/key-revocation.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { signedTreeHeadBytes } from '../core/log-entry.js';
import type { LogProblem, TrustedKey } from '../core/log-verifier.js';
import type { TimestampVerdict } from '../core/timestamp-token.js';
import type { LogStamp } from './log-store.js';

export interface StampCheck {
  /** The size of the head the token is stored beside. */
  size: number;
  verdict: TimestampVerdict;
}

/** What verify says of a log's newest valid token: its records existed by `time`. */
export interface LogTimestamp {
  size: number;
  time: string;
  authority: string;
}

/**
 * Checks the tokens verify relies on, not every token: checking one costs about 10 ms of
 * ASN.1 and X.509 work, and a log stamped on every push gathers hundreds. Relied on are the
 * newest token that holds (what verify reports), and, for a revoked key, the largest head
 * whose token holds and predates the revocation: past the key's bound it lets heads stand,
 * and within it, it shows which records (reviews among them) came before the revocation.
 * Each search goes from the largest head down and stops at the first token that serves; a
 * token it meets that does not hold is a problem. Older tokens are evidence kept for a
 * later revocation, checked when one comes.
 */
export async function checkStamps(
  stamps: readonly LogStamp[],
  heads: readonly SignedTreeHead[],
  trustedCertificates: () => Promise<Uint8Array[]>,
  key?: TrustedKey,
): Promise<StampCheck[]> {
  if (stamps.length === 0) return [];
  const { checkTimestampToken } = await import('../core/timestamp-token.js');
  const trusted = await trustedCertificates();
  const checked = new Map<LogStamp, StampCheck>();
  const check = async (stamp: LogStamp): Promise<StampCheck> => {
    let result = checked.get(stamp);
    if (!result) {
      const { size, token } = stamp;
      const head = heads.find((h) => h.size === size);
      const data = head && signedTreeHeadBytes(head);
      result = data
        ? { size, verdict: await checkTimestampToken(token, data, trusted) }
        : { size, verdict: { ok: false, why: `the log holds no tree head of size ${size}` } };
      checked.set(stamp, result);
    }
    return result;
  };
  const largestFirst = [...stamps].sort((a, b) => b.size - a.size);
  for (const stamp of largestFirst) if ((await check(stamp)).verdict.ok) break;
  const revokedFrom = key && revocationTime(key);
  if (revokedFrom !== undefined) {
    for (const stamp of largestFirst) {
      const { verdict } = await check(stamp);
      if (verdict.ok && verdict.latest! < revokedFrom) break;
    }
  }
  return [...checked.values()];
}

/**
 * The largest head whose token holds and predates the key's revocation: the records it
 * covers existed while the key was in force. Undefined for a key not revoked as of `now`: one
 * whose revocation is dated later still vouches for everything.
 */
export function timestampBeforeRevocation(
  checks: readonly StampCheck[],
  key: TrustedKey | undefined,
  now: number,
): (LogTimestamp & { latest: number }) | undefined {
  const revokedFrom = key && revokedAsOf(key, now);
  if (revokedFrom === undefined) return undefined;
  let best: (LogTimestamp & { latest: number }) | undefined;
  for (const { size, verdict } of checks) {
    if (!verdict.ok || verdict.latest === undefined || verdict.latest >= revokedFrom) continue;
    if (best && best.size >= size) continue;
    best = { size, time: verdict.time!, authority: verdict.authority!, latest: verdict.latest };
  }
  return best;
}

/** Head size -> the latest time its valid token puts it at (ms): what a revocation is weighed against. */
export function stampedHeads(checks: readonly StampCheck[]): Map<number, number> {
  const stamped = new Map<number, number>();
  for (const { size, verdict } of checks)
    if (verdict.ok && verdict.latest !== undefined) stamped.set(size, verdict.latest);
  return stamped;
}

export function stampProblems(writerId: string, checks: readonly StampCheck[]): LogProblem[] {
  return checks
    .filter((check) => !check.verdict.ok)
    .sort((a, b) => a.size - b.size)
    .map(({ size, verdict }) => ({
      writerId,
      kind: 'bad-timestamp',
      message: `the timestamp token beside the tree head of size ${size} does not vouch for it: ${verdict.why}`,
    }));
}

export function newestTimestamp(checks: readonly StampCheck[]): LogTimestamp | undefined {
  let newest: LogTimestamp | undefined;
  for (const { size, verdict } of checks) {
    if (!verdict.ok || (newest && newest.size >= size)) continue;
    newest = { size, time: verdict.time!, authority: verdict.authority! };
  }
  return newest;
}
