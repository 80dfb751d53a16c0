/**
 * API tokens, roles and scopes.
 *
 * A token is 32 random bytes (`trail_<base64url>`), shown once when created; the database
 * keeps only its SHA-256, so a copy of the database grants nothing. Each token has one role
 * and an optional scope: a list of organisations and/or repositories it may touch (none
 * means all). A repository's organisation is the first segment of its name (`acme/api` is
 * in `acme`).
 *
 * Roles grant permissions (PERMISSIONS below):
 * - ingest:   push a repository's ledger and keys, and pull it back (developer clones, CI);
 * - reviewer: read checkpoints, their detail, blame and stats;
 * - auditor:  everything a reviewer reads, plus reports, ledger status, alerts, access log
 *             and pulling logs; never writes;
 * - admin:    everything, plus creating and revoking tokens, webhook secrets and the purge.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/hash.js';
import type { Queryable } from './db/database.js';
import { ApiError } from './errors.js';

export const ROLES = ['admin', 'auditor', 'reviewer', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'ingest' | 'pull' | 'read' | 'report' | 'ledger' | 'access-log' | 'admin';

export const PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['ingest', 'pull', 'read', 'report', 'ledger', 'access-log', 'admin'],
  auditor: ['pull', 'read', 'report', 'ledger', 'access-log'],
  reviewer: ['read'],
  ingest: ['ingest', 'pull'],
};

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  /** Organisations in scope; null for all. */
  orgs: string[] | null;
  /** Repositories in scope; null for all (within `orgs`). */
  repos: string[] | null;
}

export interface RepoRef {
  id: number;
  name: string;
  org: string;
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

export function can(token: TokenInfo, permission: Permission): boolean {
  return PERMISSIONS[token.role].includes(permission);
}

export function requirePermission(token: TokenInfo, permission: Permission): void {
  if (!can(token, permission)) {
    throw new ApiError('forbidden', `a ${token.role} token may not ${describe(permission)}`);
  }
}

function describe(permission: Permission): string {
  switch (permission) {
    case 'ingest':
      return 'push ledger entries or keys';
    case 'pull':
      return 'pull ledger entries';
    case 'read':
      return 'read audit records';
    case 'report':
      return 'generate reports';
    case 'ledger':
      return 'read ledger status or alerts';
    case 'access-log':
      return 'read the access log';
    case 'admin':
      return 'administer the server';
  }
}

export function orgOf(repoName: string): string {
  const slash = repoName.indexOf('/');
  return slash < 0 ? '' : repoName.slice(0, slash);
}

/** Whether a repository (by name) is inside the token's scope. */
export function inScope(token: TokenInfo, repoName: string): boolean {
  if (token.orgs && !token.orgs.includes(orgOf(repoName))) return false;
  if (token.repos && !token.repos.includes(repoName)) return false;
  return true;
}

export function requireScope(token: TokenInfo, repoName: string): void {
  if (!inScope(token, repoName)) {
    throw new ApiError('forbidden', `this token's scope does not include repository ${repoName}`);
  }
}

export function isGlobal(token: TokenInfo): boolean {
  return token.orgs === null && token.repos === null;
}

export interface NewToken {
  name: string;
  role: Role;
  orgs?: string[] | null;
  repos?: string[] | null;
  expiresAt?: string | null;
}

/** Creates a token and returns its secret: the only time the secret exists outside the caller. */
export async function createToken(
  db: Queryable,
  spec: NewToken,
  createdBy: string | null,
): Promise<{ id: string; token: string }> {
  const token = `trail_${randomBytes(32).toString('base64url')}`;
  const id = `tok_${randomBytes(8).toString('hex')}`;
  await db.query(
    `INSERT INTO api_tokens (id, name, role, orgs, repos, token_hash, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)`,
    [
      id,
      spec.name,
      spec.role,
      spec.orgs ?? null,
      spec.repos ?? null,
      hashToken(token),
      createdBy,
      spec.expiresAt ?? null,
    ],
  );
  return { id, token };
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  orgs: string[] | null;
  repos: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** The token named by an `Authorization: Bearer` header, or a 401 saying what is wrong. */
export async function authenticate(db: Queryable, header: string | undefined, now: Date): Promise<TokenInfo> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) {
    throw new ApiError('unauthorized', 'this route needs an API token: send "Authorization: Bearer <token>"');
  }
  const result = await db.query<TokenRow>(
    'SELECT id, name, role, orgs, repos, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1',
    [hashToken(match[1]!)],
  );
  const row = result.rows[0];
  if (!row) throw new ApiError('unauthorized', 'the API token is not known to this server');
  if (row.revoked_at) throw new ApiError('unauthorized', `API token ${row.id} was revoked`);
  if (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime()) {
    throw new ApiError('unauthorized', `API token ${row.id} expired`);
  }
  return { id: row.id, name: row.name, role: row.role, orgs: row.orgs, repos: row.repos };
}

/**
 * Creates the first admin token when the server has none, and returns its secret so
 * `trail serve` can print it once. Returns undefined when tokens already exist.
 */
export async function ensureAdminToken(db: Queryable): Promise<{ id: string; token: string } | undefined> {
  const existing = await db.query<{ n: number }>('SELECT count(*) AS n FROM api_tokens');
  if (Number(existing.rows[0]?.n ?? 0) > 0) return undefined;
  return createToken(db, { name: 'bootstrap admin', role: 'admin' }, null);
}

/** Buckets held before the first sweep of full ones (see RateLimiter.sweep). */
const SWEEP_AT = 10_000;

/**
 * A token bucket per key (a token, a client address): `burst` requests at once, refilled at
 * `perSecond`. In memory, per server process; enough to stop one runaway client from
 * starving the others.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweepAt = SWEEP_AT;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one request from the key's bucket; returns seconds to wait, or 0 when allowed. */
  take(key: string, nowMs: number): number {
    if (this.buckets.size >= this.sweepAt) this.sweep(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  /**
   * Forgets the buckets that have filled up again, which is the same as having none: keys
   * that come from clients (addresses) would otherwise grow the map without end. The next
   * sweep waits until the map has doubled, so a crowd of busy keys costs one pass per
   * doubling, not one per request.
   */
  private sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(key);
    }
    this.sweepAt = Math.max(SWEEP_AT, this.buckets.size * 2);
  }
}
