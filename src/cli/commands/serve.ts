/**
 * `trail serve`: the organisation's Trail server. PGlite in a data folder by default
 * (`.trail-server/`), PostgreSQL with `--database-url` or DATABASE_URL. The first start
 * prints a one-time admin token; only its hash is stored. Runs until SIGINT or SIGTERM.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { ensureFolder } from '../files.js';
import { printJson, say } from '../output.js';

/** Emitting 'stop' here ends a running `trail serve` as a signal would (used by tests). */
export const serveControl = new EventEmitter();

interface ServeOptions {
  port: string;
  host: string;
  data?: string;
  databaseUrl?: string;
  json?: boolean;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('serve')
    .description('run the Trail server: ingest, witness ledgers, search, reports, webhooks')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'PGlite data folder (default .trail-server/ here)')
    .option('--database-url <url>', 'a PostgreSQL URL instead of PGlite (default: DATABASE_URL)')
    .option('--json', 'print the address (and first admin token) as JSON on stdout')
    .action(async (options: ServeOptions) => {
      const ctx = context();
      if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535) {
        throw new TrailError('USAGE', `--port must be a port number, not "${options.port}"`);
      }
      const databaseUrl = options.databaseUrl ?? ctx.env.DATABASE_URL;
      const dataPath = options.data ?? '.trail-server';
      // Loaded here: the server (hono, PGlite, pg) must not slow `trail --help` down.
      const { startServer } = await import('../../server/server.js');
      const server = await startServer({
        port: Number(options.port),
        host: options.host,
        dataDir: databaseUrl ? resolve(ctx.cwd, dataPath) : ensureFolder(dataPath, ctx.cwd),
        databaseUrl: databaseUrl || undefined,
      });
      if (options.json) {
        printJson(ctx.io, {
          url: server.url,
          storage: server.storage,
          adminToken: server.adminToken ?? null,
        });
      }
      say(ctx.io, `trail serve: listening on ${server.url} (data: ${server.storage})`);
      if (server.adminToken) {
        say(
          ctx.io,
          `first start: admin token (shown once, only its hash is stored):\n  ${server.adminToken}\n` +
            'create more with POST /api/v1/admin/tokens (see docs/server.md)',
        );
      }
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          serveControl.off('stop', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        serveControl.on('stop', stop);
      });
      await server.close();
      say(ctx.io, 'trail serve: stopped');
    });
}
