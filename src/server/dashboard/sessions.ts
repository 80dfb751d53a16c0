/**
 * Dashboard sign-in sessions. Signing in exchanges an API token for an opaque session id in
 * an HttpOnly cookie; the token stays in this process's memory and is what every page's API
 * call is made with, so revoking the token ends the session on its next request. Scripts in
 * the page never see the token (HttpOnly), it never appears in a URL, and a session ends on
 * sign-out, after IDLE_MS without a request, after MAX_AGE_MS in any case, or when the
 * server restarts (sessions are not written anywhere), or when the store is full: a token
 * holds at most MAX_SESSIONS_PER_TOKEN sessions, and its least recently used one makes room.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../auth.js';

export const COOKIE = 'trail_session';
export const IDLE_MS = 8 * 60 * 60 * 1000;
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;
/**
 * Sessions one token may hold: a person on a few browsers and machines. Signing in once more
 * ends that token's least recently used session, so a token shared or leaked, signing in in
 * a loop, only ever evicts its own sessions, never another token's.
 */
export const MAX_SESSIONS_PER_TOKEN = 20;
/**
 * Sessions the server holds in all (memory: a few hundred bytes each). Reached only by 500
 * tokens at their cap; then the least recently used session of any token goes, the last
 * resort, rather than refusing every sign-in.
 */
export const MAX_SESSIONS = 10_000;

export interface DashboardSession {
  id: string;
  token: string;
  tokenId: string;
  tokenName: string;
  role: Role;
  createdAt: number;
  seenAt: number;
}

export class SessionStore {
  /** In order of last use, least recent first: a used session is moved to the end. */
  private readonly sessions = new Map<string, DashboardSession>();
  /** Each token's session ids, in the same order. */
  private readonly byToken = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  create(token: string, info: { id: string; name: string; role: Role }): DashboardSession {
    this.sweep();
    const own = this.byToken.get(info.id);
    if (own && own.size >= MAX_SESSIONS_PER_TOKEN) this.delete(own.values().next().value);
    if (this.sessions.size >= MAX_SESSIONS) this.delete(this.sessions.keys().next().value);
    const at = this.now();
    const session: DashboardSession = {
      id: randomBytes(32).toString('base64url'),
      token,
      tokenId: info.id,
      tokenName: info.name,
      role: info.role,
      createdAt: at,
      seenAt: at,
    };
    this.sessions.set(session.id, session);
    const ids = this.byToken.get(info.id) ?? new Set<string>();
    ids.add(session.id);
    this.byToken.set(info.id, ids);
    return session;
  }

  /** The live session for a cookie value, touched; undefined when unknown or expired. */
  get(id: string | undefined): DashboardSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (this.expired(session, at)) {
      this.delete(id);
      return undefined;
    }
    session.seenAt = at;
    // Moved to the end of both orders: the most recently used.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    const own = this.byToken.get(session.tokenId);
    own?.delete(id);
    own?.add(id);
    return session;
  }

  delete(id: string | undefined): void {
    if (!id) return;
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    const own = this.byToken.get(session.tokenId);
    own?.delete(id);
    if (own && own.size === 0) this.byToken.delete(session.tokenId);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** How many sessions a token holds. */
  countFor(tokenId: string): number {
    return this.byToken.get(tokenId)?.size ?? 0;
  }

  private expired(s: DashboardSession, at: number): boolean {
    return at - s.seenAt > IDLE_MS || at - s.createdAt > MAX_AGE_MS;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) if (this.expired(s, at)) this.delete(id);
  }
}
