/**
 * Runs the server: opens the database (PGlite in a data folder, or PostgreSQL from a URL),
 * applies migrations, creates the first admin token if there is none, and listens.
 */
import { join, resolve } from 'node:path';
import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
import { TrailError } from '../core/errors.js';
import type { ServerConfig, TrailApp } from './app.js';
import { createApp } from './app.js';
import { ensureAdminToken } from './auth.js';
import type { Database } from './db/database.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrations.js';

export interface StartOptions {
  port?: number;
  host?: string;
  /** PGlite's folder (default `.trail-server/` in the current directory); ignored with a URL. */
  dataDir?: string;
  databaseUrl?: string;
  /** An already open database (tests, benchmarks); the server then does not close it. */
  db?: Database;
  config?: ServerConfig;
}

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  app: TrailApp;
  /** Where the data lives, for people: the PGlite folder or the PostgreSQL URL without credentials. */
  storage: string;
  /** The first admin token's secret, only on the start that created it. */
  adminToken?: string;
  migrationsApplied: number[];
  close(): Promise<void>;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgresql';
  }
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is in use (stop what holds it or choose another with --port)',
  EACCES: 'permission denied (ports below 1024 need privileges; choose another with --port)',
  EADDRNOTAVAIL: 'this machine has no such address (check --host)',
};

/** A port or address the person chose and cannot have is their mistake to fix: one line. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const reason = error.code ? LISTEN_REASONS[error.code] : undefined;
  if (!reason) return error;
  return new TrailError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${reason} [${error.code}]`, {
    cause: error,
  });
}

/**
 * A database the person pointed at that cannot be used (unreachable, refusing them, not
 * there) is theirs to fix: one line. Other database errors stay as they are: they are bugs.
 */
function databaseError(error: unknown, url: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return error;
  // Node's network errors (ECONNREFUSED, ENOTFOUND, ...) and SQLSTATE classes 08 (connection),
  // 28 (authorisation) and 3D (no such database).
  if (!/^E[A-Z]+$/.test(code) && !/^(08|28|3D)/.test(code)) return error;
  return new TrailError(
    'DATABASE_UNAVAILABLE',
    `cannot use the database at ${redactUrl(url)}: ${(error as Error).message} [${code}]`,
    { cause: error },
  );
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? '.trail-server');
  const owned = !options.db;
  const db =
    options.db ??
    (await openDatabase(
      options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir: join(dataDir, 'pgdata') },
    ));
  let listening: ServerType | undefined;
  try {
    const migrationsApplied = await migrate(db).catch((error: unknown) => {
      throw options.databaseUrl ? databaseError(error, options.databaseUrl) : error;
    });
    const app = createApp(db, options.config);
    const host = options.host ?? '127.0.0.1';
    const { server, port } = await new Promise<{ server: ServerType; port: number }>(
      (resolvePromise, reject) => {
        const s = serve({ fetch: app.fetch, port: options.port ?? 4000, hostname: host }, (info) =>
          resolvePromise({ server: s, port: info.port }),
        );
        s.once('error', (error: NodeJS.ErrnoException) =>
          reject(listenError(error, host, options.port ?? 4000)),
        );
      },
    );
    listening = server;
    // The one-time admin token is created only once the server listens: a first start that
    // fails before it can print the token (the port is taken) must not store a token nobody
    // ever sees, which would leave the server without an administrator.
    const admin = await ensureAdminToken(db);
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
      url: `http://${urlHost}:${port}`,
      port,
      db,
      app,
      storage: options.db
        ? `${db.kind} (opened by the caller)`
        : options.databaseUrl
          ? redactUrl(options.databaseUrl)
          : join(dataDir, 'pgdata'),
      adminToken: admin?.token,
      migrationsApplied,
      close: async () => {
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        if (owned) await db.close();
      },
    };
  } catch (error) {
    if (listening) await new Promise<void>((done) => listening!.close(() => done()));
    if (owned) await db.close().catch(() => {});
    throw error;
  }
}
