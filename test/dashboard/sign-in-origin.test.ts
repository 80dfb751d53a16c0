/**
 * Dashboard sign-in and sign-out behind a TLS-terminating proxy, in process: the browser's
 * `Origin: https://<host>` is the dashboard's own when a trusted proxy reports https, when the
 * browser says `Sec-Fetch-Site: same-origin` (a proxy that rewrites Host), or when it is the
 * configured public URL, and then the only one; X-Forwarded-Proto is believed only from a
 * trusted proxy, and the Secure cookie flag follows. Cross-site, sibling-site and `null`
 * origins stay refused. Refused, empty, rate-limited sign-ins and sign-outs are in the access
 * log (rate-limited ones once per address a minute), and `next` never leaves /ui.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TrailError } from '../../src/core/errors.js';
import type { ServerConfig, TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import { forwardedScheme, parsePublicUrl } from '../../src/server/dashboard/same-origin.js';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import { count, token } from '../server/harness.js';

const HOST = 'trail.example.com';

interface Post {
  /** The URL the server builds from the request (`http://<Host>`). */
  url?: string;
  headers?: Record<string, string>;
  body?: Record<string, string>;
  /** The socket's peer, for the per-address limit. */
  from?: string;
}

describe('dashboard sign-in behind a proxy', () => {
  let db: Database;
  let auditor: string;
  let auditorId: string;

  const appWith = (config: ServerConfig = {}): TrailApp => createApp(db, { rateLimit: false, ...config });

  const post = (app: TrailApp, path: string, p: Post = {}) =>
    app.request(
      `${p.url ?? `http://${HOST}`}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', host: HOST, ...p.headers },
        body: new URLSearchParams(p.body ?? { token: auditor }).toString(),
      },
      p.from ? { incoming: { socket: { remoteAddress: p.from } } } : undefined,
    );

  /** What a browser sends through a TLS proxy that keeps Host and appends X-Forwarded-Proto. */
  const viaTls = { origin: `https://${HOST}`, 'x-forwarded-proto': 'https' };

  const logged = (route: string, status: number, tokenId: string | null = null) =>
    count(db, 'access_log', 'route = $1 AND status = $2 AND token_id IS NOT DISTINCT FROM $3', [
      route,
      status,
      tokenId,
    ]);

  before(async () => {
    db = await openPglite();
    await migrate(db);
    auditor = await token(db, { name: 'auditor', role: 'auditor' });
    const row = await db.query<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'auditor'");
    auditorId = row.rows[0]!.id;
  });

  after(async () => {
    await db.close();
  });

  test('with a trusted proxy, the https Origin of the Host signs in and out, and the cookie is Secure', async () => {
    const app = appWith({ trustProxy: 1 });
    const signedIn = await post(app, '/ui/login', { headers: viaTls });
    assert.equal(signedIn.status, 303, await signedIn.text());
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(cookie, /; Secure/);
    const session = cookie.split(';')[0]!;
    const page = await app.request(`http://${HOST}/ui`, { headers: { host: HOST, cookie: session } });
    assert.equal(page.status, 200);

    const signedOut = await post(app, '/ui/logout', { headers: { ...viaTls, cookie: session }, body: {} });
    assert.equal(signedOut.status, 303, await signedOut.text());
    assert.equal(signedOut.headers.get('location'), '/ui/login?reason=signed-out');
    assert.match(signedOut.headers.get('set-cookie') ?? '', /trail_session=;.*Secure/);
    const after = await app.request(`http://${HOST}/ui`, { headers: { host: HOST, cookie: session } });
    assert.equal(after.status, 303, 'the session ended');

    // A chain of proxies that append: the entry the trusted one added is read.
    const chained = await post(app, '/ui/login', {
      headers: { ...viaTls, 'x-forwarded-proto': 'http, https' },
    });
    assert.equal(chained.status, 303);
    // The proxy reached over plain http: an https Origin is no longer this site's.
    const plain = await post(app, '/ui/login', { headers: { ...viaTls, 'x-forwarded-proto': 'http' } });
    assert.equal(plain.status, 403);
    assert.match(await plain.text(), /This form was sent from another site/);
  });

  test('without a trusted proxy, X-Forwarded-Proto is not believed', async () => {
    const app = appWith();
    const claimed = await post(app, '/ui/login', { headers: viaTls });
    assert.equal(claimed.status, 403, 'the https origin needs a trusted proxy or the browser to vouch');
    const http = await post(app, '/ui/login', {
      headers: { origin: `http://${HOST}`, 'x-forwarded-proto': 'https' },
    });
    assert.equal(http.status, 303);
    assert.doesNotMatch(http.headers.get('set-cookie') ?? '', /Secure/, 'a client cannot claim https');
    // The browser's own word: the TLS deployment signs in without --trust-proxy too.
    const vouched = await post(app, '/ui/login', {
      headers: { ...viaTls, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(vouched.status, 303);
  });

  test('a proxy that rewrites Host: the browser says same-origin, or the public URL says where', async () => {
    const rewritten = { host: '127.0.0.1:4000', origin: `https://${HOST}`, 'x-forwarded-proto': 'https' };
    const app = appWith({ trustProxy: 1 });
    const unvouched = await post(app, '/ui/login', { url: 'http://127.0.0.1:4000', headers: rewritten });
    assert.equal(unvouched.status, 403);
    const vouched = await post(app, '/ui/login', {
      url: 'http://127.0.0.1:4000',
      headers: { ...rewritten, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(vouched.status, 303);

    const pinned = appWith({ publicUrl: `https://${HOST}/` });
    const ok = await post(pinned, '/ui/login', { url: 'http://127.0.0.1:4000', headers: rewritten });
    assert.equal(ok.status, 303, await ok.text());
    assert.match(ok.headers.get('set-cookie') ?? '', /; Secure/, 'the public URL is https');
  });

  test('the public URL is the only origin accepted', async () => {
    const app = appWith({ publicUrl: `https://${HOST}`, trustProxy: 1 });
    for (const origin of [`http://${HOST}`, 'https://other.example', `https://${HOST}:8443`]) {
      const res = await post(app, '/ui/login', {
        headers: { origin, 'x-forwarded-proto': 'https', 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(res.status, 403, origin);
    }
    const http = appWith({ publicUrl: `http://${HOST}:8080` });
    const res = await post(http, '/ui/login', {
      url: `http://${HOST}:8080`,
      headers: { host: `${HOST}:8080`, origin: `http://${HOST}:8080` },
    });
    assert.equal(res.status, 303);
    assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /Secure/);
  });

  test('cross-site, sibling-site and null origins are refused, and each refusal is logged', async () => {
    const app = appWith({ trustProxy: 1 });
    const before = await logged('/ui/login', 403);
    const cases: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'same-origin' },
      { origin: 'not a url' },
      { origin: `https://${HOST}`, 'x-forwarded-proto': 'https', 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of cases) {
      const res = await post(app, '/ui/login', { headers });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.headers.get('set-cookie'), null);
    }
    assert.equal(await logged('/ui/login', 403), before + cases.length);
    const out = await logged('/ui/logout', 403);
    const refusedOut = await post(app, '/ui/logout', {
      headers: { origin: 'https://evil.example' },
      body: {},
    });
    assert.equal(refusedOut.status, 403);
    assert.equal(await logged('/ui/logout', 403), out + 1);
  });

  test('empty sign-ins and sign-outs are logged, without the token', async () => {
    const app = appWith();
    const empties = await logged('/ui/login', 400);
    const empty = await post(app, '/ui/login', { body: { token: '  ' } });
    assert.equal(empty.status, 400);
    assert.equal(await logged('/ui/login', 400), empties + 1);

    const signedIn = await post(app, '/ui/login');
    const session = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const outs = await logged('/ui/logout', 303, auditorId);
    const out = await post(app, '/ui/logout', { headers: { cookie: session }, body: {} });
    assert.equal(out.status, 303);
    assert.equal(await logged('/ui/logout', 303, auditorId), outs + 1, 'the sign-out names its token');
    const anonymous = await logged('/ui/logout', 303);
    await post(app, '/ui/logout', { headers: { cookie: session }, body: {} });
    assert.equal(await logged('/ui/logout', 303), anonymous + 1, 'a session already ended names none');
    const rows = await db.query<{ text: string }>('SELECT row_to_json(a)::text AS text FROM access_log a');
    assert.ok(
      rows.rows.every((r) => !r.text.includes(auditor)),
      'the token is never logged',
    );
  });

  test('rate-limited sign-ins are logged once per address a minute, not once per request', async () => {
    let now = new Date('2026-06-15T12:00:00.000Z');
    const app = createApp(db, {
      rateLimit: { perSecond: 1000, burst: 1000 },
      addressRateLimit: { perSecond: 1, burst: 1 },
      now: () => now,
    });
    const before = await logged('/ui/login', 429);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(app, '/ui/login', { from: '192.0.2.7', body: { token: 'trail_guess' } });
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [401, 429, 429, 429, 429]);
    assert.equal(await logged('/ui/login', 429), before + 1);
    const other = await post(app, '/ui/login', { from: '192.0.2.8', body: { token: 'trail_guess' } });
    assert.equal(other.status, 401);
    assert.equal((await post(app, '/ui/login', { from: '192.0.2.8' })).status, 429);
    assert.equal(await logged('/ui/login', 429), before + 2, 'another address is another row');
    now = new Date(now.getTime() + 61_000);
    // A minute on: one request is allowed again (1/s), the next refused and logged once more.
    await post(app, '/ui/login', { from: '192.0.2.7', body: { token: 'trail_guess' } });
    assert.equal((await post(app, '/ui/login', { from: '192.0.2.7' })).status, 429);
    assert.equal(await logged('/ui/login', 429), before + 3);
  });

  test('next never leaves /ui, dot segments included', async () => {
    const app = appWith();
    const cases: Array<[string, string]> = [
      ['/ui/../../evil.example', '/ui'],
      ['/ui/%2e%2e/evil.example', '/ui'],
      ['/ui/..', '/ui'],
      ['/ui/./checkpoints/../ledger?repo=a%2Fb', '/ui/ledger?repo=a%2Fb'],
      ['/ui?x=1', '/ui?x=1'],
      ['/ui\t/x', '/ui'],
      ['//evil.example/ui', '/ui'],
    ];
    for (const [next, location] of cases) {
      const res = await post(app, '/ui/login', { body: { token: auditor, next } });
      assert.equal(res.status, 303, next);
      assert.equal(res.headers.get('location'), location, next);
    }
  });

  test('publicUrl: an http(s) URL with no path, else one line', () => {
    assert.equal(parsePublicUrl('https://trail.example.com').origin, 'https://trail.example.com');
    assert.equal(parsePublicUrl('http://10.0.0.1:8080/').origin, 'http://10.0.0.1:8080');
    for (const bad of [
      'trail.example.com',
      'ftp://trail.example.com',
      'https://trail.example.com/trail',
      'https://trail.example.com/?a=1',
      'https://trail.example.com/#x',
      'https://user:pw@trail.example.com',
      '',
    ]) {
      assert.throws(
        () => parsePublicUrl(bad, '--public-url'),
        (error: unknown) =>
          error instanceof TrailError &&
          error.code === 'USAGE' &&
          !error.message.includes('\n') &&
          error.message.startsWith('--public-url takes the address browsers open the server at'),
        bad,
      );
    }
    assert.throws(() => createApp(db, { publicUrl: 'https://x.example/ui' }), /publicUrl takes/);
  });

  test('X-Forwarded-Proto is read hop by hop like X-Forwarded-For, and only from a trusted proxy', () => {
    assert.equal(forwardedScheme('https', 0), undefined);
    assert.equal(forwardedScheme('https', 1), 'https');
    assert.equal(forwardedScheme('HTTPS ', 1), 'https');
    assert.equal(forwardedScheme('https, http', 1), 'http');
    assert.equal(forwardedScheme('https, http', 2), 'https');
    assert.equal(forwardedScheme('https', 3), 'https');
    assert.equal(forwardedScheme('wss', 1), undefined);
    assert.equal(forwardedScheme(undefined, 1), undefined);
  });
});
