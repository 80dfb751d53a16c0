/**
 * The git graph the server holds: the commits `trail push` sent, each with its parents
 * (src/server/commits.ts). One walk over it, shared by the readers that ask what lies behind
 * a commit: whether a push rewrote its branch (forced-pushes.ts) and which commits a code
 * host's review of a pull request covers (review-coverage.ts).
 */

/**
 * A recursive CTE named `name`, one column `sha`: `start` (a SQL expression) and every commit
 * behind it through the parents of the commits repository `repo` (a SQL expression) holds.
 * A parent the server does not hold is still listed, and the walk ends there: a caller tells
 * such a gap from a held commit by looking the sha up in `commits`. `stopAt`, a condition over
 * the walked row `w`, ends the walk at the commits it holds for (they are listed, their
 * parents are not).
 *
 * Breadth first, and UNION keeps each commit once, so a merge's shared history is walked
 * once and an EXISTS over the walk stops at the nearest match. Each step is one primary-key
 * lookup per commit: a walk costs in proportion to the commits it reaches, which is the whole
 * history behind `start` unless `stopAt` or a gap ends it sooner.
 */
export function ancestorsCte(name: string, repo: string, start: string, stopAt?: string): string {
  const stop = stopAt ? ` WHERE NOT (${stopAt})` : '';
  return `${name}(sha) AS (
      SELECT ${start}
      UNION
      SELECT p.parent FROM ${name} w
        JOIN commits c ON c.repo_id = ${repo} AND c.sha = w.sha
        CROSS JOIN LATERAL unnest(c.parents) AS p(parent)${stop}
    )`;
}
