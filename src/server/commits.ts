/**
 * The git history and the policy a clone pushes beside its ledger, and what reports read of
 * them. Without them the server knows only commits that have a checkpoint, and judges by the
 * default policy: the commits nobody recorded, the first thing an auditor asks about, would
 * be invisible. `trail push` sends the commits of the default branch and the
 * `.trail/policy.yml` committed there. Merges are sent too: reports leave them out, as a
 * clone's own reports do, but a code host's push names them (src/server/host-pushes.ts).
 *
 * Both tables are append-only. A commit is stored once per repository (its sha is its
 * identity: re-sending it changes nothing); a policy is stored again only when its text
 * changed, so the rows say which policy was in force when. The policy push also carries
 * `trackedSince` from `.trail/config.json` (when Trail began tracking the repository), kept
 * in the same rows: the gaps report tells the history from before it, which no hook could
 * record, from a commit whose capture failed.
 */
import type { CommitInfo, Period } from '../core/change-facts.js';
import { TrailError } from '../core/errors.js';
import { parseIsoTime } from '../core/iso-time.js';
import type { Policy } from '../core/policy.js';
import { defaultPolicy, parsePolicy } from '../core/policy.js';
import { BUILTIN_RULES, redactTexts } from '../core/redact.js';
import type { RepoRef } from './auth.js';
import { recordGenerations } from './commit-generations.js';
import type { Database, Queryable } from './db/database.js';
import { badRequest, invalid } from './errors.js';
import { FULL_SHA } from './http.js';
import { coverReviewsWaitingFor } from './review-coverage.js';
import { lockRepoReviews, refreshReviewStatus } from './review-state.js';
import { storableText, storableTime } from './storable.js';

/** Commits per request: a push sends more in several. */
export const MAX_COMMITS_PER_REQUEST = 2000;
/**
 * Paths accepted per commit. A commit that vendors a whole tree can touch more: the clone
 * then sends the first ones (push-history.ts, cappedPaths), which show what it changed.
 */
export const MAX_PATHS = 100_000;

/**
 * A commit's text as it can be stored (storable.ts): a NUL or a lone surrogate is replaced,
 * not refused. Git's own output reaches us decoded, so neither comes from a real clone's
 * history, but a commit refused here would be sent again by every later `trail push` and
 * fail it, as an unstorable record would fail every push of its log. The sha, not this
 * text, is the commit's identity; the stored text is what reports and the dashboard show.
 */
function text(value: unknown, where: string, max: number): string {
  if (typeof value !== 'string') throw badRequest(`${where} must be a string`);
  if (value.length > max) throw invalid(`${where} is longer than ${max} characters`);
  return storableText(value);
}

/**
 * The commits of a request body, checked field by field; the first fault is named. Dates
 * come back in UTC: git writes offsets up to ±23:59 (a commit dated +2300), PostgreSQL
 * reads only up to ±15:59.
 */
export function parseCommits(input: unknown): CommitInfo[] {
  if (!Array.isArray(input)) throw badRequest('"commits" must be an array of commits');
  if (input.length > MAX_COMMITS_PER_REQUEST)
    throw invalid(`at most ${MAX_COMMITS_PER_REQUEST} commits per request`);
  return input.map((value, i) => {
    const c = value as Partial<Record<keyof CommitInfo, unknown>> | null;
    const at = `commits[${i}]`;
    if (!c || typeof c !== 'object') throw badRequest(`${at} must be an object`);
    if (typeof c.sha !== 'string' || !FULL_SHA.test(c.sha)) throw invalid(`${at}.sha is not a commit id`);
    if (!Array.isArray(c.parents) || c.parents.some((p) => typeof p !== 'string' || !FULL_SHA.test(p)))
      throw invalid(`${at}.parents must be commit ids`);
    const date = text(c.date, `${at}.date`, 64);
    if (parseIsoTime(date) === undefined) throw invalid(`${at}.date is not an ISO 8601 time`);
    if (!Array.isArray(c.paths) || c.paths.length > MAX_PATHS)
      throw invalid(`${at}.paths must be an array of at most ${MAX_PATHS} paths`);
    return {
      sha: c.sha,
      parents: c.parents as string[],
      author: text(c.author, `${at}.author`, 512),
      authorEmail: text(c.authorEmail, `${at}.authorEmail`, 320),
      date: storableTime(date),
      subject: text(c.subject, `${at}.subject`, 4096),
      paths: c.paths.map((p, k) => text(p, `${at}.paths[${k}]`, 4096)),
    };
  });
}

/** Stores the commits not yet known for the repository; returns how many were new. */
export async function storeCommits(
  db: Database,
  repo: RepoRef,
  commits: readonly CommitInfo[],
  tokenId: string,
  /** The writer key that signed the push (push-signatures.ts), if it was signed. */
  signedBy?: string,
): Promise<{ received: number; added: number }> {
  if (commits.length === 0) return { received: 0, added: 0 };
  // A clone redacts with its repository's rules before it sends (push-history.ts); a client
  // that does not (an older clone, a script on the API) must not put a secret into this
  // append-only table, so the built-in rules run here whatever came in.
  const texts = commits.flatMap((c) => [c.author, c.authorEmail, c.subject, ...c.paths]);
  const clean = redactTexts(texts, BUILTIN_RULES);
  let at = 0;
  const redacted = commits.map((c) => {
    const [author, authorEmail, subject, ...paths] = clean.slice(at, at + 3 + c.paths.length) as [
      string,
      string,
      string,
      ...string[],
    ];
    at += 3 + c.paths.length;
    return { ...c, author, authorEmail, subject, paths };
  });
  return db.transaction(async (tx) => {
    const result = await tx.query<{ sha: string }>(
      `INSERT INTO commits (repo_id, sha, parents, author, author_email, authored_at, subject, paths, token_id, signed_by)
       SELECT $1, x.sha, ARRAY(SELECT json_array_elements_text(x.parents)), x.author, x."authorEmail",
              x.date::timestamptz, x.subject, x.paths::jsonb, $2, $4
       FROM json_to_recordset($3::json)
         AS x(sha text, parents json, author text, "authorEmail" text, date text, subject text, paths json)
       ON CONFLICT (repo_id, sha) DO NOTHING
       RETURNING sha`,
      [repo.id, tokenId, JSON.stringify(redacted), signedBy ?? null],
    );
    // A code host's review that arrived before these commits covers more of its pull request
    // now (review-coverage.ts): in the same transaction, so no status is left behind.
    const added = result.rows.map((r) => r.sha);
    if (added.length > 0) {
      // Under the review lock, which the walks that read generations take too.
      await lockRepoReviews(tx, repo.id);
      const stored = new Set(added);
      await recordGenerations(
        tx,
        repo.id,
        redacted.filter((c) => stored.has(c.sha)),
      );
    }
    const covered = await coverReviewsWaitingFor(tx, repo.id, added);
    await refreshReviewStatus(tx, repo.id, { commits: covered, checkpoints: [] });
    return { received: commits.length, added: added.length };
  });
}

/** `trackedSince` as sent (absent from an older clone's push: undefined), in UTC. */
function trackedSinceOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 64 || parseIsoTime(value) === undefined)
    throw invalid('"trackedSince" must be the ISO 8601 time of .trail/config.json\'s trackedSince');
  return storableTime(value);
}

/**
 * Records the repository's policy as read at `commit` (`text` null: no policy file there, so
 * the default applies), and when Trail began tracking it. A text that does not parse is
 * refused with the parser's message. `changed` says whether the policy text changed.
 */
export async function storePolicy(
  db: Database,
  repo: RepoRef,
  input: { commit: unknown; policy: unknown; trackedSince?: unknown },
  tokenId: string,
  /** The writer key that signed the push (push-signatures.ts), if it was signed. */
  signedBy?: string,
): Promise<{ changed: boolean }> {
  if (typeof input.commit !== 'string' || !FULL_SHA.test(input.commit))
    throw invalid('"commit" must be the commit the policy was read at');
  if (input.policy !== null && typeof input.policy !== 'string')
    throw badRequest('"policy" must be the text of .trail/policy.yml, or null for none');
  if (typeof input.policy === 'string') {
    if (input.policy.length > 256 * 1024) throw invalid('"policy" is longer than 256 KiB');
    try {
      parsePolicy(input.policy);
    } catch (error) {
      if (error instanceof TrailError) throw invalid(`"policy": ${error.message}`);
      throw error;
    }
  }
  const sentTrackedSince = trackedSinceOf(input.trackedSince);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`policy/${repo.id}`]);
    const newest = await tx.query<{ policy: string | null; tracked_since: Date | string | null }>(
      'SELECT policy, tracked_since FROM repo_policies WHERE repo_id = $1 ORDER BY id DESC LIMIT 1',
      [repo.id],
    );
    const current = newest.rows[0];
    const heldTrackedSince = current?.tracked_since
      ? new Date(current.tracked_since).toISOString()
      : undefined;
    // A push without it (an older clone) leaves the newest one in force.
    const trackedSince = sentTrackedSince ?? heldTrackedSince;
    const changed = current ? current.policy !== input.policy : input.policy !== null;
    // With no row yet, "no file" is what the server assumed anyway: nothing to record.
    if (!changed && trackedSince === heldTrackedSince) return { changed: false };
    await tx.query(
      `INSERT INTO repo_policies (repo_id, commit_sha, policy, token_id, signed_by, tracked_since)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
      [repo.id, input.commit, input.policy, tokenId, signedBy ?? null, trackedSince ?? null],
    );
    return { changed };
  });
}

/** A pushed commit with the repository it was pushed for. */
export interface PushedCommit extends CommitInfo {
  repo: string;
  /** The id of the commit's newest checkpoint on the server, or null: none. */
  checkpoint: string | null;
}

/** The pushed commits with this id (or id prefix) in these repositories (null: every one), merges left out. */
export async function pushedCommits(db: Queryable, repoIds: readonly number[] | null, sha: string) {
  const rows = await db.query<CommitRow & { repo: string; checkpoint: string | null }>(
    `SELECT r.name AS repo, c.sha, c.parents, c.author, c.author_email, c.authored_at, c.subject, c.paths,
       (SELECT k.record_id FROM checkpoints k WHERE k.repo_id = c.repo_id AND k.commit_sha = c.sha
        ORDER BY k.time DESC LIMIT 1) AS checkpoint
     FROM commits c JOIN repos r ON r.id = c.repo_id
     WHERE ($1::int[] IS NULL OR c.repo_id = ANY($1::int[])) AND c.sha LIKE $2
       AND cardinality(c.parents) < 2
     ORDER BY r.name, c.sha LIMIT 20`,
    [repoIds, `${sha}%`],
  );
  return rows.rows.map((r): PushedCommit => ({ repo: r.repo, ...commitOf(r), checkpoint: r.checkpoint }));
}

interface CommitRow {
  sha: string;
  parents: string[];
  author: string;
  author_email: string;
  authored_at: Date | string;
  subject: string;
  paths: string[] | string;
}

function commitOf(r: CommitRow): CommitInfo {
  return {
    sha: r.sha,
    parents: r.parents,
    author: r.author,
    authorEmail: r.author_email,
    date: new Date(r.authored_at).toISOString(),
    subject: r.subject,
    paths: typeof r.paths === 'string' ? (JSON.parse(r.paths) as string[]) : r.paths,
  };
}

/**
 * The pushed commits of these repositories authored in the period, oldest first. Merges are
 * kept on the server (a code host's push names them) but left out here, as a clone's own
 * reports leave them out: a merge has no checkpoint of its own.
 */
export async function commitsForReport(
  db: Queryable,
  repoIds: readonly number[],
  period: Period,
): Promise<CommitInfo[]> {
  const rows = await db.query<CommitRow>(
    `SELECT sha, parents, author, author_email, authored_at, subject, paths FROM commits
     WHERE repo_id = ANY($1::int[]) AND cardinality(parents) < 2
       AND ($2::timestamptz IS NULL OR authored_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR authored_at < $3::timestamptz)
     ORDER BY authored_at, sha`,
    [repoIds, period.since ?? null, period.until ?? null],
  );
  return rows.rows.map(commitOf);
}

export interface ReportPolicy {
  policy: Policy;
  /** Where the policy came from; absent for the default policy. */
  source?: string;
  /**
   * When Trail began tracking the repositories, as trail push sent it (ISO 8601, UTC); absent
   * when one of them never sent it. Over several, the earliest: a commit authored before it
   * was authored before its own repository was tracked.
   */
  trackedSince?: string;
}

/**
 * The policy reports over these repositories judge by: their newest pushed policy when they
 * all pushed the same one. When none was pushed, or they differ (no single policy can judge
 * them all: report on one repository for its own), the default applies.
 */
export async function policyForReport(
  db: Queryable,
  repos: ReadonlyArray<{ id: number; name: string }>,
): Promise<ReportPolicy> {
  const rows = await db.query<{
    repo_id: number;
    policy: string | null;
    tracked_since: Date | string | null;
  }>(
    `SELECT DISTINCT ON (repo_id) repo_id, policy, tracked_since FROM repo_policies
     WHERE repo_id = ANY($1::int[]) ORDER BY repo_id, id DESC`,
    [repos.map((r) => r.id)],
  );
  const byRepo = new Map(rows.rows.map((r) => [Number(r.repo_id), r]));
  const tracked = repos.map((r) => byRepo.get(r.id)?.tracked_since ?? null);
  const earliest =
    repos.length > 0 && tracked.every((t) => t !== null)
      ? { trackedSince: new Date(Math.min(...tracked.map((t) => new Date(t).getTime()))).toISOString() }
      : {};
  const texts = new Set(repos.map((r) => byRepo.get(r.id)?.policy ?? null));
  const [only] = texts;
  if (texts.size !== 1 || typeof only !== 'string') return { policy: defaultPolicy(), ...earliest };
  const name = repos.length === 1 ? `${repos[0]!.name} ` : '';
  return { policy: parsePolicy(only), source: `${name}.trail/policy.yml as last pushed`, ...earliest };
}
