/**
 * Why a checkpoint the server no longer holds is gone: 410 Gone, with when and by what rule,
 * rather than the 404 of an id it never held. Two purges remove one. The server's own
 * (src/server/db/purge.ts) keeps the ids it removed in `purged_checkpoints`, beside its
 * purge log row (when, the cutoff, the reason given). A clone's (`trail retention`) replaces
 * the entry with a tombstone that keeps the record's id, and the `retention-purge` record that
 * names it gives the cutoff and the reason; a tombstone does not say what kind of record it
 * replaced, so the answer names a record.
 */
import { decodeEntry } from '../core/log-entry.js';
import type { TokenInfo } from './auth.js';
import { inScope } from './auth.js';
import type { Queryable } from './db/database.js';
import { ApiError } from './errors.js';
import { isoTime } from './ledger-state.js';

/** A checkpoint asked for by id, or by the commit it sealed, in one repository or any readable. */
export type PurgedQuery = { recordId: string; repoId?: number } | { repoId: number; commit: string };

/** The 410 for a checkpoint a purge removed, or undefined when no purge the token may see did. */
export async function purgedCheckpointError(
  db: Queryable,
  token: TokenInfo,
  query: PurgedQuery,
): Promise<ApiError | undefined> {
  return (
    (await byServerPurge(db, token, query)) ??
    ('recordId' in query ? byTombstone(db, token, query) : undefined)
  );
}

async function byServerPurge(db: Queryable, token: TokenInfo, query: PurgedQuery) {
  const byId = 'recordId' in query;
  const rows = await db.query<{
    repo: string;
    record_id: string;
    purged_at: Date;
    cutoff: Date;
    reason: string;
  }>(
    `SELECT r.name AS repo, x.record_id, p.created_at AS purged_at, p.cutoff, p.reason
     FROM purged_checkpoints x JOIN purge_log p ON p.id = x.purge_id JOIN repos r ON r.id = x.repo_id
     WHERE ${byId ? 'x.record_id = $1 AND ($2::int IS NULL OR x.repo_id = $2)' : 'x.repo_id = $2 AND x.commit_sha = $1'}
     ORDER BY x.time DESC, p.id LIMIT 20`,
    byId ? [query.recordId, query.repoId ?? null] : [query.commit, query.repoId],
  );
  const row = rows.rows.find((r) => inScope(token, r.repo));
  if (!row) return undefined;
  const purgedAt = isoTime(row.purged_at);
  const cutoff = isoTime(row.cutoff);
  return new ApiError(
    'gone',
    `checkpoint ${row.record_id} of ${row.repo} was purged by the server's retention purge at ${purgedAt}, with every record before ${cutoff}: "${row.reason}"`,
    { repo: row.repo, purgedAt, cutoff, reason: row.reason },
  );
}

async function byTombstone(db: Queryable, token: TokenInfo, query: { recordId: string; repoId?: number }) {
  const tombstones = await db.query<{ repo: string; repo_id: number; writer_id: string }>(
    `SELECT r.name AS repo, e.repo_id, e.writer_id FROM ledger_entries e JOIN repos r ON r.id = e.repo_id
     WHERE e.kind = 'tombstone' AND e.record_id = $1 AND ($2::int IS NULL OR e.repo_id = $2) LIMIT 20`,
    [query.recordId, query.repoId ?? null],
  );
  const tombstone = tombstones.rows.find((r) => inScope(token, r.repo));
  if (!tombstone) return undefined;
  // Ingest took the tombstone only because a retention-purge record names it (ingest.ts).
  const purges = await db.query<{ line: string }>(
    "SELECT line FROM ledger_entries WHERE repo_id = $1 AND kind = 'retention-purge' ORDER BY record_time",
    [tombstone.repo_id],
  );
  const purge = purges.rows
    .map((r) => decodeEntry(r.line).record)
    .find((record) => record.kind === 'retention-purge' && record.purged.includes(query.recordId));
  const where = `record ${query.recordId} of ${tombstone.repo} was purged from writer ${tombstone.writer_id}'s log by retention`;
  if (purge?.kind !== 'retention-purge') {
    return new ApiError('gone', where, { repo: tombstone.repo, writerId: tombstone.writer_id });
  }
  return new ApiError(
    'gone',
    `${where} at ${purge.time}, with every record before ${purge.cutoff}${purge.reason ? `: "${purge.reason}"` : ''}`,
    {
      repo: tombstone.repo,
      writerId: tombstone.writer_id,
      purgedAt: purge.time,
      cutoff: purge.cutoff,
      ...(purge.reason ? { reason: purge.reason } : {}),
    },
  );
}
