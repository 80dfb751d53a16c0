/**
 * Ingest: one writer's log entries and tree heads arrive from a push; the server checks them
 * as `trail verify` would and against everything it has seen before, then stores them.
 *
 * What is checked, and what a failure answers:
 * - each entry: canonical form, its seq, a valid record (validateRecord)       → 422
 * - each head: the log's own writer key, registered for the repository, not
 *   revoked at the head's time nor past the size its log had when it was
 *   revoked, a valid Ed25519 signature                                          → 422, flagged
 * - the pushed entries chain to each other, and every new head's root and last
 *   leaf match the entries (Merkle roots from the stored frontier)               → 422, flagged
 * - against the server's witness: an entry at a seq the server holds must have
 *   the same leaf hash, the first new entry must chain to the server's last
 *   leaf, and a head at a size the server already covers must have the root the
 *   server computes (or holds in a head seen before) for that size             → 409, flagged
 *
 * Identical entries and heads sent again are accepted as no-ops, so pushing is idempotent.
 * A writer's pushes are serialised by a transaction-scoped advisory lock.
 */

import { canonicalize } from '../core/canonical-json.js';
import { countLabel } from '../core/count-label.js';
import { agentLabel } from '../core/day-session.js';
import { isTrailError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { parseIsoTime } from '../core/iso-time.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { decodeEntry, entryLeafHash, GENESIS_PREV, peekEntry, peekTombstone } from '../core/log-entry.js';
import { MerkleFrontier, rootFromLeafHashes } from '../core/merkle.js';
import type { TrailRecord } from '../core/records.js';
import { validateRecord } from '../core/records.js';
import { keyIdOf } from '../core/signature.js';
import type { RepoRef } from './auth.js';
import type { Database, Queryable } from './db/database.js';
import { ApiError, badRequest, invalid } from './errors.js';
import { badSignatures } from './head-signatures.js';
import type { RegisteredKey } from './key-approval.js';
import { keySetState, largestSize, lockKeySet, pendingKeys, registeredKey } from './key-approval.js';
import type { LogState } from './ledger-state.js';
import { loadState, recordAlert } from './ledger-state.js';
import { refreshRepoReviewStatus, refreshReviewStatus } from './review-state.js';
import { storable, storableText, storableTime } from './storable.js';

/** A refusal that names the ledger problem; `flag` ones are also written to ledger_alerts. */
export class LedgerRefusal extends ApiError {
  constructor(
    code: 'conflict' | 'invalid',
    readonly problem: string,
    message: string,
    readonly writerId: string,
    readonly seq?: number,
    readonly flag = true,
  ) {
    super(code, message, { problem, writerId, ...(seq === undefined ? {} : { seq }) });
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
/** A 32-byte Ed25519 public key in base64, as core/signature.ts writes it. */
const PUBLIC_KEY = /^[A-Za-z0-9+/]{43}=?$/;
/** A writer's id: the id of its key (core/signature.ts keyIdOf). */
export const WRITER_ID = /^[0-9a-f]{32}$/;

export function checkWriterId(writerId: string): string {
  if (!WRITER_ID.test(writerId))
    throw badRequest(`"${writerId.slice(0, 40)}" is not a writer id (32 hex digits)`);
  return writerId;
}

// --- keys ------------------------------------------------------------------------------------

export interface KeyResult {
  added: string[];
  revoked: string[];
  unchanged: string[];
  /** Registered keys that wait for an admin's approval: the key set is locked (key-approval.ts). */
  pending: string[];
}

interface KeyInput {
  keyId: string;
  publicKey: string;
  name?: string;
  revokedAt?: string;
  /** The size of the key's own log when it was revoked (core/log-verifier.ts TrustedKey). */
  revokedAtSize?: number;
  revokedReason?: string;
}

function parseKeys(input: unknown): KeyInput[] {
  if (!Array.isArray(input)) throw badRequest('"keys" must be an array of trusted keys');
  if (input.length > 1000) throw badRequest('at most 1,000 keys per request');
  return input.map((k, i) => {
    const key = k as Partial<KeyInput> | null;
    if (!key || typeof key.keyId !== 'string' || typeof key.publicKey !== 'string') {
      throw badRequest(`keys[${i}] needs keyId and publicKey`);
    }
    // Strict base64: Buffer.from skips characters it cannot read, a NUL among them.
    if (!PUBLIC_KEY.test(key.publicKey) || keyIdOf(key.publicKey) !== key.keyId) {
      throw invalid(
        `keys[${i}]: keyId ${key.keyId.slice(0, 40)} does not match its 32-byte Ed25519 publicKey`,
      );
    }
    if (
      key.revokedAt !== undefined &&
      (typeof key.revokedAt !== 'string' || parseIsoTime(key.revokedAt) === undefined)
    ) {
      throw invalid(`keys[${i}]: revokedAt is not an ISO 8601 time`);
    }
    if (
      key.revokedAtSize !== undefined &&
      (typeof key.revokedAtSize !== 'number' ||
        !Number.isSafeInteger(key.revokedAtSize) ||
        key.revokedAtSize < 0)
    ) {
      throw invalid(`keys[${i}]: revokedAtSize is not a record count (a non-negative integer)`);
    }
    return {
      keyId: key.keyId,
      publicKey: key.publicKey,
      name: typeof key.name === 'string' ? storableText(key.name.slice(0, 512)) : undefined,
      revokedAt: key.revokedAt,
      revokedAtSize: key.revokedAtSize,
      revokedReason:
        typeof key.revokedReason === 'string' ? storableText(key.revokedReason.slice(0, 4096)) : undefined,
    };
  });
}

/**
 * Records a repository's trusted keys as pushed from `.trail/keys/`: new keys are added and
 * revocations recorded, each row naming the token that sent it. A revocation is never
 * undone by a later push that lacks it: the earliest revocation of a key stands. Its bound
 * (`revokedAtSize`) only ever grows: a revocation pushed again with a larger one is recorded
 * as a new row, and the largest stands, as `trail keys revoke` keeps it in the key file.
 */
export async function registerKeys(
  db: Database,
  repo: RepoRef,
  input: unknown,
  tokenId: string,
  now = Date.now(),
): Promise<KeyResult> {
  const keys = parseKeys(input);
  return db.transaction(async (tx) => {
    await lockKeySet(tx, repo.id);
    const existing = await tx.query<{
      key_id: string;
      revoked_at: string | null;
      revoked_at_size: string | number | null;
    }>('SELECT key_id, revoked_at, revoked_at_size FROM repo_keys WHERE repo_id = $1', [repo.id]);
    /** Per key: whether a revocation is recorded, and the largest bound recorded. */
    const known = new Map<string, { revoked: boolean; size: number | null }>();
    for (const row of existing.rows) {
      const was = known.get(row.key_id) ?? { revoked: false, size: null };
      known.set(row.key_id, {
        revoked: was.revoked || row.revoked_at !== null,
        size: largestSize([was.size, row.revoked_at_size]),
      });
    }
    const result: KeyResult = { added: [], revoked: [], unchanged: [], pending: [] };
    const rows: Array<Record<string, unknown>> = [];
    for (const key of keys) {
      const seen = known.get(key.keyId);
      const row = { ...key, revokedAt: key.revokedAt ?? null, revokedAtSize: key.revokedAtSize ?? null };
      const raisesBound =
        seen !== undefined &&
        key.revokedAtSize !== undefined &&
        (seen.size === null || key.revokedAtSize > seen.size);
      if (seen === undefined) {
        rows.push(row);
        result.added.push(key.keyId);
      } else if ((!seen.revoked && key.revokedAt) || raisesBound) {
        rows.push(row);
        result.revoked.push(key.keyId);
      } else {
        result.unchanged.push(key.keyId);
        continue;
      }
      known.set(key.keyId, {
        revoked: (seen?.revoked ?? false) || key.revokedAt !== undefined,
        size: largestSize([seen?.size ?? null, key.revokedAtSize ?? null]),
      });
    }
    if (rows.length > 0) {
      await tx.query(
        `INSERT INTO repo_keys (repo_id, key_id, public_key, name, revoked_at, revoked_at_size, revoked_reason, added_by)
         SELECT $1, x."keyId", x."publicKey", x.name, x."revokedAt", x."revokedAtSize", x."revokedReason", $2
         FROM json_to_recordset($3::json) AS x("keyId" text, "publicKey" text, name text, "revokedAt" text, "revokedAtSize" bigint, "revokedReason" text)`,
        [repo.id, tokenId, JSON.stringify(rows)],
      );
      // A key added or revoked changes which reviews the server counts (review-trust.ts).
      await refreshRepoReviewStatus(tx, repo.id, now);
    }
    result.pending = pendingKeys(await keySetState(tx, repo.id), known.keys());
    return result;
  });
}

// --- entries ---------------------------------------------------------------------------------

export interface PushInput {
  writerId: string;
  writerName?: string;
  /** Seq of the first entry sent. */
  from: number;
  entries: unknown;
  heads: unknown;
}

export interface IngestResult {
  writerId: string;
  /** Entries stored by this push. */
  accepted: number;
  /** Entries the server already held, identical: accepted as no-ops. */
  duplicates: number;
  headsAdded: number;
  size: number;
  root: string;
}

interface Prepared {
  seq: number;
  line: string;
  leaf: Buffer;
  leafHex: string;
  prev: string;
  recordId: string;
  /** The record; undefined for a tombstone (an entry whose content a retention purge removed). */
  record?: TrailRecord;
  /** For a tombstone: the time of the purged record. */
  purgedTime?: string;
}

/**
 * A tombstone keeps the purged entry's leaf hash (core/log-entry.ts), so it chains and
 * hashes into the Merkle tree exactly as the entry did.
 */
function prepareTombstone(writerId: string, seq: number, line: string): Prepared | undefined {
  if (!line.includes('"purged":{')) return undefined;
  const tombstone = peekTombstone(Buffer.from(line, 'utf8'));
  if (!tombstone) return undefined;
  if (parseIsoTime(tombstone.time) === undefined) {
    throw new LedgerRefusal(
      'invalid',
      'malformed',
      `the tombstone at seq ${seq} has no valid time`,
      writerId,
      seq,
      false,
    );
  }
  if (tombstone.seq !== seq) {
    throw new LedgerRefusal(
      'invalid',
      'out-of-sequence',
      `a tombstone claims seq ${tombstone.seq}, expected ${seq}`,
      writerId,
      seq,
      false,
    );
  }
  return {
    seq,
    line,
    leaf: Buffer.from(tombstone.leaf, 'hex'),
    leafHex: tombstone.leaf,
    prev: tombstone.prev,
    recordId: tombstone.recordId,
    purgedTime: tombstone.time,
  };
}

function prepareEntries(writerId: string, from: number, input: unknown): Prepared[] {
  if (!Array.isArray(input)) throw badRequest('"entries" must be an array of log entry lines');
  return input.map((line, i) => {
    const seq = from + i;
    if (typeof line !== 'string') throw badRequest(`entries[${i}] is not a string`);
    const tombstone = prepareTombstone(writerId, seq, line);
    if (tombstone) return tombstone;
    const peeked = peekEntry(line);
    if (!peeked)
      throw new LedgerRefusal(
        'invalid',
        'malformed',
        `entry ${seq} is not a canonical log entry`,
        writerId,
        seq,
        false,
      );
    if (peeked.seq !== seq) {
      throw new LedgerRefusal(
        'invalid',
        'out-of-sequence',
        `entries[${i}] claims seq ${peeked.seq}, expected ${seq}`,
        writerId,
        seq,
        false,
      );
    }
    let parsed: { record?: unknown };
    try {
      parsed = JSON.parse(line) as { record?: unknown };
    } catch {
      throw new LedgerRefusal('invalid', 'malformed', `entry ${seq} is not valid JSON`, writerId, seq, false);
    }
    let canonical: string;
    try {
      canonical = canonicalize(parsed);
    } catch {
      canonical = '';
    }
    if (canonical !== line) {
      throw new LedgerRefusal(
        'invalid',
        'not-canonical',
        `entry ${seq} is not in RFC 8785 canonical form`,
        writerId,
        seq,
        false,
      );
    }
    let record: TrailRecord;
    try {
      record = validateRecord(parsed.record);
    } catch (error) {
      const message = isTrailError(error) ? error.message : String(error);
      throw new LedgerRefusal('invalid', 'invalid-record', `entry ${seq}: ${message}`, writerId, seq, false);
    }
    const leaf = entryLeafHash(line);
    return {
      seq,
      line,
      leaf,
      leafHex: leaf.toString('hex'),
      prev: peeked.prev,
      recordId: sha256Hex(peeked.recordText),
      record,
    };
  });
}

function prepareHeads(writerId: string, input: unknown): SignedTreeHead[] {
  if (!Array.isArray(input)) throw badRequest('"heads" must be an array of signed tree heads');
  const heads = input.map((h, i) => {
    const head = h as Partial<SignedTreeHead> | null;
    if (
      !head ||
      typeof head.log !== 'string' ||
      !Number.isSafeInteger(head.size) ||
      (head.size as number) < 0 ||
      typeof head.root !== 'string' ||
      !HEX64.test(head.root) ||
      typeof head.last !== 'string' ||
      !HEX64.test(head.last) ||
      typeof head.time !== 'string' ||
      parseIsoTime(head.time) === undefined ||
      typeof head.keyId !== 'string' ||
      typeof head.sig !== 'string'
    ) {
      throw badRequest(
        `heads[${i}] is not a signed tree head {log, size, root, last, time (ISO 8601), keyId, sig}`,
      );
    }
    return {
      log: head.log,
      size: head.size!,
      root: head.root,
      last: head.last,
      time: head.time,
      keyId: head.keyId,
      sig: head.sig,
    };
  });
  heads.sort((a, b) => a.size - b.size);
  for (const head of heads) {
    if (head.log !== writerId || head.keyId !== writerId) {
      throw new LedgerRefusal(
        'invalid',
        'wrong-key',
        `the tree head of size ${head.size} is for log ${head.log} signed by ${head.keyId}, not writer ${writerId}`,
        writerId,
      );
    }
  }
  return heads;
}

async function checkSignatures(
  writerId: string,
  heads: SignedTreeHead[],
  key: RegisteredKey | undefined,
  repoName: string,
): Promise<void> {
  if (!key) {
    throw new LedgerRefusal(
      'invalid',
      'unknown-key',
      `writer ${writerId}'s key is not registered for ${repoName}: trust it in .trail/keys/ and push again`,
      writerId,
      undefined,
      false,
    );
  }
  if (!key.inForce) {
    // Flagged: someone pushed a log under a key the server's admins have not let in.
    throw new LedgerRefusal(
      'invalid',
      'unapproved-key',
      `writer ${writerId}'s key was registered after ${repoName}'s key set was locked: an admin must approve it (trail admin approve-key ${writerId})`,
      writerId,
    );
  }
  const bad = await badSignatures(heads, key.publicKey);
  if (bad.length > 0) {
    throw new LedgerRefusal(
      'invalid',
      'bad-signature',
      `the tree head of size ${bad[0]!.size} has a signature that does not verify`,
      writerId,
      bad[0]!.size,
    );
  }
  for (const head of heads) {
    if (key.revokedAt && Date.parse(head.time) >= Date.parse(key.revokedAt)) {
      throw new LedgerRefusal(
        'invalid',
        'revoked-key',
        `the tree head of size ${head.size} was signed at ${head.time}, after key ${writerId} was revoked at ${key.revokedAt}`,
        writerId,
        head.size,
      );
    }
    // A head's time is its signer's own claim: a stolen key dates its heads before the
    // revocation at will, but cannot sign for records its log did not hold then.
    if (key.revokedAtSize !== null && head.size > key.revokedAtSize) {
      throw new LedgerRefusal(
        'invalid',
        'revoked-key',
        `the tree head of size ${head.size} goes past the ${countLabel(key.revokedAtSize, 'record')} the log held when key ${writerId} was revoked at ${key.revokedAt ?? 'an unknown time'}: it was signed after the revocation, whatever time it claims (${head.time})`,
        writerId,
        head.size,
      );
    }
  }
}

interface StoredHead {
  size: number;
  root: string;
  sig: string;
}

/**
 * Ingests one push. Runs the CPU checks first, then the witness checks and the writes in
 * one transaction. A refusal that is flagged is written to ledger_alerts after the rollback.
 */
export async function ingest(
  db: Database,
  repo: RepoRef,
  input: PushInput,
  tokenId: string,
  now = Date.now(),
): Promise<IngestResult> {
  const writerId = checkWriterId(input.writerId);
  try {
    if (!Number.isSafeInteger(input.from) || input.from < 0)
      throw badRequest('"from" must be a non-negative integer');
    const entries = prepareEntries(writerId, input.from, input.entries);
    const heads = prepareHeads(writerId, input.heads);
    if (entries.length === 0 && heads.length === 0)
      throw badRequest('nothing to ingest: no entries and no heads');
    const end = input.from + entries.length;
    const beyond = heads.find((h) => h.size > end);
    if (beyond) {
      throw new LedgerRefusal(
        'invalid',
        'truncated',
        `a tree head of size ${beyond.size} was sent with entries only up to ${end}`,
        writerId,
        end,
        false,
      );
    }
    await checkSignatures(writerId, heads, await registeredKey(db, repo.id, writerId), repo.name);
    return await db.transaction((tx) =>
      ingestLocked(tx, repo, writerId, input, entries, heads, tokenId, now),
    );
  } catch (error) {
    if (error instanceof LedgerRefusal && error.flag) {
      await recordAlert(db, {
        repoId: repo.id,
        writerId,
        kind: error.problem,
        seq: error.seq,
        message: error.message,
        detail: { status: error.status },
        tokenId,
      });
    }
    throw error;
  }
}

async function ingestLocked(
  tx: Queryable,
  repo: RepoRef,
  writerId: string,
  input: PushInput,
  entries: Prepared[],
  heads: SignedTreeHead[],
  tokenId: string,
  now: number,
): Promise<IngestResult> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`log/${repo.id}/${writerId}`]);
  const state = await loadState(tx, repo.id, writerId);
  const from = input.from;
  if (from > state.size) {
    throw new LedgerRefusal(
      'invalid',
      'gap',
      `entries start at seq ${from} but the server holds ${state.size} for writer ${writerId}: send from ${state.size}`,
      writerId,
      state.size,
      false,
    );
  }
  const overlap = entries.filter((e) => e.seq < state.size);
  const fresh = entries.filter((e) => e.seq >= state.size);

  // The witness: entries the server holds must come back identical.
  if (overlap.length > 0) {
    const stored = await tx.query<{ seq: number; leaf_hash: string }>(
      `SELECT seq, leaf_hash FROM ledger_entries
       WHERE repo_id = $1 AND writer_id = $2 AND seq >= $3 AND seq < $4`,
      [repo.id, writerId, overlap[0]!.seq, overlap[overlap.length - 1]!.seq + 1],
    );
    const leafAt = new Map(stored.rows.map((r) => [Number(r.seq), r.leaf_hash]));
    if (!leafAt.has(state.size - 1)) leafAt.set(state.size - 1, state.last);
    for (const e of overlap) {
      const held = leafAt.get(e.seq);
      if (held !== undefined && held !== e.leafHex) {
        throw new LedgerRefusal(
          'conflict',
          'rewritten',
          `history rewritten: entry ${e.seq} of writer ${writerId} differs from the one the server received before`,
          writerId,
          e.seq,
        );
      }
    }
  }
  if (fresh.length > 0) {
    const first = fresh[0]!;
    const expected = state.size === 0 ? GENESIS_PREV : state.last;
    if (first.prev !== expected) {
      throw new LedgerRefusal(
        'conflict',
        'rewritten',
        `history rewritten: entry ${first.seq} does not chain to entry ${first.seq - 1} held by the server`,
        writerId,
        Math.max(0, first.seq - 1),
      );
    }
  }
  // The pushed entries must chain to each other (a break is a modified entry).
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.prev !== entries[i - 1]!.leafHex) {
      throw new LedgerRefusal(
        'invalid',
        'modified',
        `entry ${entries[i - 1]!.seq} was modified: entry ${entries[i]!.seq} no longer chains to it`,
        writerId,
        entries[i - 1]!.seq,
      );
    }
  }

  // A tombstone the server never saw the content of stands only where a retention-purge
  // record (in any log of the repository, or in this push) names it with a later cutoff,
  // the rule `trail verify` applies. Tombstones over entries the server holds were compared
  // by leaf hash above: the server keeps its content, under its own retention.
  const freshTombstones = fresh.filter((e) => !e.record);
  if (freshTombstones.length > 0) {
    const purges = await purgeAuthorisations(tx, repo.id, entries);
    for (const t of freshTombstones) {
      const cutoff = purges.get(t.recordId);
      if (!cutoff || t.purgedTime! >= cutoff) {
        throw new LedgerRefusal(
          'invalid',
          'deleted',
          cutoff
            ? `record ${t.seq} (${t.purgedTime}) was purged before its retention period ended (cutoff ${cutoff})`
            : `record ${t.seq} was purged without a retention-purge record naming it`,
          writerId,
          t.seq,
        );
      }
    }
  }

  // Heads over sizes the server already covers: the root must agree with what it holds.
  const oldHeads = heads.filter((h) => h.size <= state.size);
  const newHeads = heads.filter((h) => h.size > state.size);
  const headsToStore: SignedTreeHead[] = [];
  if (oldHeads.length > 0) {
    const seen = await tx.query<StoredHead>(
      `SELECT size, root, sig FROM tree_heads WHERE repo_id = $1 AND writer_id = $2 AND size = ANY($3::bigint[])`,
      [repo.id, writerId, oldHeads.map((h) => h.size)],
    );
    const seenBySize = new Map<number, StoredHead[]>();
    for (const row of seen.rows) {
      const list = seenBySize.get(Number(row.size)) ?? [];
      list.push({ size: Number(row.size), root: row.root, sig: row.sig });
      seenBySize.set(Number(row.size), list);
    }
    let leaves: Buffer[] | undefined;
    for (const head of oldHeads) {
      const known = seenBySize.get(head.size) ?? [];
      if (known.some((k) => k.sig === head.sig && k.root === head.root)) continue;
      let root = known[0]?.root;
      if (root === undefined && head.size === state.size) root = state.root;
      if (root === undefined) {
        leaves ??= await leavesBelow(tx, repo.id, writerId, state.size);
        if (leaves.length < head.size) continue; // purged: nothing left to compare with
        root = rootFromLeafHashes(leaves.slice(0, head.size)).toString('hex');
      }
      if (root !== head.root) {
        throw new LedgerRefusal(
          'conflict',
          'inconsistent-head',
          `the tree head of size ${head.size} signed at ${head.time} has root ${head.root.slice(0, 16)}…, not ${root.slice(0, 16)}… as seen before: the log was rewritten`,
          writerId,
          head.size,
        );
      }
      headsToStore.push(head);
    }
  }

  // New heads: Merkle roots over the server's frontier plus the new leaves.
  const newState = extend(state, fresh, newHeads, writerId);
  headsToStore.push(...newHeads);
  if (fresh.length > 0 && newHeads[newHeads.length - 1]?.size !== newState.size) {
    throw new LedgerRefusal(
      'invalid',
      'unsigned',
      `entries ${newHeads[newHeads.length - 1]?.size ?? state.size}..${newState.size - 1} are not covered by a signed tree head`,
      writerId,
      newHeads[newHeads.length - 1]?.size ?? state.size,
      false,
    );
  }

  if (fresh.length > 0) {
    await insertEntries(tx, repo.id, writerId, fresh, tokenId, now);
    await tx.query(
      'INSERT INTO writers (repo_id, writer_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [
        repo.id,
        writerId,
        input.writerName === undefined ? null : storableText(input.writerName.slice(0, 512)),
      ],
    );
    await tx.query(
      `INSERT INTO log_states (repo_id, writer_id, size, root, last, frontier, pushed_by)
       VALUES ($1, $2, $3, $4, $5, $6::json, $7)`,
      [
        repo.id,
        writerId,
        newState.size,
        newState.root,
        newState.last,
        JSON.stringify(newState.frontier),
        tokenId,
      ],
    );
  }
  let headsAdded = 0;
  if (headsToStore.length > 0) {
    const added = await tx.query(
      `INSERT INTO tree_heads (repo_id, writer_id, size, root, last, head_time, key_id, sig, pushed_by)
       SELECT $1, $2, x.size, x.root, x.last, x.time, x."keyId", x.sig, $3
       FROM json_to_recordset($4::json) AS x(size bigint, root text, last text, time text, "keyId" text, sig text)
       ON CONFLICT (repo_id, writer_id, size, sig) DO NOTHING`,
      [repo.id, writerId, tokenId, JSON.stringify(headsToStore)],
    );
    headsAdded = added.rowCount;
  }
  return {
    writerId,
    accepted: fresh.length,
    duplicates: overlap.length,
    headsAdded,
    size: newState.size,
    root: newState.root,
  };
}

/** Record id -> cutoff, from the retention-purge records stored for the repository and in this push. */
async function purgeAuthorisations(
  tx: Queryable,
  repoId: number,
  pushed: Prepared[],
): Promise<Map<string, string>> {
  const purges = new Map<string, string>();
  const add = (record: TrailRecord | undefined) => {
    if (record?.kind !== 'retention-purge') return;
    for (const id of record.purged)
      if (!purges.has(id) || purges.get(id)! < record.cutoff) purges.set(id, record.cutoff);
  };
  const stored = await tx.query<{ line: string }>(
    "SELECT line FROM ledger_entries WHERE repo_id = $1 AND kind = 'retention-purge'",
    [repoId],
  );
  for (const row of stored.rows) add(decodeEntry(row.line).record);
  for (const e of pushed) add(e.record);
  return purges;
}

async function leavesBelow(tx: Queryable, repoId: number, writerId: string, size: number): Promise<Buffer[]> {
  const result = await tx.query<{ seq: number; leaf_hash: string }>(
    'SELECT seq, leaf_hash FROM ledger_entries WHERE repo_id = $1 AND writer_id = $2 AND seq < $3 ORDER BY seq',
    [repoId, writerId, size],
  );
  const leaves: Buffer[] = [];
  for (const row of result.rows) {
    if (Number(row.seq) !== leaves.length) break;
    leaves.push(Buffer.from(row.leaf_hash, 'hex'));
  }
  return leaves;
}

/** Appends the new leaves to the frontier, checking each new head's root and last leaf. */
function extend(state: LogState, fresh: Prepared[], newHeads: SignedTreeHead[], writerId: string): LogState {
  if (fresh.length === 0) return state;
  const frontier = MerkleFrontier.from(state.frontier);
  const bySize = new Map<number, SignedTreeHead[]>();
  for (const head of newHeads) bySize.set(head.size, [...(bySize.get(head.size) ?? []), head]);
  let last = state.last;
  for (const entry of fresh) {
    frontier.append(entry.leaf);
    last = entry.leafHex;
    const size = entry.seq + 1;
    const due = bySize.get(size);
    if (!due) continue;
    const root = frontier.root().toString('hex');
    for (const head of due) {
      if (head.last !== last) {
        throw new LedgerRefusal(
          'invalid',
          'modified',
          `entry ${size - 1} differs from the one the tree head of size ${size} signed`,
          writerId,
          size - 1,
        );
      }
      if (head.root !== root) {
        throw new LedgerRefusal(
          'invalid',
          'head-mismatch',
          `entries up to ${size - 1} do not match the Merkle root of the tree head of size ${size}`,
          writerId,
          size,
        );
      }
    }
  }
  return { size: frontier.size, root: frontier.root().toString('hex'), last, frontier: frontier.toJSON() };
}

// --- the read model --------------------------------------------------------------------------

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
}

function entryFacts(record: TrailRecord): { sessionId?: string; commit?: string; ref?: string } {
  switch (record.kind) {
    case 'session':
    case 'event':
      return { sessionId: record.sessionId };
    case 'capture-gap':
      return { sessionId: record.sessionId };
    case 'checkpoint':
      return { commit: record.commit };
    case 'review':
      return { commit: record.commit, ref: record.checkpoint };
    case 'test-result':
    case 'deployment':
      return { commit: record.commit };
    case 'rollback':
      return { commit: record.from };
    case 'correction':
      return { ref: record.target };
    default:
      return {};
  }
}

async function insertEntries(
  tx: Queryable,
  repoId: number,
  writerId: string,
  fresh: Prepared[],
  tokenId: string,
  now: number,
): Promise<void> {
  // The line as sent, byte for byte; the facts beside it, and every read-model row below,
  // as PostgreSQL can store them (storable.ts): a NUL in a prompt or a +20:00 time is valid
  // in a signed record, and refusing it would refuse every later push of the log.
  const rows = fresh.map((e) => {
    const facts = e.record ? entryFacts(e.record) : {};
    return {
      ...storable({
        seq: e.seq,
        leaf: e.leafHex,
        prev: e.prev,
        id: e.recordId,
        kind: e.record?.kind ?? 'tombstone',
        time: storableTime(e.record?.time ?? e.purgedTime!),
        session: facts.sessionId ?? null,
        commit_sha: facts.commit ?? null,
        ref: facts.ref ?? null,
      }),
      line: e.line,
    };
  });
  await tx.query(
    `INSERT INTO ledger_entries
       (repo_id, writer_id, seq, leaf_hash, prev, record_id, kind, record_time, session_id, commit_sha, ref_id, line, pushed_by)
     SELECT $1, $2, x.seq, x.leaf, x.prev, x.id, x.kind, x.time, x.session, x.commit_sha, x.ref, x.line, $3
     FROM json_to_recordset($4::json) AS x(seq bigint, leaf text, prev text, id text, kind text,
       time timestamptz, session text, commit_sha text, ref text, line text)`,
    [repoId, writerId, tokenId, JSON.stringify(rows)],
  );

  const checkpoints: unknown[] = [];
  const sessions: unknown[] = [];
  const prompts: unknown[] = [];
  let reviews: Array<{
    commit: string | null;
    checkpoint: string | null;
    decision: string;
    time: string;
    reviewer: string;
    seq: number;
    commit_sha: string | null;
  }> = [];
  for (const e of fresh) {
    const r = e.record;
    if (!r) continue;
    if (r.kind === 'checkpoint') {
      const files = r.files ?? [];
      checkpoints.push({
        seq: e.seq,
        id: e.recordId,
        commit_sha: r.commit,
        time: storableTime(r.time),
        author: r.author ?? null,
        branch: r.branch ?? null,
        agent: r.sessions[0] ? agentLabel(r.sessions[0].sessionId, r.sessions[0].agent) : null,
        model: r.sessions.find((s) => s.model)?.model ?? null,
        agents: unique(r.sessions.map((s) => agentLabel(s.sessionId, s.agent))),
        models: unique(r.sessions.map((s) => s.model)),
        sessions: unique(r.sessions.map((s) => s.sessionId)),
        paths: unique([...files.map((f) => f.path), ...Object.keys(r.attribution ?? {})]),
        ai: files.reduce((n, f) => n + f.aiLines, 0),
        human: files.reduce((n, f) => n + f.humanLines, 0),
        unknown: files.reduce((n, f) => n + f.unknownLines, 0),
        summary: r.summary ?? null,
        text: [r.summary, r.message, r.branch].filter(Boolean).join('\n'),
      });
    } else if (r.kind === 'session') {
      sessions.push({
        seq: e.seq,
        id: e.recordId,
        session: r.sessionId,
        agent: r.agent.name,
        model: r.model ?? null,
        requester: r.request?.requester ?? null,
        time: storableTime(r.time),
      });
      const text = [r.request?.summary, ...(r.request?.tickets ?? []).map((t) => t.id)]
        .filter(Boolean)
        .join('\n');
      if (text) prompts.push({ seq: e.seq, session: r.sessionId, time: storableTime(r.time), text });
    } else if (r.kind === 'event' && r.event.type === 'prompt') {
      prompts.push({ seq: e.seq, session: r.sessionId, time: storableTime(r.time), text: r.event.text });
    } else if (r.kind === 'review') {
      reviews.push({
        commit_sha: r.commit ?? null,
        commit: r.commit ?? null,
        checkpoint: r.checkpoint ?? null,
        reviewer: r.reviewer,
        decision: r.decision,
        time: storableTime(r.time),
        seq: e.seq,
      });
    }
  }
  reviews = storable(reviews);
  if (checkpoints.length > 0) {
    await tx.query(
      `INSERT INTO checkpoints (repo_id, writer_id, seq, record_id, commit_sha, time, author, branch, agent, model,
         agents, models, session_ids, paths, ai_lines, human_lines, unknown_lines, summary, tsv)
       SELECT $1, $2, x.seq, x.id, x.commit_sha, x.time, x.author, x.branch, x.agent, x.model,
         x.agents, x.models, x.sessions, x.paths, x.ai, x.human, x.unknown, x.summary,
         to_tsvector('english', x.text)
       FROM json_to_recordset($3::json) AS x(seq bigint, id text, commit_sha text, time timestamptz, author text,
         branch text, agent text, model text, agents text[], models text[], sessions text[], paths text[],
         ai integer, human integer, unknown integer, summary text, text text)`,
      [repoId, writerId, JSON.stringify(storable(checkpoints))],
    );
  }
  if (sessions.length > 0) {
    await tx.query(
      `INSERT INTO sessions (repo_id, writer_id, seq, record_id, session_id, agent, model, requester, time)
       SELECT $1, $2, x.seq, x.id, x.session, x.agent, x.model, x.requester, x.time
       FROM json_to_recordset($3::json) AS x(seq bigint, id text, session text, agent text, model text,
         requester text, time timestamptz)`,
      [repoId, writerId, JSON.stringify(storable(sessions))],
    );
  }
  if (prompts.length > 0) {
    await tx.query(
      `INSERT INTO prompts (repo_id, writer_id, seq, session_id, time, tsv)
       SELECT $1, $2, x.seq, x.session, x.time, to_tsvector('english', x.text)
       FROM json_to_recordset($3::json) AS x(seq bigint, session text, time timestamptz, text text)`,
      [repoId, writerId, JSON.stringify(storable(prompts))],
    );
  }
  if (reviews.length > 0) {
    await tx.query(
      `INSERT INTO reviews (repo_id, commit_sha, checkpoint_id, reviewer, decision, time, source, writer_id, seq)
       SELECT $1, x.commit_sha, x.checkpoint, x.reviewer, x.decision, x.time, 'ledger', $2, x.seq
       FROM json_to_recordset($3::json) AS x(commit_sha text, checkpoint text, reviewer text, decision text,
         time timestamptz, seq bigint)`,
      [repoId, writerId, JSON.stringify(reviews)],
    );
  }
  // The review status of the checkpoints this push carries and of those its reviews name,
  // which may have arrived before them or after (review-state.ts).
  await refreshReviewStatus(
    tx,
    repoId,
    {
      commits: [
        ...(checkpoints as Array<{ commit_sha: string }>).map((c) => c.commit_sha),
        ...reviews.map((r) => r.commit),
      ],
      checkpoints: [
        ...(checkpoints as Array<{ id: string }>).map((c) => c.id),
        ...reviews.map((r) => r.checkpoint),
      ],
    },
    now,
  );
}
