/**
 * The dashboard through `app.request()`, without a browser: records full of markup and
 * hostile URLs come out as text and dead links on every page (checked structurally: only
 * the tags and attributes the templates write, no event handlers, no `javascript:`); sign-in
 * and its refusals, the cookie's attributes, open redirects and cross-site posts; what each
 * role is shown; report downloads named and dated; the CSV export; the access log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { validateRecord } from '../../src/core/records.js';
import type { TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import { IDLE_MS, SessionStore } from '../../src/server/dashboard/sessions.js';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { ReportInput } from '../../src/server/routes/reports.js';
import {
  call,
  checkpointRecord,
  count,
  MemoryWriter,
  promptRecord,
  pushWriter,
  reviewRecord,
  sessionRecord,
  sha,
  token,
} from '../server/harness.js';

const XSS = '<script>alert(1)</script>';
const NOW = new Date('2026-06-15T12:00:00.000Z');

/** The tags the templates write; anything else in a page came from a record. */
const TAGS = new Set(
  (
    'html head meta title link body div aside a svg path rect circle span small nav form button main header ' +
    'h1 h2 h3 p section dl dt dd ul li ol table thead tbody tr th td code pre details summary time b hr g ' +
    'text line input label select option datalist noscript script strong'
  ).split(' '),
);

/**
 * Every tag in the page is one the templates write, well formed (attribute values quoted,
 * so text from a record, whose quotes are escaped, cannot end one), with no event-handler
 * attribute and no script URL; the only script is the dashboard's own file.
 */
function assertInert(page: string): void {
  const ATTR = /\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?/g;
  for (const m of page.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const [whole, tag, attrs] = m as unknown as [string, string, string];
    assert.ok(TAGS.has(tag.toLowerCase()), `unexpected <${tag}> in the page`);
    const rest = attrs.replace(/\s*\/$/, '');
    assert.equal(rest.replace(ATTR, ''), '', `malformed tag ${whole}`);
    for (const [, name, value] of rest.matchAll(ATTR)) {
      assert.ok(!/^on/i.test(name!), `event handler ${name} in ${whole}`);
      if (/^(href|src|action|formaction)$/i.test(name!)) {
        assert.doesNotMatch(value ?? '', /^\s*(javascript|data|vbscript):/i, `script URL in ${whole}`);
      }
    }
  }
  const scripts = [...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(
    scripts.map((s) => /^<script src="\/ui\/assets\/app-[0-9a-f]{12}\.js" defer>$/.test(s)),
    scripts.map(() => true),
    `only the dashboard's own script file: ${scripts.join(' ')}`,
  );
  assert.ok(!page.includes(XSS), 'the markup from records is escaped');
}

interface Reported {
  kind: string;
  input: ReportInput;
}

describe('dashboard pages (in process)', () => {
  let db: Database;
  let app: TrailApp;
  let admin: string;
  let auditor: string;
  let reviewer: string;
  let ingest: string;
  let hostileId: string;
  let okId: string;
  const reported: Reported[] = [];

  const signIn = async (secret: string): Promise<string> => {
    const res = await app.request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: secret, next: '/ui' }).toString(),
    });
    assert.equal(res.status, 303, await res.text());
    const cookie = res.headers.get('set-cookie') ?? '';
    return cookie.split(';')[0]!;
  };

  const get = async (path: string, cookie: string) => {
    const res = await app.request(path, { headers: { cookie } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  before(async () => {
    db = await openPglite();
    await migrate(db);
    app = createApp(db, {
      rateLimit: false,
      now: () => NOW,
      loadReports: async () => ({
        generateReport: (kind: string, input: ReportInput) => {
          reported.push({ kind, input });
          if (input.format === 'pdf') return new Uint8Array(Buffer.from('%PDF-1.7 fake'));
          if (kind === 'gaps') {
            return {
              body: JSON.stringify({
                title: 'Audit gaps',
                summary: [{ label: 'Gaps', value: 2 }],
                ledger: { ok: true },
                sections: [
                  {
                    id: 'gaps',
                    title: 'Gaps',
                    intro: [`2 gaps ${XSS}`],
                    table: {
                      columns: [
                        { key: 'date', title: 'Date', kind: 'time' },
                        { key: 'commit', title: 'Commit', kind: 'id' },
                        { key: 'gap', title: 'Gap', kind: 'status' },
                        { key: 'detail', title: 'Detail' },
                      ],
                      rows: [
                        { date: '2026-03-01T11:00:00Z', commit: sha('x'), gap: 'no-approval', detail: XSS },
                        ['2026-03-02T11:00:00Z', sha('y'), 'no-checkpoint', 'hand-written'],
                      ],
                    },
                  },
                ],
              }),
              contentType: 'application/json',
            };
          }
          return `report ${kind}`;
        },
      }),
    });
    admin = await token(db, { name: 'admin', role: 'admin' });
    auditor = await token(db, { name: `auditor ${XSS}`, role: 'auditor' });
    reviewer = await token(db, { name: 'reviewer', role: 'reviewer', repos: ['acme/api'] });
    ingest = await token(db, { name: 'ci', role: 'ingest' });

    const w = new MemoryWriter();
    const [, ...eventIds] = w.append([
      validateRecord({
        kind: 'session',
        v: 1,
        provenance: 'observed',
        time: '2026-03-01T10:00:00.000Z',
        actor: { type: 'agent', id: 'claude-code' },
        sessionId: 's-evil',
        agent: { name: `claude-code${XSS}`, version: '"><img src=x onerror=alert(2)>' },
        model: `model${XSS}`,
        request: {
          tickets: [
            { id: `T-1${XSS}`, url: 'javascript:alert(3)' },
            { id: 'T-2', url: 'https://tickets.example/T-2' },
          ],
          requester: '<img src=x onerror=alert(4)>@example.com',
          approvalState: 'approved',
          acceptanceCriteria: [`criterion ${XSS}`],
        },
        boundary: {
          mode: 'local',
          host: `host${XSS}`,
          credentialNames: ['<b>AWS_SECRET</b>'],
          allowedTools: ['Bash(<script>)'],
        },
        startedAt: '2026-03-01T10:00:00.000Z',
      }),
      promptRecord('s-evil', `Fix it ${XSS} "quoted" 'single' & more`),
      ...[
        { type: 'reasoning', text: `"><svg onload=alert(5)>` },
        { type: 'decision', text: `decide ${XSS}` },
        { type: 'constraint', text: `constraint ${XSS}` },
        {
          type: 'alternative',
          approach: `</td><script>alert(6)</script>`,
          rejectedBecause: `because ${XSS}`,
        },
        { type: 'risk', text: `risk ${XSS}`, severity: 'critical' },
        { type: 'context', source: 'url', ref: `javascript:alert(7)" onmouseover="alert(8)`, note: XSS },
        { type: 'command', command: `echo '<iframe src=javascript:alert(9)>'`, exitCode: 2, outputTail: XSS },
        {
          type: 'validation',
          check: `test${XSS}`,
          status: 'failed',
          attempt: 1,
          exitCode: 1,
          outputTail: XSS,
        },
        { type: 'repair', check: `test${XSS}`, attempt: 2, outcome: 'fixed', files: [`src/${XSS}.ts`] },
        { type: 'validation', check: `test${XSS}`, status: 'passed', attempt: 2, exitCode: 0 },
        { type: 'usage', model: `m${XSS}`, inputTokens: 10, outputTokens: 5, costUsd: 0.01 },
      ].map((event, i) =>
        validateRecord({
          kind: 'event',
          v: 1,
          provenance: 'agent-reported',
          time: `2026-03-01T10:0${Math.min(i + 2, 9)}:00.000Z`,
          actor: { type: 'agent', id: 'claude-code' },
          sessionId: 's-evil',
          event,
        }),
      ),
    ]);
    const evilPath = `src/<img src=x onerror=alert(10)>.ts`;
    const checkpoint = validateRecord({
      ...checkpointRecord({
        commit: sha('evil'),
        sessions: [{ sessionId: 's-evil', agent: `claude-code${XSS}`, model: `model${XSS}` }],
        time: '2026-03-01T11:00:00.000Z',
        path: evilPath,
        summary: `Summary ${XSS}`,
      }),
      message: `Commit ${XSS}\n\nbody`,
      author: `Mallory <${XSS}@example.com>`,
      branch: `feature/${XSS}`,
      events: eventIds,
    });
    hostileId = w.append([checkpoint])[0]!;
    w.append([
      reviewRecord({ commit: sha('evil'), reviewer: `<b>${XSS}</b>`, decision: 'request-changes' }),
      validateRecord({
        kind: 'deployment',
        v: 1,
        provenance: 'human',
        time: '2026-03-02T09:00:00.000Z',
        actor: { type: 'ci', id: 'deploy' },
        env: `prod${XSS}`,
        commit: sha('evil'),
        status: 'failure',
        url: 'javascript:alert(11)',
      }),
    ]);
    await pushWriter(app, ingest, 'acme/api', w);

    const other = new MemoryWriter();
    okId = other.append([
      checkpointRecord({
        commit: sha('ok'),
        sessions: [{ sessionId: 's-ok', agent: 'claude-code', model: 'claude-opus-4' }],
        summary: '=HYPERLINK("http://evil.example","click")',
        time: '2026-04-01T11:00:00.000Z',
      }),
    ])[0]!;
    other.append([
      sessionRecord({ sessionId: 's-ok', model: 'claude-opus-4', requester: 'dev@example.com' }),
      // The same reviewer approves twice (a second `trail review --approve`).
      reviewRecord({ commit: sha('ok'), checkpoint: okId, reviewer: 'rev@example.com', decision: 'approve' }),
      reviewRecord({
        commit: sha('ok'),
        checkpoint: okId,
        reviewer: 'rev@example.com',
        decision: 'approve',
        time: '2026-04-02T12:00:00.000Z',
      }),
    ]);
    await pushWriter(app, ingest, 'other/svc', other);
  });

  after(async () => {
    await db.close();
  });

  test('/ redirects to the dashboard; other methods on / are the API 404', async () => {
    const root = await app.request('/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/ui');
    const post = await call(app, 'POST', '/');
    assert.equal(post.status, 404);
    assert.equal(post.body.error.code, 'not-found');
  });

  test('sign-in: refusals, the session cookie, no open redirect, no cross-site form', async () => {
    const anonymous = await app.request('/ui/checkpoints?q=x');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/ui/login?next=%2Fui%2Fcheckpoints%3Fq%3Dx');

    const form = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      app.request('/ui/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
    const unknown = await form({ token: 'trail_nope' });
    assert.equal(unknown.status, 401);
    assert.match(await unknown.text(), /the API token is not known to this server/);
    const empty = await form({ token: '' });
    assert.equal(empty.status, 400);
    const pushOnly = await form({ token: ingest });
    assert.equal(pushOnly.status, 403);
    assert.match(await pushOnly.text(), /This is an ingest token/);

    const ok = await form({ token: auditor, next: '/ui/ledger?repo=acme%2Fapi' });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/ui/ledger?repo=acme%2Fapi');
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^trail_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\/ui/);
    assert.ok(!cookie.includes(auditor), 'the cookie holds a session id, not the token');
    assert.doesNotMatch(cookie, /Secure/, 'plain http on 127.0.0.1');
    const https = await app.request('https://trail.example/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: auditor }).toString(),
    });
    assert.match(https.headers.get('set-cookie') ?? '', /; Secure/);

    for (const next of [
      'https://evil.example/',
      '//evil.example/ui',
      '/uix',
      '/api/v1/checkpoints',
      '/ui\\evil',
    ]) {
      const res = await form({ token: auditor, next });
      assert.equal(res.headers.get('location'), '/ui', `next=${next}`);
    }
    const crossSite = await form({ token: auditor }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers.get('set-cookie'), null);
  });

  test('a sign-in form that does not parse is a 400 sign-in page, not a 500', async () => {
    const logged = await count(db, 'access_log');
    for (const [type, body] of [
      // A multipart body cut off before its closing boundary.
      ['multipart/form-data; boundary=xx', '--xx\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc'],
      ['multipart/form-data', 'token=abc'],
    ] as const) {
      const res = await app.request('/ui/login', {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      const page = await res.text();
      assert.equal(res.status, 400, `${type}: ${page.slice(0, 200)}`);
      assert.match(page, /The sign-in form could not be read/);
      assert.match(page, /<form method="post" action="\/ui\/login"/, 'the sign-in form is shown again');
    }
    assert.equal(await count(db, 'access_log'), logged, 'no token was read, so no sign-in is logged');
  });

  test('every page renders records as text: no tag, handler or script URL from a record', async () => {
    const cookie = await signIn(auditor);
    const pages = [
      '/ui',
      '/ui/checkpoints',
      `/ui/checkpoints?q=${encodeURIComponent(XSS)}&agent=${encodeURIComponent(XSS)}`,
      `/ui/checkpoints/${hostileId}`,
      '/ui/gaps',
      '/ui/ledger',
      '/ui/reports',
      `/ui/nothing/${encodeURIComponent(XSS)}`,
    ];
    for (const path of pages) {
      const page = await get(path, cookie);
      assert.ok([200, 404].includes(page.status), `${path}: ${page.status}`);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(
        page.headers.get('content-security-policy') ?? '',
        /default-src 'none'; script-src 'self'/,
      );
      assertInert(page.text);
    }
    const detail = await get(`/ui/checkpoints/${hostileId}`, cookie);
    const text = detail.text;
    assert.ok(
      text.includes(
        'Fix it &lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; &amp; more',
      ),
    );
    assert.ok(text.includes('&lt;/td&gt;&lt;script&gt;alert(6)&lt;/script&gt;'));
    assert.ok(text.includes('src/&lt;img src=x onerror=alert(10)&gt;.ts'));
    // Ticket and deployment URLs that are not http(s) are shown as text, not links.
    assert.ok(!text.includes('href="javascript'));
    assert.match(
      text,
      /<a href="https:\/\/tickets\.example\/T-2" rel="noopener noreferrer nofollow" target="_blank">T-2<\/a>/,
    );
    assert.match(text, /changes requested/);
    assert.match(text, /rolled back|failure/);
    assert.match(text, /critical/);
  });

  test('the review fact names each approver once, however often they approved', async () => {
    const cookie = await signIn(auditor);
    const page = await get(`/ui/checkpoints/${okId}`, cookie);
    assert.equal(page.status, 200);
    assert.match(page.text, /by rev@example\.com; reasoning not examined/);
  });

  test('a reviewer token sees its scope, and is told what needs an auditor', async () => {
    const cookie = await signIn(reviewer);
    const list = await get('/ui/checkpoints', cookie);
    assert.equal(list.status, 200);
    assert.ok(list.text.includes(hostileId), 'acme/api is in scope');
    assert.ok(!list.text.includes('HYPERLINK'), 'other/svc is not');
    const overview = await get('/ui', cookie);
    assert.match(overview.text, /needs an auditor or admin token/);
    const detail = await get(`/ui/checkpoints/${hostileId}`, cookie);
    assert.match(detail.text, /ledger status needs an auditor or admin token/);
    const reports = await get('/ui/reports', cookie);
    assert.match(reports.text, /Reports need an auditor or admin token/);
    const ledger = await get('/ui/ledger', cookie);
    assert.match(ledger.text, /Not available to this token/);
    const otherRepo = await get('/ui/checkpoints?repo=other%2Fsvc', cookie);
    assert.equal(otherRepo.status, 403);
    assert.match(otherRepo.text, /Not allowed for this token/);
    const missing = await get(`/ui/checkpoints/${'0'.repeat(64)}`, cookie);
    assert.equal(missing.status, 404);
  });

  test("the checkpoints form filters by any part of the author's name or email", async () => {
    const cookie = await signIn(auditor);
    const list = await get('/ui/checkpoints?author=MALLORY', cookie);
    assert.equal(list.status, 200);
    assert.match(list.text, /<input type="text" id="f-author" name="author" value="MALLORY"/);
    assert.ok(list.text.includes(hostileId), 'Mallory <…@example.com> is found by her name');
    assert.ok(!list.text.includes(okId), "dev@example.com's checkpoint is not");
    const byEmail = await get('/ui/checkpoints?author=dev%40example', cookie);
    assert.ok(byEmail.text.includes(okId) && !byEmail.text.includes(hostileId), 'and by part of an email');
  });

  test('report downloads: named after kind, repository and period; the period reaches the API', async () => {
    const cookie = await signIn(auditor);
    reported.length = 0;
    const pdf = await app.request(
      '/ui/reports/download?kind=soc2&format=pdf&repo=acme%2Fapi&since=2026-01-01&until=2026-03-31',
      { headers: { cookie } },
    );
    assert.equal(pdf.status, 200);
    assert.equal(
      pdf.headers.get('content-disposition'),
      'attachment; filename="trail-soc2-acme-api-2026-01-01_2026-03-31.pdf"',
    );
    assert.equal(Buffer.from(await pdf.arrayBuffer()).toString('latin1'), '%PDF-1.7 fake');
    assert.equal(reported[0]!.kind, 'soc2');
    assert.equal(reported[0]!.input.repo, 'acme/api');
    assert.equal(reported[0]!.input.since, '2026-01-01T00:00:00.000Z');
    assert.equal(reported[0]!.input.until, '2026-04-01T00:00:00.000Z', 'the last day is included');

    const bad = await get('/ui/reports/download?kind=soc2&format=exe', cookie);
    assert.equal(bad.status, 400);
    const reports = await get('/ui/reports', cookie);
    assert.match(reports.text, /href="\/ui\/reports\/download\?kind=eu-ai-act&amp;format=pdf"/);
    assert.doesNotMatch(reports.text, /not installed/);

    const gaps = await get('/ui/gaps?since=2026-01-01', cookie);
    assert.equal(gaps.status, 200);
    assertInert(gaps.text);
    assert.match(
      gaps.text,
      new RegExp(`<a href="/ui/commits/${sha('x')}"><code>${sha('x').slice(0, 12)}</code></a>`),
    );
    assert.match(gaps.text, /<span class="badge fail">no-approval<\/span>/);
    const commit = await app.request(`/ui/commits/${sha('evil')}`, { headers: { cookie } });
    assert.equal(commit.status, 302);
    assert.equal(commit.headers.get('location'), `/ui/checkpoints/${hostileId}`);
  });

  test('the checkpoint register CSV: every row, quoted, with formulas defused', async () => {
    const cookie = await signIn(auditor);
    const csv = await app.request('/ui/export/checkpoints.csv', { headers: { cookie } });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(
      csv.headers.get('content-disposition'),
      'attachment; filename="trail-checkpoints-2026-06-15.csv"',
    );
    const lines = (await csv.text()).trimEnd().split('\r\n');
    assert.equal(lines[0]!.split(',')[0], 'time');
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`)));
    const scoped = await app.request('/ui/export/checkpoints.csv?repo=acme%2Fapi', { headers: { cookie } });
    assert.equal((await scoped.text()).trimEnd().split('\r\n').length, 2);
  });

  test('assets are files with long caching; pages are never cached', async () => {
    const cookie = await signIn(auditor);
    const page = await get('/ui', cookie);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const css = /href="(\/ui\/assets\/app-[0-9a-f]{12}\.css)"/.exec(page.text)![1]!;
    const js = /src="(\/ui\/assets\/app-[0-9a-f]{12}\.js)"/.exec(page.text)![1]!;
    const cssRes = await app.request(css);
    assert.equal(cssRes.status, 200);
    assert.match(cssRes.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(cssRes.headers.get('cache-control') ?? '', /immutable/);
    const jsRes = await app.request(js);
    assert.match(jsRes.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await app.request('/ui/assets/app-000000000000.js')).status, 404);
  });

  test('sign-ins and page views are in the access log; sign-out ends the session', async () => {
    const before = await count(db, 'access_log', "route = '/ui/login'");
    const cookie = await signIn(auditor);
    assert.equal(await count(db, 'access_log', "route = '/ui/login'"), before + 1);
    const reads = await count(db, 'access_log', "route = '/api/v1/checkpoints/:id'");
    await get(`/ui/checkpoints/${hostileId}`, cookie);
    assert.equal(await count(db, 'access_log', "route = '/api/v1/checkpoints/:id'"), reads + 1);

    const out = await app.request('/ui/logout', { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/ui/login?reason=signed-out');
    assert.match(out.headers.get('set-cookie') ?? '', /trail_session=;/);
    const after = await app.request('/ui', { headers: { cookie } });
    assert.equal(after.status, 303);
    assert.match(after.headers.get('location') ?? '', /^\/ui\/login\?next=%2Fui&reason=expired$/);
  });

  test('sessions end after the idle time and when the token is revoked', async () => {
    let now = 0;
    const store = new SessionStore(() => now);
    const s = store.create('trail_x', { id: 'tok_1', name: 'n', role: 'auditor' });
    now = IDLE_MS - 1;
    assert.ok(store.get(s.id));
    now += IDLE_MS + 1;
    assert.equal(store.get(s.id), undefined);

    const secret = await token(db, { name: 'short-lived', role: 'auditor' });
    const cookie = await signIn(secret);
    assert.equal((await get('/ui', cookie)).status, 200);
    const id = (await call(app, 'GET', '/api/v1/admin/tokens', admin)).body.tokens.find(
      (t: { name: string }) => t.name === 'short-lived',
    ).id;
    assert.equal((await call(app, 'POST', `/api/v1/admin/tokens/${id}/revoke`, admin)).status, 200);
    const revoked = await app.request('/ui/checkpoints', { headers: { cookie } });
    assert.equal(revoked.status, 303);
    assert.match(
      revoked.headers.get('location') ?? '',
      /^\/ui\/login\?reason=revoked&next=%2Fui%2Fcheckpoints$/,
    );
    const again = await app.request('/ui', { headers: { cookie } });
    assert.equal(again.status, 303, 'the session is gone with its token');
  });
});
