/**
 *   GET /api/v1/stats?by=month|agent|model|repo&repo&since&until&agent&model&author&path&q...
 *
 * AI share of committed lines: AI lines over all attributed lines (AI + human + unknown) of
 * the checkpoints that match, grouped. A checkpoint with several sessions is counted under
 * its first session's agent and model (its primary one), so every line is counted once.
 * `checkpoints` counts AI changes: a checkpoint holding only a person's checks (`trail exec`)
 * adds its lines, as any hand-written commit's, but not to the count.
 */
import { PERSONS_CHECKS_LABEL } from '../../core/day-session.js';
import { reposToRead } from '../access-log.js';
import type { AppDeps, TrailApp } from '../app.js';
import { requirePermission } from '../auth.js';
import { queryChoice } from '../http.js';
import { refreshDueReviewStatus } from '../review-state.js';
import { CHECKPOINTS_FROM, filterFromQuery, filterSql } from '../search.js';

const GROUPS = {
  month: `to_char(date_trunc('month', c.time AT TIME ZONE 'UTC'), 'YYYY-MM')`,
  agent: `coalesce(c.agent, '(none)')`,
  model: `coalesce(c.model, '(none)')`,
  repo: 'r.name',
} as const;

type GroupBy = keyof typeof GROUPS;

interface Totals {
  checkpoints: number;
  aiLines: number;
  humanLines: number;
  unknownLines: number;
  aiShare: number | null;
}

function totals(row: { n: unknown; ai: unknown; human: unknown; unknown: unknown }): Totals {
  const ai = Number(row.ai ?? 0);
  const human = Number(row.human ?? 0);
  const unknown = Number(row.unknown ?? 0);
  const all = ai + human + unknown;
  return {
    checkpoints: Number(row.n ?? 0),
    aiLines: ai,
    humanLines: human,
    unknownLines: unknown,
    aiShare: all === 0 ? null : ai / all,
  };
}

export function register(app: TrailApp, { db, now }: AppDeps): void {
  app.get('/api/v1/stats', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'read');
    const by: GroupBy = queryChoice(c, 'by', Object.keys(GROUPS) as GroupBy[]) ?? 'month';
    const repos = await reposToRead(c, db);
    if (repos && repos.length === 0) {
      return c.json({ by, groups: [], total: totals({ n: 0, ai: 0, human: 0, unknown: 0 }) });
    }
    // The status filter reads review_status: current first, if a revocation came into force.
    await refreshDueReviewStatus(db, now().getTime());
    const params: unknown[] = [];
    const where = filterSql(filterFromQuery(c, repos), params);
    params.push(PERSONS_CHECKS_LABEL);
    // A checkpoint of a person's checks alone records a hand-written commit (core/day-session.ts):
    // its lines are committed lines, a person's, but it is no AI change to count.
    const aiChange = `c.agents <> ARRAY[$${params.length}]::text[]`;
    const result = await db.query<{ key: string; n: number; ai: number; human: number; unknown: number }>(
      `SELECT ${GROUPS[by]} AS key, count(*) FILTER (WHERE ${aiChange}) AS n, sum(c.ai_lines) AS ai, sum(c.human_lines) AS human,
         sum(c.unknown_lines) AS unknown
       FROM ${CHECKPOINTS_FROM}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY 1 ORDER BY 1`,
      params,
    );
    const groups = result.rows.map((row) => ({ key: row.key, ...totals(row) }));
    const sum = groups.reduce(
      (acc, g) => ({
        n: acc.n + g.checkpoints,
        ai: acc.ai + g.aiLines,
        human: acc.human + g.humanLines,
        unknown: acc.unknown + g.unknownLines,
      }),
      { n: 0, ai: 0, human: 0, unknown: 0 },
    );
    return c.json({ by, groups, total: totals(sum) });
  });
}
