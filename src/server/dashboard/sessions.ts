/**
 * Dashboard sign-in sessions. Signing in exchanges an API token for an opaque session id in
 * an HttpOnly cookie; the token stays in this process's memory and is what every page's API
 * call is made with, so revoking the token ends the session on its next request. Scripts in
 * the page never see the token (HttpOnly), it never appears in a URL, and a session ends on
 * sign-out, after IDLE_MS without a request, after MAX_AGE_MS in any case, or when the
 * server restarts (sessions are not written anywhere).
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../auth.js';

export const COOKIE = 'trail_session';
export const IDLE_MS = 8 * 60 * 60 * 1000;
export const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

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
  private readonly sessions = new Map<string, DashboardSession>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  create(token: string, info: { id: string; name: string; role: Role }): DashboardSession {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      // Map order is insertion order: the oldest session goes first.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
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
    return session;
  }

  /** The live session for a cookie value, touched; undefined when unknown or expired. */
  get(id: string | undefined): DashboardSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (at - session.seenAt > IDLE_MS || at - session.createdAt > MAX_AGE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.seenAt = at;
    return session;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) {
      if (at - s.seenAt > IDLE_MS || at - s.createdAt > MAX_AGE_MS) this.sessions.delete(id);
    }
  }
}
