/**
 * Runs the server: opens the database (PGlite in a data folder, or PostgreSQL from a URL),
 * applies migrations, creates the first admin token if there is none, and listens.
 */
import { join, resolve } from 'node:path';
import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
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

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(options.dataDir ?? '.trail-server');
  const owned = !options.db;
  const db =
    options.db ??
    (await openDatabase(
      options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir: join(dataDir, 'pgdata') },
    ));
  try {
    const migrationsApplied = await migrate(db);
    const admin = await ensureAdminToken(db);
    const app = createApp(db, options.config);
    const host = options.host ?? '127.0.0.1';
    const { server, port } = await new Promise<{ server: ServerType; port: number }>(
      (resolvePromise, reject) => {
        const s = serve({ fetch: app.fetch, port: options.port ?? 4000, hostname: host }, (info) =>
          resolvePromise({ server: s, port: info.port }),
        );
        s.once('error', reject);
      },
    );
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
    if (owned) await db.close().catch(() => {});
    throw error;
  }
}
