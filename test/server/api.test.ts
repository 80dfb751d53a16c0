/**
 * The read API on PGlite and on PostgreSQL, through `app.request()`: search with every
 * filter and pagination, checkpoint detail, blame, stats, reports, ledger status, the
 * OpenAPI document, errors (400/401/404/413/429) and the access log of reads.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TrailApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import { loadReportModule } from '../../src/server/routes/reports.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  commandRecord,
  count,
  deploymentRecord,
  MemoryWriter,
  promptRecord,
  pushWriter,
  repoPath,
  reviewRecord,
  sessionRecord,
  sha,
  testRecord,
  token,
} from './harness.js';

interface Seeded {
  c1: string;
  c2: string;
  c3: string;
  c4: string;
  c5: string;
}

async function seed(app: TrailApp, ingest: string): Promise<Seeded> {
  const a = new MemoryWriter();
  a.append([
    sessionRecord({
      sessionId: 's1',
      agent: 'claude-code',
      model: 'claude-sonnet-4',
      requester: 'alice',
      summary: 'Add retry to uploads',
      time: '2026-01-15T09:00:00.000Z',
    }),
    promptRecord('s1', 'Make uploads resilient to flaky networks', '2026-01-15T09:01:00.000Z'),
    commandRecord('s1', 'npm test', '2026-01-15T09:05:00.000Z'),
  ]);
  const [c1] = a.append([
    checkpointRecord({
      commit: sha(1),
      sessions: [{ sessionId: 's1', agent: 'claude-code', model: 'claude-sonnet-4' }],
      time: '2026-01-15T10:00:00.000Z',
      path: 'src/upload.ts',
      ai: 30,
      human: 10,
      summary: 'Retry uploads on timeout',
    }),
  ]);
  a.append([
    sessionRecord({
      sessionId: 's2',
      agent: 'codex',
      model: 'gpt-5',
      requester: 'bob',
      time: '2026-02-10T09:00:00.000Z',
    }),
    promptRecord('s2', 'Refactor the billing module', '2026-02-10T09:01:00.000Z'),
  ]);
  const [c2] = a.append([
    checkpointRecord({
      commit: sha(2),
      sessions: [{ sessionId: 's2', agent: 'codex', model: 'gpt-5' }],
      time: '2026-02-10T10:00:00.000Z',
      path: 'src/billing/invoice.ts',
      ai: 5,
      human: 15,
      summary: 'Split invoice totals',
    }),
  ]);
  const [c3] = a.append([
    checkpointRecord({
      commit: sha(3),
      time: '2026-02-20T10:00:00.000Z',
      path: 'docs/readme.md',
      ai: 0,
      human: 12,
    }),
  ]);
  a.append([
    reviewRecord({ commit: sha(1), checkpoint: c1, reviewer: 'carol', decision: 'approve' }),
    reviewRecord({ commit: sha(2), reviewer: 'dave', decision: 'comment', time: '2026-02-11T00:00:00.000Z' }),
    reviewRecord({
      commit: sha(2),
      reviewer: 'dave',
      decision: 'request-changes',
      time: '2026-02-11T01:00:00.000Z',
    }),
    testRecord(sha(1)),
    deploymentRecord(sha(1)),
  ]);
  await pushWriter(app, ingest, 'acme/api', a);

  const b = new MemoryWriter();
  const [c4] = b.append([
    checkpointRecord({
      commit: sha(4),
      sessions: [{ sessionId: 's4', agent: 'claude-code', model: 'claude-opus-4' }],
      time: '2026-03-05T10:00:00.000Z',
      path: 'web/index.ts',
      ai: 20,
      human: 0,
    }),
  ]);
  await pushWriter(app, ingest, 'acme/web', b);

  const c = new MemoryWriter();
  const [c5] = c.append([
    checkpointRecord({
      commit: sha(5),
      sessions: [{ sessionId: 's5', agent: 'gemini-cli' }],
      time: '2026-03-06T10:00:00.000Z',
      path: 'svc/main.go',
    }),
  ]);
  await pushWriter(app, ingest, 'other/svc', c);
  return { c1: c1!, c2: c2!, c3: c3!, c4: c4!, c5: c5! };
}

for (const backend of BACKENDS) {
  describe(`API (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let ids: Seeded;
    let admin: string;
    let auditor: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db, { loadReports: async () => undefined });
      admin = await token(db, { name: 'root', role: 'admin' });
      auditor = await token(db, { name: 'auditor', role: 'auditor' });
      ids = await seed(app, await token(db, { name: 'ci', role: 'ingest' }));
    });
    after(async () => {
      await opened.cleanup();
    });

    const search = async (query: string) => {
      const r = await call(app, 'GET', `/api/v1/checkpoints?${query}`, auditor);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.checkpoints.map((c: { id: string }) => c.id) as string[];
    };

    test('search: newest first, each filter, combined filters', async () => {
      const { c1, c2, c3, c4, c5 } = ids;
      assert.deepEqual(await search(''), [c5, c4, c3, c2, c1]);
      assert.deepEqual(await search('repo=acme%2Fapi'), [c3, c2, c1]);
      assert.deepEqual(await search('agent=codex'), [c2]);
      assert.deepEqual(await search('agent=claude-code'), [c4, c1]);
      assert.deepEqual(await search('model=claude-sonnet-4'), [c1]);
      assert.deepEqual(await search('requester=alice'), [c1]);
      assert.deepEqual(await search('reviewer=carol'), [c1]);
      assert.deepEqual(await search('reviewer=dave'), [c2]);
      assert.deepEqual(await search('status=approved'), [c1]);
      assert.deepEqual(await search('status=changes-requested'), [c2]);
      assert.deepEqual(await search('status=pending'), [c5, c4, c3]);
      assert.deepEqual(await search('path=src%2Fupload.ts'), [c1]);
      assert.deepEqual(await search('path=src%2F'), [c2, c1]);
      assert.deepEqual(await search('q=flaky'), [c1], 'a word only in the prompt');
      assert.deepEqual(await search('q=retries'), [c1], 'stemmed: retries finds "Retry"');
      assert.deepEqual(await search('q=billing'), [c2]);
      assert.deepEqual(await search('q=invoice+totals'), [c2], 'summary words');
      assert.deepEqual(await search('since=2026-02-01&until=2026-03-01'), [c3, c2]);
      assert.deepEqual(await search('since=2026-03'), [c5, c4]);
      assert.deepEqual(await search(`commit=${sha(2).slice(0, 8)}`), [c2]);
      assert.deepEqual(await search('repo=acme%2Fapi&agent=claude-code&status=approved&q=flaky'), [c1]);
      assert.deepEqual(await search('agent=nobody'), []);
      const first = (await call(app, 'GET', '/api/v1/checkpoints?agent=codex', auditor)).body.checkpoints[0];
      assert.equal(first.repo, 'acme/api');
      assert.equal(first.status, 'changes-requested');
      assert.equal(first.aiLines, 5);
      assert.equal(first.aiShare, 0.25);
    });

    test('search pages by cursor without repeating or skipping', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await call(
          app,
          'GET',
          `/api/v1/checkpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          auditor,
        );
        assert.equal(r.status, 200);
        seen.push(...r.body.checkpoints.map((c: { id: string }) => c.id));
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [ids.c5, ids.c4, ids.c3, ids.c2, ids.c1]);
      const bad = await call(app, 'GET', '/api/v1/checkpoints?cursor=nonsense', auditor);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'bad-request');
    });

    test('checkpoint detail: the checkpoint with its session, events, reviews, tests, deployments', async () => {
      const r = await call(app, 'GET', `/api/v1/checkpoints/${ids.c1}`, auditor);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.checkpoint.id, ids.c1);
      assert.equal(r.body.checkpoint.record.commit, sha(1));
      assert.equal(r.body.summary.status, 'approved');
      assert.deepEqual(
        r.body.sessions.map((s: { record: { sessionId: string } }) => s.record.sessionId),
        ['s1'],
      );
      assert.deepEqual(
        r.body.events.map((e: { record: { event: { type: string } } }) => e.record.event.type),
        ['prompt', 'command'],
      );
      assert.deepEqual(
        r.body.reviews.map((e: { record: { reviewer: string } }) => e.record.reviewer),
        ['carol'],
      );
      assert.equal(r.body.tests.length, 1);
      assert.equal(r.body.deployments.length, 1);
      const byCommit = await call(app, 'GET', repoPath('acme/api', 'commits', sha(1)), auditor);
      assert.equal(byCommit.status, 200);
      assert.equal(byCommit.body.checkpoint.id, ids.c1);
      assert.equal((await call(app, 'GET', `/api/v1/checkpoints/${'0'.repeat(64)}`, auditor)).status, 404);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints/xyz', auditor)).status, 400);
      assert.equal((await call(app, 'GET', repoPath('acme/api', 'commits', sha(99)), auditor)).status, 404);
    });

    test('blame: per-line origin from the attribution spans of the commit checkpoint', async () => {
      const r = await call(
        app,
        'GET',
        `${repoPath('acme/api', 'blame')}?commit=${sha(1)}&path=src%2Fupload.ts`,
        auditor,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.checkpoint, ids.c1);
      assert.equal(r.body.coverage, 'recorded-ranges');
      assert.equal(r.body.lines.length, 40);
      assert.deepEqual(r.body.lines[0], {
        line: 1,
        origin: 'ai',
        sessionId: 's1',
        agent: 'claude-code',
        model: 'claude-sonnet-4',
      });
      assert.equal(r.body.lines[29].origin, 'ai');
      assert.deepEqual(r.body.lines[30], {
        line: 31,
        origin: 'human',
        sessionId: null,
        agent: null,
        model: null,
      });
      const missing = await call(
        app,
        'GET',
        `${repoPath('acme/api', 'blame')}?commit=${sha(1)}&path=nope.ts`,
        auditor,
      );
      assert.equal(missing.status, 404);
      const noCommit = await call(
        app,
        'GET',
        `${repoPath('acme/api', 'blame')}?commit=${sha(77)}&path=a`,
        auditor,
      );
      assert.equal(noCommit.status, 404);
      const bad = await call(app, 'GET', `${repoPath('acme/api', 'blame')}?commit=abc&path=a`, auditor);
      assert.equal(bad.status, 400);
    });

    test('stats: AI share by month, agent, model and repository', async () => {
      const month = await call(app, 'GET', '/api/v1/stats?by=month', auditor);
      assert.equal(month.status, 200);
      assert.deepEqual(
        month.body.groups.map((g: { key: string; checkpoints: number; aiLines: number }) => [
          g.key,
          g.checkpoints,
          g.aiLines,
        ]),
        [
          ['2026-01', 1, 30],
          ['2026-02', 2, 5],
          ['2026-03', 2, 28],
        ],
      );
      assert.equal(month.body.groups[0].aiShare, 0.75);
      assert.equal(month.body.total.checkpoints, 5);
      assert.equal(month.body.total.aiLines, 63);
      const agent = await call(app, 'GET', '/api/v1/stats?by=agent&repo=acme%2Fapi', auditor);
      assert.deepEqual(
        agent.body.groups.map((g: { key: string }) => g.key),
        ['(none)', 'claude-code', 'codex'],
      );
      const repo = await call(app, 'GET', '/api/v1/stats?by=repo', auditor);
      assert.deepEqual(
        repo.body.groups.map((g: { key: string; humanLines: number }) => [g.key, g.humanLines]),
        [
          ['acme/api', 37],
          ['acme/web', 0],
          ['other/svc', 2],
        ],
      );
      const model = await call(app, 'GET', '/api/v1/stats?by=model&since=2026-03-01', auditor);
      assert.deepEqual(
        model.body.groups.map((g: { key: string }) => g.key),
        ['(none)', 'claude-opus-4'],
      );
      assert.equal((await call(app, 'GET', '/api/v1/stats?by=week', auditor)).status, 400);
    });

    test('reports: 501 while src/report is missing, the generator output when present', async () => {
      const missing = await call(app, 'GET', '/api/v1/reports/soc2', auditor);
      assert.equal(missing.status, 501);
      assert.equal(missing.body.error.code, 'not-implemented');
      const withReports = appFor(db, {
        loadReports: async () => ({
          generateReport: (kind, input) =>
            input.format === 'csv'
              ? 'commit,ai\n'
              : {
                  kind,
                  repo: input.repo,
                  records: input.records.length,
                  checkpoints: input.index.checkpoints.length,
                },
        }),
      });
      const json = await call(withReports, 'GET', '/api/v1/reports/soc2?repo=acme%2Fapi', auditor);
      assert.equal(json.status, 200);
      assert.deepEqual(json.body, { kind: 'soc2', repo: 'acme/api', records: 13, checkpoints: 3 });
      const csv = await call(withReports, 'GET', '/api/v1/reports/soc2?format=csv', auditor);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      assert.equal(csv.body, 'commit,ai\n');
      // The default loader finds src/report/index.ts exactly when it exists.
      const present = existsSync(fileURLToPath(new URL('../../src/report/index.ts', import.meta.url)));
      assert.equal((await loadReportModule()) !== undefined, present);
    });

    test('reports from src/report through the default loader', async () => {
      const real = appFor(db);
      const soc2 = await call(real, 'GET', '/api/v1/reports/soc2?repo=acme%2Fapi&format=json', auditor);
      assert.equal(soc2.status, 200, JSON.stringify(soc2.body).slice(0, 300));
      assert.match(soc2.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(typeof soc2.body, 'object');
      const md = await call(real, 'GET', '/api/v1/reports/gaps?format=md', auditor);
      assert.equal(md.status, 200);
      assert.match(md.headers.get('content-type') ?? '', /text\/markdown/);
      assert.equal((await call(real, 'GET', '/api/v1/reports/no-such-kind', auditor)).status, 404);
      assert.equal((await call(real, 'GET', '/api/v1/reports/soc2?format=jsonl', auditor)).status, 400);
    });

    test('ledger status per repository and writer', async () => {
      const r = await call(app, 'GET', '/api/v1/ledger', auditor);
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.repos.map((x: { repo: string; entries: number; status: string }) => [
          x.repo,
          x.entries,
          x.status,
        ]),
        [
          ['acme/api', 13, 'consistent'],
          ['acme/web', 1, 'consistent'],
          ['other/svc', 1, 'consistent'],
        ],
      );
      const writer = r.body.repos[0].writers[0];
      assert.equal(writer.size, 13);
      assert.equal(writer.latestHead.size, 13);
      assert.equal(writer.headsSeen, 6);
      const repos = await call(app, 'GET', '/api/v1/repos', auditor);
      assert.deepEqual(
        repos.body.repos.map((x: { name: string; writers: number }) => [x.name, x.writers]),
        [
          ['acme/api', 1],
          ['acme/web', 1],
          ['other/svc', 1],
        ],
      );
    });

    test('the OpenAPI 3.1 document describes exactly the routes the app serves', async () => {
      const r = await call(app, 'GET', '/openapi.json');
      assert.equal(r.status, 200);
      assert.equal(r.body.openapi, '3.1.0');
      const documented = Object.entries(r.body.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const served = [
        ...new Set(
          app.routes
            .filter((route) => route.method !== 'ALL' && !route.path.includes('*'))
            .map((route) => `${route.method} ${route.path.replace(/:([a-z]+)/g, '{$1}')}`),
        ),
      ].sort();
      assert.deepEqual(documented, served);
    });

    test('errors are JSON with a code: 400, 401, 404, 413, 429', async () => {
      const none = await call(app, 'GET', '/api/v1/checkpoints');
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'unauthorized');
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints', 'trail_not-a-token')).status, 401);
      const route = await call(app, 'GET', '/api/v1/nothing-here', auditor);
      assert.equal(route.status, 404);
      assert.equal(route.body.error.code, 'not-found');
      const query = await call(app, 'GET', '/api/v1/checkpoints?status=maybe', auditor);
      assert.equal(query.status, 400);
      assert.match(query.body.error.message, /status must be one of/);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?since=yesterday', auditor)).status, 400);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?repo=nope%2Fnope', auditor)).status, 404);
      const json = await call(app, 'POST', '/api/v1/admin/tokens', admin, '{not json');
      assert.equal(json.status, 400);

      const small = appFor(db, { maxBodyBytes: 1024 });
      const big = await call(small, 'POST', repoPath('acme/api', 'keys'), admin, {
        keys: [],
        pad: 'x'.repeat(4096),
      });
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'payload-too-large');

      const limited = appFor(db, { rateLimit: { perSecond: 0.01, burst: 2 } });
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await call(limited, 'GET', '/api/v1/repos', auditor)).status);
      assert.deepEqual(statuses, [200, 200, 429]);
      const last = await call(limited, 'GET', '/api/v1/repos', auditor);
      assert.equal(last.body.error.code, 'rate-limited');
      assert.ok(Number(last.headers.get('retry-after')) > 0);
      assert.equal(
        (await call(limited, 'GET', '/api/v1/repos', admin)).status,
        200,
        'the limit is per token',
      );
    });

    test('every read of audit records is written to the access log', async () => {
      const reader = await token(db, { name: 'reader', role: 'reviewer', orgs: ['acme'] });
      const id = (await db.query<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'reader'")).rows[0]!
        .id;
      assert.equal((await call(app, 'GET', `/api/v1/checkpoints/${ids.c1}`, reader)).status, 200);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?repo=other%2Fsvc', reader)).status, 403);
      const rows = await db.query<{ route: string; repo: string; status: number }>(
        'SELECT route, repo, status FROM access_log WHERE token_id = $1 ORDER BY id',
        [id],
      );
      assert.deepEqual(
        rows.rows.map((r) => [r.route, r.repo, Number(r.status)]),
        [
          ['/api/v1/checkpoints/:id', 'acme/api', 200],
          ['/api/v1/checkpoints', 'other/svc', 403],
        ],
      );
      const log = await call(app, 'GET', `/api/v1/access-log?token=${id}`, auditor);
      assert.equal(log.status, 200);
      assert.equal(log.body.entries.length, 2);
      assert.ok(
        (await count(db, 'access_log', 'token_id IS NULL')) > 0,
        'refused anonymous calls are logged too',
      );
    });

    test('a scoped auditor gets up to `limit` rows of its own scope, however many others came after', async () => {
      const scoped = await token(db, { name: 'acme auditor', role: 'auditor', orgs: ['acme'] });
      assert.equal((await call(app, 'GET', `/api/v1/checkpoints/${ids.c1}`, auditor)).status, 200);
      // Newer rows it may not see: reads with no repository, and another organisation's.
      for (let i = 0; i < 3; i++)
        assert.equal((await call(app, 'GET', '/api/v1/repos', auditor)).status, 200);
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints?repo=other%2Fsvc', auditor)).status, 200);
      const log = await call(app, 'GET', '/api/v1/access-log?limit=1', scoped);
      assert.equal(log.status, 200, JSON.stringify(log.body));
      assert.deepEqual(
        log.body.entries.map((e: { route: string; repo: string }) => [e.route, e.repo]),
        [['/api/v1/checkpoints/:id', 'acme/api']],
      );
    });
  });
}
