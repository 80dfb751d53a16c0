/**
 * Keeps review_status (migration 11) current: the review status of each checkpoint, by the
 * rule `trail show` and `trail log` apply (core/review-decision.ts): over the reviews that
 * name the checkpoint or its commit, ledger and code-host ones alike, each reviewer's latest
 * decision counts and any open request for changes wins. A row holds `approve` or
 * `request-changes`; a checkpoint without one is pending.
 *
 * A review can arrive before its checkpoint (another writer's push, a code host's webhook),
 * so both ingest paths refresh the checkpoints they touch: the ones a push carries, and the
 * ones the new reviews name. Each refresh reads every review of those checkpoints and writes
 * their rows again, under one transaction lock per repository taken before that read, so two
 * concurrent pushes (alice's request for changes, bob's approval) cannot each miss the
 * other's review: the second waits, and then reads what the first committed.
 *
 * Only the reviews the server counts are counted (review-trust.ts): a ledger review nothing in
 * force vouches for is set aside, as `trail check` and `trail show` set it aside. Whether a
 * review counts changes with the repository's key set (a key revoked, approved, or the set
 * locked or unlocked), so each change to it refreshes the whole repository's status
 * (refreshRepoReviewStatus) under the same lock, after the change is written. The status is
 * kept rather than worked out at read time because the checkpoint list filters on it in SQL,
 * page by page; key changes are rare, pushes and list reads are not. The keys are read after
 * the lock is taken, so a refresh never judges with a key set older than one whose own
 * refresh it waited for.
 *
 * Revocations are judged as of the server's clock, as a clone judges them (review-trust.ts), so
 * a status can also go stale with nothing stored changing: when a revocation dated later
 * (`trail keys revoke --at`) comes into force, the reviews its key vouched for stop counting.
 * Each full refresh records in review_status_due (migration 16) the earliest such time among
 * the repository's keys, and a read of the status first refreshes, in full, the repositories
 * whose time has come (refreshDueReviewStatus). Refusing future-dated revocations at push
 * would have kept the cache simple, but it would refuse a key file every clone accepts (and
 * every key pushed with it), and working the status out at read time would take the status
 * filter out of SQL; one lookup in a table that is empty unless a revocation waits is cheap.
 */
import { parseIsoTime } from '../core/iso-time.js';
import { nextRevocationAfter } from '../core/key-revocation.js';
import { reviewOutcome } from '../core/review-decision.js';
import type { Database, Queryable } from './db/database.js';
import { storedFromLine } from './http.js';
import { trustedKeysOf } from './key-approval.js';
import { isoTime } from './ledger-state.js';
import { logsExistedBy } from './log-stamps.js';
import { whyServerDoesNotCount } from './review-trust.js';

/** Lock class of the per-repository review status lock ("revw" in ASCII). */
const REVIEW_STATUS_LOCK = 0x72657677;

/**
 * Takes the repository's review status lock until the transaction ends: whatever reads
 * reviews, their coverage or the keys to write review_status or review_commits takes it
 * first (taking it again in the same transaction is free).
 */
export async function lockRepoReviews(tx: Queryable, repoId: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [REVIEW_STATUS_LOCK, repoId]);
}

export interface ReviewSubjects {
  /** Commits whose checkpoints to refresh. */
  commits: ReadonlyArray<string | null | undefined>;
  /** Checkpoint record ids to refresh. */
  checkpoints: ReadonlyArray<string | null | undefined>;
}

const present = (list: ReadonlyArray<string | null | undefined>) => [
  ...new Set(list.filter((x): x is string => typeof x === 'string' && x.length > 0)),
];

/**
 * Recomputes the review status of the repository's checkpoints that these commits or ids name.
 * @param now the server's clock (ms), which revocations are judged at
 */
export async function refreshReviewStatus(
  tx: Queryable,
  repoId: number,
  subjects: ReviewSubjects,
  now = Date.now(),
): Promise<void> {
  const commits = present(subjects.commits);
  const ids = present(subjects.checkpoints);
  if (commits.length === 0 && ids.length === 0) return;
  await lockRepoReviews(tx, repoId);
  const found = await tx.query<{ record_id: string; commit_sha: string; time: Date }>(
    `SELECT DISTINCT record_id, commit_sha, time FROM checkpoints
     WHERE repo_id = $1 AND (commit_sha = ANY($2::text[]) OR record_id = ANY($3::text[]))`,
    [repoId, commits, ids],
  );
  if (found.rows.length === 0) return;
  const reviews = await tx.query<{
    commit_sha: string | null;
    checkpoint_id: string | null;
    /** The commits among these that a code host's review covers (review_commits: its head and the pull request's others). */
    covers: string[];
    reviewer: string;
    decision: string;
    time: Date;
    writer_id: string | null;
    seq: string | number | null;
    record_id: string | null;
    line: string | null;
  }>(
    `SELECT rv.commit_sha, rv.checkpoint_id, rv.reviewer, rv.decision, rv.time, rv.writer_id, rv.seq,
         ARRAY(SELECT rc.commit_sha FROM review_commits rc
               WHERE rc.review_id = rv.id AND rc.commit_sha = ANY($2::text[])) AS covers,
         e.record_id, CASE WHEN e.kind = 'review' THEN e.line END AS line
       FROM reviews rv LEFT JOIN ledger_entries e
         ON e.repo_id = rv.repo_id AND e.writer_id = rv.writer_id AND e.seq = rv.seq
       WHERE rv.id IN (
         SELECT id FROM reviews WHERE repo_id = $1 AND commit_sha = ANY($2::text[])
         UNION SELECT id FROM reviews WHERE repo_id = $1 AND checkpoint_id = ANY($3::text[])
         UNION SELECT review_id FROM review_commits WHERE repo_id = $1 AND commit_sha = ANY($2::text[]))
       ORDER BY rv.time, rv.id`,
    [repoId, present(found.rows.map((r) => r.commit_sha)), present(found.rows.map((r) => r.record_id))],
  );
  const keysByRepo = await trustedKeysOf(tx, [repoId]);
  const repoKeys = keysByRepo.get(repoId) ?? new Map();
  const existedBy = (await logsExistedBy(tx, keysByRepo)).get(repoId);
  const counts = (r: (typeof reviews.rows)[number]) => {
    // A code host's review came through an authenticated webhook: the host's word.
    if (r.writer_id === null) return true;
    // A ledger review whose entry is not held (a tombstone) has nothing left to vouch for it.
    if (r.line === null || r.record_id === null || r.seq === null) return false;
    const stored = storedFromLine({
      writer_id: r.writer_id,
      seq: r.seq,
      record_id: r.record_id,
      line: r.line,
    });
    return whyServerDoesNotCount(stored, repoKeys, now, existedBy) === undefined;
  };
  const byCommit = new Map<string, typeof reviews.rows>();
  const byCheckpoint = new Map<string, typeof reviews.rows>();
  const file = (
    map: Map<string, typeof reviews.rows>,
    key: string | null,
    row: (typeof reviews.rows)[number],
  ) => {
    if (!key) return;
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  };
  for (const r of reviews.rows.filter(counts)) {
    for (const commit of new Set([r.commit_sha, ...r.covers])) file(byCommit, commit, r);
    file(byCheckpoint, r.checkpoint_id, r);
  }
  const rows: Array<{ id: string; decision: string; time: string }> = [];
  const seen = new Set<string>();
  for (const cp of found.rows) {
    if (seen.has(cp.record_id)) continue;
    seen.add(cp.record_id);
    // The reviews of the checkpoint and of its commit, each once (as buildCheckpointView has them).
    const own = byCheckpoint.get(cp.record_id) ?? [];
    const mine = [...own, ...(byCommit.get(cp.commit_sha) ?? []).filter((r) => !own.includes(r))];
    const outcome = reviewOutcome(
      mine.map((r) => ({ reviewer: r.reviewer, decision: r.decision, time: isoTime(r.time) })),
    );
    if (outcome === 'approved' || outcome === 'changes-requested') {
      rows.push({
        id: cp.record_id,
        decision: outcome === 'approved' ? 'approve' : 'request-changes',
        time: isoTime(cp.time),
      });
    }
  }
  await tx.query('DELETE FROM review_status WHERE repo_id = $1 AND record_id = ANY($2::text[])', [
    repoId,
    [...seen],
  ]);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO review_status (repo_id, record_id, decision, time)
     SELECT $1, x.id, x.decision, x.time FROM json_to_recordset($2::json) AS x(id text, decision text, time timestamptz)`,
    [repoId, JSON.stringify(rows)],
  );
}

/**
 * Recomputes the review status of every checkpoint of the repository that a review names: after
 * its key set changed, which can make any of its ledger reviews count or stop counting, or once
 * a revocation dated later came into force (refreshDueReviewStatus); then records when the
 * status goes stale by the clock alone (recordWhenStale), unless `recordStale` is false: for
 * migrations 11 and 12, which run before review_status_due exists.
 */
export async function refreshRepoReviewStatus(
  tx: Queryable,
  repoId: number,
  now = Date.now(),
  recordStale = true,
): Promise<void> {
  const named = await tx.query<{ commit_sha: string | null; checkpoint_id: string | null }>(
    `SELECT commit_sha, checkpoint_id FROM reviews WHERE repo_id = $1
     UNION SELECT commit_sha, NULL FROM review_commits WHERE repo_id = $1`,
    [repoId],
  );
  await refreshReviewStatus(
    tx,
    repoId,
    {
      commits: named.rows.map((r) => r.commit_sha),
      checkpoints: named.rows.map((r) => r.checkpoint_id),
    },
    now,
  );
  if (recordStale) await recordWhenStale(tx, repoId, now);
}

/** Fills review_status from every review held (migrations 11, 12 and 15). */
export async function rebuildReviewStatus(tx: Queryable): Promise<void> {
  // Today's rule reads review_commits (migration 15). A database upgraded from before 15 runs
  // 11 and 12 before that table exists; 15 fills it and then rebuilds the status, in the same
  // migration transaction, so those earlier rebuilds would add nothing.
  const coverage = await tx.query<{ t: unknown }>(`SELECT to_regclass('review_commits') AS t`);
  if (coverage.rows[0]?.t == null) return;
  const repos = await tx.query<{ repo_id: number }>('SELECT DISTINCT repo_id FROM reviews');
  for (const { repo_id } of repos.rows) await refreshRepoReviewStatus(tx, Number(repo_id), Date.now(), false);
}

/**
 * Records when the repository's status, just written as of `now`, goes stale with nothing
 * stored changing: when the next revocation among its keys dated after `now` comes into force
 * (none: it does not). Under the review status lock, with the keys read under it.
 */
async function recordWhenStale(tx: Queryable, repoId: number, now: number): Promise<void> {
  await lockRepoReviews(tx, repoId);
  const keys = (await trustedKeysOf(tx, [repoId])).get(repoId) ?? new Map();
  const due = nextRevocationAfter(keys.values(), now);
  await tx.query('DELETE FROM review_status_due WHERE repo_id = $1', [repoId]);
  if (due !== undefined) {
    await tx.query('INSERT INTO review_status_due (repo_id, due_at) VALUES ($1, $2)', [
      repoId,
      new Date(due).toISOString(),
    ]);
  }
}

/**
 * Refreshes, in full, the review status of every repository where a revocation dated later
 * has come into force since its status was written (review_status_due): what a read of the
 * status calls first, so that it never shows a review as counted past its key's revocation.
 * Each repository in its own transaction, under its lock; one that another request refreshed
 * meanwhile is left alone.
 */
export async function refreshDueReviewStatus(db: Database, now: number): Promise<void> {
  const at = new Date(now).toISOString();
  const due = await db.query<{ repo_id: number }>(
    'SELECT repo_id FROM review_status_due WHERE due_at <= $1::timestamptz',
    [at],
  );
  for (const { repo_id } of due.rows) {
    const repoId = Number(repo_id);
    await db.transaction(async (tx) => {
      await lockRepoReviews(tx, repoId);
      const still = await tx.query(
        'SELECT 1 FROM review_status_due WHERE repo_id = $1 AND due_at <= $2::timestamptz',
        [repoId, at],
      );
      if (still.rows.length > 0) await refreshRepoReviewStatus(tx, repoId, now);
    });
  }
}

/**
 * Migration 16: the status of each repository with a revocation dated later than now again,
 * counting the reviews its key vouches for until then (before, the server took any revocation
 * as in force at once), with the time it goes stale recorded. Other repositories' status is
 * the same by either rule.
 */
export async function refreshStatusOfFutureRevocations(tx: Queryable): Promise<void> {
  const now = Date.now();
  const revoked = await tx.query<{ repo_id: number; revoked_at: string }>(
    'SELECT DISTINCT repo_id, revoked_at FROM repo_keys WHERE revoked_at IS NOT NULL',
  );
  const repoIds = new Set<number>();
  for (const row of revoked.rows) {
    const revokedAt = parseIsoTime(row.revoked_at);
    if (revokedAt !== undefined && revokedAt > now) repoIds.add(Number(row.repo_id));
  }
  for (const repoId of repoIds) await refreshRepoReviewStatus(tx, repoId, now);
}
