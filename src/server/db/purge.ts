/**
 * The retention purge: the one way audit rows ever leave the database. In one transaction it
 * counts what will go, writes a `purge_log` row (who, why, cutoff, counts, this transaction's
 * id), points `trail.purge` at that row, and deletes. The append-only trigger checks that
 * the row exists and belongs to the same transaction (migrations.ts), so the log row and the
 * deletion commit together or not at all.
 *
 * What is purged: record contents older than the cutoff (ledger entry lines, the read model,
 * code-host events, pushed commits, access log rows). What is kept forever: tree heads,
 * Merkle states, keys, writers, alerts, pushed policies and the purge log itself, so the server still witnesses every log's size
 * and root, and can still refuse a rewrite of a purged range.
 */
import type { Database } from './database.js';

export interface PurgeRequest {
  repoId: number;
  repoName: string;
  /** ISO time: rows recorded before it are purged. */
  cutoff: string;
  reason: string;
  tokenId: string;
}

export interface PurgeResult {
  purgeId: number;
  counts: Record<string, number>;
}

const TARGETS: ReadonlyArray<{ table: string; time: string; repo: 'id' | 'name' }> = [
  { table: 'ledger_entries', time: 'record_time', repo: 'id' },
  { table: 'checkpoints', time: 'time', repo: 'id' },
  { table: 'sessions', time: 'time', repo: 'id' },
  { table: 'prompts', time: 'time', repo: 'id' },
  { table: 'reviews', time: 'time', repo: 'id' },
  { table: 'review_state', time: 'time', repo: 'id' },
  { table: 'external_events', time: 'received_at', repo: 'id' },
  { table: 'commits', time: 'authored_at', repo: 'id' },
  { table: 'access_log', time: 'at', repo: 'name' },
];

export async function purgeBefore(db: Database, request: PurgeRequest): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    const where = (t: (typeof TARGETS)[number]) =>
      `${t.repo === 'id' ? 'repo_id' : 'repo'} = $1 AND ${t.time} < $2::timestamptz`;
    const param = (t: (typeof TARGETS)[number]) => (t.repo === 'id' ? request.repoId : request.repoName);
    const counts: Record<string, number> = {};
    for (const t of TARGETS) {
      const r = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.table} WHERE ${where(t)}`, [
        param(t),
        request.cutoff,
      ]);
      counts[t.table] = Number(r.rows[0]?.n ?? 0);
    }
    const logged = await tx.query<{ id: number }>(
      `INSERT INTO purge_log (repo_id, cutoff, reason, token_id, counts, txid)
       VALUES ($1, $2::timestamptz, $3, $4, $5::jsonb, txid_current()) RETURNING id`,
      [request.repoId, request.cutoff, request.reason, request.tokenId, JSON.stringify(counts)],
    );
    const purgeId = Number(logged.rows[0]!.id);
    await tx.query(`SELECT set_config('trail.purge', $1, true)`, [String(purgeId)]);
    for (const t of TARGETS) {
      if (counts[t.table])
        await tx.query(`DELETE FROM ${t.table} WHERE ${where(t)}`, [param(t), request.cutoff]);
    }
    return { purgeId, counts };
  });
}
