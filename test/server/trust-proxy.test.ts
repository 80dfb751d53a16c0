/**
 * The per-address rate limit behind reverse proxies, on PGlite and on PostgreSQL: with
 * `trustProxy: n` the client is the n-th X-Forwarded-For entry from the right, so clients
 * behind one proxy have buckets of their own, while an entry a client adds on the left (a
 * forged hop) changes nothing; with the default of 0 the header is ignored and the socket's
 * address is the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerConfig, TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import { forwardedClient } from '../../src/server/client-address.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS } from './harness.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const PROXY = '10.0.0.5';

/** A request from `PROXY`'s socket carrying `forwardedFor`; returns its status. */
async function through(app: TrailApp, forwardedFor?: string): Promise<number> {
  const res = await app.request(
    '/api/v1/repos',
    {
      headers: {
        authorization: 'Bearer trail_not-a-token',
        ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
      },
    },
    { incoming: { socket: { remoteAddress: PROXY } } },
  );
  await res.text();
  return res.status;
}

async function statuses(app: TrailApp, forwardedFor: string | undefined, n: number): Promise<number[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await through(app, forwardedFor));
  return out;
}

describe('forwardedClient', () => {
  test('n hops from the right, never further; a shorter chain ends at its leftmost entry', () => {
    const chain = '192.0.2.1, 10.0.0.1,10.0.0.2';
    assert.equal(forwardedClient(PROXY, chain, 0), PROXY);
    assert.equal(forwardedClient(PROXY, chain, 1), '10.0.0.2');
    assert.equal(forwardedClient(PROXY, chain, 2), '10.0.0.1');
    assert.equal(forwardedClient(PROXY, chain, 3), '192.0.2.1');
    assert.equal(forwardedClient(PROXY, chain, 5), '192.0.2.1');
    assert.equal(forwardedClient(PROXY, '', 1), PROXY);
  });

  test('a port some proxies add is dropped; an entry that is no address stops at the hop before', () => {
    assert.equal(forwardedClient(PROXY, '192.0.2.1:4711', 1), '192.0.2.1');
    assert.equal(forwardedClient(PROXY, '[2001:db8::1]:443', 1), '2001:db8::1');
    assert.equal(forwardedClient(PROXY, '2001:db8::1', 1), '2001:db8::1');
    assert.equal(forwardedClient(PROXY, 'unknown', 1), PROXY);
    assert.equal(forwardedClient(PROXY, 'unknown, 192.0.2.1', 2), '192.0.2.1');
  });
});

for (const backend of BACKENDS) {
  describe(`rate limit behind a proxy (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
    });
    after(async () => {
      await opened.cleanup();
    });

    /** Two requests per address, and a clock that never moves so buckets do not refill. */
    const limited = (config: ServerConfig = {}) =>
      createApp(db, { now: () => NOW, addressRateLimit: { perSecond: 0.01, burst: 2 }, ...config });

    test('trusting one proxy: two clients behind it are limited separately', async () => {
      const app = limited({ trustProxy: 1 });
      assert.deepEqual(await statuses(app, '198.51.100.1', 3), [401, 401, 429]);
      assert.deepEqual(await statuses(app, '198.51.100.2', 3), [401, 401, 429], 'a bucket of its own');
    });

    test('trusting one proxy: a forged leftmost hop does not escape the limit', async () => {
      const app = limited({ trustProxy: 1 });
      assert.deepEqual(await statuses(app, '203.0.113.9', 2), [401, 401]);
      // The proxy appends the address it saw to whatever the client sent: the client's own
      // entries are left of it, and each try of a new forged address is still 203.0.113.9.
      for (const forged of ['192.0.2.1', '192.0.2.2', '192.0.2.1, 192.0.2.3'])
        assert.equal(await through(app, `${forged}, 203.0.113.9`), 429, forged);
      assert.equal(await through(app, '203.0.113.9, 203.0.113.10'), 401, 'the address the proxy saw counts');
      // The same for IPv6, counted by its /64.
      assert.deepEqual(await statuses(app, '2001:db8:1:2::1', 2), [401, 401]);
      assert.equal(await through(app, '2001:db8:9::1, 2001:db8:1:2::ffff'), 429);
    });

    test('trusting two proxies: the client is the second entry from the right', async () => {
      const app = limited({ trustProxy: 2 });
      assert.deepEqual(await statuses(app, 'forged, 198.51.100.7, 10.0.0.4', 2), [401, 401]);
      assert.equal(await through(app, 'other, 198.51.100.7, 10.0.0.9'), 429, 'whichever first proxy');
      assert.equal(await through(app, '198.51.100.8, 10.0.0.4'), 401);
    });

    test('by default (0) X-Forwarded-For is ignored: every client is the socket address', async () => {
      const sequence = async (app: TrailApp) => [
        ...(await statuses(app, '198.51.100.1', 2)),
        await through(app, '198.51.100.2'),
        await through(app),
      ];
      assert.deepEqual(await sequence(limited()), [401, 401, 429, 429], 'another header, the same socket');
      assert.deepEqual(await sequence(limited({ trustProxy: 0 })), [401, 401, 429, 429]);
      assert.deepEqual(await sequence(limited({ trustProxy: 1 })), [401, 401, 401, 401], 'unlike with 1');
    });

    test('trusting a proxy that sent no X-Forwarded-For: the socket address, as without it', async () => {
      const app = limited({ trustProxy: 1 });
      assert.deepEqual(await statuses(app, undefined, 3), [401, 401, 429]);
      assert.equal(await through(app, ''), 429);
      assert.equal(await through(app, '198.51.100.3'), 401, 'a client the proxy named has its own');
    });

    test('a hop count that is not a whole number is refused', () => {
      for (const trustProxy of [-1, 1.5, Number.NaN])
        assert.throws(() => createApp(db, { trustProxy }), { code: 'USAGE' });
    });
  });
}
