/**
 * The web dashboard, served by the Trail server itself under /ui (and / redirects there):
 * sign-in with an API token, overview, checkpoint search and detail, gaps, ledger status
 * and report downloads. Pages are HTML built on the server from the API's own answers,
 * fetched in process with the signed-in token (api.ts), with every record value escaped
 * (html.ts). A strict Content-Security-Policy allows only this server's stylesheet and
 * script files: no inline script or style, no other host.
 *
 * The dashboard is its own Hono app, reached through two catch-all routes on the server's
 * app, so the OpenAPI document keeps describing the API alone.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { writeAccessLog } from '../access-log.js';
import type { AppDeps, TrailApp } from '../app.js';
import { authenticate, RateLimiter } from '../auth.js';
import type { PushedCommit } from '../commits.js';
import { ApiError } from '../errors.js';
import type { HostReport } from '../host-pushes.js';
import type { CheckpointPage } from './api.js';
import { ApiClient, ApiFailure } from './api.js';
import { CLIENT_SCRIPT } from './client-script.js';
import type { PageContext } from './context.js';
import type { Assets } from './layout.js';
import { BASE, FAVICON } from './layout.js';
import { sessionPage } from './pages/agent-session.js';
import { sessionsCsv, sessionsPage } from './pages/agent-sessions.js';
import { checkpointPage } from './pages/checkpoint.js';
import { checkpointsCsv, checkpointsPage } from './pages/checkpoints.js';
import { commitPage, unsentCommitPage } from './pages/commit.js';
import { gapsPage } from './pages/gaps.js';
import { ledgerPage } from './pages/ledger.js';
import { errorPage, loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { downloadReport, isReportFormat, reportsPage } from './pages/reports.js';
import type { PostSource } from './same-origin.js';
import { isSameOriginPost, isHttps as reachedOverHttps } from './same-origin.js';
import type { DashboardSession } from './sessions.js';
import { COOKIE, MAX_AGE_MS, SessionStore } from './sessions.js';
import { STYLES } from './styles.js';

export { BASE } from './layout.js';
export { SessionStore } from './sessions.js';

/** No script or style but this server's files; no frames, plugins, or other hosts. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The dashboard's only posts are the sign-in form (an API token and the page to return to)
 * and sign-out (empty): 16 KiB holds a `next` link with every filter of the checkpoint list.
 * It applies to every request under /ui, before anything else reads the body.
 */
export const MAX_FORM_BODY_BYTES = 16 * 1024;

interface DashboardEnv {
  Variables: { session: DashboardSession };
}

interface AssetFile {
  body: string;
  type: string;
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * Only a path inside the dashboard: never another host (no open redirect), nor a path that
 * leaves /ui once its dot segments are resolved (`/ui/../evil`), as the browser would resolve it.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\\\r\n\t]/.test(value)) return BASE;
  let url: URL;
  try {
    url = new URL(value, 'http://dashboard.invalid');
  } catch {
    return BASE;
  }
  if (url.origin !== 'http://dashboard.invalid') return BASE;
  if (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`)) return BASE;
  return url.pathname + url.search;
}

/** What a post says of where it came from, for same-origin.ts. */
function sourceOf(c: Context): PostSource {
  return {
    url: c.req.url,
    host: c.req.header('host'),
    origin: c.req.header('origin'),
    fetchSite: c.req.header('sec-fetch-site'),
    forwardedProto: c.req.header('x-forwarded-proto'),
  };
}

function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}

/** The dashboard as its own Hono app; `registerDashboard` routes /ui/* to it. */
export function createDashboard(
  app: TrailApp,
  deps: AppDeps,
  sessions = new SessionStore(),
): Hono<DashboardEnv> {
  const css = `${BASE}/assets/app-${fingerprint(STYLES)}.css`;
  const js = `${BASE}/assets/app-${fingerprint(CLIENT_SCRIPT)}.js`;
  const icon = `${BASE}/assets/icon-${fingerprint(FAVICON)}.svg`;
  const assets: Assets = { css, js, icon };
  const files = new Map<string, AssetFile>([
    [css, { body: STYLES, type: 'text/css; charset=utf-8' }],
    [js, { body: CLIENT_SCRIPT, type: 'text/javascript; charset=utf-8' }],
    [icon, { body: FAVICON, type: 'image/svg+xml' }],
  ]);
  const ui = new Hono<DashboardEnv>({ strict: false }).basePath(BASE);

  const isHttps = (c: Context) => reachedOverHttps(sourceOf(c), deps.originTrust);

  // Sign-ins and sign-outs are in the access log, refused ones too (never the token typed).
  const LOGGED = new Set([`${BASE}/login`, `${BASE}/logout`]);
  const logPost = (c: Context, tokenId: string | null, status: number) => {
    const route = c.req.path.replace(/\/+$/, '');
    if (!LOGGED.has(route)) return Promise.resolve();
    return writeAccessLog(deps.db, { tokenId, method: 'POST', route, path: route, repo: null, status });
  };
  // A flood over the per-address limit must not cost a row per refused request, which is what
  // the limit saves the database from: one row per client address a minute says it happened.
  const rateLimitedLog = new RateLimiter(1 / 60, 1);

  ui.use('*', async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', CONTENT_SECURITY_POLICY);
    h.set('x-content-type-options', 'nosniff');
    h.set('x-frame-options', 'DENY');
    h.set('referrer-policy', 'same-origin');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('cross-origin-resource-policy', 'same-origin');
    // Audit records are not for shared caches or the back button of a shared machine.
    if (!h.has('cache-control')) h.set('cache-control', 'no-store');
  });

  // First of all, since anyone may post a form: the body is refused past the limit (from its
  // Content-Length, or as soon as a body sent without one passes it) before any of it is
  // parsed. Whoever posted a form is in a browser, so the refusal is a page, not the API's JSON.
  ui.use(
    '*',
    bodyLimit({
      maxSize: MAX_FORM_BODY_BYTES,
      onError: (c) =>
        c.html(
          errorPage(
            assets,
            sessions.get(getCookie(c, COOKIE)),
            413,
            'Form too large',
            `This form sent more than the ${MAX_FORM_BODY_BYTES / 1024} KiB the dashboard takes, so it was not read. Go back and send it again with less in it.`,
          ),
          413,
        ),
    }),
  );

  // Form posts: the server's per-address limit first, before a token is looked up or an
  // attempt logged; then, as cookies are only SameSite=Lax, the post must come from the
  // dashboard's own origin (same-origin.ts).
  ui.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const wait = deps.limitAddress(c);
    if (wait > 0) {
      const key = deps.clientKey(c);
      if (key !== undefined && rateLimitedLog.take(key, deps.now().getTime()) === 0)
        await logPost(c, null, 429);
      c.header('Retry-After', String(wait));
      return c.html(
        loginPage(assets, { error: `Too many requests from this address. Try again in ${wait} s.` }),
        429,
      );
    }
    if (!isSameOriginPost(sourceOf(c), deps.originTrust)) {
      await logPost(c, null, 403);
      return c.html(
        errorPage(assets, undefined, 403, 'Refused', 'This form was sent from another site.'),
        403,
      );
    }
    await next();
  });

  ui.get('/assets/:name', (c) => {
    const file = files.get(c.req.path);
    if (!file) return c.text('not found', 404);
    return c.body(file.body, 200, {
      'content-type': file.type,
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  ui.get('/login', (c) => {
    const next = safeNext(c.req.query('next'));
    if (sessions.get(getCookie(c, COOKIE))) return c.redirect(next, 303);
    return c.html(loginPage(assets, { next, reason: c.req.query('reason') }));
  });

  ui.post('/login', async (c) => {
    let form: Awaited<ReturnType<typeof c.req.parseBody>>;
    try {
      form = await c.req.parseBody();
    } catch {
      // A body that does not parse as the content type it claims (a multipart body without
      // its closing boundary, say) is the sender's mistake, not the server's.
      return c.html(
        loginPage(assets, { error: 'The sign-in form could not be read. Enter the API token again.' }),
        400,
      );
    }
    const next = safeNext(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!token) {
      await logPost(c, null, 400);
      return c.html(loginPage(assets, { next, error: 'Enter an API token.' }), 400);
    }
    let info: Awaited<ReturnType<typeof authenticate>>;
    try {
      info = await authenticate(deps.db, `Bearer ${token}`, deps.now());
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unauthorized') {
        await logPost(c, null, 401);
        return c.html(loginPage(assets, { next, error: `${error.message}.` }), 401);
      }
      throw error;
    }
    if (info.role === 'ingest') {
      await logPost(c, info.id, 403);
      return c.html(
        loginPage(assets, {
          next,
          error:
            'This is an ingest token: it pushes ledgers but cannot read them. Sign in with a reviewer, auditor or admin token.',
        }),
        403,
      );
    }
    const previous = getCookie(c, COOKIE);
    sessions.delete(previous);
    const session = sessions.create(token, info);
    await logPost(c, info.id, 303);
    setCookie(c, COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Lax',
      path: BASE,
      secure: isHttps(c),
      maxAge: Math.floor(MAX_AGE_MS / 1000),
    });
    return c.redirect(next, 303);
  });

  ui.post('/logout', async (c) => {
    const id = getCookie(c, COOKIE);
    // Whose session ended; null when the cookie named none (expired, or already signed out).
    const ended = sessions.get(id);
    sessions.delete(id);
    await logPost(c, ended?.tokenId ?? null, 303);
    deleteCookie(c, COOKIE, { path: BASE, secure: isHttps(c) });
    return c.redirect(`${BASE}/login?reason=signed-out`, 303);
  });

  // Everything below needs a session.
  ui.use('*', async (c, next) => {
    const id = getCookie(c, COOKIE);
    const session = sessions.get(id);
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        const params = new URLSearchParams({ next: safeNext(url.pathname + url.search) });
        if (id) params.set('reason', 'expired');
        return c.redirect(`${BASE}/login?${params}`, 303);
      }
      return c.html(errorPage(assets, undefined, 401, 'Signed out', 'Sign in again to continue.'), 401);
    }
    c.set('session', session);
    await next();
  });

  const ctxOf = (c: Context<DashboardEnv>): PageContext => {
    const session = c.get('session');
    return { api: new ApiClient(app, session.token), session, assets, deps, url: new URL(c.req.url) };
  };

  ui.get('/', async (c) => c.html(await overviewPage(ctxOf(c))));
  ui.get('/checkpoints', async (c) => c.html(await checkpointsPage(ctxOf(c))));

  ui.get('/checkpoints/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f]{64}$/.test(id))
      throw new ApiFailure(404, 'not-found', `${id.slice(0, 80)} is not a checkpoint id`);
    return c.html(await checkpointPage(ctxOf(c), id));
  });

  ui.get('/sessions', async (c) => c.html(await sessionsPage(ctxOf(c))));
  ui.get('/sessions/:id', async (c) => c.html(await sessionPage(ctxOf(c), c.req.param('id'))));

  ui.get('/checkpoints/:id/evidence.json', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f]{64}$/.test(id))
      throw new ApiFailure(404, 'not-found', `${id.slice(0, 80)} is not a checkpoint id`);
    const detail = await ctxOf(c).api.get<unknown>(`/api/v1/checkpoints/${id}`);
    return c.body(`${JSON.stringify(detail, null, 2)}\n`, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': attachment(`trail-checkpoint-${id.slice(0, 12)}.json`),
    });
  });

  // A commit (from a report row or a link someone pasted): its newest checkpoint, if one;
  // else the commit as trail push sent it, if the server has it; else what code hosts said.
  ui.get('/commits/:sha', async (c) => {
    const sha = c.req.param('sha');
    if (!/^[0-9a-f]{4,64}$/.test(sha))
      throw new ApiFailure(404, 'not-found', `${sha.slice(0, 80)} is not a commit id`);
    const ctx = ctxOf(c);
    const found = await ctx.api.get<CheckpointPage>('/api/v1/checkpoints', { commit: sha, limit: 2 });
    if (found.checkpoints.length === 1)
      return c.redirect(`${BASE}/checkpoints/${found.checkpoints[0]!.id}`, 302);
    if (found.checkpoints.length === 0 && sha.length >= 7) {
      // A commit trail push sent that no checkpoint covers: show what git says of it.
      const pushed = await ctx.api.get<{ commits: PushedCommit[]; reported?: HostReport[] }>(
        `/api/v1/commits/${sha}`,
      );
      if (pushed.commits.length === 1) return c.html(commitPage(ctx, pushed.commits[0]!));
      // Never sent, but a code host said it landed: what the gaps report's unsent-commit rows open.
      if (pushed.commits.length === 0 && pushed.reported && pushed.reported.length > 0)
        return c.html(unsentCommitPage(ctx, sha, pushed.reported));
    }
    return c.redirect(`${BASE}/checkpoints?commit=${sha}`, 302);
  });

  ui.get('/export/checkpoints.csv', async (c) => {
    const csv = await checkpointsCsv(ctxOf(c));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(`trail-checkpoints-${deps.now().toISOString().slice(0, 10)}.csv`),
    });
  });

  ui.get('/export/sessions.csv', async (c) => {
    const csv = await sessionsCsv(ctxOf(c));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(`trail-sessions-${deps.now().toISOString().slice(0, 10)}.csv`),
    });
  });

  ui.get('/gaps', async (c) => c.html(await gapsPage(ctxOf(c))));
  ui.get('/ledger', async (c) => c.html(await ledgerPage(ctxOf(c))));
  ui.get('/reports', async (c) => c.html(await reportsPage(ctxOf(c))));

  ui.get('/reports/download', async (c) => {
    const kind = c.req.query('kind') ?? '';
    const format = c.req.query('format');
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(kind))
      throw new ApiFailure(400, 'bad-request', 'choose a report kind');
    if (!isReportFormat(format))
      throw new ApiFailure(400, 'bad-request', 'choose a format: pdf, html, csv, md or json');
    const file = await downloadReport(ctxOf(c), kind, format);
    return c.body(file.body, 200, {
      'content-type': file.contentType,
      'content-disposition': attachment(file.filename),
    });
  });

  ui.notFound((c) => {
    const session = sessions.get(getCookie(c, COOKIE));
    return c.html(errorPage(assets, session, 404, 'Not found', `Nothing at ${c.req.path}.`), 404);
  });

  ui.onError((error, c) => {
    const session = c.get('session') as DashboardSession | undefined;
    if (error instanceof ApiFailure) {
      if (error.status === 401 && session) {
        // The token was revoked or expired since sign-in: the session ends with it.
        sessions.delete(session.id);
        deleteCookie(c, COOKIE, { path: BASE, secure: isHttps(c) });
        const url = new URL(c.req.url);
        return c.redirect(
          `${BASE}/login?${new URLSearchParams({ reason: 'revoked', next: safeNext(url.pathname + url.search) })}`,
          303,
        );
      }
      const titles: Record<number, string> = {
        400: 'Cannot show this',
        403: 'Not allowed for this token',
        404: 'Not found',
        410: 'Purged by retention',
        429: 'Too many requests',
        501: 'Not available on this server',
      };
      const status = titles[error.status] ? error.status : 502;
      return c.html(
        errorPage(assets, session, status, titles[error.status] ?? 'The API refused', error.message),
        status as 400,
      );
    }
    console.error(
      `trail serve: dashboard ${c.req.method} ${c.req.path}: ${(error as Error)?.stack ?? String(error)}`,
    );
    return c.html(
      errorPage(assets, session, 500, 'Something went wrong', 'The error is in the server log.'),
      500,
    );
  });

  return ui;
}

/**
 * Serves the dashboard from the server's app: `/ui/*` goes to the dashboard, `/` redirects
 * there. Registered as catch-all routes so the API's routes and OpenAPI document are untouched.
 */
export function registerDashboard(app: TrailApp, deps: AppDeps): void {
  const ui = createDashboard(app, deps);
  app.all('/', (c) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect(BASE, 302);
    throw new ApiError('not-found', `no route ${c.req.method} /`);
  });
  // The bindings go along: the sign-in's per-address limit reads the client's socket there.
  app.all(`${BASE}/*`, (c) => ui.fetch(c.req.raw, c.env));
}
