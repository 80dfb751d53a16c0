/**
 *   GET /api/v1/repos/:repo/blame?commit=<sha>&path=<file>
 *
 * Who wrote each line of a file at a commit, from the attribution spans of that commit's
 * checkpoint. The server holds records, not file contents, so it answers for the line
 * ranges the checkpoint recorded (`coverage: "recorded-ranges"`); lines it has no span for
 * are simply absent, never guessed.
 */
import type { AppDeps, TrailApp } from '../app.js';
import { requirePermission } from '../auth.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { checkSha, queryText, storedFromLine } from '../http.js';
import { repoForRequest } from '../repos.js';

/** Most lines one answer expands spans into. */
const MAX_LINES = 200_000;

export function register(app: TrailApp, { db }: AppDeps): void {
  app.get('/api/v1/repos/:repo/blame', async (c) => {
    const token = c.get('token');
    c.set('auditRepo', c.req.param('repo'));
    requirePermission(token, 'read');
    const repo = await repoForRequest(db, token, c.req.param('repo'));
    const commit = checkSha(c.req.query('commit'), 'query parameter commit');
    const path = queryText(c, 'path', 4096);
    if (!path) throw badRequest('query parameter path is required');
    const found = await db.query<{ writer_id: string; seq: number; record_id: string; line: string }>(
      `SELECT e.writer_id, e.seq, e.record_id, e.line FROM checkpoints c
       JOIN ledger_entries e ON e.repo_id = c.repo_id AND e.writer_id = c.writer_id AND e.seq = c.seq
       WHERE c.repo_id = $1 AND c.commit_sha = $2 ORDER BY c.time DESC, c.writer_id, c.seq LIMIT 1`,
      [repo.id, commit],
    );
    if (!found.rows[0]) throw notFound(`no checkpoint for commit ${commit} in ${repo.name}`);
    const stored = storedFromLine(found.rows[0]);
    if (stored.record.kind !== 'checkpoint')
      throw new Error('checkpoint row points at a non-checkpoint entry');
    const checkpoint = stored.record;
    const spans = checkpoint.attribution[path];
    if (!spans) {
      throw notFound(`checkpoint ${stored.id.slice(0, 12)} records no line attribution for ${path}`);
    }
    const sessions = new Map(checkpoint.sessions.map((s) => [s.sessionId, s]));
    const lines: Array<{
      line: number;
      origin: string;
      sessionId: string | null;
      agent: string | null;
      model: string | null;
    }> = [];
    for (const span of [...spans].sort((a, b) => a.start - b.start)) {
      if (span.end < span.start) continue;
      if (lines.length + (span.end - span.start + 1) > MAX_LINES) {
        throw new ApiError(
          'payload-too-large',
          `the attribution of ${path} spans more than ${MAX_LINES} lines`,
        );
      }
      const session = span.sessionId ? sessions.get(span.sessionId) : undefined;
      for (let line = span.start; line <= span.end; line++) {
        lines.push({
          line,
          origin: span.origin,
          sessionId: span.sessionId ?? null,
          agent: session?.agent ?? null,
          model: session?.model ?? null,
        });
      }
    }
    const file = checkpoint.files.find((f) => f.path === path);
    return c.json({
      repo: repo.name,
      commit,
      path,
      checkpoint: stored.id,
      coverage: 'recorded-ranges',
      file: file ?? null,
      ranges: spans,
      lines,
    });
  });
}
