/**
 * Years below 100, on PGlite and on PostgreSQL. The record schema takes any year from 0000,
 * and a pushed commit any ISO 8601 date from year 1; the server stores them as they are. PGlite
 * read them back through `new Date()`, which takes a year below 100 as a two-digit year, so a
 * checkpoint of 0050 was listed in 1950 and a commit of 0099 in 1999 (db/timestamps.ts). Both
 * backends now give back exactly the instant stored, from the database and through the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
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

const YEAR_50 = '0050-03-04T05:06:07.089Z';
const YEAR_99 = '0099-12-31T23:59:59.999Z';
const YEAR_1 = '0001-01-01T00:00:00.000Z';
/** Just after the years a two-digit reading would touch, as a control. */
const YEAR_100 = '0100-01-01T00:00:00.000Z';

for (const backend of BACKENDS) {
  describe(`years below 100 (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let ingest: string;
    let reader: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      ingest = await token(opened.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      reader = await token(opened.db, { name: 'auditor', role: 'auditor' });
    });
    after(() => opened.cleanup());

    test('a timestamptz comes back from the database as the instant it holds', async () => {
      for (const time of [YEAR_1, YEAR_50, YEAR_99, YEAR_100]) {
        const read = await opened.db.query<{ t: Date }>('SELECT $1::timestamptz AS t', [time]);
        assert.ok(read.rows[0]!.t instanceof Date);
        assert.equal(read.rows[0]!.t.toISOString(), time);
      }
      // Inside a transaction too, and from a session in another time zone.
      const inZone = await opened.db.transaction(async (tx) => {
        await tx.query("SELECT set_config('TimeZone', 'Europe/Amsterdam', true)");
        const read = await tx.query<{ t: Date; text: string }>(
          'SELECT $1::timestamptz AS t, $1::timestamptz::text AS text',
          [YEAR_50],
        );
        return read.rows[0]!;
      });
      // Amsterdam's local mean time then: an offset with seconds (how many, tzdata says).
      assert.match(inZone.text, /^0050-03-04 05:\d{2}:\d{2}\.089\+00:\d{2}:\d{2}$/);
      assert.equal(inZone.t.toISOString(), YEAR_50);
    });

    test('checkpoints of years 50 and 99 are listed in those years, with their session', async () => {
      const repo = 'acme/early';
      const w = new MemoryWriter();
      w.append([
        sessionRecord({ sessionId: 'early', time: YEAR_50 }),
        checkpointRecord({
          commit: sha('early-50'),
          sessions: [{ sessionId: 'early', agent: 'claude-code' }],
          time: YEAR_50,
        }),
        checkpointRecord({ commit: sha('early-99'), time: YEAR_99 }),
      ]);
      await pushWriter(app, ingest, repo, w);

      const listed = await call(app, 'GET', `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}`, reader);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(
        listed.body.checkpoints.map((c: { commit: string; time: string }) => [c.commit, c.time]),
        [
          [sha('early-99'), YEAR_99],
          [sha('early-50'), YEAR_50],
        ],
      );
      // The period filter and the time shown agree.
      const inYear50 = await call(
        app,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}&since=0050-01-01&until=0051-01-01`,
        reader,
      );
      assert.deepEqual(
        inYear50.body.checkpoints.map((c: { time: string }) => c.time),
        [YEAR_50],
      );
      const detail = await call(app, 'GET', `/api/v1/checkpoints/${listed.body.checkpoints[1].id}`, reader);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.equal(detail.body.checkpoint.record.time, YEAR_50, 'the record itself, as signed');
      assert.deepEqual(
        detail.body.sessions.map((s: { record: { time: string } }) => s.record.time),
        [YEAR_50],
        'its session, found by the read model',
      );
    });

    test('a pushed commit dated in year 50 or 99 keeps its date', async () => {
      const repo = 'acme/early-commits';
      const created = await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [] });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const commit = (n: number, date: string) => ({
        sha: String(n).repeat(40),
        parents: [],
        author: 'dev',
        authorEmail: 'dev@example.com',
        date,
        subject: `dated ${date}`,
        paths: ['src/a.ts'],
      });
      const pushed = await call(app, 'POST', repoPath(repo, 'commits'), ingest, {
        commits: [commit(5, YEAR_50), commit(9, YEAR_99)],
      });
      assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
      for (const [n, date] of [
        [5, YEAR_50],
        [9, YEAR_99],
      ] as const) {
        const shown = await call(app, 'GET', `/api/v1/commits/${String(n).repeat(40)}`, reader);
        assert.equal(shown.status, 200, JSON.stringify(shown.body));
        assert.equal(shown.body.commits[0].date, date);
      }
    });
  });
}
