/**
 * The documented deployment in a real browser: the server on plain HTTP with TLS in front.
 * Headless Chromium signs in and out through a TLS-terminating reverse proxy of this test's
 * own (a self-signed certificate made with openssl), once through a proxy that keeps Host
 * and adds X-Forwarded-Proto (the server trusts one hop; the proxy drops Fetch Metadata, so
 * Origin against Host and the proxy's scheme decide), and once through one that rewrites Host
 * to the server's own address (the browser's `Sec-Fetch-Site: same-origin` decides). The
 * session cookie is Secure both times.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { tempDir } from '../helpers/temp-repo.js';
import { token } from '../server/harness.js';

/** A TLS-terminating reverse proxy to `upstream`; `rewrite` changes what it forwards. */
async function tlsProxy(
  upstream: URL,
  tls: { key: Buffer; cert: Buffer },
  rewrite: (headers: IncomingHttpHeaders) => IncomingHttpHeaders,
): Promise<{ server: Server; url: string }> {
  const server = createServer(tls, (req, res) => {
    const forwarded = rewrite({ ...req.headers, 'x-forwarded-proto': 'https' });
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwarded },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('dashboard sign-in through a TLS-terminating proxy (Chromium)', () => {
  let dir: string;
  let db: Database;
  let trail: RunningServer;
  let browser: Browser;
  let auditor: string;
  const proxies: Server[] = [];

  before(async () => {
    dir = tempDir('trail-tls-proxy-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    db = await openPglite();
    await migrate(db);
    auditor = await token(db, { name: 'auditor', role: 'auditor' });
    trail = await startServer({ db, port: 0, config: { trustProxy: 1, rateLimit: false } });
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser?.close();
    for (const p of proxies) await new Promise<void>((done) => p.close(() => done()));
    await trail?.close();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signInAndOut = async (front: string) => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      // Only the proxy is ever contacted.
      await context.route('**/*', (route) =>
        new URL(route.request().url()).origin === front ? route.continue() : route.abort(),
      );
      const page = await context.newPage();
      await page.goto(`${front}/ui/login`);
      await page.fill('#token', auditor);
      await page.click('button[type=submit]');
      await page.waitForURL(`${front}/ui`);
      assert.equal(await page.locator('h1').textContent(), 'Overview');
      const session = (await context.cookies(`${front}/ui`)).find((c) => c.name === 'trail_session');
      assert.ok(session, 'signed in');
      assert.equal(session.secure, true, 'the cookie is Secure behind TLS');
      await page.click('text=Sign out');
      await page.waitForURL(/\/ui\/login\?reason=signed-out$/);
      assert.equal(
        (await context.cookies(`${front}/ui`)).find((c) => c.name === 'trail_session'),
        undefined,
        'signed out',
      );
    } finally {
      await context.close();
    }
  };

  test('a proxy that keeps Host: the Origin matches the Host and the https the proxy reports', async () => {
    const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const proxy = await tlsProxy(new URL(trail.url), tls, (headers) => {
      const { 'sec-fetch-site': _site, 'sec-fetch-mode': _mode, 'sec-fetch-dest': _dest, ...rest } = headers;
      return rest;
    });
    proxies.push(proxy.server);
    await signInAndOut(proxy.url);
  });

  test('a proxy that rewrites Host: the browser’s Sec-Fetch-Site vouches for the form', async () => {
    const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const upstream = new URL(trail.url);
    const proxy = await tlsProxy(upstream, tls, (headers) => ({ ...headers, host: upstream.host }));
    proxies.push(proxy.server);
    await signInAndOut(proxy.url);
  });
});
