/**
 * GET /api/v1/sessions/:id, on PGlite and PostgreSQL, from a real clone pushed by `trail push`:
 * a session that changed nothing (sealed alone, carried by no commit) and one a commit carried
 * are each answered whole, as `trail show <session> --json` shows them in the clone; an id no
 * repository in the token's scope holds is 404, one with a control character 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, serverWithTokens, token } from './harness.js';
import { dashboardCookie } from './review-views.js';

for (const backend of BACKENDS) {
  describe(`GET /api/v1/sessions/:id (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let auditor: string;
    let elsewhere: string;
    let ingestToken: string;
    let repo: TempRepo;
    let idle: string;
    let carried: string;
    let commit: string;

    before(async () => {
      let ingest: string;
      ({ opened, server, ingest, auditor } = await serverWithTokens(backend));
      elsewhere = await token(server.db, { name: 'other team', role: 'auditor', repos: ['acme/other'] });
      repo = tempRepo();
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      repo.commit('Trail: trust this clone');
      const start = async (prompt: string, ...agent: string[]) =>
        (await trail(repo.dir, 'session', 'start', ...agent, '--prompt', prompt)).stdout.trim();
      idle = await start('Why is the build slow?', '--agent', 'aider');
      assert.equal((await trail(repo.dir, 'exec', '--', 'true')).code, 0);
      assert.equal((await trail(repo.dir, 'session', 'end')).code, 0);
      carried = await start(
        'Add a limiter',
        '--agent',
        'goose',
        '--model',
        'gpt-5',
        '--requester',
        'dana@acme.example',
      );
      repo.write('src/limit.ts', 'export const LIMIT = 5;\n');
      commit = repo.commit('add a limiter');
      assert.equal((await trail(repo.dir, 'session', 'end')).code, 0);
      await pushTo(repo.dir, server.url, ingest, 'acme/app');
      ingestToken = ingest;
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      repo.cleanup();
    });

    const get = (id: string, as = auditor) =>
      callOverHttp(server.url, as, 'GET', `/api/v1/sessions/${encodeURIComponent(id)}`);

    test('each session whole, as trail show gives it in the clone', async () => {
      for (const id of [idle, carried]) {
        const answer = await get(id);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const shown = await trail(repo.dir, 'show', id, '--json');
        assert.equal(shown.code, 0, shown.stderr);
        assert.deepEqual(answer.body, { repo: 'acme/app', ...JSON.parse(shown.stdout) });
      }
      const alone = (await get(idle)).body;
      assert.deepEqual(alone.checkpoints, [], 'no commit carried it');
      assert.deepEqual(
        alone.prompts.map((p: { text: string }) => p.text),
        ['Why is the build slow?'],
      );
      assert.ok(alone.session.endedAt);
      const withCommit = (await get(carried)).body;
      assert.deepEqual(
        withCommit.checkpoints.map((c: { commit: string }) => c.commit),
        [commit],
      );
    });

    test('the list: newest first, with the checkpoints that carried each; carried=none gives those sealed alone', async () => {
      const list = async (q = '') => {
        const r = await callOverHttp(server.url, auditor, 'GET', `/api/v1/sessions${q}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.sessions as Array<{
          sessionId: string;
          repo: string;
          agent: string;
          checkpoints: number;
        }>;
      };
      const all = await list();
      assert.deepEqual(
        all.map((s) => [s.sessionId, s.repo, s.agent, s.checkpoints]),
        [
          [carried, 'acme/app', 'goose', 1],
          [idle, 'acme/app', 'aider', 0],
        ],
      );
      assert.deepEqual(
        (await list('?carried=none')).map((s) => s.sessionId),
        [idle],
      );
      assert.deepEqual(
        (await list('?carried=some&repo=acme%2Fapp')).map((s) => s.sessionId),
        [carried],
      );
      assert.deepEqual(await list('?since=2999-01-01'), []);
      assert.deepEqual(await list('?until=2000-01-01'), []);
      assert.deepEqual(
        (await list('?since=2000-01-01&until=2999-01-01')).map((s) => s.sessionId),
        [carried, idle],
      );
      // The carried session is recorded twice (sealed with its commit, then at its end): one
      // row, first seen at its first record and last seen at its newest.
      const twice = (await list('?agent=goose'))[0] as unknown as { firstSeen: string; lastSeen: string };
      const records = (await get(carried)).body as { session: { endedAt: string } };
      assert.ok(twice.firstSeen < twice.lastSeen, `${twice.firstSeen} < ${twice.lastSeen}`);
      assert.ok(records.session.endedAt <= twice.lastSeen);
      // A period that ends between its two records: it began in it, though its newest record is
      // later (the list reads the sessions with a record in a period long past, not every newer one).
      const endsBetween = await list(`?until=${encodeURIComponent(twice.lastSeen)}`);
      assert.ok(
        endsBetween.some((s) => s.sessionId === carried),
        JSON.stringify(endsBetween),
      );
      const afterItsStart = new Date(Date.parse(twice.firstSeen) + 1).toISOString();
      assert.ok(
        !(await list(`?since=${encodeURIComponent(afterItsStart)}&until=2999-01-01`)).some(
          (s) => s.sessionId === carried,
        ),
        'it began before the period',
      );
      // Agent and model, as the newest record of each names them, exactly.
      assert.deepEqual(
        (await list('?agent=aider')).map((s) => s.sessionId),
        [idle],
      );
      assert.deepEqual(
        (await list('?agent=goose&model=gpt-5')).map((s) => s.sessionId),
        [carried],
      );
      assert.deepEqual(await list('?model=gpt'), [], 'not a prefix');
      assert.deepEqual(
        (await list('?requester=dana%40acme.example')).map((s) => s.sessionId),
        [carried],
      );
      assert.deepEqual(await list('?requester=erin%40acme.example'), []);
      assert.deepEqual(await list('?agent=aider&carried=some'), []);
      const first = await callOverHttp(server.url, auditor, 'GET', '/api/v1/sessions?limit=1');
      assert.deepEqual(
        first.body.sessions.map((s: { sessionId: string }) => s.sessionId),
        [carried],
      );
      assert.equal(typeof first.body.nextCursor, 'string');
      const second = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/sessions?limit=1&cursor=${first.body.nextCursor}`,
      );
      assert.deepEqual(
        second.body.sessions.map((s: { sessionId: string }) => s.sessionId),
        [idle],
        'the next page starts after the last one given',
      );
      assert.equal(second.body.nextCursor, null);
      const forged = Buffer.from(JSON.stringify(['2026-13-45 99:99:99+00', 'acme/app', idle])).toString(
        'base64url',
      );
      assert.equal(
        (await callOverHttp(server.url, auditor, 'GET', `/api/v1/sessions?cursor=${forged}`)).status,
        400,
      );
      const bad = await callOverHttp(server.url, auditor, 'GET', '/api/v1/sessions?carried=maybe');
      assert.equal(bad.status, 400);
      const outside = await callOverHttp(server.url, elsewhere, 'GET', '/api/v1/sessions');
      assert.deepEqual(
        outside.body,
        { nextCursor: null, sessions: [] },
        'nothing of acme/app outside its scope',
      );
    });

    test('the dashboard shows each session, linked from the checkpoint that carried it', async () => {
      const cookie = await dashboardCookie((path, init) => fetch(`${server.url}${path}`, init), auditor);
      const open = async (path: string) => {
        const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
        return { status: res.status, text: await res.text() };
      };
      const alone = await open(`/ui/sessions/${idle}?repo=acme%2Fapp`);
      assert.equal(alone.status, 200, alone.text.slice(0, 500));
      assert.match(alone.text, /Why is the build slow\?/);
      assert.match(alone.text, /no commit<\/span> <span class="faint">it changed nothing/);
      assert.match(alone.text, /<td class="mono">true<\/td>/, 'its trail exec command');

      const withCommit = (await get(carried)).body as { checkpoints: Array<{ id: string }> };
      const checkpointPage = await open(`/ui/checkpoints/${withCommit.checkpoints[0]!.id}`);
      assert.equal(checkpointPage.status, 200);
      const link = `/ui/sessions/${carried}?repo=acme%2Fapp`;
      assert.ok(checkpointPage.text.includes(`href="${link}"`), 'the checkpoint page links its session');
      const carriedPage = await open(link);
      assert.equal(carriedPage.status, 200);
      assert.ok(carriedPage.text.includes(`href="/ui/checkpoints/${withCommit.checkpoints[0]!.id}"`));
      assert.match(
        carriedPage.text,
        /No file edit was recorded for it/,
        'an agent without hooks edits unseen',
      );
      assert.equal((await open('/ui/sessions/no-such-session')).status, 404);
      const listed = await open('/ui/sessions?carried=none');
      assert.equal(listed.status, 200);
      assert.ok(
        listed.text.includes(`href="/ui/sessions/${idle}?repo=acme%2Fapp"`),
        'the session sealed alone',
      );
      assert.ok(!listed.text.includes(`/ui/sessions/${carried}`), 'not the one a commit carried');
      assert.match(listed.text, /<a href="\/ui\/sessions" aria-current="page">/, 'Sessions in the sidebar');

      // The agent and model cells narrow the list to theirs; the filter line clears it again.
      const all = await open('/ui/sessions');
      assert.ok(all.text.includes('href="/ui/sessions?model=gpt-5"'), 'the model links its filter');
      const goose = await open('/ui/sessions?agent=goose');
      assert.equal(goose.status, 200);
      assert.ok(goose.text.includes(`/ui/sessions/${carried}?repo=`), 'its session');
      assert.ok(!goose.text.includes(`/ui/sessions/${idle}?repo=`), 'not the other agent');
      assert.match(
        goose.text,
        /Only sessions of agent <code>goose<\/code> · <a href="\/ui\/sessions">all sessions<\/a>/,
      );
      assert.ok(
        goose.text.includes('href="/ui/sessions?agent=goose&amp;carried=none"'),
        'the tabs keep the filter',
      );
      assert.ok(
        all.text.includes('href="/ui/sessions?requester=dana%40acme.example"'),
        'the requester links its filter',
      );
      const dana = await open('/ui/sessions?requester=dana%40acme.example');
      assert.match(dana.text, /Only sessions of requester dana@acme\.example · /);
      assert.ok(dana.text.includes(`/ui/sessions/${carried}?repo=`));
      assert.ok(!dana.text.includes(`/ui/sessions/${idle}?repo=`));
      const none = await open('/ui/sessions?agent=goose&carried=none');
      assert.match(none.text, /No session matches these filters\./);

      // Days, both inclusive: the day the carried session started holds it, the next does not.
      const firstSeen = (
        (await callOverHttp(server.url, auditor, 'GET', '/api/v1/sessions?agent=goose')).body as {
          sessions: Array<{ firstSeen: string }>;
        }
      ).sessions[0]!.firstSeen;
      const day = firstSeen.slice(0, 10);
      const nextDay = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
      const onDay = await open(`/ui/sessions?agent=goose&since=${day}&until=${day}`);
      assert.ok(onDay.text.includes(`/ui/sessions/${carried}?repo=`), onDay.text.slice(0, 300));
      assert.ok(
        onDay.text.includes('<input type="hidden" name="agent" value="goose">'),
        'the form keeps the agent',
      );
      assert.ok(
        onDay.text.includes(
          `href="/ui/sessions?agent=goose&amp;carried=none&amp;since=${day}&amp;until=${day}"`,
        ),
        'the tabs keep the days',
      );
      // The list as CSV, with the page's filters: an auditor's period, every page of it.
      assert.ok(
        onDay.text.includes(`href="/ui/export/sessions.csv?agent=goose&amp;since=${day}&amp;until=${day}"`),
      );
      const csv = await fetch(`${server.url}/ui/export/sessions.csv?agent=goose&since=${day}&until=${day}`, {
        headers: { cookie },
      });
      assert.equal(csv.status, 200);
      assert.match(
        csv.headers.get('content-disposition') ?? '',
        /^attachment; filename="trail-sessions-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const rows = (await csv.text()).trimEnd().split('\r\n');
      assert.equal(rows[0], 'first_seen,last_seen,repository,session,agent,model,requester,checkpoints');
      assert.equal(rows.length, 2, rows.join('\n'));
      assert.ok(rows[1]!.includes(`,acme/app,${carried},goose,`), rows[1]);
      assert.ok(rows[1]!.endsWith(',1'), 'carried by one checkpoint');
      const every = (
        await (await fetch(`${server.url}/ui/export/sessions.csv`, { headers: { cookie } })).text()
      )
        .trimEnd()
        .split('\r\n');
      assert.equal(every.length, 3, 'both sessions');
      const notADay = await fetch(`${server.url}/ui/export/sessions.csv?until=2026-02-30`, {
        headers: { cookie },
      });
      assert.equal(notADay.status, 400, 'a download cannot say a filter was not applied: it refuses');
      const later = await open(`/ui/sessions?since=${nextDay}`);
      assert.match(later.text, /No session started on these days\./);
      const wrong = await open('/ui/sessions?since=2026-02-30');
      assert.match(wrong.text, /Not applied: from “2026-02-30”/);
      assert.ok(
        wrong.text.includes(`/ui/sessions/${carried}?repo=`),
        'a day that is not one filters nothing',
      );
    });

    test('the list reads by time, and checkpoints_sessions takes new ids straight into the index (migration 17)', async () => {
      const { rows } = await server.db.query<{ relname: string; reloptions: string[] | null }>(
        `SELECT relname, reloptions FROM pg_class WHERE relname IN ('sessions_time', 'checkpoints_sessions')
         ORDER BY relname`,
      );
      // A GIN pending list is read whole by every probe until a vacuum merges it, and PGlite
      // never vacuums: the count of each listed session's checkpoints would grow with it.
      assert.deepEqual(rows, [
        { relname: 'checkpoints_sessions', reloptions: ['fastupdate=off'] },
        { relname: 'sessions_time', reloptions: null },
      ]);
    });

    test('an id out of the token scope or unknown is 404; a control character is 400', async () => {
      assert.equal((await get(idle, elsewhere)).status, 404, 'acme/app is not the token scope');
      const unknown = await get('no-such-session');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error.message, /no session no-such-session/);
      assert.equal((await get('bad\u0001id')).status, 400);
      const scoped = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/sessions/${idle}?repo=${encodeURIComponent('acme/app')}`,
      );
      assert.equal(scoped.status, 200);

      // The same clone pushed as a second repository: the id is in both, and must be told apart.
      await pushTo(repo.dir, server.url, ingestToken, 'acme/other');
      const both = await get(idle);
      assert.equal(both.status, 400);
      assert.match(both.body.error.message, /is in 2 repositories: name one with \?repo=/);
      assert.equal((await get(idle, elsewhere)).status, 200, 'acme/other is in its scope now');
      const named = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/sessions/${idle}?repo=acme%2Fother`,
      );
      assert.equal(named.body.repo, 'acme/other');
    });
  });
}
