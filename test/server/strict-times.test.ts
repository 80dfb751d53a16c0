/**
 * Times a client sends are read strictly (src/core/iso-time.ts): what Date.parse takes but
 * the database refuses ("1", "March 7", year 99999) was a 500; it is a 4xx naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import type { TrailApp } from '../../src/server/app.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, token } from './harness.js';

for (const backend of BACKENDS) {
  describe(`strict times (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      admin = await token(opened.db, { name: 'admin', role: 'admin' });
      const created = await call(app, 'POST', '/api/v1/repos/acme%2Fapi/keys', admin, { keys: [] });
      assert.equal(created.status, 200, JSON.stringify(created.body));
    });
    after(() => opened.cleanup());

    const refused = async (
      status: number,
      message: RegExp,
      ...args: Parameters<typeof call> extends [unknown, ...infer R] ? R : never
    ) => {
      const answer = await call(app, ...args);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.match(answer.body.error.message, message);
    };

    test('token expiry, purge cutoff and query periods', async () => {
      for (const expiresAt of ['March 7', '1', '2026-02-30T00:00:00Z']) {
        await refused(400, /expiresAt must be an ISO 8601 time/, 'POST', '/api/v1/admin/tokens', admin, {
          name: 'x',
          role: 'ingest',
          expiresAt,
        });
      }
      await refused(400, /before must be an ISO 8601 time/, 'POST', '/api/v1/admin/purge', admin, {
        repo: 'acme/api',
        before: '-010000-01-01T00:00:00Z',
        reason: 'r',
      });
      for (const since of ['99999-01-01', '2026-02-30', '1']) {
        await refused(
          400,
          /query parameter since must be a date or an ISO 8601 time/,
          'GET',
          `/api/v1/checkpoints?since=${since}`,
          admin,
        );
      }
      const fine = await call(app, 'GET', '/api/v1/checkpoints?since=2026-02-28', admin);
      assert.equal(fine.status, 200, JSON.stringify(fine.body));
    });

    test('pushed commit dates and key revocation times', async () => {
      const key = generateKeyPair();
      await refused(
        422,
        /commits\[0\]\.date is not an ISO 8601 time/,
        'POST',
        '/api/v1/repos/acme%2Fapi/commits',
        admin,
        {
          commits: [
            {
              sha: '2'.repeat(40),
              parents: [],
              author: 'a',
              authorEmail: 'a',
              date: '1',
              subject: 's',
              paths: [],
            },
          ],
        },
      );
      await refused(
        422,
        /revokedAt is not an ISO 8601 time/,
        'POST',
        '/api/v1/repos/acme%2Fapi/keys',
        admin,
        {
          keys: [
            {
              keyId: key.keyId,
              publicKey: key.publicKey,
              revokedAt: '1',
            },
          ],
        },
      );
    });
  });
}
