/**
 * Administration and the access log:
 *
 *   POST /api/v1/admin/tokens                 create a token (its secret is in this answer only)
 *   GET  /api/v1/admin/tokens                 tokens within the admin's scope, without secrets
 *   POST /api/v1/admin/tokens/:id/revoke      revoke a token
 *   POST /api/v1/admin/webhook-secrets        set a code host's webhook secret (global, org or repo)
 *   POST /api/v1/admin/purge                  the logged retention purge of one repository
 *   POST /api/v1/admin/key-lock               lock or unlock a repository's key set
 *   POST /api/v1/admin/key-approvals          approve a key pushed after the lock
 *   GET  /api/v1/access-log?repo&token&since&limit   who read what, when
 *
 * A row of the access log concerns one repository (`repo`) or, for a read over several
 * without `?repo=`, each of the repositories it ranged over (`repos`, access-log.ts). A query
 * for a repository, and a scoped token's view, take the rows concerning any repository in
 * question; a scoped token sees only the names in its scope.
 *
 * An admin scoped to organisations or repositories can only hand out tokens, secrets and
 * purges inside its own scope.
 */
import type { Context } from 'hono';
import type { AppDeps, AppEnv, TrailApp } from '../app.js';
import type { NewToken, Role, TokenInfo } from '../auth.js';
import { createToken, inScope, isGlobal, ROLES, requirePermission, requireScope } from '../auth.js';
import { purgeBefore } from '../db/purge.js';
import { ApiError, badRequest, forbidden, notFound } from '../errors.js';
import { queryInt, queryText, queryTime, readJson } from '../http.js';
import { WRITER_ID } from '../ingest.js';
import { approveKey, setKeySetLock } from '../key-set-admin.js';
import { isoTime } from '../ledger-state.js';
import { checkRepoName, repoForRequest } from '../repos.js';
import { utcTime } from '../storable.js';

/** Whether `value` is text PostgreSQL can store (no NUL) of 1 to `max` characters. */
function isName(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0');
}

function stringList(value: unknown, name: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => isName(v, 200))) {
    throw badRequest(
      `${name} must be a non-empty list of names (1 to 200 characters, no NUL), or left out for all`,
    );
  }
  return value as string[];
}

/** An admin's time (a token's expiry, a purge's cutoff) in UTC, or a 400 that names it. */
function bodyTime(value: unknown, name: string, meaning = ''): string {
  const utc = typeof value === 'string' ? utcTime(value) : undefined;
  if (utc === undefined)
    throw badRequest(`${name} must be an ISO 8601 time in years 1 to 9999 (UTC)${meaning}`);
  return utc;
}

/** A token id as createToken makes them (auth.ts). */
const TOKEN_ID = /^tok_[0-9a-f]{16}$/;

/** Whether everything `spec` may touch is inside `admin`'s scope. */
function withinScope(admin: TokenInfo, spec: { orgs: string[] | null; repos: string[] | null }): boolean {
  if (isGlobal(admin)) return true;
  if (spec.repos) return spec.repos.every((r) => inScope(admin, r));
  if (spec.orgs && admin.repos === null && admin.orgs !== null) {
    const orgs = admin.orgs;
    return spec.orgs.every((o) => orgs.includes(o));
  }
  return false;
}

function parseTokenSpec(
  body: Record<string, unknown>,
): NewToken & { orgs: string[] | null; repos: string[] | null; expiresAsGiven: string | null } {
  const { name, role, expiresAt } = body;
  if (!isName(name, 256)) {
    throw badRequest('name must be a string of 1 to 256 characters, without NUL');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw badRequest(`role must be one of ${ROLES.join(', ')}`);
  }
  const repos = stringList(body.repos, 'repos');
  repos?.forEach(checkRepoName);
  return {
    name,
    role: role as Role,
    orgs: stringList(body.orgs, 'orgs'),
    repos,
    // Stored in UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601 allows. The
    // answer repeats the time as the admin wrote it, the same instant.
    expiresAt: expiresAt === undefined ? null : bodyTime(expiresAt, 'expiresAt'),
    expiresAsGiven: (expiresAt as string | undefined) ?? null,
  };
}

export function register(app: TrailApp, { db, now }: AppDeps): void {
  app.post('/api/v1/admin/tokens', async (c) => {
    const admin = c.get('token');
    requirePermission(admin, 'admin');
    const spec = parseTokenSpec(await readJson(c));
    // A token that has expired already could never be used: a typo in the year, most likely.
    if (spec.expiresAt && Date.parse(spec.expiresAt) <= now().getTime())
      throw badRequest(`expiresAt ${spec.expiresAsGiven} is not in the future`);
    if (!withinScope(admin, spec)) {
      throw forbidden(
        'a scoped admin can only create tokens scoped inside its own organisations or repositories',
      );
    }
    const created = await createToken(db, spec, admin.id);
    return c.json(
      {
        id: created.id,
        token: created.token,
        name: spec.name,
        role: spec.role,
        orgs: spec.orgs,
        repos: spec.repos,
        expiresAt: spec.expiresAsGiven,
      },
      201,
    );
  });

  app.get('/api/v1/admin/tokens', async (c) => {
    const admin = c.get('token');
    requirePermission(admin, 'admin');
    const result = await db.query<{
      id: string;
      name: string;
      role: Role;
      orgs: string[] | null;
      repos: string[] | null;
      created_at: Date;
      created_by: string | null;
      expires_at: Date | null;
      revoked_at: Date | null;
    }>(
      'SELECT id, name, role, orgs, repos, created_at, created_by, expires_at, revoked_at FROM api_tokens ORDER BY created_at, id',
    );
    const tokens = result.rows
      .filter((t) => withinScope(admin, t) || t.id === admin.id)
      .map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        orgs: t.orgs,
        repos: t.repos,
        createdAt: isoTime(t.created_at),
        createdBy: t.created_by,
        expiresAt: t.expires_at ? isoTime(t.expires_at) : null,
        revokedAt: t.revoked_at ? isoTime(t.revoked_at) : null,
      }));
    return c.json({ tokens });
  });

  app.post('/api/v1/admin/tokens/:id/revoke', async (c) => {
    const admin = c.get('token');
    requirePermission(admin, 'admin');
    const id = c.req.param('id');
    if (!TOKEN_ID.test(id))
      throw badRequest('a token id is tok_ and 16 hex digits (trail admin tokens list)');
    const found = await db.query<{ orgs: string[] | null; repos: string[] | null; revoked_at: Date | null }>(
      'SELECT orgs, repos, revoked_at FROM api_tokens WHERE id = $1',
      [id],
    );
    const row = found.rows[0];
    if (!row) throw notFound(`no token ${id}`);
    if (!withinScope(admin, row)) throw forbidden(`token ${id} is outside this admin's scope`);
    if (row.revoked_at) return c.json({ id, revokedAt: isoTime(row.revoked_at) });
    const at = now().toISOString();
    await db.query(
      'UPDATE api_tokens SET revoked_at = $2::timestamptz WHERE id = $1 AND revoked_at IS NULL',
      [id, at],
    );
    return c.json({ id, revokedAt: at });
  });

  app.post('/api/v1/admin/webhook-secrets', async (c) => {
    const admin = c.get('token');
    requirePermission(admin, 'admin');
    const body = await readJson(c);
    const { host, repo, org, secret } = body;
    if (host !== 'github' && host !== 'gitlab') throw badRequest('host must be github or gitlab');
    if (typeof secret !== 'string' || secret.length < 16 || secret.length > 1024) {
      throw badRequest('secret must be a string of 16 to 1,024 characters');
    }
    if (secret.includes('\0')) throw badRequest('secret must not hold a NUL character');
    if (repo !== undefined && org !== undefined) throw badRequest('give repo or org, not both');
    let scopeKind: 'global' | 'org' | 'repo' = 'global';
    let scope = '';
    if (typeof repo === 'string') {
      scopeKind = 'repo';
      scope = checkRepoName(repo);
      requireScope(admin, scope);
    } else if (typeof org === 'string' && org.length > 0) {
      if (!isName(org, 200))
        throw badRequest('org must be an organisation name of at most 200 characters, without NUL');
      scopeKind = 'org';
      scope = org;
      if (!withinScope(admin, { orgs: [org], repos: null }))
        throw forbidden(`organisation ${org} is outside this admin's scope`);
    } else if (!isGlobal(admin)) {
      throw forbidden('only an unscoped admin can set a server-wide webhook secret');
    }
    const result = await db.query<{ id: number }>(
      'INSERT INTO webhook_secrets (host, scope_kind, scope, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [host, scopeKind, scope, secret, admin.id],
    );
    return c.json({ id: Number(result.rows[0]!.id), host, scope: scopeKind, name: scope || null }, 201);
  });

  /** An admin request that names its repository in the body: a purge, a key-set change. */
  const adminRepo = async (c: Context<AppEnv>) => {
    const admin = c.get('token');
    requirePermission(admin, 'admin');
    const body = await readJson(c);
    if (typeof body.repo !== 'string') throw badRequest('repo is required');
    c.set('auditRepo', body.repo);
    return { admin, body, repo: await repoForRequest(db, admin, body.repo) };
  };

  app.post('/api/v1/admin/purge', async (c) => {
    const { admin, body, repo } = await adminRepo(c);
    const before = bodyTime(body.before, 'before', ': records older than it are purged');
    if (typeof body.reason !== 'string' || body.reason.trim().length === 0 || body.reason.includes('\0')) {
      throw badRequest('reason is required, without NUL: the purge log keeps why');
    }
    if (Date.parse(before) > now().getTime())
      throw new ApiError('invalid', 'before must not be in the future');
    const result = await purgeBefore(db, {
      repoId: repo.id,
      repoName: repo.name,
      cutoff: new Date(before).toISOString(),
      reason: body.reason.slice(0, 4096),
      tokenId: admin.id,
    });
    return c.json({ repo: repo.name, ...result });
  });

  // Key-set locking (key-set-admin.ts).
  app.post('/api/v1/admin/key-lock', async (c) => {
    const { admin, body, repo } = await adminRepo(c);
    if (typeof body.locked !== 'boolean') {
      throw badRequest('locked must be true (keys pushed from now on wait for approval) or false');
    }
    return c.json({
      repo: repo.name,
      ...(await setKeySetLock(db, repo, body.locked, admin.id, now().getTime())),
    });
  });

  app.post('/api/v1/admin/key-approvals', async (c) => {
    const { admin, body, repo } = await adminRepo(c);
    if (typeof body.keyId !== 'string' || !WRITER_ID.test(body.keyId)) {
      throw badRequest('keyId must be a key id (32 hex digits, as trail keys list shows)');
    }
    return c.json({
      repo: repo.name,
      ...(await approveKey(db, repo, body.keyId, admin.id, now().getTime())),
    });
  });

  app.get('/api/v1/access-log', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'access-log');
    const repo = queryText(c, 'repo', 200);
    if (repo) requireScope(token, repo);
    const params: unknown[] = [];
    const where: string[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    /** Whether the row concerns a repository whose name satisfies `holds(name)`. */
    const concerns = (holds: (name: string) => string) =>
      `((${holds('repo')}) OR EXISTS (SELECT 1 FROM unnest(repos) AS across(name) WHERE ${holds('across.name')}))`;
    if (repo) {
      const named = p(repo);
      where.push(concerns((name) => `${name} = ${named}`));
    }
    const tokenId = queryText(c, 'token', 64);
    if (tokenId) where.push(`token_id = ${p(tokenId)}`);
    const since = queryTime(c, 'since');
    if (since) where.push(`at >= ${p(since)}::timestamptz`);
    // Scope in SQL, as inScope decides it, so LIMIT counts only rows this token may see: cut
    // first and filtered after, a scoped token got fewer than it asked for, or none.
    if (!isGlobal(token)) {
      const scopeRepos = token.repos ? p(token.repos) : undefined;
      const scopeOrgs = token.orgs ? p(token.orgs) : undefined;
      where.push(
        concerns((name) =>
          [
            ...(scopeRepos ? [`${name} = ANY(${scopeRepos}::text[])`] : []),
            ...(scopeOrgs
              ? [`strpos(${name}, '/') > 0 AND split_part(${name}, '/', 1) = ANY(${scopeOrgs}::text[])`]
              : []),
          ].join(' AND '),
        ),
      );
    }
    params.push(queryInt(c, 'limit', 100, 1, 1000));
    const result = await db.query<{
      id: number;
      token_id: string | null;
      method: string;
      route: string;
      path: string;
      repo: string | null;
      repos: string[] | null;
      status: number;
      at: Date;
    }>(
      `SELECT id, token_id, method, route, path, repo, repos, status, at FROM access_log
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const entries = result.rows.map((r) => ({
      id: Number(r.id),
      tokenId: r.token_id,
      method: r.method,
      route: r.route,
      path: r.path,
      repo: r.repo,
      // The names of a read over several repositories that this token may see, not the others.
      repos: r.repos ? r.repos.filter((name) => inScope(token, name)) : null,
      status: Number(r.status),
      at: isoTime(r.at),
    }));
    return c.json({ entries });
  });
}
