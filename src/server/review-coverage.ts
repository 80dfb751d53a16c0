/**
 * The commits a code host's review covers: every commit of the pull request it was given on,
 * as `trail import github-review` records it (chain/code-host-mapping.ts), so that the server
 * and the CLI agree on who approved a change. Kept in `review_commits` (migration 15), which
 * every reader of reviews goes through: the review status (review-state.ts), the reports and
 * the checkpoint's detail and Review card (review-trust.ts), the reviewer filter (search.ts).
 *
 * The commits of a pull request are git's `base..head`: those behind its head and not behind
 * its base, found through the parents of the commits `trail push` sent (commit-graph.ts).
 * GitHub's review names both (`pull_request.base.sha`). A GitLab approval names the target
 * branch, not a commit: the branch's tip by the latest push webhook GitLab sent for it stands
 * for the base (routes/webhooks.ts; a clone's `trail import gitlab-approval` asks its own git
 * for the merge-base, as of when it runs). With no such push received, the review, like one
 * without a base, covers its head commit alone. Under-counting an approval leaves a
 * commit pending; over-counting would tell an auditor that someone approved what they never
 * saw, so wherever the graph is not known well enough the review covers its head alone:
 *
 * - the base commit not pushed yet: head alone (walking the head's history without the base's
 *   would take the whole history for the pull request);
 * - commits missing on both sides (a head-side commit not pushed yet, and a gap behind the
 *   base): head alone, since the commits behind the base that the gap hides could be some of
 *   those reached from the head; likewise when the two walks never meet and the base's side
 *   has gaps;
 * - otherwise every commit reached from the head and not from the base, including the
 *   commits reached but not held yet (a pull request's commit may have its checkpoint pushed
 *   before the commit itself). Gaps behind the base alone, where the walks met (the history a
 *   retention purge or a shallow clone left out, which nobody will push), are taken as the
 *   known history's edge.
 *
 * A webhook usually arrives before the CI job that pushes the pull request's commits, so the
 * covered set grows afterwards: the commits a walk reached but the server does not hold are
 * kept in `review_commit_waits`, and a push that brings one of them walks that review again.
 * A review waiting for nothing is never walked again: the commits it walked through are
 * append-only and their parents never change.
 *
 * Cost: where both histories are held whole, the walk reads them only down to where their
 * generation numbers fall below the pull request's commits (commit-graph.ts, commitsBetween):
 * a few milliseconds over 100,000 commits (bench/review-walk.ts). Elsewhere (a gap, a purge) it
 * reads the base's whole history (one primary-key lookup per commit: 0.85 s per 100,000
 * commits of linear history, measured on PGlite on a 2-core Xeon). It runs when the review
 * arrives and again only when a push brings a commit that review waits for; a push looks its new commits up in `review_commit_waits`
 * (one index probe each) and walks no other review. Its worst case is a push that brings the
 * base many reviews waited for: one walk each, once. Migration 15 walks every code-host review held once, in the
 * migration's transaction: reviews × history (by the figure above, 1,000 reviews over 50,000
 * commits would take some 7 minutes on PGlite; an estimate, not measured).
 *
 * Concurrency: every walk and write runs under the repository's review status lock
 * (review-state.ts), taken after the review or the commits were inserted and before the
 * graph or the waits are read. A push and a webhook racing each other: whichever takes the
 * lock second reads what the first committed (a review's waits, or the commits), so a review
 * never waits for a commit already stored, nor misses one stored meanwhile.
 */
import { ancestorsCte, commitsBetween } from './commit-graph.js';
import type { Queryable } from './db/database.js';
import { FULL_SHA } from './http.js';
import { lockRepoReviews } from './review-state.js';

/** What one review covers, and the commits whose arrival could change it. */
interface Coverage {
  covers: string[];
  waits: string[];
}

const unique = (list: readonly string[]) => [...new Set(list)];

/** The commits `base..head` covers, by the rules above. */
export async function pullRequestCommits(
  tx: Queryable,
  repoId: number,
  head: string,
  base: string | null,
  /** False before migration 18 has made the generations' table: the whole history is walked. */
  generations = true,
): Promise<Coverage> {
  if (base === null || base === head) return { covers: [head], waits: [] };
  const baseHeld = await tx.query('SELECT 1 FROM commits WHERE repo_id = $1 AND sha = $2', [repoId, base]);
  if (baseHeld.rows.length === 0) return { covers: [head], waits: [base] };
  // Both histories held whole: the walk stops where generations fall below the pull request's.
  const between = generations ? await commitsBetween(tx, repoId, base, head) : undefined;
  if (between) return { covers: unique([head, ...between]), waits: [] };
  // The head's walk stops at commits behind the base: their history is behind the base too.
  // NOT IN over the base's walk is planned as one hash of it, built once.
  const walked = await tx.query<{ side: 'head' | 'met' | 'gap'; sha: string; held: boolean }>(
    `WITH RECURSIVE ${ancestorsCte('from_base', '$1', '$2::text')},
       ${ancestorsCte('from_head', '$1', '$3::text', 'w.sha IN (SELECT sha FROM from_base)')}
     SELECT 'head' AS side, h.sha, EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = $1 AND c.sha = h.sha) AS held
       FROM from_head h WHERE h.sha NOT IN (SELECT sha FROM from_base)
     UNION ALL
     SELECT 'met', h.sha, true FROM from_head h WHERE h.sha IN (SELECT sha FROM from_base)
     UNION ALL
     SELECT 'gap', b.sha, false FROM from_base b
       WHERE NOT EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = $1 AND c.sha = b.sha)`,
    [repoId, base, head],
  );
  const reached = walked.rows.filter((r) => r.side === 'head');
  const headGaps = reached.filter((r) => !r.held).map((r) => r.sha);
  const baseGaps = walked.rows.filter((r) => r.side === 'gap').map((r) => r.sha);
  const met = walked.rows.some((r) => r.side === 'met');
  if (baseGaps.length > 0 && (headGaps.length > 0 || !met)) {
    return { covers: [head], waits: unique([...headGaps, ...baseGaps]) };
  }
  return { covers: unique([head, ...reached.map((r) => r.sha)]), waits: headGaps };
}

interface ReviewRange {
  id: string | number;
  head: string;
  base: string | null;
}

/**
 * Walks these code-host reviews of the repository again and writes what each covers and
 * waits for; returns the commits whose coverage changed (their checkpoints' review status
 * needs a refresh).
 */
export async function coverReviews(
  tx: Queryable,
  repoId: number,
  reviewIds: ReadonlyArray<string | number>,
  generations = true,
): Promise<string[]> {
  if (reviewIds.length === 0) return [];
  await lockRepoReviews(tx, repoId);
  // Rows from before migration 15 have no base_sha: their stored event still says it.
  const ranges = await tx.query<ReviewRange>(
    `SELECT rv.id, rv.commit_sha AS head, coalesce(rv.base_sha, e.event->>'baseSha') AS base
     FROM reviews rv LEFT JOIN external_events e ON e.id = rv.external_event_id
     WHERE rv.repo_id = $1 AND rv.id = ANY($2::bigint[]) AND rv.writer_id IS NULL AND rv.commit_sha IS NOT NULL`,
    [repoId, reviewIds.map(String)],
  );
  const changed = new Set<string>();
  for (const range of ranges.rows) {
    const base = range.base !== null && FULL_SHA.test(range.base) ? range.base : null;
    const { covers, waits } = await pullRequestCommits(tx, repoId, range.head, base, generations);
    const before = await tx.query<{ commit_sha: string }>(
      'DELETE FROM review_commits WHERE review_id = $1 RETURNING commit_sha',
      [range.id],
    );
    const was = new Set(before.rows.map((r) => r.commit_sha));
    for (const sha of covers) if (!was.delete(sha)) changed.add(sha);
    for (const sha of was) changed.add(sha);
    // Each row carries the review's time, which the retention purge goes by.
    await tx.query(
      `INSERT INTO review_commits (repo_id, review_id, commit_sha, time)
       SELECT rv.repo_id, rv.id, s, rv.time FROM reviews rv, unnest($2::text[]) AS s WHERE rv.id = $1`,
      [range.id, covers],
    );
    await tx.query('DELETE FROM review_commit_waits WHERE review_id = $1', [range.id]);
    if (waits.length > 0) {
      await tx.query(
        `INSERT INTO review_commit_waits (repo_id, review_id, sha, time)
         SELECT rv.repo_id, rv.id, s, rv.time FROM reviews rv, unnest($2::text[]) AS s WHERE rv.id = $1`,
        [range.id, waits],
      );
    }
  }
  return [...changed];
}

/**
 * After a push stored these commits: walks again the reviews that waited for one of them;
 * returns the commits whose coverage changed.
 */
export async function coverReviewsWaitingFor(
  tx: Queryable,
  repoId: number,
  commits: readonly string[],
): Promise<string[]> {
  if (commits.length === 0) return [];
  await lockRepoReviews(tx, repoId);
  const waiting = await tx.query<{ review_id: string | number }>(
    'SELECT DISTINCT review_id FROM review_commit_waits WHERE repo_id = $1 AND sha = ANY($2::text[])',
    [repoId, commits],
  );
  return coverReviews(
    tx,
    repoId,
    waiting.rows.map((r) => r.review_id),
  );
}

/** Fills review_commits for every code-host review held (migration 15, before 18's generations). */
export async function rebuildReviewCoverage(tx: Queryable): Promise<void> {
  const reviews = await tx.query<{ repo_id: number; ids: Array<string | number> }>(
    `SELECT repo_id, array_agg(id ORDER BY id) AS ids FROM reviews
     WHERE writer_id IS NULL AND commit_sha IS NOT NULL GROUP BY repo_id`,
  );
  for (const { repo_id, ids } of reviews.rows) await coverReviews(tx, Number(repo_id), ids, false);
}
