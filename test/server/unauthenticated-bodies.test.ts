/**
 * What anyone may send costs little, on PGlite and on PostgreSQL: webhook deliveries and the
 * dashboard's forms have body limits of their own, far below the API's, answered 413 before
 * the rest of the body is read (over a socket, with a Content-Length the server never waits
 * for); a delivery's signature is checked over the raw bytes before its JSON is parsed, so an
 * unsigned or wrongly signed body is never parsed. And every /api/v1 answer, an HTML report
 * or a refusal too, is `nosniff` and `no-store`.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import { DEFAULT_MAX_WEBHOOK_BODY_BYTES } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, count, token } from './harness.js';

const SECRET = 'org-secret-for-acme-webhooks';

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A ping naming acme/api, padded to about `bytes` with many small objects (costly to parse). */
function paddedPing(bytes: number): string {
  const head = '{"zen":"Keep it logically awesome.","repository":{"full_name":"acme/api"},"padding":[';
  const item = '{"a":[1]},';
  const items = item.repeat(Math.max(0, Math.floor((bytes - head.length) / item.length)));
  return `${head}${items}{"a":[1]}]}`;
}

/** Calls `work` and returns the lengths of the texts JSON.parse was given meanwhile. */
async function parsedDuring(work: () => Promise<void>): Promise<number[]> {
  const original = JSON.parse;
  const lengths: number[] = [];
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    lengths.push(String(text).length);
    return original(text, reviver);
  }) as typeof JSON.parse;
  try {
    await work();
  } finally {
    JSON.parse = original;
  }
  return lengths;
}

/**
 * Sends only the headers and `sent` bytes of a body that claims `length` bytes, and waits
 * for an answer: the server must answer without waiting for the rest.
 */
function claimLength(
  url: string,
  path: string,
  length: number,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(length) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to ${path} while the server waited for the body`));
    }, 5000);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.write('x'.repeat(1024));
  });
}

for (const backend of BACKENDS) {
  describe(`unauthenticated bodies (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;
    let auditor: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db, {
        loadReports: async () => ({
          generateReport: () => ({
            body: '<!doctype html><p>report</p>',
            contentType: 'text/html; charset=utf-8',
          }),
        }),
      });
      admin = await token(db, { name: 'admin', role: 'admin' });
      auditor = await token(db, { name: 'auditor', role: 'auditor' });
      const set = await call(app, 'POST', '/api/v1/admin/webhook-secrets', admin, {
        host: 'github',
        org: 'acme',
        secret: SECRET,
      });
      assert.equal(set.status, 201);
      const gitlab = await call(app, 'POST', '/api/v1/admin/webhook-secrets', admin, {
        host: 'gitlab',
        secret: 'gitlab-server-wide-secret',
      });
      assert.equal(gitlab.status, 201);
    });

    after(async () => {
      await opened.cleanup();
    });

    test('a webhook body over its limit is 413, far below the API’s 32 MiB', async () => {
      const body = paddedPing(DEFAULT_MAX_WEBHOOK_BODY_BYTES + 1024);
      const events = await count(db, 'external_events');
      const res = await call(app, 'POST', '/webhooks/github', undefined, body, {
        'x-github-event': 'ping',
        'x-hub-signature-256': sign(SECRET, body),
      });
      assert.equal(res.status, 413, JSON.stringify(res.body).slice(0, 200));
      assert.equal(res.body.error.code, 'payload-too-large');
      assert.match(res.body.error.message, /the webhook delivery is over the 5242880-byte limit/);
      assert.equal(await count(db, 'external_events'), events);

      const small = appFor(db, { maxWebhookBodyBytes: 4096 });
      const ping = paddedPing(2048);
      const ok = await call(small, 'POST', '/webhooks/github', undefined, ping, {
        'x-github-event': 'ping',
        'x-hub-signature-256': sign(SECRET, ping),
      });
      assert.equal(ok.status, 202, JSON.stringify(ok.body));
      const over = paddedPing(8192);
      const refused = await call(small, 'POST', '/webhooks/gitlab', undefined, over, {
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': 'gitlab-server-wide-secret',
      });
      assert.equal(refused.status, 413);
    });

    test('a delivery whose signature does not match is refused before its JSON is parsed', async () => {
      const body = paddedPing(512 * 1024);
      const statuses: number[] = [];
      const lengths = await parsedDuring(async () => {
        for (const signature of [sign('not-the-secret', body), 'sha256=deadbeef', undefined]) {
          const res = await app.request('/webhooks/github', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'ping',
              ...(signature ? { 'x-hub-signature-256': signature } : {}),
            },
            body,
          });
          statuses.push(res.status);
          await res.text();
        }
        const gitlab = await app.request('/webhooks/gitlab', {
          method: 'POST',
          headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong-token' },
          body: body.replace('"repository":{"full_name"', '"project":{"path_with_namespace"'),
        });
        statuses.push(gitlab.status);
        await gitlab.text();
      });
      assert.deepEqual(statuses, [401, 401, 401, 401]);
      assert.deepEqual(
        lengths.filter((n) => n >= body.length - 100),
        [],
        'the body was never parsed',
      );

      // Signed with the secret in force, the same body is parsed and answered.
      const signed = await parsedDuring(async () => {
        const res = await call(app, 'POST', '/webhooks/github', undefined, body, {
          'x-github-event': 'ping',
          'x-hub-signature-256': sign(SECRET, body),
        });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      });
      assert.ok(signed.some((n) => n === body.length));
    });

    test('over a socket, an oversized Content-Length is refused without waiting for the body', async () => {
      let server: RunningServer | undefined;
      try {
        server = await startServer({ db, port: 0, config: { rateLimit: false } });
        const webhook = await claimLength(server.url, '/webhooks/github', 30 * 1024 * 1024, {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        });
        assert.equal(webhook, 413);
        const login = await claimLength(server.url, '/ui/login', 28 * 1024 * 1024, {
          'content-type': 'multipart/form-data; boundary=b',
        });
        assert.equal(login, 413);
        const health = await fetch(`${server.url}/health`);
        assert.equal(health.status, 200);
      } finally {
        await server?.close();
      }
    });

    test('the sign-in form has a limit of a few KiB; a real one, long next link and all, is under it', async () => {
      const logged = await count(db, 'access_log');
      const big = await app.request('/ui/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: auditor, pad: 'x'.repeat(32 * 1024) }).toString(),
      });
      assert.equal(big.status, 413);
      assert.equal(await count(db, 'access_log'), logged, 'nothing was read, so nothing is logged');
      const out = await app.request('/ui/logout', { method: 'POST', body: 'x'.repeat(32 * 1024) });
      assert.equal(out.status, 413);

      const next = `/ui/checkpoints?path=${encodeURIComponent(`src/${'deep/'.repeat(400)}`)}`;
      const ok = await app.request('/ui/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: auditor, next }).toString(),
      });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), next);
    });

    test('every /api/v1 answer is nosniff and no-store; hashed assets stay cacheable', async () => {
      const answers = [
        await call(app, 'GET', '/api/v1/repos', auditor),
        await call(app, 'GET', '/api/v1/repos'),
        await call(app, 'GET', '/api/v1/reports/soc2?format=html', auditor),
        await call(app, 'GET', '/api/v1/no-such-route', auditor),
        await call(app, 'POST', '/api/v1/admin/tokens', auditor, { name: 'x', role: 'admin' }),
      ];
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 401, 200, 404, 403],
      );
      assert.match(answers[2]!.headers.get('content-type') ?? '', /^text\/html/);
      for (const a of answers) {
        assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(a.headers.get('cache-control'), 'no-store');
      }
      const login = await app.request('/ui/login');
      const css = /href="(\/ui\/assets\/app-[0-9a-f]{12}\.css)"/.exec(await login.text())![1]!;
      const asset = await app.request(css);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    });
  });
}
