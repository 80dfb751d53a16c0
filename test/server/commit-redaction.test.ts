/**
 * Commits pushed by a client that does not redact (an older clone, a script on the API) are
 * redacted by the server before they reach the append-only commits table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, token } from './harness.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const GITHUB_TOKEN = `ghp_${'abcdefghijklmnopqrstuvwxyz0123456789'}`;

for (const backend of BACKENDS) {
  describe(`commits are redacted on the server (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;
    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      admin = await token(opened.db, { name: 'admin', role: 'admin' });
      // The first push registers the repository.
      assert.equal(
        (await call(app, 'POST', '/api/v1/repos/acme%2Fapi/keys', admin, { keys: [] })).status,
        200,
      );
    });
    after(() => opened.cleanup());

    test('subject, author and paths lose their secrets; the rest is stored as sent', async () => {
      const sha = '1'.repeat(40);
      const pushed = await call(app, 'POST', '/api/v1/repos/acme%2Fapi/commits', admin, {
        commits: [
          {
            sha,
            parents: [],
            author: `Eve ${GITHUB_TOKEN} <e@x.io>`,
            authorEmail: 'e@x.io',
            date: '2026-12-01T00:00:00Z',
            subject: `leak ${AWS_KEY} and ${GITHUB_TOKEN}`,
            paths: ['src/ok.ts', `keys/${GITHUB_TOKEN}.txt`],
          },
        ],
      });
      assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
      const rows = await opened.db.query<{
        author: string;
        author_email: string;
        subject: string;
        paths: string[];
      }>('SELECT author, author_email, subject, paths FROM commits WHERE sha = $1', [sha]);
      const stored = JSON.stringify(rows.rows);
      assert.ok(!stored.includes(AWS_KEY) && !stored.includes(GITHUB_TOKEN), stored);
      const row = rows.rows[0]!;
      assert.match(row.subject, /^leak \S+ and \S+$/);
      assert.equal(row.author_email, 'e@x.io');
      assert.equal(row.paths.length, 2);
      assert.equal(row.paths[0], 'src/ok.ts');
    });
  });
}
