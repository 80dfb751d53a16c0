/**
 * Checkpoint filters as SQL over the read model, shared by search and stats. Every filter
 * maps to an indexed predicate: time and repository to B-trees, agent, model, path and
 * session lists to GIN array indexes, free text to GIN tsvector indexes over checkpoint
 * summaries and session prompts, reviewer and requester to uncorrelated lookups, review
 * status to the review_status cache. The author (`Name <email>`) is the exception: any part of
 * it matches, ignoring case, checked on the rows the others leave.
 */
import type { Context } from 'hono';
import { PERSONS_CHECKS_LABEL } from '../core/day-session.js';
import type { RepoRef } from './auth.js';
import { badRequest } from './errors.js';
import { queryChoice, queryText, queryTime } from './http.js';

export const STATUSES = ['approved', 'pending', 'changes-requested'] as const;
export type ReviewStatus = (typeof STATUSES)[number];

export interface CheckpointFilter {
  /** Repositories to range over; null for all. */
  repos: RepoRef[] | null;
  since?: string;
  until?: string;
  agent?: string;
  model?: string;
  /** Any part of the author's `Name <email>`, ignoring case: a name, an email, a domain. */
  author?: string;
  requester?: string;
  reviewer?: string;
  status?: ReviewStatus;
  /** An exact path, or a folder when it ends with "/". */
  path?: string;
  commit?: string;
  text?: string;
}

export function filterFromQuery(c: Context, repos: RepoRef[] | null): CheckpointFilter {
  const commit = queryText(c, 'commit', 64);
  if (commit !== undefined && !/^[0-9a-f]{4,64}$/.test(commit)) {
    throw badRequest('query parameter commit must be hex digits of a commit id');
  }
  return {
    repos,
    since: queryTime(c, 'since'),
    until: queryTime(c, 'until'),
    agent: queryText(c, 'agent', 128),
    model: queryText(c, 'model', 256),
    author: queryText(c, 'author'),
    requester: queryText(c, 'requester'),
    reviewer: queryText(c, 'reviewer'),
    status: queryChoice(c, 'status', STATUSES),
    path: queryText(c, 'path', 4096),
    commit,
    text: queryText(c, 'q', 512),
  };
}

/**
 * Checkpoints with their repository and review status (`rs`): one primary-key lookup in
 * review_status, which holds the decision trail show's rule gives (server/review-state.ts).
 */
export const CHECKPOINTS_FROM = `checkpoints c JOIN repos r ON r.id = c.repo_id
  LEFT JOIN review_status rs ON rs.repo_id = c.repo_id AND rs.record_id = c.record_id`;

/** What the reviews of checkpoint `c` add up to: approve, request-changes, or null (pending). */
export const DECISION_SQL = 'rs.decision';

export function statusOf(decision: string | null): ReviewStatus {
  if (decision === 'approve') return 'approved';
  if (decision === 'request-changes') return 'changes-requested';
  return 'pending';
}

/**
 * A LIKE pattern matching `text` anywhere, taken literally: the wildcards `%` and `_`, and
 * the backslash, the escape character the clause names, each escaped with a backslash.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** WHERE clauses (joined with AND) and their parameters, numbered from `params.length + 1`. */
export function filterSql(filter: CheckpointFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  let repoIds: string | undefined;
  if (filter.repos) {
    repoIds = p(filter.repos.map((r) => r.id));
    where.push(`c.repo_id = ANY(${repoIds}::int[])`);
  }
  if (filter.since) where.push(`c.time >= ${p(filter.since)}::timestamptz`);
  if (filter.until) where.push(`c.time < ${p(filter.until)}::timestamptz`);
  if (filter.agent) where.push(`c.agents @> ARRAY[${p(filter.agent)}]::text[]`);
  if (filter.model) where.push(`c.models @> ARRAY[${p(filter.model)}]::text[]`);
  if (filter.author) where.push(`c.author ILIKE ${p(containsPattern(filter.author))} ESCAPE '\\'`);
  if (filter.commit) {
    where.push(
      filter.commit.length === 40 || filter.commit.length === 64
        ? `c.commit_sha = ${p(filter.commit)}`
        : `starts_with(c.commit_sha, ${p(filter.commit)})`,
    );
  }
  if (filter.path) {
    where.push(
      filter.path.endsWith('/')
        ? `EXISTS (SELECT 1 FROM unnest(c.paths) AS f(path) WHERE starts_with(f.path, ${p(filter.path)}))`
        : `c.paths @> ARRAY[${p(filter.path)}]::text[]`,
    );
  }
  const sessionRepo = repoIds ? ` AND s.repo_id = ANY(${repoIds}::int[])` : '';
  if (filter.requester) {
    where.push(
      `c.session_ids && ARRAY(SELECT s.session_id FROM sessions s WHERE s.requester = ${p(filter.requester)}${sessionRepo})`,
    );
  }
  if (filter.reviewer) {
    const reviewer = p(filter.reviewer);
    const reviewRepo = repoIds ? ` AND rv.repo_id = ANY(${repoIds}::int[])` : '';
    // A code host's review counts for every commit of its pull request (review-coverage.ts).
    where.push(`((c.repo_id, c.commit_sha) IN (SELECT rv.repo_id, rv.commit_sha FROM reviews rv WHERE rv.reviewer = ${reviewer}${reviewRepo})
      OR (c.repo_id, c.record_id) IN (SELECT rv.repo_id, rv.checkpoint_id FROM reviews rv WHERE rv.reviewer = ${reviewer}${reviewRepo})
      OR (c.repo_id, c.commit_sha) IN (SELECT rc.repo_id, rc.commit_sha FROM reviews rv JOIN review_commits rc ON rc.review_id = rv.id
        WHERE rv.reviewer = ${reviewer}${reviewRepo}))`);
  }
  if (filter.status === 'pending') {
    // As anti-joins rather than "IS NULL" over the outer joins, which Postgres estimates at
    // almost no rows and then answers with a full scan and sort.
    // A checkpoint of a person's checks alone records a hand-written commit (core/day-session.ts):
    // it awaits no review, as a hand-written commit without checks is not in the queue either.
    where.push(`NOT EXISTS (SELECT 1 FROM review_status x WHERE x.repo_id = c.repo_id AND x.record_id = c.record_id)
      AND c.agents <> ARRAY[${p(PERSONS_CHECKS_LABEL)}]::text[]`);
  } else if (filter.status) {
    where.push(`rs.decision = ${p(filter.status === 'approved' ? 'approve' : 'request-changes')}`);
  }
  if (filter.text) {
    const q = p(filter.text);
    const promptRepo = repoIds ? ` AND s.repo_id = ANY(${repoIds}::int[])` : '';
    where.push(`(c.tsv @@ websearch_to_tsquery('english', ${q})
      OR c.session_ids && ARRAY(SELECT s.session_id FROM prompts s WHERE s.tsv @@ websearch_to_tsquery('english', ${q})${promptRepo}))`);
  }
  return where;
}
