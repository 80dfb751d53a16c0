/**
 * `trail push` sends when Trail began tracking the repository (`trackedSince` in
 * .trail/config.json) with the policy, and the server's gaps report classifies the history
 * from before `trail init` as `trail report gaps` does in the same clone, on PGlite and on
 * PostgreSQL. A push that does not send it (an older clone) keeps the one last sent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signPush } from '../../src/core/push-signature.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { RunningServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, repoPath, serverWithTokens, token } from './harness.js';

interface GapRow {
  commit: string;
  gap: string;
  detail: string;
  fix: string;
}

for (const backend of BACKENDS) {
  describe(`the server's gaps report knows when Trail began tracking (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let ingest: string;
    let auditor: string;
    let repo: TempRepo;
    let trackedSince: string;
    const history: string[] = [];
    let adopted: string;

    before(async () => {
      ({ opened, server, ingest, auditor } = await serverWithTokens(backend));
      repo = tempRepo();
      // History from before Trail: authored in 2025, by hand.
      for (const [file, day] of [
        ['a.txt', '2025-05-01'],
        ['b.txt', '2025-06-01'],
      ] as const) {
        repo.write(file, `${file}\n`);
        repo.git('add', '-A');
        repo.git('commit', '-q', '--date', `${day}T12:00:00Z`, '-m', `add ${file}`);
        history.push(repo.git('rev-parse', 'HEAD'));
      }
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      trackedSince = (
        JSON.parse(readFileSync(join(repo.dir, '.trail/config.json'), 'utf8')) as { trackedSince: string }
      ).trackedSince;
      // Written while Trail was tracking, by hand: a gap of its own, not history.
      repo.write('c.txt', 'c\n');
      adopted = repo.commit('add c.txt');
      await pushTo(repo.dir, server.url, ingest, 'acme/app');
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      repo.cleanup();
    });

    const gapRows = (doc: { sections: Array<{ id: string; table?: { rows: GapRow[] } }> }) =>
      doc.sections.find((s) => s.id === 'gaps')!.table!.rows.filter((row) => row.gap === 'no-checkpoint');
    const serverGaps = async (repoName = 'acme/app') => {
      const r = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/reports/gaps?repo=${encodeURIComponent(repoName)}&format=json`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    test('commits authored before trail init are history on the server, as in the clone', async () => {
      const cli = await trail(repo.dir, 'report', 'gaps', '--format', 'json');
      assert.equal(cli.code, 0, cli.stderr);
      const inClone = JSON.parse(cli.stdout);
      const onServer = await serverGaps();
      const since = `${trackedSince.slice(0, 19)}Z`;
      for (const sha of history) {
        const row = gapRows(onServer).find((r) => r.commit === sha);
        assert.ok(row, `the server lists ${sha}`);
        assert.match(row.detail, new RegExp(`authored before Trail tracked this repository \\(${since}\\)`));
        assert.match(row.fix, new RegExp(`requireCheckpointsFrom: ${since}`));
      }
      const hand = gapRows(onServer).find((r) => r.commit === adopted);
      assert.match(hand?.detail ?? '', /hand-written, or capture failed/);
      const bySha = (rows: GapRow[]) =>
        rows
          .map(({ commit, detail, fix }) => ({ commit, detail, fix }))
          .sort((a, b) => (a.commit < b.commit ? -1 : 1));
      assert.deepEqual(bySha(gapRows(onServer)), bySha(gapRows(inClone)));
      const intro = (doc: { sections: Array<{ id: string; intro: string[] }> }) =>
        doc.sections.find((s) => s.id === 'gaps')!.intro.join(' ');
      assert.match(
        intro(onServer),
        new RegExp(
          `2 commits without a checkpoint were authored before Trail tracked this repository \\(${since}\\)`,
        ),
      );
      assert.equal(intro(onServer), intro(inClone));
      // Signed by the clone's writer key, the policy and trackedSince each on its own.
      const stored = await server.db.query<{ signed_by: string | null }>(
        'SELECT signed_by FROM repo_policies WHERE tracked_since IS NOT NULL',
      );
      assert.equal(stored.rows.length, 1);
      assert.ok(stored.rows[0]!.signed_by, 'the policy push with trackedSince is signed');
    });

    test('an older clone that sends no trackedSince keeps the one last sent; a bad one is refused', async () => {
      const head = repo.git('rev-parse', 'HEAD');
      const old = await callOverHttp(server.url, ingest, 'POST', repoPath('acme/app', 'policy'), {
        commit: head,
        policy: 'exemptPaths: ["docs/**"]\n',
      });
      assert.equal(old.status, 200, JSON.stringify(old.body));
      assert.equal(old.body.changed, true);
      const row = gapRows(await serverGaps()).find((r) => r.commit === history[0]);
      assert.match(row?.detail ?? '', /authored before Trail tracked this repository/);

      const bad = await callOverHttp(server.url, ingest, 'POST', repoPath('acme/app', 'policy'), {
        commit: head,
        policy: null,
        trackedSince: 'yesterday',
      });
      assert.equal(bad.status, 422, JSON.stringify(bad.body));
      assert.match(bad.body.error.message, /"trackedSince" must be the ISO 8601 time/);
    });

    test('trackedSince has a signature of its own: the policy’s covers the commit and policy alone, as an older server checks it', async () => {
      const admin = await token(server.db, { name: 'admin', role: 'admin' });
      const lock = (locked: boolean) =>
        callOverHttp(server.url, admin, 'POST', '/api/v1/admin/key-lock', { repo: 'acme/app', locked });
      assert.equal((await lock(true)).status, 200);
      try {
        const key = loadWriterKey(await findRepo(repo.dir));
        const commit = repo.git('rev-parse', 'HEAD');
        const policy = { commit, policy: null };
        const send = (extra: Record<string, unknown>) =>
          callOverHttp(server.url, ingest, 'POST', repoPath('acme/app', 'policy'), {
            ...policy,
            signature: signPush('acme/app', 'policy', policy, key),
            ...extra,
          });
        const since = (text: string) =>
          signPush('acme/app', 'tracked-since', { commit, trackedSince: text }, key);
        const good = await send({ trackedSince, trackedSinceSignature: since(trackedSince) });
        assert.equal(good.status, 200, JSON.stringify(good.body));
        // Moved back a year under a signature over the true date: refused where keys are locked.
        const moved = await send({
          trackedSince: '2024-01-01T00:00:00.000Z',
          trackedSinceSignature: since(trackedSince),
        });
        assert.equal(moved.status, 422, JSON.stringify(moved.body));
        assert.match(JSON.stringify(moved.body), /bad-signature/);
        const unsigned = await send({ trackedSince: '2024-01-01T00:00:00.000Z' });
        assert.equal(unsigned.status, 422, JSON.stringify(unsigned.body));
        assert.match(JSON.stringify(unsigned.body), /unsigned-push/);
        const row = gapRows(await serverGaps()).find((r) => r.commit === history[0]);
        assert.match(
          row?.detail ?? '',
          new RegExp(`authored before Trail tracked this repository \\(${trackedSince.slice(0, 10)}`),
        );
      } finally {
        assert.equal((await lock(false)).status, 200);
      }
    });

    test('a repository that never sent trackedSince: every commit without a checkpoint is a possible capture failure', async () => {
      const created = await callOverHttp(server.url, ingest, 'POST', repoPath('acme/legacy', 'keys'), {
        keys: [],
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const sent = await callOverHttp(server.url, ingest, 'POST', repoPath('acme/legacy', 'commits'), {
        commits: [
          {
            sha: history[0],
            parents: [],
            author: 'Test Author',
            authorEmail: 'author@example.com',
            date: '2025-05-01T12:00:00Z',
            subject: 'add a.txt',
            paths: ['a.txt'],
          },
        ],
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const [row] = gapRows(await serverGaps('acme/legacy'));
      assert.match(row?.detail ?? '', /hand-written, or capture failed/);
    });
  });
}
