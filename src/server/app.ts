/**
 * The Trail server as a Hono app over a Database: built here, served by server.ts, and
 * tested with `app.request()` without opening a port.
 *
 * Every `/api/v1` request passes, in order: the body limit (413), the per-address rate
 * limit (429, not logged), the access log (access-log.ts: written after the answer, with its
 * status, whoever asked), token authentication (401), the per-token rate limit (429), then its
 * route, which checks the token's role (403) and the repository's scope (403). Webhooks
 * authenticate with the code host's signature instead of a token, and the dashboard's
 * sign-in with the token typed in; both are behind the per-address limit too, and both have
 * body limits of their own, far below the API's, since anyone may send them a body. API
 * answers are never cached or content-sniffed. Errors are answered by the single handler
 * below as `{error:{code,message}}`.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { isTrailError, TrailError } from '../core/errors.js';
import { accessLog } from './access-log.js';
import type { TokenInfo } from './auth.js';
import { authenticate, RateLimiter } from './auth.js';
import { addressKey, clientAddress } from './client-address.js';
import { BASE, registerDashboard } from './dashboard/index.js';
import type { OriginTrust } from './dashboard/same-origin.js';
import { parsePublicUrl } from './dashboard/same-origin.js';
import type { Database } from './db/database.js';
import { ApiError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { register as adminRoutes } from './routes/admin.js';
import { register as blameRoutes } from './routes/blame.js';
import { register as checkpointRoutes } from './routes/checkpoints.js';
import { register as ledgerRoutes } from './routes/ledger.js';
import { register as logRoutes } from './routes/logs.js';
import type { ReportModule } from './routes/reports.js';
import { loadReportModule, register as reportRoutes } from './routes/reports.js';
import { register as sessionRoutes } from './routes/sessions.js';
import { register as statsRoutes } from './routes/stats.js';
import { register as webhookRoutes } from './routes/webhooks.js';

export interface ServerConfig {
  /** Largest request body accepted, in bytes (413 above it). Default 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Largest webhook delivery accepted, in bytes (413 above it, before the rest is read).
   * Default DEFAULT_MAX_WEBHOOK_BODY_BYTES.
   */
  maxWebhookBodyBytes?: number;
  /**
   * Per-token request rate; `false` turns it off, and the per-address limit with it. A figure
   * left out is DEFAULT_RATE_LIMIT's.
   */
  rateLimit?: { perSecond?: number; burst?: number } | false;
  /**
   * Per client address, taken before the token is read, so that unknown tokens are limited
   * too (API, webhooks, dashboard sign-in); `false` turns it off. A figure left out is
   * DEFAULT_ADDRESS_RATE_LIMIT's.
   */
  addressRateLimit?: { perSecond?: number; burst?: number } | false;
  /**
   * How many reverse proxies in front of the server to trust: the client address the
   * per-address limit counts is then taken from X-Forwarded-For, that many entries from the
   * right (client-address.ts). Default 0: the socket's address, the header ignored.
   */
  trustProxy?: number;
  /**
   * The address browsers open the server at (`https://trail.example.com`), when a proxy in
   * front changes the scheme or the host: the one origin the dashboard's forms are accepted
   * from, and with https the session cookie is `Secure` (dashboard/same-origin.ts).
   */
  publicUrl?: string;
  /** Where report generators come from; defaults to src/report/index.ts when it exists. */
  loadReports?: () => Promise<ReportModule | undefined>;
  /**
   * DER certificates of the RFC 3161 timestamping authorities whose tokens the server keeps
   * (`trail serve --timestamp-authority`): each a TSA's CA certificate or its own. None: the
   * server keeps no token (log-stamps.ts).
   */
  timestampAuthorities?: readonly Uint8Array[];
  /** The clock, for tests. */
  now?: () => Date;
}

export interface AppEnv {
  Variables: {
    token: TokenInfo;
    /** The repository a request concerned, for the access log. */
    auditRepo: string;
    /**
     * The repositories a read without `?repo=` ranged over, for the access log: their names,
     * or ALL_REPOSITORIES for an unscoped token (access-log.ts).
     */
    auditRepos: readonly string[] | 'all';
  };
}

export interface AppDeps {
  db: Database;
  now: () => Date;
  loadReports: () => Promise<ReportModule | undefined>;
  /**
   * Takes one request from the per-address limit of the request's client: the seconds to
   * wait, or 0 when allowed (always 0 for requests that came through no socket).
   */
  limitAddress: (c: Context) => number;
  /** The per-address limit's key for the request's client; undefined without a socket. */
  clientKey: (c: Context) => string | undefined;
  /** What the operator said of the proxies in front, for the dashboard's same-origin check. */
  originTrust: OriginTrust;
  /** The timestamping authorities the operator trusts (ServerConfig.timestampAuthorities). */
  timestampAuthorities: readonly Uint8Array[];
}

/** Per token: 50/s with bursts of 500. */
export const DEFAULT_RATE_LIMIT = { perSecond: 50, burst: 500 } as const;

/**
 * Per client address: twice a token's, so that a client's own token limit binds first and a
 * few clients behind one address (a NAT, a CI fleet) do not starve each other.
 */
export const DEFAULT_ADDRESS_RATE_LIMIT = { perSecond: 100, burst: 1000 } as const;

export type TrailApp = Hono<AppEnv>;

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Webhook deliveries are read before their signature can be checked, by anyone who can reach
 * the server, so their limit is far below the API's. GitHub and GitLab both drop deliveries
 * over 25 MB, but the events Trail records (reviews, pull requests, deployment statuses,
 * pushes, merge requests) are a few KB to some hundreds of KB: a push event lists at most
 * 20 commits here and their changed paths. 5 MiB keeps room for a push of thousands of
 * paths while a refused body costs at most 5 MiB of memory and an HMAC over it.
 */
export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;

export function createApp(db: Database, config: ServerConfig = {}): TrailApp {
  const now = config.now ?? (() => new Date());
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxWebhookBody = config.maxWebhookBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  for (const [name, value] of [
    ['maxBodyBytes', maxBody],
    ['maxWebhookBodyBytes', maxWebhookBody],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TrailError('USAGE', `${name} must be a whole number of bytes, not ${value}`);
    }
  }
  const publicUrl = config.publicUrl === undefined ? undefined : parsePublicUrl(config.publicUrl);
  const limiterOf = (
    given: { perSecond?: number; burst?: number },
    defaults: { perSecond: number; burst: number },
  ) => new RateLimiter(given.perSecond ?? defaults.perSecond, given.burst ?? defaults.burst);
  const limiter =
    config.rateLimit === false ? undefined : limiterOf(config.rateLimit ?? {}, DEFAULT_RATE_LIMIT);
  const addressLimiter =
    config.rateLimit === false || config.addressRateLimit === false
      ? undefined
      : limiterOf(config.addressRateLimit ?? {}, DEFAULT_ADDRESS_RATE_LIMIT);
  const trustedHops = config.trustProxy ?? 0;
  if (!Number.isSafeInteger(trustedHops) || trustedHops < 0) {
    throw new TrailError('USAGE', `trustProxy must be a whole number of proxy hops, not ${trustedHops}`);
  }
  const deps: AppDeps = {
    db,
    now,
    loadReports: config.loadReports ?? loadReportModule,
    limitAddress: (c) => {
      const key = deps.clientKey(c);
      if (!addressLimiter || key === undefined) return 0;
      return addressLimiter.take(key, now().getTime());
    },
    clientKey: (c) => {
      const address = clientAddress(c.env, c.req.header('x-forwarded-for'), trustedHops);
      return address === undefined ? undefined : addressKey(address);
    },
    originTrust: { publicOrigin: publicUrl?.origin, trustedHops },
    timestampAuthorities: config.timestampAuthorities ?? [],
  };
  const app = new Hono<AppEnv>();

  // First, so that every answer below, refusals included, carries them: an audit record is
  // not for a shared cache, and a report served as text/html must not be read as anything else.
  app.use('/api/v1/*', async (c, next) => {
    await next();
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('cache-control', 'no-store');
  });

  // One limit per request, chosen by path before any of the body is read: a body over the
  // API's limit would otherwise be buffered whole (when sent without a length) before a
  // smaller limit further down could refuse it.
  const limited = (maxSize: number, what: string) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('payload-too-large', `${what} is over the ${maxSize}-byte limit`);
      },
    });
  const apiLimit = limited(maxBody, 'the request body');
  const webhookLimit = limited(maxWebhookBody, 'the webhook delivery');
  app.use('*', (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/webhooks/')) return webhookLimit(c, next);
    // The dashboard limits its forms itself, before anything else reads them, so that a person
    // in a browser is refused with a page rather than this handler's JSON (dashboard/index.ts).
    if (path === BASE || path.startsWith(`${BASE}/`)) return next();
    return apiLimit(c, next);
  });

  // Before the access log and authentication: a flood of made-up tokens costs neither a
  // database lookup nor an access_log row per request once it is over the limit.
  for (const path of ['/api/v1/*', '/webhooks/*']) {
    app.use(path, async (c, next) => {
      const wait = deps.limitAddress(c);
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new ApiError('rate-limited', `too many requests from this address: retry in ${wait} s`);
      }
      await next();
    });
  }

  app.use('/api/v1/*', accessLog(db));

  app.use('/api/v1/*', async (c, next) => {
    const token = await authenticate(db, c.req.header('authorization'), deps.now());
    c.set('token', token);
    if (limiter) {
      const wait = limiter.take(token.id, deps.now().getTime());
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new ApiError('rate-limited', `too many requests for token ${token.id}: retry in ${wait} s`);
      }
    }
    await next();
  });

  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  logRoutes(app, deps);
  ledgerRoutes(app, deps);
  checkpointRoutes(app, deps);
  sessionRoutes(app, deps);
  blameRoutes(app, deps);
  statsRoutes(app, deps);
  reportRoutes(app, deps);
  adminRoutes(app, deps);
  webhookRoutes(app, deps);
  registerDashboard(app, deps);

  app.notFound((c) =>
    c.json(new ApiError('not-found', `no route ${c.req.method} ${c.req.path}`).toJSON(), 404),
  );

  app.onError((error, c) => {
    let apiError: ApiError;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof HTTPException) {
      apiError = new ApiError(error.status === 413 ? 'payload-too-large' : 'bad-request', error.message);
    } else if (isTrailError(error) && (error.code === 'INPUT_INVALID' || error.code === 'INVALID_RECORD')) {
      apiError = new ApiError('invalid', error.message);
    } else if (/^22[0-9A-Z]{3}$/.test(String((error as { code?: unknown } | null)?.code))) {
      // SQLSTATE class 22, data exception: a value PostgreSQL refuses (a NUL in text, a time
      // past its range) that no check before it caught. The request's fault, so a 400, not a
      // 500 with a stack; one line still goes to the log, as it names a check to add.
      const reason = String((error as Error).message)
        .split('\n')[0]!
        .slice(0, 200);
      console.error(`trail serve: ${c.req.method} ${c.req.path}: the database refused a value: ${reason}`);
      apiError = new ApiError(
        'bad-request',
        `the request holds a value the database cannot store: ${reason}`,
      );
    } else {
      console.error(
        `trail serve: ${c.req.method} ${c.req.path}: ${(error as Error)?.stack ?? String(error)}`,
      );
      apiError = new ApiError('internal', 'internal error (see the server log)');
    }
    return c.json(apiError.toJSON(), apiError.status as 400);
  });

  return app;
}
