/**
 * What the server holds of each writer's log, read back: its Merkle state (size, root, last
 * leaf, frontier), the tree heads it has seen, stored leaf hashes, consistency proofs
 * between two sizes (RFC 9162 §2.1.4) and the alerts raised against it.
 */
import type { SignedTreeHead } from '../core/log-entry.js';
import { GENESIS_PREV } from '../core/log-entry.js';
import { consistencyProof, EMPTY_ROOT, rootFromLeafHashes, verifyConsistency } from '../core/merkle.js';
import type { Queryable } from './db/database.js';
import { ApiError } from './errors.js';

export interface LogState {
  size: number;
  root: string;
  last: string;
  frontier: { size: number; roots: string[] };
}

export const EMPTY_STATE: LogState = {
  size: 0,
  root: EMPTY_ROOT.toString('hex'),
  last: GENESIS_PREV,
  frontier: { size: 0, roots: [] },
};

export async function loadState(db: Queryable, repoId: number, writerId: string): Promise<LogState> {
  const result = await db.query<{ size: number; root: string; last: string; frontier: unknown }>(
    `SELECT size, root, last, frontier FROM log_states
     WHERE repo_id = $1 AND writer_id = $2 ORDER BY size DESC LIMIT 1`,
    [repoId, writerId],
  );
  const row = result.rows[0];
  if (!row) return EMPTY_STATE;
  const frontier = (
    typeof row.frontier === 'string' ? JSON.parse(row.frontier) : row.frontier
  ) as LogState['frontier'];
  return { size: Number(row.size), root: row.root, last: row.last, frontier };
}

export interface WriterStatus {
  writerId: string;
  name: string | null;
  size: number;
  root: string;
  last: string;
  updatedAt: string;
  headsSeen: number;
  latestHead: SignedTreeHead | null;
  alerts: number;
  /**
   * The largest head an RFC 3161 token the server keeps stamps (log-stamps.ts): its first
   * `size` records existed by `time`, on `authority`'s clock.
   */
  timestamp: { size: number; time: string; authority: string } | null;
}

export interface HeadRow {
  writer_id: string;
  size: number;
  root: string;
  last: string;
  head_time: string;
  key_id: string;
  sig: string;
}

export function headFromRow(row: HeadRow): SignedTreeHead {
  return {
    log: row.writer_id,
    size: Number(row.size),
    root: row.root,
    last: row.last,
    time: row.head_time,
    keyId: row.key_id,
    sig: row.sig,
  };
}

export function isoTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/** Every writer of a repository with its current size, root and newest head. */
export async function writerStatuses(db: Queryable, repoId: number): Promise<WriterStatus[]> {
  const [states, heads, counts, alerts, stamps] = await Promise.all([
    db.query<{
      writer_id: string;
      size: number;
      root: string;
      last: string;
      created_at: Date;
      name: string | null;
    }>(
      `SELECT DISTINCT ON (s.writer_id) s.writer_id, s.size, s.root, s.last, s.created_at, w.name
       FROM log_states s LEFT JOIN writers w ON w.repo_id = s.repo_id AND w.writer_id = s.writer_id
       WHERE s.repo_id = $1 ORDER BY s.writer_id, s.size DESC`,
      [repoId],
    ),
    db.query<HeadRow>(
      `SELECT DISTINCT ON (writer_id) writer_id, size, root, last, head_time, key_id, sig
       FROM tree_heads WHERE repo_id = $1 ORDER BY writer_id, size DESC, id DESC`,
      [repoId],
    ),
    db.query<{ writer_id: string; n: number }>(
      'SELECT writer_id, count(*) AS n FROM tree_heads WHERE repo_id = $1 GROUP BY writer_id',
      [repoId],
    ),
    db.query<{ writer_id: string; n: number }>(
      'SELECT writer_id, count(*) AS n FROM ledger_alerts WHERE repo_id = $1 GROUP BY writer_id',
      [repoId],
    ),
    db.query<{ writer_id: string; size: string | number; gen_time: string; authority: string }>(
      `SELECT DISTINCT ON (writer_id) writer_id, size, gen_time, authority
       FROM log_stamps WHERE repo_id = $1 ORDER BY writer_id, size DESC`,
      [repoId],
    ),
  ]);
  const stampBy = new Map(
    stamps.rows.map((r) => [r.writer_id, { size: Number(r.size), time: r.gen_time, authority: r.authority }]),
  );
  const headBy = new Map(heads.rows.map((h) => [h.writer_id, headFromRow(h)]));
  const countBy = new Map(counts.rows.map((c) => [c.writer_id, Number(c.n)]));
  const alertBy = new Map(alerts.rows.map((c) => [c.writer_id, Number(c.n)]));
  return states.rows.map((s) => ({
    writerId: s.writer_id,
    name: s.name,
    size: Number(s.size),
    root: s.root,
    last: s.last,
    updatedAt: isoTime(s.created_at),
    headsSeen: countBy.get(s.writer_id) ?? 0,
    latestHead: headBy.get(s.writer_id) ?? null,
    alerts: alertBy.get(s.writer_id) ?? 0,
    timestamp: stampBy.get(s.writer_id) ?? null,
  }));
}

/** Leaf hashes of entries [0, size), or a 410 when some were purged. */
export async function storedLeaves(
  db: Queryable,
  repoId: number,
  writerId: string,
  size: number,
): Promise<Buffer[]> {
  const result = await db.query<{ seq: number; leaf_hash: string }>(
    `SELECT seq, leaf_hash FROM ledger_entries
     WHERE repo_id = $1 AND writer_id = $2 AND seq < $3 ORDER BY seq`,
    [repoId, writerId, size],
  );
  if (result.rows.length !== size || result.rows.some((r, i) => Number(r.seq) !== i)) {
    throw new ApiError('gone', `entries of writer ${writerId} below ${size} were purged by retention`);
  }
  return result.rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
}

export interface ConsistencyAnswer {
  writerId: string;
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

/**
 * PROOF(from, D[to]) over the stored leaves, so a client holding a copy of `from` entries
 * can check that the server's longer log extends it (RFC 9162 §2.1.4.2). The server checks
 * its own answer before giving it.
 */
export async function consistencyBetween(
  db: Queryable,
  repoId: number,
  writerId: string,
  from: number,
  to: number,
): Promise<ConsistencyAnswer> {
  const leaves = await storedLeaves(db, repoId, writerId, to);
  const proof = consistencyProof(from, leaves);
  const fromRoot = rootFromLeafHashes(leaves.slice(0, from));
  const toRoot = rootFromLeafHashes(leaves);
  if (!verifyConsistency(from, to, fromRoot, toRoot, proof)) {
    throw new Error(`consistency proof ${from}..${to} for ${writerId} does not verify`);
  }
  return {
    writerId,
    from,
    to,
    fromRoot: fromRoot.toString('hex'),
    toRoot: toRoot.toString('hex'),
    proof: proof.map((p) => p.toString('hex')),
  };
}

export interface AlertInput {
  repoId: number;
  writerId: string | null;
  kind: string;
  seq?: number;
  message: string;
  detail?: Record<string, unknown>;
  tokenId: string | null;
}

export async function recordAlert(db: Queryable, alert: AlertInput): Promise<void> {
  await db.query(
    `INSERT INTO ledger_alerts (repo_id, writer_id, kind, seq, message, detail, token_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [
      alert.repoId,
      alert.writerId,
      alert.kind,
      alert.seq ?? null,
      alert.message,
      alert.detail ? JSON.stringify(alert.detail) : null,
      alert.tokenId,
    ],
  );
}

export interface AlertView {
  id: number;
  repo: string;
  writerId: string | null;
  kind: string;
  seq: number | null;
  message: string;
  detail: unknown;
  tokenId: string | null;
  at: string;
}

export async function listAlerts(
  db: Queryable,
  repoIds: number[] | null,
  options: { since?: string; limit?: number } = {},
): Promise<AlertView[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (repoIds) {
    params.push(repoIds);
    where.push(`a.repo_id = ANY($${params.length}::int[])`);
  }
  if (options.since) {
    params.push(options.since);
    where.push(`a.created_at >= $${params.length}::timestamptz`);
  }
  params.push(options.limit ?? 100);
  const result = await db.query<{
    id: number;
    name: string;
    writer_id: string | null;
    kind: string;
    seq: number | null;
    message: string;
    detail: unknown;
    token_id: string | null;
    created_at: Date;
  }>(
    `SELECT a.id, r.name, a.writer_id, a.kind, a.seq, a.message, a.detail, a.token_id, a.created_at
     FROM ledger_alerts a JOIN repos r ON r.id = a.repo_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.length}`,
    params,
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    repo: r.name,
    writerId: r.writer_id,
    kind: r.kind,
    seq: r.seq === null ? null : Number(r.seq),
    message: r.message,
    detail: r.detail,
    tokenId: r.token_id,
    at: isoTime(r.created_at),
  }));
}
