/**
 * Verify's judgement of the RFC 3161 timestamp tokens a log holds (`trail timestamp`): each
 * must be a trusted authority's valid token over the head of its size. The authority code
 * (pkijs) loads only for a log that holds one, so a ledger without tokens never pays for it.
 */
import type { SignedTreeHead } from '../core/log-entry.js';
import { signedTreeHeadBytes } from '../core/log-entry.js';
import type { LogProblem } from '../core/log-verifier.js';
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

export async function checkStamps(
  stamps: readonly LogStamp[],
  heads: readonly SignedTreeHead[],
  trustedCertificates: () => Promise<Uint8Array[]>,
): Promise<StampCheck[]> {
  if (stamps.length === 0) return [];
  const { checkTimestampToken } = await import('../core/timestamp-token.js');
  const trusted = await trustedCertificates();
  return Promise.all(
    stamps.map(async ({ size, token }): Promise<StampCheck> => {
      const head = heads.find((h) => h.size === size);
      const data = head && signedTreeHeadBytes(head);
      if (!data) return { size, verdict: { ok: false, why: `the log holds no tree head of size ${size}` } };
      return { size, verdict: await checkTimestampToken(token, data, trusted) };
    }),
  );
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
