/**
 * The per-address rate limit, on PGlite and on PostgreSQL: requests are counted by the
 * client's address before their token is read, so a flood of made-up tokens is refused
 * (429) like a flood with a real one, over the API, the webhooks and the dashboard's
 * sign-in; a refused request leaves no access log row; addresses (an IPv6 /64) have buckets
 * of their own; requests that came through no socket (the dashboard's own API reads) and
 * apps with `rateLimit: false` are not limited by it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerConfig, TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import { RateLimiter } from '../../src/server/auth.js';
import { addressKey } from '../../src/server/client-address.js';
import type { Database } from '../../src/server/db/database.js';
import type { Answer, OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, count, token } from './harness.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');

/** What @hono/node-server hands the app for a request from `address`. */
const socketFrom = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

async function from(
  app: TrailApp,
  address: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const res = await app.request(path, { method, headers, body }, socketFrom(address));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an HTML page: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const bad = (n: number) => ({ authorization: `Bearer trail_bad${n}` });

/** A clock that never moves, so buckets do not refill while a test runs. */
const limited = (db: Database, config: ServerConfig = {}) =>
  createApp(db, { now: () => NOW, rateLimit: { perSecond: 50, burst: 500 }, ...config });

describe('addressKey', () => {
  test('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
  });
});

describe('RateLimiter', () => {
  test('forgets the buckets of clients that went quiet, and only those', () => {
    const limiter = new RateLimiter(1, 2);
    const held = () => (limiter as unknown as { buckets: Map<string, unknown> }).buckets.size;
    for (let i = 0; i < 10_000; i++) limiter.take(`quiet-${i}`, 0);
    assert.equal(held(), 10_000);
    // A minute later the quiet buckets are full again; a busy client's is not.
    for (let i = 0; i < 3; i++) limiter.take('busy', 60_000);
    assert.equal(held(), 1, 'the full buckets were forgotten');
    assert.ok(limiter.take('busy', 60_000) > 0, 'the busy client is still limited');
  });
});

for (const backend of BACKENDS) {
  describe(`per-address rate limit (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let auditor: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      auditor = await token(db, { name: 'auditor', role: 'auditor' });
    });
    after(async () => {
      await opened.cleanup();
    });

    test('by default, 1,500 requests with bad tokens from one address: 1,000 get 401, the rest 429 and no log row', async () => {
      const app = createApp(db, { now: () => NOW });
      const logged = await count(db, 'access_log');
      const statuses = new Map<number, number>();
      let refused: Answer | undefined;
      for (let i = 0; i < 1500; i++) {
        const answer = await from(app, '198.51.100.1', 'GET', '/api/v1/repos', bad(i));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 429) refused = answer;
      }
      assert.deepEqual(
        [...statuses],
        [
          [401, 1000],
          [429, 500],
        ],
      );
      assert.equal(refused!.body.error.code, 'rate-limited');
      assert.ok(Number(refused!.headers.get('retry-after')) > 0);
      assert.equal(await count(db, 'access_log'), logged + 1000, 'a refused request writes no row');
      // Another address has its own bucket, and a real token from it is served.
      assert.equal((await from(app, '198.51.100.2', 'GET', '/api/v1/repos', bearer(auditor))).status, 200);
    });

    test('the address is limited before its token is read: a valid token from it is refused too', async () => {
      const app = limited(db, { addressRateLimit: { perSecond: 0.01, burst: 3 } });
      const logged = await count(db, 'access_log');
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await from(app, '203.0.113.7', 'GET', '/api/v1/repos', bad(i))).status);
      statuses.push((await from(app, '203.0.113.7', 'GET', '/api/v1/repos', bearer(auditor))).status);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      assert.equal(await count(db, 'access_log'), logged + 3);
      // The same /64 is the same client; the next /64 is another.
      for (let i = 0; i < 3; i++)
        assert.equal((await from(app, '2001:db8:1:2::1', 'GET', '/api/v1/repos', bad(i))).status, 401);
      assert.equal((await from(app, '2001:db8:1:2::ffff', 'GET', '/api/v1/repos', bad(9))).status, 429);
      assert.equal((await from(app, '2001:db8:1:3::1', 'GET', '/api/v1/repos', bad(9))).status, 401);
      // The dashboard's in-process reads come through no socket: its token's limit counts them.
      assert.equal((await call(app, 'GET', '/api/v1/repos', auditor)).status, 200);
    });

    test('webhooks and the dashboard sign-in are behind the same limit', async () => {
      const app = limited(db, { addressRateLimit: { perSecond: 0.01, burst: 2 } });
      const hook = () =>
        from(app, '192.0.2.10', 'POST', '/webhooks/github', { 'x-github-event': 'ping' }, '{}');
      assert.equal((await hook()).status, 401);
      assert.equal((await hook()).status, 401);
      const refused = await hook();
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error.code, 'rate-limited');

      const logged = await count(db, 'access_log');
      const signIn = () =>
        from(
          app,
          '192.0.2.11',
          'POST',
          '/ui/login',
          { 'content-type': 'application/x-www-form-urlencoded' },
          new URLSearchParams({ token: 'trail_not-a-token', next: '/ui' }).toString(),
        );
      assert.equal((await signIn()).status, 401);
      assert.equal((await signIn()).status, 401);
      const page = await signIn();
      assert.equal(page.status, 429);
      assert.match(page.body, /Too many requests from this address/);
      assert.ok(Number(page.headers.get('retry-after')) > 0);
      assert.equal(
        await count(db, 'access_log'),
        logged + 3,
        'a refused sign-in is logged, once per address a minute',
      );
      await signIn();
      assert.equal(await count(db, 'access_log'), logged + 3, 'and not again within the minute');
    });

    test('rateLimit: false turns the per-address limit off too', async () => {
      const app = appFor(db, { addressRateLimit: { perSecond: 0.01, burst: 1 } });
      for (let i = 0; i < 3; i++)
        assert.equal((await from(app, '203.0.113.99', 'GET', '/api/v1/repos', bad(i))).status, 401);
    });
  });
}

function bearer(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}
