/**
 * The Trail server as a Hono app over a Database: built here, served by server.ts, and
 * tested with `app.request()` without opening a port.
 *
 * Every `/api/v1` request passes, in order: the body limit (413), the access log (written
 * after the answer, with its status, whoever asked), token authentication (401), the
 * per-token rate limit (429), then its route, which checks the token's role (403) and the
 * repository's scope (403). Webhooks authenticate with the code host's signature instead
 * of a token. Errors are answered by the single handler below as `{error:{code,message}}`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { isTrailError } from '../core/errors.js';
import type { TokenInfo } from './auth.js';
import { authenticate, RateLimiter } from './auth.js';
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
  /** Per-token request rate; `false` turns the limit off. Default 50/s with bursts of 500. */
  rateLimit?: { perSecond: number; burst: number } | false;
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
  };
}

export interface AppDeps {
  db: Database;
  now: () => Date;
  loadReports: () => Promise<ReportModule | undefined>;
}

export type TrailApp = Hono<AppEnv>;

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createApp(db: Database, config: ServerConfig = {}): TrailApp {
  const deps: AppDeps = {
    db,
    now: config.now ?? (() => new Date()),
    loadReports: config.loadReports ?? loadReportModule,
  };
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = config.rateLimit === false ? undefined : (config.rateLimit ?? { perSecond: 50, burst: 500 });
  const limiter = limits ? new RateLimiter(limits.perSecond, limits.burst) : undefined;
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

  app.use('/api/v1/*', async (c, next) => {
    await next();
    const token = c.get('token') as TokenInfo | undefined;
    await db
      .query(
        'INSERT INTO access_log (token_id, method, route, path, repo, status) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          token?.id ?? null,
          c.req.method,
          c.req.routePath,
          c.req.path.slice(0, 2048),
          (c.get('auditRepo') as string | undefined) ?? c.req.query('repo') ?? null,
          c.res.status,
        ],
      )
      .catch((error: unknown) => {
        console.error(`trail serve: could not write the access log: ${(error as Error).message}`);
      });
  });

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
