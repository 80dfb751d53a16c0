/**
 * Values the record schema, JSON and git allow but PostgreSQL cannot store (a NUL character,
 * a lone surrogate, an offset past ±15:59, a year that is 0 in UTC), on PGlite and on
 * PostgreSQL: a push holding them is stored (the ledger line exactly as sent, the read model
 * normalised: UTC times, U+FFFD for what text cannot hold) and the log's later records
 * follow it. They answered 500 on every retry, so nothing after them ever arrived.
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
  promptRecord,
  repoPath,
  reviewRecord,
  sessionRecord,
  sha,
  testRecord,
  token,
} from './harness.js';

const NUL = '\u0000';
const REPLACED = '\uFFFD';
/** Valid ISO 8601 and valid in a record; PostgreSQL refuses the offset. */
const PLUS_20 = '2026-03-01T12:00:00+20:00';
const PLUS_20_UTC = '2026-02-28T16:00:00.000Z';

for (const backend of BACKENDS) {
  describe(`values PostgreSQL cannot store (${backend.name})`, () => {
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

    /** A stored time in UTC, read as text by the database itself. */
    const utcText = async (table: string, column: string, key: string, value: string) => {
      const rows = await opened.db.query<{ t: string }>(
        `SELECT to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS t FROM ${table} WHERE ${key} = $1`,
        [value],
      );
      return rows.rows[0]?.t;
    };
    const push = (repo: string, w: MemoryWriter, from: number) =>
      call(app, 'POST', repoPath(repo, 'writers', w.id, 'entries'), ingest, w.push(from));

    test('records with a NUL and a +20:00 time are stored, and the later records of the log too', async () => {
      const repo = 'acme/odd-values';
      const w = new MemoryWriter();
      w.append([
        sessionRecord({ sessionId: 's1', requester: `req${NUL}`, summary: `fix${NUL}it`, time: PLUS_20 }),
        promptRecord('s1', `add retries${NUL}`, PLUS_20),
      ]);
      w.append([
        checkpointRecord({
          commit: sha(1),
          sessions: [{ sessionId: 's1', agent: 'claude-code' }],
          author: `dev${NUL}`,
          summary: `x${NUL}y`,
          path: `src/a${NUL}.ts`,
          time: PLUS_20,
        }),
        reviewRecord({ commit: sha(1), reviewer: `rev${NUL}`, decision: 'approve', time: PLUS_20 }),
        // Year 1 at +01:00 is year 0 in UTC: filed at the first instant the read model holds.
        checkpointRecord({ commit: sha(2), time: '0001-01-01T00:00:00+01:00' }),
      ]);
      const keys = await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [w.trustedKey()] });
      assert.equal(keys.status, 200, JSON.stringify(keys.body));
      const first = await push(repo, w, 0);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.accepted, 5);

      // The same log goes on: a later append is accepted after them.
      w.append([testRecord(sha(1))]);
      const later = await push(repo, w, 5);
      assert.equal(later.status, 200, JSON.stringify(later.body));
      assert.equal(later.body.accepted, 1);
      assert.equal(later.body.size, 6);

      // The ledger keeps every line byte for byte, NUL escapes and offsets included.
      const pulled = await call(app, 'GET', `${repoPath(repo, 'writers', w.id, 'entries')}?from=0`, reader);
      assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
      assert.deepEqual(pulled.body.entries, w.lines);
      assert.ok(pulled.body.entries[2].includes('"author":"dev\\u0000"'));
      assert.ok(pulled.body.entries[2].includes(`"time":"${PLUS_20}"`));

      // The read model shows the normalised values.
      const listed = await call(app, 'GET', `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}`, reader);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const [odd, ancient] = listed.body.checkpoints;
      assert.equal(odd.commit, sha(1));
      assert.equal(odd.time, PLUS_20_UTC);
      assert.equal(odd.author, `dev${REPLACED}`);
      assert.equal(odd.summary, `x${REPLACED}y`);
      assert.deepEqual(odd.paths, [`src/a${REPLACED}.ts`]);
      assert.equal(odd.status, 'approved', 'the review with a NUL in its reviewer counts');
      assert.equal(ancient.commit, sha(2));
      assert.equal(ancient.time, '0001-01-01T00:00:00.000Z');
      assert.equal(await utcText('checkpoints', 'time', 'commit_sha', sha(2)), '0001-01-01T00:00:00.000');

      const find = async (query: string) => {
        const found = await call(
          app,
          'GET',
          `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}&${query}`,
          reader,
        );
        assert.equal(found.status, 200, JSON.stringify(found.body));
        return found.body.checkpoints.map((c: { commit: string }) => c.commit);
      };
      const replaced = encodeURIComponent(REPLACED);
      assert.deepEqual(await find(`reviewer=rev${replaced}`), [sha(1)]);
      assert.deepEqual(await find(`requester=req${replaced}`), [sha(1)]);
      assert.deepEqual(await find(`author=dev${replaced}`), [sha(1)]);
      assert.deepEqual(await find('q=retries'), [sha(1)], 'the prompt is searchable');
      assert.deepEqual(await find('since=2026-02-28T15:00:00Z&until=2026-02-28T17:00:00Z'), [sha(1)]);

      const detail = await call(app, 'GET', `/api/v1/checkpoints/${odd.id}`, reader);
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      assert.equal(detail.body.checkpoint.record.author, `dev${NUL}`, 'the record itself, as signed');
      assert.equal(detail.body.checkpoint.record.time, PLUS_20);
      assert.equal(detail.body.tests.length, 1);
    });

    test('a tree head whose time is not an ISO 8601 time is refused with 400, not stored', async () => {
      const repo = 'acme/head-time';
      const w = new MemoryWriter();
      w.append([sessionRecord({ sessionId: 's1' })], `2026-03-01T10:00:00Z${NUL}`);
      await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [w.trustedKey()] });
      const pushed = await push(repo, w, 0);
      assert.equal(pushed.status, 400, JSON.stringify(pushed.body));
      assert.match(pushed.body.error.message, /heads\[0\] is not a signed tree head/);
    });

    test('a trusted key with characters base64 does not have is refused with 422', async () => {
      const w = new MemoryWriter();
      const key = { ...w.trustedKey(), publicKey: `${w.key.publicKey}${NUL}` };
      const answer = await call(app, 'POST', repoPath('acme/keys', 'keys'), ingest, { keys: [key] });
      assert.equal(answer.status, 422, JSON.stringify(answer.body));
      const named = { ...w.trustedKey(`dev${NUL}`), revokedReason: `lost${NUL}` };
      const stored = await call(app, 'POST', repoPath('acme/keys', 'keys'), ingest, { keys: [named] });
      assert.equal(stored.status, 200, JSON.stringify(stored.body));
    });

    test('commits with a NUL, a lone surrogate or a +23:00 date are stored, normalised', async () => {
      const repo = 'acme/odd-commits';
      const created = await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [] });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const commit = (n: number, fields: Record<string, unknown>) => ({
        sha: String(n).repeat(40),
        parents: [],
        author: 'dev',
        authorEmail: 'dev@example.com',
        date: '2026-03-01T12:00:00Z',
        subject: 'subject',
        paths: ['src/a.ts'],
        ...fields,
      });
      const pushed = await call(app, 'POST', repoPath(repo, 'commits'), ingest, {
        commits: [
          commit(1, {
            author: `dev${NUL}`,
            authorEmail: `dev${NUL}@example.com`,
            subject: `fix${NUL} \uD800 and \uDFFF`,
            paths: [`src/a${NUL}.ts`, 'src/\uDC00.ts'],
            // git writes offsets up to ±23:59 (/tmp/trailsec/tzrepo has a commit at +2300).
            date: '2026-03-01T12:00:00+23:00',
          }),
          commit(2, { date: '0001-01-01T00:00+23:59' }),
        ],
      });
      assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
      assert.equal(pushed.body.added, 2);

      const shown = await call(app, 'GET', `/api/v1/commits/${'1'.repeat(40)}`, reader);
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      const [stored] = shown.body.commits;
      assert.equal(stored.date, '2026-02-28T13:00:00.000Z');
      assert.equal(stored.author, `dev${REPLACED}`);
      assert.equal(stored.authorEmail, `dev${REPLACED}@example.com`);
      assert.equal(stored.subject, `fix${REPLACED} ${REPLACED} and ${REPLACED}`);
      assert.deepEqual(stored.paths, [`src/a${REPLACED}.ts`, `src/${REPLACED}.ts`]);
      assert.equal(await utcText('commits', 'authored_at', 'sha', '2'.repeat(40)), '0001-01-01T00:00:00.000');

      const next = await call(app, 'POST', repoPath(repo, 'commits'), ingest, { commits: [commit(3, {})] });
      assert.equal(next.status, 200, JSON.stringify(next.body));
      assert.equal(next.body.added, 1);
    });
  });
}
