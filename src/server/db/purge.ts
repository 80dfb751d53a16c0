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
 * and root, and can still refuse a rewrite of a purged range; and the ids of the purged
 * checkpoints (`purged_checkpoints`), so that asking for one answers 410 Gone, not 404.
 *
 * An access log row of a read over several repositories (`repos`, migration 9) is another
 * repository's record too: the purge takes this repository's name out of it, and the row
 * goes only when it names no other. Purging one repository must not erase who read the
 * others, nor leave a record that this one was read. No UPDATE passes the append-only
 * trigger, so such a row is deleted, as the purge may, and written again without the name,
 * under its own id and time, in the same statement.
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

/** Tables whose rows belong to one repository (`repo_id`), purged by their time column. */
const TARGETS: ReadonlyArray<{ table: string; time: string }> = [
  { table: 'ledger_entries', time: 'record_time' },
  { table: 'checkpoints', time: 'time' },
  { table: 'sessions', time: 'time' },
  { table: 'prompts', time: 'time' },
  { table: 'reviews', time: 'time' },
  { table: 'review_status', time: 'time' },
  // Derived from reviews (review-coverage.ts), by the review's time: they go with it.
  { table: 'review_commits', time: 'time' },
  { table: 'review_commit_waits', time: 'time' },
  { table: 'external_events', time: 'received_at' },
  { table: 'commits', time: 'authored_at' },
  // Derived from commits (commit-generations.ts), by the commit's time: they go with it.
  { table: 'commit_generations', time: 'authored_at' },
  { table: 'commit_generation_waits', time: 'authored_at' },
];

/** Access log rows older than the cutoff ($2) that name the repository ($1), in `repo` or `repos`. */
const ACCESS_LOG_NAMING = `at < $2::timestamptz AND (repo = $1 OR $1 = ANY(repos))`;

/** Of those, the rows that still name another repository once this one's name is out of `repos`. */
const NAMES_ANOTHER = (row: string) =>
  `${row}.repo IS DISTINCT FROM $1 AND (${row}.repo IS NOT NULL OR cardinality(array_remove(${row}.repos, $1)) > 0)`;

export async function purgeBefore(db: Database, request: PurgeRequest): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    const where = (t: (typeof TARGETS)[number]) => `repo_id = $1 AND ${t.time} < $2::timestamptz`;
    const counts: Record<string, number> = {};
    for (const t of TARGETS) {
      const r = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.table} WHERE ${where(t)}`, [
        request.repoId,
        request.cutoff,
      ]);
      counts[t.table] = Number(r.rows[0]?.n ?? 0);
    }
    const accessRows = await tx.query<{ gone: number; renamed: number }>(
      `SELECT count(*) FILTER (WHERE NOT (${NAMES_ANOTHER('a')})) AS gone,
         count(*) FILTER (WHERE ${NAMES_ANOTHER('a')}) AS renamed
       FROM access_log a WHERE ${ACCESS_LOG_NAMING}`,
      [request.repoName, request.cutoff],
    );
    // access_log: the rows that go; access_log_repos: the rows of reads over several
    // repositories that stay, without this one's name.
    counts.access_log = Number(accessRows.rows[0]?.gone ?? 0);
    counts.access_log_repos = Number(accessRows.rows[0]?.renamed ?? 0);
    const logged = await tx.query<{ id: number }>(
      `INSERT INTO purge_log (repo_id, cutoff, reason, token_id, counts, txid)
       VALUES ($1, $2::timestamptz, $3, $4, $5::jsonb, txid_current()) RETURNING id`,
      [request.repoId, request.cutoff, request.reason, request.tokenId, JSON.stringify(counts)],
    );
    const purgeId = Number(logged.rows[0]!.id);
    // Which checkpoints went, by id: a later GET of one answers 410 Gone, not 404.
    if (counts.checkpoints) {
      await tx.query(
        `INSERT INTO purged_checkpoints (purge_id, repo_id, record_id, commit_sha, time)
         SELECT $3, repo_id, record_id, commit_sha, time FROM checkpoints
         WHERE repo_id = $1 AND time < $2::timestamptz`,
        [request.repoId, request.cutoff, purgeId],
      );
    }
    await tx.query(`SELECT set_config('trail.purge', $1, true)`, [String(purgeId)]);
    for (const t of TARGETS) {
      if (counts[t.table])
        await tx.query(`DELETE FROM ${t.table} WHERE ${where(t)}`, [request.repoId, request.cutoff]);
    }
    if (counts.access_log || counts.access_log_repos) {
      // Each row written back is the deleted one, every column as it was but `repos`.
      await tx.query(
        `WITH gone AS (DELETE FROM access_log a WHERE ${ACCESS_LOG_NAMING} RETURNING a AS row)
         INSERT INTO access_log
         SELECT kept.* FROM gone,
           jsonb_populate_record(gone.row, jsonb_build_object('repos', array_remove((gone.row).repos, $1))) AS kept
         WHERE ${NAMES_ANOTHER('kept')}`,
        [request.repoName, request.cutoff],
      );
    }
    return { purgeId, counts };
  });
}
