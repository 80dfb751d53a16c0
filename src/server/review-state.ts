/**
 * Keeps review_state (migrations.ts) current as reviews arrive, from the ledger or from a
 * code host: each approve / request-changes decision becomes the state of its commit when
 * it is newer than the one held. A review that names only a checkpoint is filed under that
 * checkpoint's commit when the server holds the checkpoint, else under the checkpoint id.
 *
 * The upsert only moves a row to a newer decision, so concurrent pushes cannot lose one: the
 * row lock of ON CONFLICT serialises them and the newest wins whatever the order.
 */
import type { Queryable } from './db/database.js';

export interface ReviewDecision {
  commit?: string | null;
  checkpoint?: string | null;
  decision: string;
  /** ISO time of the review. */
  time: string;
}

export async function recordReviewState(
  tx: Queryable,
  repoId: number,
  reviews: readonly ReviewDecision[],
): Promise<void> {
  const decisive = reviews.filter((r) => r.decision === 'approve' || r.decision === 'request-changes');
  if (decisive.length === 0) return;
  const unresolved = decisive.filter((r) => !r.commit && r.checkpoint).map((r) => r.checkpoint!);
  const commitOf = new Map<string, string>();
  if (unresolved.length > 0) {
    const found = await tx.query<{ record_id: string; commit_sha: string }>(
      'SELECT record_id, commit_sha FROM checkpoints WHERE repo_id = $1 AND record_id = ANY($2::text[])',
      [repoId, unresolved],
    );
    for (const row of found.rows) commitOf.set(row.record_id, row.commit_sha);
  }
  // The newest decision per subject in this batch (one upsert may not touch a row twice).
  const newest = new Map<string, { subject: string; decision: string; time: string }>();
  for (const r of decisive) {
    const commit = r.commit ?? (r.checkpoint ? commitOf.get(r.checkpoint) : undefined);
    const subject = commit ? `c:${commit}` : r.checkpoint ? `k:${r.checkpoint}` : undefined;
    if (!subject) continue;
    const held = newest.get(subject);
    if (!held || Date.parse(r.time) >= Date.parse(held.time))
      newest.set(subject, { subject, decision: r.decision, time: r.time });
  }
  if (newest.size === 0) return;
  await tx.query(
    `INSERT INTO review_state AS s (repo_id, subject, decision, time)
     SELECT $1, x.subject, x.decision, x.time FROM json_to_recordset($2::json) AS x(subject text, decision text, time timestamptz)
     ON CONFLICT (repo_id, subject) DO UPDATE SET decision = excluded.decision, time = excluded.time
     WHERE excluded.time >= s.time`,
    [repoId, JSON.stringify([...newest.values()])],
  );
}
