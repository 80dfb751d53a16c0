/**
 * How far a revoked key's own log may go. A tree head's time is its signer's own claim, so a
 * key stolen and then revoked could go on signing heads dated before the revocation; the
 * revocation therefore also records the log's size as this clone holds it, and verify fails
 * any head the key signed for more records (core/log-verifier.ts, `revokedAtSize`).
 */
import { verifyTreeHeadSignature } from '../core/log-entry.js';
import type { TrustedKey } from '../core/log-verifier.js';
import { listLogRefs, readLogs } from './log-store.js';
import type { Repo } from './repo.js';

/**
 * The size of the newest head `key` signed over its own log, across this clone's copy and
 * those fetched from remotes; undefined when no copy of that log is here (a reviewer's key
 * that writes no log, or a teammate's log not fetched yet).
 */
export async function signedLogSize(repo: Repo, key: TrustedKey): Promise<number | undefined> {
  const refs = (await listLogRefs(repo)).filter((r) => r.writerId === key.keyId && r.type === 'commit');
  if (refs.length === 0) return undefined;
  let size: number | undefined;
  for (const snapshot of await readLogs(repo, refs)) {
    // Newest first: the first that holds is the one, and a forged larger head is passed over.
    const heads = [...snapshot.heads].sort((a, b) => b.size - a.size);
    const newest = heads.find((h) => h.keyId === key.keyId && verifyTreeHeadSignature(h, key.publicKey));
    if (newest && (size === undefined || newest.size > size)) size = newest.size;
  }
  return size ?? 0;
}
