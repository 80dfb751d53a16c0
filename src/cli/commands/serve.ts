/**
 * `trail serve`: the organisation's Trail server. PGlite in a data folder by default
 * (`.trail-server/`), PostgreSQL with `--database-url` or DATABASE_URL. The first start
 * prints a one-time admin token; only its hash is stored. Runs until SIGINT or SIGTERM.
 * The rate limits, the proxy hops to trust, the public address and the webhook body limit
 * are the server's options (ServerConfig in src/server/app.ts), checked here before anything
 * starts.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import type { AuthorityPem } from '../authority-pem.js';
import type { CommandContext } from '../context.js';
import { ensureFolder } from '../files.js';
import { positiveCount } from '../option-values.js';
import { printJson, say } from '../output.js';

/** Emitting 'stop' here ends a running `trail serve` as a signal would (used by tests). */
export const serveControl = new EventEmitter();

interface ServeOptions {
  port: string;
  host: string;
  data?: string;
  databaseUrl?: string;
  json?: boolean;
  trustProxy: string;
  publicUrl?: string;
  webhookBodyLimit?: string;
  rateLimitPerSecond?: string;
  rateLimitBurst?: string;
  addressRateLimitPerSecond?: string;
  addressRateLimitBurst?: string;
  timestampAuthority: string[];
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A hop count such as `--trust-proxy 1`: a whole number, 0 included. */
function hopCount(value: string, flag: string): number {
  if (!/^[0-9]{1,3}$/.test(value.trim())) {
    throw new TrailError('USAGE', `${flag} takes a number of proxy hops (0 to 999), not "${value}"`);
  }
  return Number(value);
}

/** The largest webhook body GitHub and GitLab send is 25 MB; the API's own limit is 32 MiB. */
const MAX_WEBHOOK_MIB = 32;

/** `--webhook-body-limit` in MiB: a whole number from 1 to MAX_WEBHOOK_MIB. */
function mebibytes(value: string, flag: string): number {
  const n = positiveCount(value, flag);
  if (n > MAX_WEBHOOK_MIB) {
    throw new TrailError(
      'USAGE',
      `${flag} takes a number of MiB from 1 to ${MAX_WEBHOOK_MIB}, not "${value}"`,
    );
  }
  return n;
}

/** A limit's figure, if given: a whole number of at least 1. */
function figure(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : positiveCount(value, flag);
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
    .option(
      '--trust-proxy <hops>',
      'reverse proxies to trust: the per-address rate limit reads the client from X-Forwarded-For, that many entries from the right (0: the connection address)',
      '0',
    )
    .option(
      '--public-url <url>',
      'the address browsers open the dashboard at, when a proxy in front changes scheme or host (https://trail.example.com): the only origin sign-in forms are accepted from',
    )
    .option(
      '--webhook-body-limit <MiB>',
      'largest webhook delivery accepted, in MiB (default 5; GitHub and GitLab send at most 25 MB)',
    )
    .option('--rate-limit-per-second <n>', 'requests per second per token (default 50)')
    .option('--rate-limit-burst <n>', 'requests at once per token (default 500)')
    .option('--address-rate-limit-per-second <n>', 'requests per second per client address (default 100)')
    .option('--address-rate-limit-burst <n>', 'requests at once per client address (default 1000)')
    .option(
      '--timestamp-authority <file>',
      "trust this RFC 3161 timestamping authority's certificate (PEM: its CA's, or its own) for the tokens trail push brings; repeatable",
      collect,
      [],
    )
    .action(async (options: ServeOptions) => {
      const ctx = context();
      if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535) {
        throw new TrailError('USAGE', `--port must be a port number, not "${options.port}"`);
      }
      const trustProxy = hopCount(options.trustProxy, '--trust-proxy');
      const webhookMib =
        options.webhookBodyLimit === undefined
          ? undefined
          : mebibytes(options.webhookBodyLimit, '--webhook-body-limit');
      // Checked by the server too; here so that a mistake stops before the database is opened.
      const { parsePublicUrl } = await import('../../server/dashboard/same-origin.js');
      if (options.publicUrl !== undefined) parsePublicUrl(options.publicUrl, '--public-url');
      // Read before the database is opened: a file that is no certificate stops here, in one line.
      const authorities: AuthorityPem[] = [];
      if (options.timestampAuthority.length > 0) {
        const { readAuthorityPem } = await import('../authority-pem.js');
        for (const file of options.timestampAuthority)
          authorities.push(await readAuthorityPem(file, ctx.cwd));
      }
      // A figure left out keeps the server's default (createApp fills it in).
      const config = {
        trustProxy,
        publicUrl: options.publicUrl,
        maxWebhookBodyBytes: webhookMib === undefined ? undefined : webhookMib * 1024 * 1024,
        rateLimit: {
          perSecond: figure(options.rateLimitPerSecond, '--rate-limit-per-second'),
          burst: figure(options.rateLimitBurst, '--rate-limit-burst'),
        },
        addressRateLimit: {
          perSecond: figure(options.addressRateLimitPerSecond, '--address-rate-limit-per-second'),
          burst: figure(options.addressRateLimitBurst, '--address-rate-limit-burst'),
        },
        timestampAuthorities: authorities.flatMap((a) => a.certificates),
      };
      const databaseUrl = options.databaseUrl ?? ctx.env.DATABASE_URL;
      if (databaseUrl) checkDatabaseUrl(databaseUrl, options.databaseUrl ? '--database-url' : 'DATABASE_URL');
      const dataPath = options.data ?? '.trail-server';
      const { startServer } = await import('../../server/server.js');
      const server = await startServer({
        port: Number(options.port),
        host: options.host,
        dataDir: databaseUrl ? resolve(ctx.cwd, dataPath) : ensureFolder(dataPath, ctx.cwd),
        databaseUrl: databaseUrl || undefined,
        config,
      });
      if (options.json) {
        printJson(ctx.io, {
          url: server.url,
          storage: server.storage,
          adminToken: server.adminToken ?? null,
        });
      }
      say(ctx.io, `trail serve: listening on ${server.url} (data: ${server.storage})`);
      const trusted = authorities.flatMap((a) => a.names);
      if (trusted.length > 0)
        say(ctx.io, `timestamp tokens trail push brings are kept from: ${trusted.join(', ')}`);
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

/**
 * A PostgreSQL URL, as node-postgres takes one. Anything else it would read as a host or
 * socket name and fail on later with a message that does not name the mistake.
 */
function checkDatabaseUrl(url: string, source: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    // A value that may hold a password is not repeated.
    const given = url.includes('@') ? '' : `, not "${url}"`;
    throw new TrailError(
      'USAGE',
      `${source} must be a PostgreSQL URL (postgres://user@host:5432/database)${given}`,
    );
  }
}
