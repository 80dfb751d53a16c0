/**
 * The Trail server as a Hono app over a Database: built here, served by server.ts, and
 * tested with `app.request()` without opening a port.
 *
 * Every `/api/v1` request passes, in order: the body limit (413), the per-address rate
 * limit (429, not logged), the access log (access-log.ts: written after the answer, with its
 * status, whoever asked), token authentication (401), the per-token rate limit (429), then its
 * route, which checks the token's role (403) and the repository's scope (403). Webhooks
 * authenticate with the code host's signature instead of a token, and the dashboard's
 * sign-in with the token typed in; both are behind the per-address limit too. Errors are
 * answered by the single handler below as `{error:{code,message}}`.
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
import { registerDashboard } from './dashboard/index.js';
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
import { register as statsRoutes } from './routes/stats.js';
import { register as webhookRoutes } from './routes/webhooks.js';

export interface ServerConfig {
  /** Largest request body accepted, in bytes (413 above it). Default 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Per-token request rate; `false` turns it off, and the per-address limit with it. Default
   * DEFAULT_RATE_LIMIT.
   */
  rateLimit?: { perSecond: number; burst: number } | false;
  /**
   * Per client address, taken before the token is read, so that unknown tokens are limited
   * too (API, webhooks, dashboard sign-in); `false` turns it off. Default
   * DEFAULT_ADDRESS_RATE_LIMIT.
   */
  addressRateLimit?: { perSecond: number; burst: number } | false;
  /**
   * How many reverse proxies in front of the server to trust: the client address the
   * per-address limit counts is then taken from X-Forwarded-For, that many entries from the
   * right (client-address.ts). Default 0: the socket's address, the header ignored.
   */
  trustProxy?: number;
  /** Where report generators come from; defaults to src/report/index.ts when it exists. */
  loadReports?: () => Promise<ReportModule | undefined>;
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

export function createApp(db: Database, config: ServerConfig = {}): TrailApp {
  const now = config.now ?? (() => new Date());
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = config.rateLimit === false ? undefined : (config.rateLimit ?? DEFAULT_RATE_LIMIT);
  const limiter = limits ? new RateLimiter(limits.perSecond, limits.burst) : undefined;
  const addressLimits =
    config.rateLimit === false || config.addressRateLimit === false
      ? undefined
      : (config.addressRateLimit ?? DEFAULT_ADDRESS_RATE_LIMIT);
  const addressLimiter = addressLimits
    ? new RateLimiter(addressLimits.perSecond, addressLimits.burst)
    : undefined;
  const trustedHops = config.trustProxy ?? 0;
  if (!Number.isSafeInteger(trustedHops) || trustedHops < 0) {
    throw new TrailError('USAGE', `trustProxy must be a whole number of proxy hops, not ${trustedHops}`);
  }
  const deps: AppDeps = {
    db,
    now,
    loadReports: config.loadReports ?? loadReportModule,
    limitAddress: (c) => {
      const address = clientAddress(c.env, c.req.header('x-forwarded-for'), trustedHops);
      if (!addressLimiter || address === undefined) return 0;
      return addressLimiter.take(addressKey(address), now().getTime());
    },
  };
  const app = new Hono<AppEnv>();

  app.use(
    '*',
    bodyLimit({
      maxSize: maxBody,
      onError: () => {
        throw new ApiError('payload-too-large', `the request body is over the ${maxBody}-byte limit`);
      },
    }),
  );

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
