/**
 * Code hosts as a second witness of a repository's history. `trail push` is the server's
 * source of commits, and it is run by the team whose work is audited: run late, from a
 * branch that left commits out, or not at all, and the commits nobody recorded would be
 * missing from the server's gaps report instead of listed in it. A code host's push webhook
 * (verified with its secret, src/server/routes/webhooks.ts) says independently which
 * commits landed on the default branch, and whether the push was forced (GitHub says so;
 * for GitLab the server tells from the commits `trail push` sent, forced-pushes.ts). The
 * reports hold one against the other: a commit the host saw that `trail push` never sent and
 * no checkpoint names is a gap of its own.
 *
 * Only deliveries that name the repository's default branch count (GitHub's
 * `repository.default_branch`, GitLab's `project.default_branch`); a push to any other
 * branch is not what an audit of the default branch is about.
 */
import type { Period } from '../core/change-facts.js';
import type { HostPush } from '../report/document.js';
import type { Queryable } from './db/database.js';
import { pushForcedSql } from './forced-pushes.js';
import { FULL_SHA, ZERO_SHA } from './http.js';

interface PushRow {
  repo: string;
  host: string;
  received_at: Date | string;
  ref: string;
  branch: string;
  before: string;
  after: string;
  forced: boolean | null;
  total: string | null;
  listed: number;
  unsent: string[];
}

/** The default-branch pushes code hosts reported for these repositories in the period, oldest first. */
export async function hostPushesForReport(
  db: Queryable,
  repoIds: readonly number[],
  period: Period,
): Promise<HostPush[]> {
  const rows = await db.query<PushRow>(
    `SELECT r.name AS repo, e.host, e.received_at, e.event->>'ref' AS ref,
       e.event->>'defaultBranch' AS branch, e.event->>'before' AS before, e.event->>'after' AS after,
       ${pushForcedSql('e')} AS forced, e.event->>'totalCommits' AS total,
       cardinality(e.commits) AS listed,
       ARRAY(SELECT s FROM unnest(e.commits) WITH ORDINALITY AS u(s, n)
             WHERE NOT EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = e.repo_id AND c.sha = u.s)
               AND NOT EXISTS (SELECT 1 FROM checkpoints k WHERE k.repo_id = e.repo_id AND k.commit_sha = u.s)
             ORDER BY u.n) AS unsent
     FROM external_events e JOIN repos r ON r.id = e.repo_id
     WHERE e.repo_id = ANY($1::int[]) AND e.event_type = 'push'
       AND e.event->>'ref' = 'refs/heads/' || (e.event->>'defaultBranch')
       AND ($2::timestamptz IS NULL OR e.received_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR e.received_at < $3::timestamptz)
     ORDER BY e.received_at, e.id`,
    [repoIds, period.since ?? null, period.until ?? null],
  );
  return rows.rows.map((r) => ({
    repo: r.repo,
    host: r.host,
    time: new Date(r.received_at).toISOString(),
    branch: r.branch,
    before: r.before,
    after: r.after,
    // Not known yet (GitLab, before trail push sent the new head) is not a finding.
    forced: r.forced === true,
    unsent: r.unsent,
    truncated: r.total !== null && Number(r.total) > Number(r.listed),
  }));
}

/** A code host's push that named a commit, as the commit page shows it. */
export interface HostReport {
  repo: string;
  host: string;
  ref: string;
  /** When the server received the delivery. */
  time: string;
  /** Whether the push rewrote the branch; null while that cannot be told (forced-pushes.ts). */
  forced: boolean | null;
}

/**
 * The pushes code hosts reported naming this full commit id in these repositories (null:
 * every one) where `trail push` never sent it, oldest first: what the server knows of an
 * unsent commit. (A merge that was sent is not listed: it is known, and needs no checkpoint.)
 */
export async function unsentReportsOf(
  db: Queryable,
  repoIds: readonly number[] | null,
  sha: string,
): Promise<HostReport[]> {
  const rows = await db.query<{
    repo: string;
    host: string;
    ref: string;
    received_at: Date | string;
    forced: boolean | null;
  }>(
    `SELECT r.name AS repo, e.host, e.event->>'ref' AS ref, e.received_at,
       ${pushForcedSql('e')} AS forced
     FROM external_events e JOIN repos r ON r.id = e.repo_id
     WHERE e.event_type = 'push' AND e.commits @> ARRAY[$2::text]
       AND ($1::int[] IS NULL OR e.repo_id = ANY($1::int[]))
       AND NOT EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = e.repo_id AND c.sha = $2)
     ORDER BY e.received_at, e.id LIMIT 20`,
    [repoIds, sha],
  );
  return rows.rows.map((r) => ({
    repo: r.repo,
    host: r.host,
    ref: r.ref,
    time: new Date(r.received_at).toISOString(),
    forced: r.forced,
  }));
}

/**
 * The commit a branch was at by the code host's latest push webhook for it, if one came in:
 * what a GitLab merge request's approval is measured against, since its payload names the
 * target branch and not a commit (review-coverage.ts). Undefined where the host reported no
 * push of the branch, or its latest push deleted it.
 */
export async function branchTipByHostPush(
  db: Queryable,
  repoId: number,
  host: string,
  branch: string,
): Promise<string | undefined> {
  const ref = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
  const latest = await db.query<{ after: string | null }>(
    `SELECT e.event->>'after' AS after FROM external_events e
     WHERE e.repo_id = $1 AND e.host = $2 AND e.event_type = 'push' AND e.event->>'ref' = $3
     ORDER BY e.id DESC LIMIT 1`,
    [repoId, host, ref],
  );
  const after = latest.rows[0]?.after;
  return after && FULL_SHA.test(after) && !ZERO_SHA.test(after) ? after : undefined;
}
