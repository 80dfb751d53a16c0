/**
 * Writing the access log: one `access_log` row per `/api/v1` request, after it is answered,
 * with who asked, which route, the status, and what it read. A request naming a repository
 * (in its path, its body or `?repo=`) is logged under that one (`repo`). A read over several
 * repositories (a search, stats, ledger status, alerts, a report or a commit lookup without
 * `?repo=`) names every repository it ranged over (`repos`, migration 9), so that an auditor
 * scoped to one of them finds it there (routes/admin.ts, `GET /access-log?repo=`).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app.js';
import type { RepoRef, TokenInfo } from './auth.js';
import type { Database, Queryable } from './db/database.js';
import { queryText } from './http.js';
import { reposInScope } from './repos.js';

/** What `auditRepos` holds for a read by an unscoped token: every repository on the server. */
export const ALL_REPOSITORIES = 'all';

/**
 * The repositories a request's `?repo=` lets it read (reposInScope: the one named, or every
 * one in the token's scope, null for all), recorded for the access log as what it read.
 */
export async function reposToRead(c: Context<AppEnv>, db: Queryable): Promise<RepoRef[] | null> {
  const named = queryText(c, 'repo', 200);
  const scoped = await reposInScope(db, c.get('token'), named);
  if (named) c.set('auditRepo', named);
  else c.set('auditRepos', scoped ? scoped.map((r) => r.name) : ALL_REPOSITORIES);
  return scoped;
}

/** The middleware that writes each request's row once the request has been answered. */
export function accessLog(db: Database): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const token = c.get('token') as TokenInfo | undefined;
    const across = c.get('auditRepos') as readonly string[] | typeof ALL_REPOSITORIES | undefined;
    await db
      .query(
        // An unscoped token's read ranged over every repository: named here, in the same
        // statement, rather than looked up again by the route that did not need their names.
        `INSERT INTO access_log (token_id, method, route, path, repo, repos, status)
         VALUES ($1, $2, $3, $4, $5,
           CASE WHEN $6::boolean THEN (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM repos)
             ELSE $7::text[] END,
           $8)`,
        [
          token?.id ?? null,
          c.req.method,
          c.req.routePath,
          c.req.path.slice(0, 2048),
          (c.get('auditRepo') as string | undefined) ?? c.req.query('repo') ?? null,
          across === ALL_REPOSITORIES,
          Array.isArray(across) ? across : null,
          c.res.status,
        ],
      )
      .catch((error: unknown) => {
        console.error(`trail serve: could not write the access log: ${(error as Error).message}`);
      });
  };
}
