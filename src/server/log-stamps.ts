/**
 * RFC 3161 timestamp tokens over pushed tree heads: what `trail timestamp` (or the pre-push
 * hook) keeps in a log's tree, carried to the server by `trail push`. A token shows that the
 * head, and through its Merkle root every record before it, existed by the authority's time.
 * The server uses that where a clone does (chain/review-trust.ts): a review in the log of a
 * writer whose key is revoked since counts when a token shows it came before the revocation.
 *
 * Which authorities count is the server operator's call (`trail serve --timestamp-authority`),
 * not a push's: a token holder must not be able to bring an authority of their own, as with
 * keys under a locked key set. A token is judged when it arrives, as a head's signature is:
 * its CMS signature, its chain to a trusted certificate at its own time, id-kp-timeStamping,
 * and the imprint of the head of that size the server already holds (ingest verified that
 * head against the log's entries). Only a token that vouches is kept, one per head size, so
 * what is stored stays bounded by the heads. A token does not let a revoked key's head past
 * its bound in at ingest: that head arrives before anything could show it predates the
 * revocation, so ingest stays stricter than a clone's verify (docs/security.md).
 */
import type { LogExistedBy } from '../core/key-revocation.js';
import { revocationTime } from '../core/key-revocation.js';
import { signedTreeHeadBytes } from '../core/log-entry.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { RepoRef } from './auth.js';
import type { Database, Queryable } from './db/database.js';
import { badRequest } from './errors.js';
import { checkWriterId } from './ingest.js';
import type { HeadRow } from './ledger-state.js';
import { headFromRow } from './ledger-state.js';
import { refreshRepoReviewStatus } from './review-state.js';

/** Tokens per request; a push sends the ones the server lacks, newest heads last. */
export const MAX_STAMPS_PER_REQUEST = 100;
/** A token is a few KB (a certificate or two inside): far past that is no token. */
const MAX_TOKEN_BYTES = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface StampOutcome {
  size: number;
  /** stored: kept now; held: the server had a token for this head already; refused: see `why`. */
  status: 'stored' | 'held' | 'refused';
  why?: string;
  /** The authority's time, for a token stored now. */
  time?: string;
  authority?: string;
}

function parseStamps(input: unknown): Array<{ size: number; token: Buffer }> {
  if (!Array.isArray(input)) throw badRequest('"stamps" must be an array of {size, token}');
  if (input.length > MAX_STAMPS_PER_REQUEST)
    throw badRequest(`at most ${MAX_STAMPS_PER_REQUEST} stamps per request`);
  const seen = new Set<number>();
  return input.map((item, i) => {
    const stamp = item as { size?: unknown; token?: unknown } | null;
    const size = stamp?.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)
      throw badRequest(`stamps[${i}].size must be a head's size (a positive integer)`);
    if (seen.has(size)) throw badRequest(`stamps[${i}]: size ${size} is given twice`);
    seen.add(size);
    const token = stamp?.token;
    if (typeof token !== 'string' || !BASE64.test(token) || token.length > (MAX_TOKEN_BYTES * 4) / 3 + 4)
      throw badRequest(`stamps[${i}].token must be the token's DER in base64 (at most 64 KiB)`);
    return { size, token: Buffer.from(token, 'base64') };
  });
}

/**
 * Checks each token against the head of its size the server holds and the authorities the
 * operator trusts, and keeps those that vouch. Where one is kept for a writer whose key is
 * revoked, the repository's review status is worked out again: reviews in that log may count.
 */
export async function storeStamps(
  db: Database,
  repo: RepoRef,
  writer: string,
  input: unknown,
  authorities: readonly Uint8Array[],
  tokenId: string,
  now = Date.now(),
): Promise<{ stamps: StampOutcome[] }> {
  const writerId = checkWriterId(writer);
  const stamps = parseStamps(input);
  if (authorities.length === 0) {
    const why = 'this server trusts no timestamping authority (trail serve --timestamp-authority FILE)';
    return { stamps: stamps.map(({ size }) => ({ size, status: 'refused', why })) };
  }
  const sizes = stamps.map((s) => s.size);
  const [held, heads] = await Promise.all([
    db.query<{ size: string | number }>(
      'SELECT size FROM log_stamps WHERE repo_id = $1 AND writer_id = $2 AND size = ANY($3::bigint[])',
      [repo.id, writerId, sizes],
    ),
    db.query<HeadRow>(
      `SELECT writer_id, size, root, last, head_time, key_id, sig FROM tree_heads
       WHERE repo_id = $1 AND writer_id = $2 AND size = ANY($3::bigint[]) ORDER BY size, id`,
      [repo.id, writerId, sizes],
    ),
  ]);
  const heldSizes = new Set(held.rows.map((r) => Number(r.size)));
  // ASN.1, CMS and X.509 code loads only for a push that brings a token.
  const { checkTimestampToken } = await import('../core/timestamp-token.js');
  const outcomes: StampOutcome[] = [];
  let stored = 0;
  for (const { size, token } of stamps) {
    if (heldSizes.has(size)) {
      outcomes.push({ size, status: 'held' });
      continue;
    }
    const candidates = heads.rows.filter((h) => Number(h.size) === size);
    if (candidates.length === 0) {
      outcomes.push({
        size,
        status: 'refused',
        why: `the server holds no tree head of size ${size} for writer ${writerId} (push the log first)`,
      });
      continue;
    }
    let why = '';
    let kept = false;
    for (const row of candidates) {
      const bytes = signedTreeHeadBytes(headFromRow(row));
      if (!bytes) continue;
      const verdict = await checkTimestampToken(token, bytes, authorities);
      if (!verdict.ok) {
        why = verdict.why ?? 'it does not vouch for the head';
        continue;
      }
      const inserted = await db.query(
        `INSERT INTO log_stamps (repo_id, writer_id, size, token, gen_time, latest_ms, authority, added_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (repo_id, writer_id, size) DO NOTHING RETURNING id`,
        [repo.id, writerId, size, token, verdict.time, verdict.latest, verdict.authority, tokenId],
      );
      if (inserted.rows.length === 0) outcomes.push({ size, status: 'held' });
      else {
        stored++;
        outcomes.push({ size, status: 'stored', time: verdict.time, authority: verdict.authority });
      }
      kept = true;
      break;
    }
    if (!kept)
      outcomes.push({ size, status: 'refused', why: `the token does not vouch for the head: ${why}` });
  }
  if (stored > 0 && (await writerKeyRevoked(db, repo.id, writerId))) {
    await db.transaction((tx) => refreshRepoReviewStatus(tx, repo.id, now));
  }
  return { stamps: outcomes };
}

async function writerKeyRevoked(db: Queryable, repoId: number, writerId: string): Promise<boolean> {
  const revoked = await db.query(
    'SELECT 1 FROM repo_keys WHERE repo_id = $1 AND key_id = $2 AND revoked_at IS NOT NULL LIMIT 1',
    [repoId, writerId],
  );
  return revoked.rows.length > 0;
}

/** Heads a log holds at most between two pulls of its tokens: one token per head. */
const MAX_PULL_STAMPS = 1000;

/** The tokens the server keeps for a writer's heads larger than `after`, smallest first: for `trail pull`. */
export async function listStamps(
  db: Queryable,
  repoId: number,
  writerId: string,
  after: number,
): Promise<Array<{ size: number; token: string; time: string; authority: string }>> {
  const rows = await db.query<{
    size: string | number;
    token: Uint8Array;
    gen_time: string;
    authority: string;
  }>(
    `SELECT size, token, gen_time, authority FROM log_stamps
     WHERE repo_id = $1 AND writer_id = $2 AND size > $3 ORDER BY size LIMIT $4`,
    [repoId, writerId, after, MAX_PULL_STAMPS],
  );
  return rows.rows.map((r) => ({
    size: Number(r.size),
    token: Buffer.from(r.token).toString('base64'),
    time: r.gen_time,
    authority: r.authority,
  }));
}

/**
 * Per repository, for each writer whose key is revoked: the largest stamped head whose token
 * predates the revocation, as `existedBy` for countedReviews. The server's logs hold only what
 * ingest verified, and a token was kept only over a head it holds, so no log is checked again.
 */
export async function logsExistedBy(
  db: Queryable,
  keysByRepo: ReadonlyMap<number, ReadonlyMap<string, TrustedKey>>,
): Promise<Map<number, Map<string, LogExistedBy>>> {
  const result = new Map<number, Map<string, LogExistedBy>>();
  const repoIds: number[] = [];
  const writerIds = new Set<string>();
  for (const [repoId, keys] of keysByRepo) {
    for (const key of keys.values()) {
      if (revocationTime(key) === undefined) continue;
      repoIds.push(repoId);
      writerIds.add(key.keyId);
    }
  }
  if (writerIds.size === 0) return result;
  const rows = await db.query<{
    repo_id: number;
    writer_id: string;
    size: string | number;
    latest_ms: string | number;
    gen_time: string;
    authority: string;
  }>(
    `SELECT repo_id, writer_id, size, latest_ms, gen_time, authority FROM log_stamps
     WHERE repo_id = ANY($1::int[]) AND writer_id = ANY($2::text[])`,
    [[...new Set(repoIds)], [...writerIds]],
  );
  for (const row of rows.rows) {
    const repoId = Number(row.repo_id);
    const key = keysByRepo.get(repoId)?.get(row.writer_id);
    const revokedAt = key && revocationTime(key);
    const size = Number(row.size);
    const by = Number(row.latest_ms);
    if (revokedAt === undefined || by >= revokedAt) continue;
    const logs = result.get(repoId) ?? new Map<string, LogExistedBy>();
    result.set(repoId, logs);
    const held = logs.get(row.writer_id);
    if (!held || size > held.size)
      logs.set(row.writer_id, { size, by, time: row.gen_time, authority: row.authority });
  }
  return result;
}
