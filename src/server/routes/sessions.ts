/**
 * Agent sessions, listed and shown whole:
 *
 *   GET /api/v1/sessions?repo&since&until&agent&model&requester&carried=none|some&limit&cursor
 *                                      the sessions the token can read, newest first: each
 *                                      with its agent, model, requester, when it was first and
 *                                      last recorded, and how many checkpoints carried it
 *                                      (`carried=none`: the sessions sealed alone, which changed
 *                                      nothing); since/until bound when it was first recorded;
 *                                      agent/model/requester match its newest record's exactly;
 *                                      pages by keyset (`nextCursor`), as the checkpoints do
 *
 *   GET /api/v1/sessions/:id?repo=     the session's newest record, every event and capture gap
 *                                      it recorded, its usage, and the checkpoints that carried
 *                                      it (none for a session that changed nothing, sealed
 *                                      alone): the view `trail show <session> --json` gives
 *                                      (read/session-view.ts), with the repository's name
 *
 * A session id is its agent's (Claude Code's UUID, a Codex thread id), so two repositories may
 * hold one: with no `repo`, such an id is refused with 400 naming how many hold it.
 */
import { buildIndex } from '../../core/trail-index.js';
import { buildSessionView } from '../../read/session-view.js';
import { reposToRead } from '../access-log.js';
import type { AppDeps, TrailApp } from '../app.js';
import { requirePermission } from '../auth.js';
import type { Queryable } from '../db/database.js';
import { badRequest, notFound } from '../errors.js';
import {
  decodeCursor,
  encodeCursor,
  queryChoice,
  queryInt,
  queryText,
  queryTime,
  storedFromLine,
} from '../http.js';
import { isoTime } from '../ledger-state.js';

/** The most records one answer holds, as for a checkpoint's detail. */
const MAX_RECORDS = 20000;

type EntryRow = { writer_id: string; seq: number; record_id: string; line: string };

interface SessionRow {
  repo: string;
  session_id: string;
  agent: string | null;
  model: string | null;
  requester: string | null;
  first_seen: Date;
  last_seen: Date;
  /** last_seen as the database writes it, to the microsecond: the cursor's key. */
  last_seen_text: string;
  checkpoints: number | string;
}

/** The most session records in a period that sessionsWithRecordsIn reads before it gives up. */
const PERIOD_RECORDS = 20_000;

/**
 * The sessions with a record from `since` (if set) to before `until`, when there are no more
 * than PERIOD_RECORDS such records; undefined otherwise (the period is recent or long, and the
 * list's own walk finds its sessions sooner). A session first recorded in the period has its
 * first record there.
 */
async function sessionsWithRecordsIn(
  db: Queryable,
  repoIds: number[] | null,
  since: string | undefined,
  until: string,
): Promise<Array<{ repo_id: number; session_id: string }> | undefined> {
  const records = await db.query<{ repo_id: number; session_id: string }>(
    `SELECT repo_id, session_id FROM sessions
     WHERE time < $2::timestamptz AND ($3::timestamptz IS NULL OR time >= $3::timestamptz)
       AND ($1::int[] IS NULL OR repo_id = ANY($1::int[]))
     ORDER BY time DESC LIMIT ${PERIOD_RECORDS + 1}`,
    [repoIds, until, since ?? null],
  );
  if (records.rows.length > PERIOD_RECORDS) return undefined;
  const seen = new Map(records.rows.map((r) => [`${r.repo_id}\u0000${r.session_id}`, r]));
  return [...seen.values()];
}

export function register(app: TrailApp, { db }: AppDeps): void {
  app.get('/api/v1/sessions', async (c) => {
    requirePermission(c.get('token'), 'read');
    const repos = await reposToRead(c, db);
    if (repos && repos.length === 0) return c.json({ nextCursor: null, sessions: [] });
    const limit = queryInt(c, 'limit', 50, 1, 500);
    const carried = queryChoice(c, 'carried', ['none', 'some'] as const);
    const repoIds = repos ? repos.map((r) => r.id) : null;
    const params: unknown[] = [repoIds];
    const where: string[] = [];
    const add = (value: unknown) => `$${params.push(value)}`;
    // A session is recorded again as it ends, or as a later commit carries it: the list shows
    // its newest record (agent, model, requester, last seen) and its oldest record's time.
    const firstSeen = `(SELECT min(f.time) FROM sessions f
      WHERE f.repo_id = s.repo_id AND f.session_id = s.session_id)`;
    const since = queryTime(c, 'since');
    const until = queryTime(c, 'until');
    if (since) where.push(`${firstSeen} >= ${add(since)}::timestamptz`);
    if (until) where.push(`${firstSeen} < ${add(until)}::timestamptz`);
    // The walk below goes from the newest session down, so a period long past would walk every
    // session since. Those that began in it have a record in it: when few do, they are the
    // candidates instead.
    const began = until ? await sessionsWithRecordsIn(db, repoIds, since, until) : undefined;
    if (began) {
      where.push(
        `(s.repo_id, s.session_id) IN (SELECT * FROM unnest(${add(began.map((b) => b.repo_id))}::int[], ${add(began.map((b) => b.session_id))}::text[]))`,
      );
    }
    const agent = queryText(c, 'agent', 128);
    const model = queryText(c, 'model', 256);
    const requester = queryText(c, 'requester', 512);
    if (agent) where.push(`s.agent = ${add(agent)}`);
    if (model) where.push(`s.model = ${add(model)}`);
    if (requester) where.push(`s.requester = ${add(requester)}`);
    // The checkpoints that carried the session of `row`: filtered on for every candidate with
    // `carried`, counted for the page's rows alone.
    const carriers = (row: string) =>
      `FROM checkpoints k WHERE k.repo_id = ${row}.repo_id AND k.session_ids @> ARRAY[${row}.session_id]`;
    const carriedBy = `EXISTS (SELECT 1 ${carriers('s')})`;
    if (carried === 'none') where.push(`NOT ${carriedBy}`);
    if (carried === 'some') where.push(carriedBy);
    const cursor = queryText(c, 'cursor', 2048);
    if (cursor) {
      const [time, repoName, sessionId] = decodeCursor(cursor, [
        (v) => v.length <= 200,
        (v) => v.length <= 512,
      ]);
      const [t, r, id] = [add(time), add(repoName), add(sessionId)];
      where.push(
        `(s.time < ${t}::timestamptz OR (s.time = ${t}::timestamptz AND (r.name, s.session_id) > (${r}, ${id})))`,
      );
    }
    // Session records newest first, each kept only if no later record of its session exists:
    // the first limit + 1 kept are the page, read through sessions_time (migration 17) without
    // grouping every session in scope first.
    const rows = await db.query<SessionRow>(
      `SELECT page.*, (SELECT count(*) ${carriers('page')}) AS checkpoints
       FROM (
         SELECT s.repo_id, r.name AS repo, s.session_id, s.agent, s.model, s.requester,
           ${firstSeen} AS first_seen, s.time AS last_seen, s.time::text AS last_seen_text
         FROM sessions s JOIN repos r ON r.id = s.repo_id
         WHERE ($1::int[] IS NULL OR s.repo_id = ANY($1::int[]))
           AND NOT EXISTS (SELECT 1 FROM sessions n
             WHERE n.repo_id = s.repo_id AND n.session_id = s.session_id
               AND (n.time > s.time OR (n.time = s.time AND (n.seq, n.writer_id) > (s.seq, s.writer_id))))
           ${where.map((w) => `AND ${w}`).join(' ')}
         ORDER BY s.time DESC, r.name, s.session_id LIMIT ${add(limit + 1)}
       ) page
       ORDER BY last_seen DESC, repo, session_id`,
      params,
    );
    const page = rows.rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      nextCursor:
        rows.rows.length > limit && last
          ? encodeCursor([last.last_seen_text, last.repo, last.session_id])
          : null,
      sessions: page.map((r) => ({
        repo: r.repo,
        sessionId: r.session_id,
        agent: r.agent,
        model: r.model,
        requester: r.requester,
        firstSeen: isoTime(r.first_seen),
        lastSeen: isoTime(r.last_seen),
        checkpoints: Number(r.checkpoints),
      })),
    });
  });

  app.get('/api/v1/sessions/:id', async (c) => {
    requirePermission(c.get('token'), 'read');
    const id = c.req.param('id');
    if (id.length > 512 || /[\u0000-\u001f\u007f]/.test(id)) {
      throw badRequest('a session id is at most 512 characters, none of them a control character');
    }
    // The repositories in the token's scope (null: a token that reads all of them).
    const scoped = await reposToRead(c, db);
    const { rows: held } = await db.query<{ repo_id: number; name: string }>(
      `SELECT DISTINCT s.repo_id, r.name FROM sessions s JOIN repos r ON r.id = s.repo_id
       WHERE s.session_id = $1 AND ($2::int[] IS NULL OR s.repo_id = ANY($2::int[]))
       ORDER BY r.name`,
      [id, scoped ? scoped.map((r) => r.id) : null],
    );
    if (held.length === 0) throw notFound(`no session ${id} in the repositories this token can read`);
    if (held.length > 1) {
      throw badRequest(`session ${id} is in ${held.length} repositories: name one with ?repo=`);
    }
    const repo = held[0]!;
    c.set('auditRepo', repo.name);
    const [records, carriers] = await Promise.all([
      db.query<EntryRow>(
        `SELECT writer_id, seq, record_id, line FROM ledger_entries
         WHERE repo_id = $1 AND session_id = $2 AND kind IN ('session', 'event', 'capture-gap')
         ORDER BY record_time, writer_id, seq LIMIT ${MAX_RECORDS}`,
        [repo.repo_id, id],
      ),
      db.query<EntryRow>(
        `SELECT l.writer_id, l.seq, l.record_id, l.line FROM checkpoints k
           JOIN ledger_entries l ON l.repo_id = k.repo_id AND l.writer_id = k.writer_id AND l.seq = k.seq
         WHERE k.repo_id = $1 AND k.session_ids @> ARRAY[$2]::text[]
         ORDER BY k.time, k.writer_id, k.seq`,
        [repo.repo_id, id],
      ),
    ]);
    // In time order, so the newest of the session's records is the one the index keeps.
    const index = buildIndex([...carriers.rows, ...records.rows].map(storedFromLine));
    const session = index.sessions.get(id);
    if (!session) throw notFound(`no session ${id} in the repositories this token can read`);
    return c.json({ repo: repo.name, ...buildSessionView(index, session) });
  });
}
