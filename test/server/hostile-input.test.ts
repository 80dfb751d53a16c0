/**
 * Hostile input answers 4xx, never 500 (each 500 also wrote a stack to the log, and the
 * webhook ones needed no credentials), on PGlite and on PostgreSQL: a NUL in a query
 * parameter or an admin's body, a time that is year 0 or 10000 in UTC, a forged cursor,
 * a token id that is none, a YAML alias bomb, and any value the database still refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import { checkedRepoName } from '../../src/server/http.js';
import { openApiDocument } from '../../src/server/openapi.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  MemoryWriter,
  pushWriter,
  repoPath,
  sessionRecord,
  sha,
  token,
} from './harness.js';
import { dashboardCookie } from './review-views.js';

const YEAR_0 = encodeURIComponent('0001-01-01T00:00+23:59');
const YEAR_10000 = encodeURIComponent('9999-12-31T23:59-23:59');
const cursorOf = (time: string) => Buffer.from(JSON.stringify([time, 'a'.repeat(64)])).toString('base64url');

for (const backend of BACKENDS) {
  describe(`hostile input answers 4xx (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let admin: string;
    let ingest: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db, { loadReports: async () => ({ generateReport: (kind) => ({ kind }) }) });
      // A route that hands the database a value it refuses, as a check nobody wrote would.
      app.get('/api/v1/test/unchecked', async (c) => {
        await opened.db.query('SELECT $1::text AS t', [`a${'\u0000'}b`]);
        return c.json({ reached: true });
      });
      admin = await token(opened.db, { name: 'admin', role: 'admin' });
      ingest = await token(opened.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      const w = new MemoryWriter();
      w.append([checkpointRecord({ commit: sha(1), time: '2026-03-01T11:00:00.000Z' })]);
      w.append([checkpointRecord({ commit: sha(2), time: '2026-03-02T11:00:00.000Z' })]);
      w.append([checkpointRecord({ commit: sha(3), time: '2026-03-03T11:00:00.000Z' })]);
      await pushWriter(app, ingest, 'acme/web', w);
    });
    after(() => opened.cleanup());

    const refused = async (
      status: number,
      method: string,
      path: string,
      body?: unknown,
      message?: RegExp,
    ) => {
      const answer = await call(app, method, path, admin, body);
      assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      if (message) assert.match(answer.body.error.message, message);
      return answer;
    };

    test('a NUL in a query parameter is a 400 naming it', async () => {
      for (const name of ['q', 'author', 'agent', 'path', 'requester', 'reviewer', 'model']) {
        await refused(
          400,
          'GET',
          `/api/v1/checkpoints?${name}=a%00b`,
          undefined,
          new RegExp(`${name} holds a NUL`),
        );
      }
      await refused(400, 'GET', '/api/v1/access-log?token=%00', undefined, /token holds a NUL/);
      await refused(400, 'GET', `${repoPath('acme/web', 'blame')}?commit=${sha(1)}&path=%00`);
    });

    test('a time that is year 0 or 10000 in UTC is a 400', async () => {
      for (const path of [
        `/api/v1/checkpoints?since=${YEAR_0}`,
        `/api/v1/checkpoints?until=${YEAR_10000}`,
        `/api/v1/stats?since=${YEAR_0}`,
        `/api/v1/access-log?since=${YEAR_10000}`,
        `/api/v1/alerts?since=${YEAR_0}`,
        `/api/v1/reports/soc2?format=json&since=${encodeURIComponent('0001-01-01T00:00+01:00')}`,
      ]) {
        await refused(400, 'GET', path, undefined, /years 1 to 9999/);
      }
      // The last instants of the range still pass, in UTC.
      const edge = await call(
        app,
        'GET',
        `/api/v1/checkpoints?since=${encodeURIComponent('0001-01-01T00:00-01:00')}`,
        admin,
      );
      assert.equal(edge.status, 200, JSON.stringify(edge.body));
      assert.equal(edge.body.checkpoints.length, 3);
    });

    test('a forged cursor is a 400; the cursors the server gives out page through every row', async () => {
      for (const time of [
        '2026-13-45 99:99:99',
        '0000-01-01 00:00:00',
        '9999-12-31 23:59:00-23',
        '2026-02-30 10:00:00+00',
      ]) {
        await refused(400, 'GET', `/api/v1/checkpoints?cursor=${cursorOf(time)}`, undefined, /cursor/);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(
          app,
          'GET',
          `/api/v1/checkpoints?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          admin,
        );
        assert.equal(page.status, 200, JSON.stringify(page.body));
        seen.push(...page.body.checkpoints.map((c: { commit: string }) => c.commit));
        cursor = page.body.nextCursor;
      } while (cursor && seen.length < 10);
      assert.deepEqual(seen, [sha(3), sha(2), sha(1)]);
    });

    test("an admin's NUL, odd offset or made-up token id is a 400; a +20:00 expiry is kept in UTC", async () => {
      const tokens = '/api/v1/admin/tokens';
      await refused(
        400,
        'POST',
        tokens,
        { name: 'x', role: 'auditor', expiresAt: '0001-01-01T00:00+23:59' },
        /expiresAt/,
      );
      await refused(
        400,
        'POST',
        tokens,
        { name: 'x', role: 'auditor', expiresAt: '2020-01-01T00:00:00Z' },
        /expiresAt 2020-01-01T00:00:00Z is not in the future/,
      );
      await refused(400, 'POST', tokens, { name: 'x\u0000', role: 'auditor' }, /name/);
      await refused(400, 'POST', tokens, { name: 'x', role: 'auditor', orgs: ['a\u0000'] }, /orgs/);
      await refused(400, 'POST', '/api/v1/admin/tokens/%00/revoke', undefined, /token id/);
      await refused(400, 'POST', `/api/v1/admin/tokens/${'x'.repeat(5000)}/revoke`, undefined, /token id/);
      const secrets = '/api/v1/admin/webhook-secrets';
      await refused(400, 'POST', secrets, { host: 'github', secret: `${'a'.repeat(16)}\u0000` }, /NUL/);
      await refused(400, 'POST', secrets, { host: 'github', secret: 'a'.repeat(17), org: 'x\u0000' }, /org/);
      const purge = '/api/v1/admin/purge';
      await refused(
        400,
        'POST',
        purge,
        { repo: 'acme/web', before: '0001-01-01T00:00+23:59', reason: 'r' },
        /before/,
      );
      await refused(
        400,
        'POST',
        purge,
        { repo: 'acme/web', before: '2026-01-01T00:00:00Z', reason: 'r\u0000' },
        /reason/,
      );

      const created = await call(app, 'POST', tokens, admin, {
        name: 'far east',
        role: 'auditor',
        expiresAt: '2099-06-01T00:00:00+20:00',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const listed = await call(app, 'GET', tokens, admin);
      const row = listed.body.tokens.find((t: { id: string }) => t.id === created.body.id);
      assert.equal(row.expiresAt, '2099-05-31T04:00:00.000Z');
      const revoked = await call(app, 'POST', `${tokens}/${created.body.id}/revoke`, admin);
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    });

    test('a policy whose aliases expand past the limit is a 422 naming the file line', async () => {
      const aliases = [
        'a: &a [x,x,x,x,x,x,x,x,x]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      ].join('\n');
      const commit = sha(1).padEnd(40, '0');
      for (const [policy, message] of [
        [aliases, /^"policy": \.trail\/policy\.yml:\d+: not valid YAML: its aliases \(\*name\) expand/],
        ['a: *nowhere', /^"policy": \.trail\/policy\.yml:1: not valid YAML: Unresolved alias/],
        ['# a comment\u0000\nversion: 1', /^"policy": \.trail\/policy\.yml:1: holds a NUL character/],
      ] as const) {
        const answer = await call(app, 'POST', repoPath('acme/web', 'policy'), ingest, { commit, policy });
        assert.equal(answer.status, 422, JSON.stringify(answer.body));
        assert.match(answer.body.error.message, message);
      }
    });

    test('an unsigned webhook naming a repository with a NUL is refused, not a 500', async () => {
      for (const [host, body, headers] of [
        ['github', { repository: { full_name: 'a\u0000b' } }, { 'x-github-event': 'push' }],
        [
          'gitlab',
          { project: { path_with_namespace: 'acme/web\u0000' } },
          { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'x' },
        ],
      ] as const) {
        const answer = await call(app, 'POST', `/webhooks/${host}`, undefined, body, headers);
        assert.ok(
          answer.status >= 400 && answer.status < 500,
          `${host}: ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
      assert.throws(() => checkedRepoName('a\u0000b'), { status: 400 });
      assert.equal(checkedRepoName('acme/web'), 'acme/web');
      assert.equal(checkedRepoName(undefined), undefined);
    });

    test('a value the database refuses that no check caught is a 400, not a 500', async () => {
      const answer = await call(app, 'GET', '/api/v1/test/unchecked', admin);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'bad-request');
      assert.match(answer.body.error.message, /the database cannot store/);
    });

    test('every GET route the OpenAPI document lists, and every dashboard page, answers odd values of each parameter below 500; markup comes back as text', async () => {
      // Its own app, with the real reports: the odd periods reach their code too.
      const real = appFor(opened.db);
      const w = new MemoryWriter();
      w.append([
        sessionRecord({ sessionId: 'sweep-session', time: '2026-03-04T10:00:00.000Z' }),
        checkpointRecord({
          commit: sha(4),
          time: '2026-03-04T11:00:00.000Z',
          sessions: [{ sessionId: 'sweep-session', agent: 'claude-code' }],
        }),
      ]);
      await pushWriter(real, ingest, 'acme/sweep', w);
      const checkpoint = (await call(real, 'GET', '/api/v1/checkpoints?repo=acme%2Fsweep', admin)).body
        .checkpoints[0].id as string;
      // A value for each path parameter; a route with one not named here fails the test, so a
      // new route is swept too.
      const pathValues = (route: string): Record<string, string> => ({
        repo: 'acme%2Fsweep',
        writer: w.id,
        sha: sha(4),
        id: route.startsWith('/api/v1/sessions') ? 'sweep-session' : checkpoint,
        kind: 'soc2',
      });
      const odd = [
        '',
        ' ',
        'x'.repeat(5000),
        '-1',
        '0',
        '1e400',
        '99999999999999999999',
        '2026-02-30',
        '0001-01-01',
        '9999-12-31T23:59:59.999Z',
        '../../etc/passwd',
        'null',
        '😀',
        "'; DROP TABLE commits; --",
        '[]',
        '%',
        'NaN',
        '2026-12',
        'a\nb',
      ];
      const paths = (
        openApiDocument() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> }
      ).paths;
      let asked = 0;
      for (const [route, methods] of Object.entries(paths)) {
        const get = methods.get;
        if (!get) continue;
        const values = pathValues(route);
        const path = route.replace(/\{(\w+)\}/g, (_, name: string) => {
          assert.ok(values[name], `${route}: no value for its path parameter ${name}`);
          return values[name]!;
        });
        // Required query parameters keep a good value while another is made odd.
        const required = (get.parameters ?? []).filter((q) => q.in === 'query' && q.required);
        const base = required.map((q) => {
          assert.ok(QUERY_VALUES[q.name], `${route}: no value for its required parameter ${q.name}`);
          return [q.name, QUERY_VALUES[q.name]!] as [string, string];
        });
        const query = (name?: string, value?: string) =>
          new URLSearchParams([
            ...base.filter(([n]) => n !== name),
            ...(name === undefined ? [] : [[name, value ?? ''] as [string, string]]),
          ]).toString();
        const plain = await call(real, 'GET', `${path}?${query()}`, admin);
        assert.ok(
          plain.status < 400,
          `GET ${path}: ${plain.status} ${JSON.stringify(plain.body).slice(0, 200)}`,
        );
        for (const parameter of get.parameters ?? []) {
          if (parameter.in !== 'query') continue;
          for (const value of odd) {
            const answer = await call(real, 'GET', `${path}?${query(parameter.name, value)}`, admin);
            asked++;
            assert.ok(
              answer.status < 500,
              `GET ${path}?${parameter.name}=${value.slice(0, 40)}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
            );
          }
        }
      }
      assert.ok(asked > 500, `${asked} requests`);

      // The dashboard's pages, signed in, with the same kind of values and markup that must
      // come back as text.
      const cookie = await dashboardCookie((url, init) => Promise.resolve(real.request(url, init)), admin);
      const pages = [
        '/ui',
        '/ui/checkpoints',
        '/ui/sessions',
        '/ui/gaps',
        '/ui/ledger',
        '/ui/reports',
        `/ui/checkpoints/${checkpoint}`,
        `/ui/checkpoints/${checkpoint}/evidence.json`,
        '/ui/sessions/sweep-session',
        `/ui/commits/${sha(4)}`,
        '/ui/export/checkpoints.csv',
        '/ui/export/sessions.csv',
        '/ui/reports/download',
      ];
      const names =
        'repo,since,until,agent,model,author,requester,reviewer,status,path,commit,q,limit,cursor,carried,kind,format,from,to'.split(
          ',',
        );
      const markup = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];
      for (const page of pages) {
        for (const name of names) {
          for (const value of ['x'.repeat(3000), '2026-02-30', ...markup]) {
            const url = `${page}?${new URLSearchParams({ [name]: value })}`;
            const answer = await real.request(url, { headers: { cookie } });
            const text = await answer.text();
            assert.ok(
              answer.status < 500,
              `GET ${url.slice(0, 120)}: ${answer.status} ${text.slice(0, 200)}`,
            );
            for (const probe of markup)
              assert.ok(!text.includes(probe), `GET ${url.slice(0, 120)} gave back ${probe}`);
          }
        }
      }
    });
  });
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}

/** A good value of each required query parameter, as the sweep's ledger holds it. */
const QUERY_VALUES: Record<string, string> = { commit: sha(4), path: 'src/app.ts' };
