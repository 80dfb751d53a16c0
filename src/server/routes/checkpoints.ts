/**
 * Checkpoints, searched and shown whole:
 *
 *   GET /api/v1/checkpoints?repo&since&until&agent&model&author&requester&reviewer&status&path&commit&q&limit&cursor
 *   GET /api/v1/checkpoints/:id                the checkpoint with its sessions, events, reviews,
 *                                              tests, deployments and code-host events; 410
 *                                              when a retention purge removed it
 *
 * A checkpoint's reviews are those the server counts (review-trust.ts), as its status counts
 * them: `reviews` holds the ledger's that a key in force vouches for, `webhookReviews` the
 * code hosts' webhook reviews as review records (writer id `webhook:<host>`, in no writer's
 * log; a pull request's review for each of its commits, review-coverage.ts), and
 * `reviewsNotCounted` the ledger's set aside, each `{ review, why }`.
 *   GET /api/v1/repos/:repo/commits/:sha       the same, for the newest checkpoint of a commit
 *   GET /api/v1/commits/:sha?repo=             the commits `trail push` sent with this id (or prefix),
 *                                              else the code-host pushes that named it
 *
 * Search pages by keyset (time, id) so every page costs the same, however deep.
 */
import type { Context } from 'hono';
import { reposToRead } from '../access-log.js';
import type { AppDeps, TrailApp } from '../app.js';
import type { RepoRef, TokenInfo } from '../auth.js';
import { inScope, requirePermission } from '../auth.js';
import { pushedCommits } from '../commits.js';
import type { Database, Queryable } from '../db/database.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { unsentReportsOf } from '../host-pushes.js';
import {
  checkSha,
  decodeCursor,
  encodeCursor,
  FULL_SHA,
  queryInt,
  queryText,
  storedFromLine,
} from '../http.js';
import { trustedKeysOf } from '../key-approval.js';
import { isoTime } from '../ledger-state.js';
import { logsExistedBy } from '../log-stamps.js';
import { purgedCheckpointError } from '../purged-checkpoints.js';
import { repoForRequest } from '../repos.js';
import { refreshDueReviewStatus } from '../review-state.js';
import { countLedgerReviews, webhookReviews } from '../review-trust.js';
import { CHECKPOINTS_FROM, DECISION_SQL, filterFromQuery, filterSql, statusOf } from '../search.js';

interface CheckpointRow {
  repo: string;
  repo_id: number;
  writer_id: string;
  seq: number;
  record_id: string;
  commit_sha: string;
  time: Date;
  time_text: string;
  author: string | null;
  branch: string | null;
  agent: string | null;
  model: string | null;
  agents: string[];
  models: string[];
  session_ids: string[];
  paths: string[];
  ai_lines: number;
  human_lines: number;
  unknown_lines: number;
  summary: string | null;
  decision: string | null;
}

const COLUMNS = `r.name AS repo, c.repo_id, c.writer_id, c.seq, c.record_id, c.commit_sha, c.time,
  c.time::text AS time_text, c.author, c.branch, c.agent, c.model, c.agents, c.models, c.session_ids, c.paths,
  c.ai_lines, c.human_lines, c.unknown_lines, c.summary, ${DECISION_SQL} AS decision`;

export function checkpointSummary(row: CheckpointRow) {
  const ai = Number(row.ai_lines);
  const human = Number(row.human_lines);
  const unknown = Number(row.unknown_lines);
  const total = ai + human + unknown;
  return {
    id: row.record_id,
    repo: row.repo,
    writerId: row.writer_id,
    seq: Number(row.seq),
    commit: row.commit_sha,
    time: isoTime(row.time),
    author: row.author,
    branch: row.branch,
    agent: row.agent,
    model: row.model,
    agents: row.agents,
    models: row.models,
    sessions: row.session_ids,
    paths: row.paths.slice(0, 100),
    aiLines: ai,
    humanLines: human,
    unknownLines: unknown,
    aiShare: total === 0 ? null : ai / total,
    summary: row.summary,
    status: statusOf(row.decision),
  };
}

/** The checkpoint's detail, its reviews judged as of `now` (ms), as its status was. */
async function detail(db: Queryable, row: CheckpointRow, now: number) {
  const entry = await db.query<{ writer_id: string; seq: number; record_id: string; line: string }>(
    'SELECT writer_id, seq, record_id, line FROM ledger_entries WHERE repo_id = $1 AND writer_id = $2 AND seq = $3',
    [row.repo_id, row.writer_id, row.seq],
  );
  if (!entry.rows[0]) throw new ApiError('gone', `checkpoint ${row.record_id} was purged by retention`);
  const checkpoint = storedFromLine(entry.rows[0]);
  const related = await db.query<{
    writer_id: string;
    seq: number;
    record_id: string;
    kind: string;
    line: string;
  }>(
    `SELECT writer_id, seq, record_id, kind, line FROM ledger_entries
     WHERE repo_id = $1 AND (
       (session_id = ANY($2::text[]) AND kind IN ('session', 'event', 'capture-gap'))
       OR (commit_sha = $3 AND kind IN ('review', 'test-result', 'deployment', 'rollback'))
       OR (ref_id = $4 AND kind IN ('review', 'correction')))
     ORDER BY record_time, writer_id, seq LIMIT 20000`,
    [row.repo_id, row.session_ids, row.commit_sha, row.record_id],
  );
  const external = await db.query<{
    id: number;
    host: string;
    event_type: string;
    event: unknown;
    received_at: Date;
  }>(
    // The events naming the commit, and the reviews of a pull request it is a commit of.
    `SELECT id, host, event_type, event, received_at FROM external_events
     WHERE id IN (
       SELECT id FROM external_events WHERE repo_id = $1 AND commits @> ARRAY[$2]::text[]
       UNION SELECT rv.external_event_id FROM review_commits rc JOIN reviews rv ON rv.id = rc.review_id
         WHERE rc.repo_id = $1 AND rc.commit_sha = $2)
     ORDER BY received_at, id`,
    [row.repo_id, row.commit_sha],
  );
  const byKind = (kind: string) => related.rows.filter((r) => r.kind === kind).map(storedFromLine);
  const seen = new Set<string>();
  const once = <T extends { writerId: string; seq: number }>(list: T[]) =>
    list.filter((r) => {
      const key = `${r.writerId}/${r.seq}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const events = (type: string) =>
    external.rows
      .filter((e) => e.event_type === type)
      .map((e) => ({ id: Number(e.id), host: e.host, receivedAt: isoTime(e.received_at), event: e.event }));
  // Reviews as the status counts them (review-trust.ts): the ledger's a key in force vouches
  // for, the code hosts' webhook reviews, and the ledger's set aside, with why.
  const repoId = Number(row.repo_id);
  const [trustedKeys, hostReviews] = await Promise.all([
    trustedKeysOf(db, [repoId]),
    webhookReviews(db, [repoId], { commit: row.commit_sha, checkpoint: row.record_id }),
  ]);
  const { counted, setAside, onTimestamp } = countLedgerReviews(
    once(byKind('review')).map((stored) => ({ repoId, stored })),
    trustedKeys,
    now,
    await logsExistedBy(db, trustedKeys),
  );
  return {
    checkpoint: { ...checkpoint, repo: row.repo },
    summary: checkpointSummary(row),
    sessions: byKind('session'),
    events: byKind('event'),
    gaps: byKind('capture-gap'),
    reviews: counted,
    webhookReviews: hostReviews,
    reviewsNotCounted: setAside,
    // Counted only because an RFC 3161 timestamp shows they came before their key's revocation.
    reviewsOnTimestamp: Object.fromEntries(onTimestamp),
    tests: byKind('test-result'),
    deployments: byKind('deployment'),
    rollbacks: byKind('rollback'),
    corrections: byKind('correction'),
    codeHost: {
      reviews: events('review'),
      merges: events('merged'),
      deployments: events('deployment'),
      pushes: events('push'),
    },
  };
}

async function visibleCheckpoint(db: Queryable, token: TokenInfo, where: string, params: unknown[]) {
  const result = await db.query<CheckpointRow>(
    `SELECT ${COLUMNS} FROM ${CHECKPOINTS_FROM} WHERE ${where}
     ORDER BY c.time DESC, c.writer_id, c.seq LIMIT 20`,
    params,
  );
  return result.rows.find((r) => inScope(token, r.repo));
}

/**
 * The server's clock for a read of review status, once the status of any repository where a
 * revocation dated later has since come into force is written again (review-state.ts): the
 * list's status and the detail's counted reviews are then judged at the same time.
 */
async function statusCurrentAt(db: Database, now: () => Date): Promise<number> {
  const at = now().getTime();
  await refreshDueReviewStatus(db, at);
  return at;
}

export function register(app: TrailApp, { db, now }: AppDeps): void {
  app.get('/api/v1/checkpoints', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'read');
    const repos = await reposToRead(c, db);
    if (repos && repos.length === 0) return c.json({ checkpoints: [], nextCursor: null });
    await statusCurrentAt(db, now);
    const limit = queryInt(c, 'limit', 50, 1, 500);
    const params: unknown[] = [];
    const where = filterSql(filterFromQuery(c, repos), params);
    const cursor = queryText(c, 'cursor', 512);
    if (cursor) {
      const [time, id] = decodeCursor(cursor, [(text) => /^[0-9a-f]{64}$/.test(text)]) as [string, string];
      params.push(time, id);
      where.push(`(c.time, c.record_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    const result = await db.query<CheckpointRow>(
      `SELECT ${COLUMNS} FROM ${CHECKPOINTS_FROM}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY c.time DESC, c.record_id DESC LIMIT $${params.length}`,
      params,
    );
    const rows = result.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return c.json({
      checkpoints: rows.map(checkpointSummary),
      nextCursor: result.rows.length > limit && last ? encodeCursor([last.time_text, last.record_id]) : null,
    });
  });

  app.get('/api/v1/checkpoints/:id', async (c: Context) => {
    const token = c.get('token') as TokenInfo;
    requirePermission(token, 'read');
    const id = c.req.param('id')!;
    if (!/^[0-9a-f]{64}$/.test(id)) throw badRequest('a checkpoint id is 64 hex digits (its record id)');
    const repoName = queryText(c, 'repo', 200);
    let repos: RepoRef[] | null = null;
    if (repoName) repos = [await repoForRequest(db, token, repoName)];
    const params: unknown[] = [id];
    let where = 'c.record_id = $1';
    if (repos) {
      params.push(repos[0]!.id);
      where += ' AND c.repo_id = $2';
    }
    const at = await statusCurrentAt(db, now);
    const row = await visibleCheckpoint(db, token, where, params);
    if (!row) {
      throw (
        (await purgedCheckpointError(db, token, { recordId: id, repoId: repos?.[0]?.id })) ??
        notFound(`no checkpoint ${id} in the repositories this token can read`)
      );
    }
    c.set('auditRepo', row.repo);
    return c.json(await detail(db, row, at));
  });

  app.get('/api/v1/commits/:sha', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'read');
    const sha = c.req.param('sha');
    if (!/^[0-9a-f]{7,64}$/.test(sha)) throw badRequest('a commit id is 7 to 64 lower-case hex digits');
    const scoped = await reposToRead(c, db);
    const repoIds = scoped?.map((r) => r.id) ?? null;
    const commits = await pushedCommits(db, repoIds, sha);
    // A full id trail push never sent may still be known from a code host's push webhook.
    const reported =
      commits.length === 0 && FULL_SHA.test(sha) ? await unsentReportsOf(db, repoIds, sha) : [];
    return c.json({ commits, reported });
  });

  app.get('/api/v1/repos/:repo/commits/:sha', async (c) => {
    const token = c.get('token');
    c.set('auditRepo', c.req.param('repo'));
    requirePermission(token, 'read');
    const repo = await repoForRequest(db, token, c.req.param('repo'));
    const sha = checkSha(c.req.param('sha'), 'the commit');
    const at = await statusCurrentAt(db, now);
    const row = await visibleCheckpoint(db, token, 'c.repo_id = $1 AND c.commit_sha = $2', [repo.id, sha]);
    if (!row) {
      throw (
        (await purgedCheckpointError(db, token, { repoId: repo.id, commit: sha })) ??
        notFound(`no checkpoint for commit ${sha} in ${repo.name}`)
      );
    }
    return c.json(await detail(db, row, at));
  });
}
