/**
 * Roles x endpoints x repositories, on PGlite and on PostgreSQL: every token gets exactly
 * the answer its role and scope allow, revoked, expired and missing tokens get 401 on every
 * route, and lists show only what is in scope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  MemoryWriter,
  pushWriter,
  repoPath,
  sha,
  token,
} from './harness.js';

const ROLES = ['admin', 'acmeAdmin', 'auditor', 'acmeAuditor', 'reviewer', 'ingest', 'otherIngest'] as const;
type Who = (typeof ROLES)[number];

interface Row {
  what: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Expected status for admin, acmeAdmin, auditor, acmeAuditor, reviewer(acme/api), ingest(acme/api), ingest(other). */
  expect: [number, number, number, number, number, number, number];
}

for (const backend of BACKENDS) {
  describe(`access control (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    const tokens = {} as Record<Who | 'revoked' | 'expired', string>;
    let api: MemoryWriter;
    let c1: string;
    let cOther: string;
    let cWeb: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db, { loadReports: async () => ({ generateReport: (kind) => ({ kind }) }) });
      tokens.admin = await token(db, { name: 'admin', role: 'admin' });
      tokens.acmeAdmin = await token(db, { name: 'acme admin', role: 'admin', orgs: ['acme'] });
      tokens.auditor = await token(db, { name: 'auditor', role: 'auditor' });
      tokens.acmeAuditor = await token(db, { name: 'acme auditor', role: 'auditor', orgs: ['acme'] });
      tokens.reviewer = await token(db, { name: 'reviewer', role: 'reviewer', repos: ['acme/api'] });
      tokens.ingest = await token(db, { name: 'ci', role: 'ingest', repos: ['acme/api'] });
      tokens.otherIngest = await token(db, { name: 'other ci', role: 'ingest', orgs: ['other'] });
      tokens.revoked = await token(db, { name: 'gone', role: 'auditor' });
      tokens.expired = await token(db, { name: 'old', role: 'auditor', expiresAt: '2020-01-01T00:00:00Z' });
      const id = (await db.query<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'gone'")).rows[0]!
        .id;
      assert.equal((await call(app, 'POST', `/api/v1/admin/tokens/${id}/revoke`, tokens.admin)).status, 200);

      api = new MemoryWriter();
      [c1] = api.append([checkpointRecord({ commit: sha(1), time: '2026-01-01T00:00:00.000Z' })]) as [string];
      await pushWriter(app, tokens.admin, 'acme/api', api);
      const web = new MemoryWriter();
      [cWeb] = web.append([checkpointRecord({ commit: sha(2), time: '2026-01-02T00:00:00.000Z' })]) as [
        string,
      ];
      await pushWriter(app, tokens.admin, 'acme/web', web);
      const other = new MemoryWriter();
      [cOther] = other.append([checkpointRecord({ commit: sha(3), time: '2026-01-03T00:00:00.000Z' })]) as [
        string,
      ];
      await pushWriter(app, tokens.admin, 'other/svc', other);
    });
    after(async () => {
      await opened.cleanup();
    });

    const rows = (): Row[] => {
      const writer = api.id;
      const key = api.trustedKey();
      return [
        {
          what: 'register keys acme/api',
          method: 'POST',
          path: repoPath('acme/api', 'keys'),
          body: { keys: [key] },
          expect: [200, 200, 403, 403, 403, 200, 403],
        },
        {
          what: 'register keys other/svc',
          method: 'POST',
          path: repoPath('other/svc', 'keys'),
          body: { keys: [] },
          expect: [200, 403, 403, 403, 403, 403, 200],
        },
        {
          what: 'writers acme/api',
          method: 'GET',
          path: repoPath('acme/api', 'writers'),
          expect: [200, 200, 200, 200, 403, 200, 403],
        },
        {
          what: 'pull acme/api',
          method: 'GET',
          path: repoPath('acme/api', 'writers', writer, 'entries'),
          expect: [200, 200, 200, 200, 403, 200, 403],
        },
        {
          what: 'push acme/api',
          method: 'POST',
          path: repoPath('acme/api', 'writers', writer, 'entries'),
          body: api.push(),
          expect: [200, 200, 403, 403, 403, 200, 403],
        },
        {
          what: 'consistency acme/api',
          method: 'GET',
          path: `${repoPath('acme/api', 'writers', writer, 'consistency')}?from=0`,
          expect: [200, 200, 200, 200, 403, 200, 403],
        },
        {
          what: 'search acme/api',
          method: 'GET',
          path: '/api/v1/checkpoints?repo=acme%2Fapi',
          expect: [200, 200, 200, 200, 200, 403, 403],
        },
        {
          what: 'search other/svc',
          method: 'GET',
          path: '/api/v1/checkpoints?repo=other%2Fsvc',
          expect: [200, 403, 200, 403, 403, 403, 403],
        },
        {
          what: 'detail in acme/api',
          method: 'GET',
          path: `/api/v1/checkpoints/${c1}`,
          expect: [200, 200, 200, 200, 200, 403, 403],
        },
        {
          what: 'detail in acme/web',
          method: 'GET',
          path: `/api/v1/checkpoints/${cWeb}`,
          expect: [200, 200, 200, 200, 404, 403, 403],
        },
        {
          what: 'detail in other/svc',
          method: 'GET',
          path: `/api/v1/checkpoints/${cOther}`,
          expect: [200, 404, 200, 404, 404, 403, 403],
        },
        {
          what: 'commit acme/api',
          method: 'GET',
          path: repoPath('acme/api', 'commits', sha(1)),
          expect: [200, 200, 200, 200, 200, 403, 403],
        },
        {
          what: 'blame acme/api',
          method: 'GET',
          path: `${repoPath('acme/api', 'blame')}?commit=${sha(1)}&path=src%2Fapp.ts`,
          expect: [200, 200, 200, 200, 200, 403, 403],
        },
        {
          what: 'blame other/svc',
          method: 'GET',
          path: `${repoPath('other/svc', 'blame')}?commit=${sha(3)}&path=src%2Fapp.ts`,
          expect: [200, 403, 200, 403, 403, 403, 403],
        },
        {
          what: 'stats acme/api',
          method: 'GET',
          path: '/api/v1/stats?repo=acme%2Fapi',
          expect: [200, 200, 200, 200, 200, 403, 403],
        },
        {
          what: 'report acme/api',
          method: 'GET',
          path: '/api/v1/reports/soc2?repo=acme%2Fapi',
          expect: [200, 200, 200, 200, 403, 403, 403],
        },
        {
          what: 'report other/svc',
          method: 'GET',
          path: '/api/v1/reports/soc2?repo=other%2Fsvc',
          expect: [200, 403, 200, 403, 403, 403, 403],
        },
        {
          what: 'ledger acme/api',
          method: 'GET',
          path: '/api/v1/ledger?repo=acme%2Fapi',
          expect: [200, 200, 200, 200, 403, 403, 403],
        },
        {
          what: 'alerts',
          method: 'GET',
          path: '/api/v1/alerts',
          expect: [200, 200, 200, 200, 403, 403, 403],
        },
        {
          what: 'access log',
          method: 'GET',
          path: '/api/v1/access-log',
          expect: [200, 200, 200, 200, 403, 403, 403],
        },
        {
          what: 'create token in acme',
          method: 'POST',
          path: '/api/v1/admin/tokens',
          body: { name: 'n', role: 'reviewer', repos: ['acme/web'] },
          expect: [201, 201, 403, 403, 403, 403, 403],
        },
        {
          what: 'create unscoped token',
          method: 'POST',
          path: '/api/v1/admin/tokens',
          body: { name: 'n', role: 'auditor' },
          expect: [201, 403, 403, 403, 403, 403, 403],
        },
        {
          what: 'list tokens',
          method: 'GET',
          path: '/api/v1/admin/tokens',
          expect: [200, 200, 403, 403, 403, 403, 403],
        },
        {
          what: 'webhook secret acme/api',
          method: 'POST',
          path: '/api/v1/admin/webhook-secrets',
          body: { host: 'github', repo: 'acme/api', secret: 'a-long-enough-secret' },
          expect: [201, 201, 403, 403, 403, 403, 403],
        },
        {
          what: 'webhook secret other/svc',
          method: 'POST',
          path: '/api/v1/admin/webhook-secrets',
          body: { host: 'github', repo: 'other/svc', secret: 'a-long-enough-secret' },
          expect: [201, 403, 403, 403, 403, 403, 403],
        },
        {
          what: 'purge other/svc',
          method: 'POST',
          path: '/api/v1/admin/purge',
          body: { repo: 'other/svc', before: '2000-01-01T00:00:00Z', reason: 'matrix' },
          expect: [200, 403, 403, 403, 403, 403, 403],
        },
        {
          what: 'approve a key of acme/api',
          method: 'POST',
          path: '/api/v1/admin/key-approvals',
          body: { repo: 'acme/api', keyId: api.id },
          expect: [200, 200, 403, 403, 403, 403, 403],
        },
        {
          what: 'key-set lock of other/svc (left unlocked)',
          method: 'POST',
          path: '/api/v1/admin/key-lock',
          body: { repo: 'other/svc', locked: false },
          expect: [200, 403, 403, 403, 403, 403, 403],
        },
        {
          what: 'repositories',
          method: 'GET',
          path: '/api/v1/repos',
          expect: [200, 200, 200, 200, 200, 200, 200],
        },
      ];
    };

    test('each role x endpoint x repository gets exactly the allowed status', async () => {
      const mismatches: string[] = [];
      for (const row of rows()) {
        for (const [i, who] of ROLES.entries()) {
          const answer = await call(app, row.method, row.path, tokens[who], row.body);
          if (answer.status !== row.expect[i]) {
            mismatches.push(
              `${row.what} as ${who}: ${answer.status} (expected ${row.expect[i]}) ${JSON.stringify(answer.body)}`,
            );
          }
          if (answer.status >= 400) {
            assert.equal(typeof answer.body?.error?.code, 'string', `${row.what} as ${who}: JSON error`);
          }
        }
        for (const who of ['revoked', 'expired', undefined] as const) {
          const answer = await call(app, row.method, row.path, who ? tokens[who] : undefined, row.body);
          if (answer.status !== 401)
            mismatches.push(`${row.what} as ${who ?? 'no token'}: ${answer.status} (expected 401)`);
        }
      }
      assert.deepEqual(mismatches, []);
    });

    test('lists only show what is in scope', async () => {
      const names = async (who: Who) =>
        (await call(app, 'GET', '/api/v1/repos', tokens[who])).body.repos.map(
          (r: { name: string }) => r.name,
        );
      assert.deepEqual(await names('admin'), ['acme/api', 'acme/web', 'other/svc']);
      assert.deepEqual(await names('acmeAuditor'), ['acme/api', 'acme/web']);
      assert.deepEqual(await names('reviewer'), ['acme/api']);
      assert.deepEqual(await names('otherIngest'), ['other/svc']);
      const search = async (who: Who) =>
        (await call(app, 'GET', '/api/v1/checkpoints', tokens[who])).body.checkpoints.map(
          (c: { repo: string }) => c.repo,
        );
      assert.deepEqual(await search('auditor'), ['other/svc', 'acme/web', 'acme/api']);
      assert.deepEqual(await search('acmeAuditor'), ['acme/web', 'acme/api']);
      assert.deepEqual(await search('reviewer'), ['acme/api']);
      const stats = await call(app, 'GET', '/api/v1/stats?by=repo', tokens.acmeAdmin);
      assert.deepEqual(
        stats.body.groups.map((g: { key: string }) => g.key),
        ['acme/api', 'acme/web'],
      );
      const ledger = await call(app, 'GET', '/api/v1/ledger', tokens.acmeAuditor);
      assert.deepEqual(
        ledger.body.repos.map((r: { repo: string }) => r.repo),
        ['acme/api', 'acme/web'],
      );
      const listed = await call(app, 'GET', '/api/v1/admin/tokens', tokens.acmeAdmin);
      assert.ok(
        listed.body.tokens.every(
          (t: { orgs: string[] | null; repos: string[] | null; name: string }) =>
            t.name === 'acme admin' ||
            ((t.repos ?? []).every((r) => r.startsWith('acme/')) &&
              (t.repos !== null || (t.orgs ?? []).every((o) => o === 'acme'))),
        ),
      );
      assert.ok(
        !listed.body.tokens.some((t: { name: string }) => t.name === 'admin'),
        'the global admin is outside its scope',
      );
    });
  });
}
