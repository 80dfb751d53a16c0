/**
 * A dashboard form over its 16 KiB limit, over a real socket: the person who sent it is in a
 * browser, so the refusal (413) is a page in the dashboard's look, with its security
 * headers, whether the body came with a Content-Length or without one. The API and the
 * webhooks keep answering 413 in JSON. Headless Chromium submits a sign-in form too large
 * and sees the page, styled by the dashboard's stylesheet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { token } from '../server/harness.js';

/** A body of `bytes` bytes sent without a Content-Length (chunked), as a stream. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.subarray(at, at + 4096));
      controller.close();
    },
  });
}

describe('a dashboard form too large', () => {
  let db: Database;
  let server: RunningServer;
  let browser: Browser;
  let admin: string;

  before(async () => {
    db = await openPglite();
    await migrate(db);
    admin = await token(db, { name: 'admin', role: 'admin' });
    server = await startServer({
      db,
      port: 0,
      config: { rateLimit: false, maxBodyBytes: 4096, maxWebhookBodyBytes: 4096 },
    });
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await db?.close();
  });

  const signInBody = (padding: number) =>
    new URLSearchParams({ token: 'trail_x', next: '/ui', pad: 'x'.repeat(padding) }).toString();

  test('is refused with 413 and a page, with or without a Content-Length', async () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: server.url };
    const sent = [
      await fetch(`${server.url}/ui/login`, { method: 'POST', headers, body: signInBody(20 * 1024) }),
      await fetch(`${server.url}/ui/login`, {
        method: 'POST',
        headers,
        body: streamOf(signInBody(20 * 1024)),
        duplex: 'half',
      } as RequestInit),
      await fetch(`${server.url}/ui/logout`, { method: 'POST', headers, body: 'x'.repeat(20 * 1024) }),
    ];
    for (const res of sent) {
      assert.equal(res.status, 413);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const page = await res.text();
      assert.match(page, /^<!doctype html>/);
      assert.match(page, /<title>[^<]*Form too large/);
      assert.match(page, /more than the 16 KiB the dashboard takes/);
      assert.match(page, /<link rel="stylesheet" href="\/ui\/assets\/app-[0-9a-f]{12}\.css"/);
    }

    // A form under the limit is read as before: a wrong token is the sign-in page's 401.
    const small = await fetch(`${server.url}/ui/login`, {
      method: 'POST',
      headers,
      body: signInBody(8 * 1024),
    });
    assert.equal(small.status, 401);
    assert.match(await small.text(), /not known to this server/);
  });

  test('the API and the webhooks keep their JSON 413', async () => {
    const api = await fetch(`${server.url}/api/v1/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'auditor', pad: 'x'.repeat(8192) }),
    });
    const webhook = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: streamOf(JSON.stringify({ pad: 'x'.repeat(8192) })),
      duplex: 'half',
    } as RequestInit);
    for (const res of [api, webhook]) {
      assert.equal(res.status, 413);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload-too-large');
    }
  });

  test('in Chromium, a sign-in form too large shows the page in the dashboard’s look', async () => {
    const context = await browser.newContext();
    try {
      // Only this test's server is ever contacted.
      await context.route('**/*', (route) =>
        new URL(route.request().url()).origin === server.url ? route.continue() : route.abort(),
      );
      const page = await context.newPage();
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto(`${server.url}/ui/login`);
      // Something far longer than any token pasted into the field.
      await page.fill('#token', 'x'.repeat(20 * 1024));
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${server.url}/ui/login` && r.request().method() === 'POST'),
        page.click('button[type=submit]'),
      ]);
      assert.equal(answer.status(), 413);
      await page.locator('h1', { hasText: 'Form too large' }).waitFor();
      assert.match(
        (await page.locator('.card').textContent()) ?? '',
        /more than the 16 KiB the dashboard takes, so it was not read/,
      );
      // Styled by the dashboard's stylesheet: the card of the sign-in page, on its background.
      const card = await page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.signin .card')); return { radius: s.borderRadius, maxWidth: s.maxWidth }; })()",
      );
      assert.deepEqual(card, { radius: '12px', maxWidth: '420px' });
      assert.deepEqual(cspViolations, []);
    } finally {
      await context.close();
    }
  });
});
