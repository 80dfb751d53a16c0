/**
 * Two dashboard refusals told apart, and date filters read strictly, in process: a page asks
 * for ledger status only when the token's role may read it, so a repository outside the
 * token's scope is the API's 403 shown as the error it is, not "needs an auditor"; a date
 * filter is a day that exists in years 1 to 9998 (so the day after `until` is one too), and a
 * page says which it did not apply while a download, which cannot say so, refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import { dateParam, dayAfter } from '../../src/server/dashboard/context.js';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { ReportInput } from '../../src/server/routes/reports.js';
import { checkpointRecord, MemoryWriter, pushWriter, sha, token } from '../server/harness.js';

describe('dashboard: scope refusals and date filters', () => {
  let db: Database;
  let app: TrailApp;
  let scopedAuditor: string;
  let reviewer: string;
  let auditor: string;
  const reported: ReportInput[] = [];

  const signIn = async (secret: string): Promise<string> => {
    const res = await app.request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: secret }).toString(),
    });
    assert.equal(res.status, 303, await res.text());
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  };

  const get = async (path: string, cookie: string) => {
    const res = await app.request(path, { headers: { cookie } });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    db = await openPglite();
    await migrate(db);
    app = createApp(db, {
      rateLimit: false,
      loadReports: async () => ({
        generateReport: (_kind: string, input: ReportInput) => {
          reported.push(input);
          return '{}';
        },
      }),
    });
    const ingest = await token(db, { name: 'ci', role: 'ingest' });
    scopedAuditor = await token(db, { name: 'acme auditor', role: 'auditor', orgs: ['acme'] });
    reviewer = await token(db, { name: 'reviewer', role: 'reviewer' });
    auditor = await token(db, { name: 'auditor', role: 'auditor' });
    const acme = new MemoryWriter();
    acme.append([
      checkpointRecord({ commit: sha('march'), time: '2026-03-01T11:00:00.000Z', summary: 'march change' }),
      checkpointRecord({ commit: sha('april'), time: '2026-04-01T11:00:00.000Z', summary: 'april change' }),
    ]);
    await pushWriter(app, ingest, 'acme/api', acme);
    const other = new MemoryWriter();
    other.append([checkpointRecord({ commit: sha('other'), summary: 'other change' })]);
    await pushWriter(app, ingest, 'other/svc', other);
  });

  after(async () => {
    await db.close();
  });

  test('a repository outside the token’s scope is a 403 page, not a role notice', async () => {
    const cookie = await signIn(scopedAuditor);
    const ledger = await get('/ui/ledger?repo=other%2Fsvc', cookie);
    assert.equal(ledger.status, 403);
    assert.match(ledger.text, /Not allowed for this token/);
    assert.match(ledger.text, /scope does not include repository other\/svc/);
    assert.doesNotMatch(ledger.text, /need an auditor or admin token/);
    const own = await get('/ui/ledger?repo=acme%2Fapi', cookie);
    assert.equal(own.status, 200);
    assert.match(own.text, /Every log is consistent/);

    const byRole = await get('/ui/ledger', await signIn(reviewer));
    assert.equal(byRole.status, 200);
    assert.match(byRole.text, /Not available to this token/, 'a reviewer is still told what its role lacks');
  });

  test('an impossible date is not applied, and the page says so', async () => {
    const cookie = await signIn(auditor);
    for (const [query, label] of [
      ['since=2026-02-30', 'from “2026-02-30”'],
      ['until=9999-12-31', 'to “9999-12-31”'],
      ['since=2026-1-5', 'from “2026-1-5”'],
    ] as const) {
      const list = await get(`/ui/checkpoints?${query}`, cookie);
      assert.equal(list.status, 200, `${query}: ${list.text.slice(0, 300)}`);
      assert.ok(list.text.includes(`Not applied: ${label}.`), query);
      assert.match(list.text, /march change/);
      assert.match(list.text, /april change/);
    }
    const mixed = await get('/ui/checkpoints?since=2026-03-15&until=2026-02-30', cookie);
    assert.equal(mixed.status, 200);
    assert.match(mixed.text, /april change/);
    assert.doesNotMatch(mixed.text, /march change/, 'the good date still applies');
    assert.ok(mixed.text.includes('Not applied: to “2026-02-30”.'));
    const lastDay = await get('/ui/checkpoints?until=9998-12-31', cookie);
    assert.equal(lastDay.status, 200);
    assert.doesNotMatch(lastDay.text, /Not applied/);

    const gaps = await get('/ui/gaps?until=9999-12-31', cookie);
    assert.equal(gaps.status, 200);
    assert.ok(gaps.text.includes('Not applied: to “9999-12-31”.'));
    const reports = await get('/ui/reports?since=2026-02-30&until=2026-13-01', cookie);
    assert.equal(reports.status, 200);
    assert.ok(reports.text.includes('Not applied: from “2026-02-30”, to “2026-13-01”.'));
  });

  test('a download refuses an impossible date rather than cover other days', async () => {
    const cookie = await signIn(auditor);
    for (const path of [
      '/ui/export/checkpoints.csv?since=2026-1-5',
      '/ui/export/checkpoints.csv?until=9999-12-31',
      '/ui/reports/download?kind=soc2&format=json&since=2026-1-5',
      '/ui/reports/download?kind=soc2&format=json&until=2026-02-30',
    ]) {
      const res = await get(path, cookie);
      assert.equal(res.status, 400, `${path}: ${res.text.slice(0, 200)}`);
      assert.match(res.text, /is not a day of the calendar/);
    }
    reported.length = 0;
    const ok = await get(
      '/ui/reports/download?kind=soc2&format=json&since=2024-02-29&until=9998-12-31',
      cookie,
    );
    assert.equal(ok.status, 200);
    assert.equal(reported[0]!.since, '2024-02-29T00:00:00.000Z');
    assert.equal(reported[0]!.until, '9999-01-01T00:00:00.000Z');
  });

  test('dateParam and dayAfter', () => {
    const url = (q: string) => new URL(`http://x/ui?${q}`);
    assert.equal(dateParam(url('since=2024-02-29'), 'since'), '2024-02-29');
    assert.equal(dateParam(url('since=2026-02-29'), 'since'), undefined);
    assert.equal(dateParam(url('since=9999-01-01'), 'since'), undefined);
    assert.equal(dateParam(url('since=2026-01-011'), 'since'), undefined, 'not cut to ten characters');
    assert.equal(dayAfter('2024-02-28'), '2024-02-29');
    assert.equal(dayAfter('2026-12-31'), '2027-01-01');
    assert.equal(dayAfter('9998-12-31'), '9999-01-01');
  });
});
