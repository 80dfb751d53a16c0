/**
 * Agent sessions, listed and shown whole:
 *
 *   GET /api/v1/sessions?repo&since&until&agent&model&carried=none|some&limit&cursor
 *                                      the sessions the token can read, newest first: each
 *                                      with its agent, model, requester, when it was first and
 *                                      last recorded, and how many checkpoints carried it
 *                                      (`carried=none`: the sessions sealed alone, which changed
 *                                      nothing); since/until bound when it was first recorded;
 *                                      agent/model match its newest record's exactly;
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

export function register(app: TrailApp, { db }: AppDeps): void {
  app.get('/api/v1/sessions', async (c) => {
    requirePermission(c.get('token'), 'read');
    const repos = await reposToRead(c, db);
    if (repos && repos.length === 0) return c.json({ nextCursor: null, sessions: [] });
    const limit = queryInt(c, 'limit', 50, 1, 500);
    const carried = queryChoice(c, 'carried', ['none', 'some'] as const);
    const params: unknown[] = [repos ? repos.map((r) => r.id) : null];
    const since = queryTime(c, 'since');
    const until = queryTime(c, 'until');
    const having: string[] = [];
    if (since) {
      params.push(since);
      having.push(`min(s.time) >= $${params.length}::timestamptz`);
    }
    if (until) {
      params.push(until);
      having.push(`min(s.time) < $${params.length}::timestamptz`);
    }
    const listed: string[] = [];
    // As the list shows them: the newest record's agent and model (a resumed session may
    // have changed model since).
    const agent = queryText(c, 'agent', 128);
    const model = queryText(c, 'model', 256);
    if (agent) {
      params.push(agent);
      listed.push(`listed.agent = $${params.length}`);
    }
    if (model) {
      params.push(model);
      listed.push(`listed.model = $${params.length}`);
    }
    // Whether a checkpoint carried a session is asked of every session only to filter by it;
    // how many did is counted for the page's rows alone.
    const carriedBy = `EXISTS (SELECT 1 FROM checkpoints k
      WHERE k.repo_id = listed.repo_id AND k.session_ids @> ARRAY[listed.session_id])`;
    if (carried === 'none') listed.push(`NOT ${carriedBy}`);
    if (carried === 'some') listed.push(carriedBy);
    const cursor = queryText(c, 'cursor', 2048);
    if (cursor) {
      const [time, repoName, sessionId] = decodeCursor(cursor, [
        (v) => v.length <= 200,
        (v) => v.length <= 512,
      ]);
      params.push(time, repoName, sessionId);
      const [t, r, id] = [params.length - 2, params.length - 1, params.length];
      listed.push(
        `(last_seen < $${t}::timestamptz OR (last_seen = $${t}::timestamptz AND (repo, session_id) > ($${r}, $${id})))`,
      );
    }
    params.push(limit + 1);
    // One row per session of a repository (a session is recorded again as it ends, or as a
    // later commit carries it): its newest record's agent, model and requester.
    const rows = await db.query<SessionRow>(
      `SELECT page.*, (SELECT count(*) FROM checkpoints k
           WHERE k.repo_id = page.repo_id AND k.session_ids @> ARRAY[page.session_id]) AS checkpoints
       FROM (
         SELECT * FROM (
           SELECT s.repo_id, r.name AS repo, s.session_id,
             (array_agg(s.agent ORDER BY s.time DESC, s.seq DESC))[1] AS agent,
             (array_agg(s.model ORDER BY s.time DESC, s.seq DESC))[1] AS model,
             (array_agg(s.requester ORDER BY s.time DESC, s.seq DESC))[1] AS requester,
             min(s.time) AS first_seen, max(s.time) AS last_seen, max(s.time)::text AS last_seen_text
           FROM sessions s JOIN repos r ON r.id = s.repo_id
           WHERE $1::int[] IS NULL OR s.repo_id = ANY($1::int[])
           GROUP BY s.repo_id, r.name, s.session_id
           ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
         ) listed
         ${listed.length > 0 ? `WHERE ${listed.join(' AND ')}` : ''}
         ORDER BY last_seen DESC, repo, session_id LIMIT $${params.length}
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
