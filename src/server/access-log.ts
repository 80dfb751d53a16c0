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
import { checkRepoName, reposInScope } from './repos.js';
import { storableText } from './storable.js';

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

/** One access_log row: who asked, how, what for, and the answer's status. */
export interface AccessRow {
  tokenId: string | null;
  method: string;
  route: string;
  path: string;
  /** The repository the request named, when it is a repository name. */
  repo?: string | null;
  /** The repositories a read ranged over, or ALL_REPOSITORIES; absent for none. */
  repos?: readonly string[] | typeof ALL_REPOSITORIES;
  status: number;
}

/** The longest text kept in a logged field (the path is the longest a client chooses). */
const MAX_LOGGED = 2048;

function loggable(text: string): string {
  return storableText(text).slice(0, MAX_LOGGED);
}

function repoName(name: string | null | undefined): string | null {
  if (!name) return null;
  try {
    return checkRepoName(name);
  } catch {
    return null;
  }
}

function insertRow(db: Queryable, row: AccessRow): Promise<unknown> {
  return db.query(
    // An unscoped token's read ranged over every repository: named here, in the same
    // statement, rather than looked up again by the route that did not need their names.
    `INSERT INTO access_log (token_id, method, route, path, repo, repos, status)
     VALUES ($1, $2, $3, $4, $5,
       CASE WHEN $6::boolean THEN (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM repos)
         ELSE $7::text[] END,
       $8)`,
    [
      row.tokenId,
      row.method,
      row.route,
      row.path,
      row.repo ?? null,
      row.repos === ALL_REPOSITORIES,
      Array.isArray(row.repos) ? row.repos : null,
      row.status,
    ],
  );
}

/**
 * Writes one access_log row. Every text is made storable (a NUL in `?repo=%00` made the
 * insert fail and the row, for a read that succeeded, was lost) and cut to length, and a
 * repository is logged only under a valid name. Should the insert still fail, the row is
 * written again with only what the server itself chose (token, method, route, status): a
 * request is never answered without its row on account of what the client sent.
 */
export async function writeAccessLog(db: Queryable, row: AccessRow): Promise<void> {
  const clean: AccessRow = {
    tokenId: row.tokenId === null ? null : loggable(row.tokenId),
    method: loggable(row.method),
    route: loggable(row.route),
    path: loggable(row.path),
    repo: repoName(row.repo),
    repos: Array.isArray(row.repos) ? row.repos.map(repoName).filter((r) => r !== null) : row.repos,
    status: row.status,
  };
  try {
    await insertRow(db, clean);
  } catch (error) {
    console.error(
      `trail serve: could not write the access log: ${(error as Error).message}; writing the row without its path and repositories`,
    );
    await insertRow(db, { ...clean, path: clean.route, repo: null, repos: undefined }).catch(
      (again: unknown) => {
        console.error(`trail serve: could not write the access log: ${(again as Error).message}`);
      },
    );
  }
}

/** The middleware that writes each request's row once the request has been answered. */
export function accessLog(db: Database): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const token = c.get('token') as TokenInfo | undefined;
    await writeAccessLog(db, {
      tokenId: token?.id ?? null,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      repo: (c.get('auditRepo') as string | undefined) ?? c.req.query('repo'),
      repos: c.get('auditRepos') as readonly string[] | typeof ALL_REPOSITORIES | undefined,
      status: c.res.status,
    });
  };
}
