/** Repositories known to the server, looked up by name and filtered by a token's scope. */
import type { RepoRef, TokenInfo } from './auth.js';
import { inScope, isGlobal, orgOf, requireScope } from './auth.js';
import type { Queryable } from './db/database.js';
import { ApiError, badRequest } from './errors.js';

const REPO_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export function checkRepoName(name: string): string {
  if (name.length > 200 || !REPO_NAME.test(name) || name.split('/').some((s) => s.endsWith('.'))) {
    throw badRequest(
      `"${name.slice(0, 80)}" is not a repository name (letters, digits, . _ - and / between parts)`,
    );
  }
  return name;
}

function toRef(row: { id: number; name: string; org: string }): RepoRef {
  return { id: Number(row.id), name: row.name, org: row.org };
}

export async function findRepoByName(db: Queryable, name: string): Promise<RepoRef | undefined> {
  const result = await db.query<{ id: number; name: string; org: string }>(
    'SELECT id, name, org FROM repos WHERE name = $1',
    [name],
  );
  return result.rows[0] ? toRef(result.rows[0]) : undefined;
}

/** The repository a request names, after checking the token may see it (403) and it exists (404). */
export async function repoForRequest(db: Queryable, token: TokenInfo, name: string): Promise<RepoRef> {
  checkRepoName(name);
  requireScope(token, name);
  const repo = await findRepoByName(db, name);
  if (!repo) throw new ApiError('not-found', `no repository ${name} on this server (push to it first)`);
  return repo;
}

/** Finds or registers a repository (a first push, or a verified webhook). */
export async function ensureRepo(db: Queryable, name: string, createdBy: string | null): Promise<RepoRef> {
  checkRepoName(name);
  const found = await findRepoByName(db, name);
  if (found) return found;
  await db.query(
    'INSERT INTO repos (name, org, created_by) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
    [name, orgOf(name), createdBy],
  );
  const created = await findRepoByName(db, name);
  if (!created) throw new Error(`repository ${name} could not be registered`);
  return created;
}

/**
 * The repositories a query may range over: the one named (checked), or every repository in
 * the token's scope. `null` means "all", so a global token's query has no repository filter.
 */
export async function reposInScope(
  db: Queryable,
  token: TokenInfo,
  name: string | undefined,
): Promise<RepoRef[] | null> {
  if (name) return [await repoForRequest(db, token, name)];
  if (isGlobal(token)) return null;
  const all = await db.query<{ id: number; name: string; org: string }>(
    'SELECT id, name, org FROM repos ORDER BY name',
  );
  return all.rows.map(toRef).filter((r) => inScope(token, r.name));
}
