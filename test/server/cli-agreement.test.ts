/**
 * The server says what the CLI says, for one real clone pushed with `trail push` to a server
 * on 127.0.0.1, on PGlite and on PostgreSQL:
 *
 * - review status follows the rule `trail show` applies (core/review-decision.ts): each
 *   reviewer's latest decision counts and any open request for changes wins; the API's
 *   status of each commit is compared with `trail show --json` for the same commit;
 * - the NIST AI RMF report counts the signing keys (the server's keys in force);
 * - a report's period means what `trail report --since/--until` means.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { RunningServer } from '../../src/server/server.js';
import { pushTo, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, checkpointRecord, serverWithTokens } from './harness.js';

const STATUS_OF: Record<string, string> = {
  approved: 'approved',
  'changes-requested': 'changes-requested',
  commented: 'pending',
  none: 'pending',
};

for (const backend of BACKENDS) {
  describe(`the server agrees with the CLI (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let ingest: string;
    let auditor: string;
    let repo: TempRepo;
    const commits: Record<string, string> = {};

    before(async () => {
      ({ opened, server, ingest, auditor } = await serverWithTokens(backend));
      repo = tempRepo();
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const found = await findRepo(repo.dir);
      const key = loadWriterKey(found);
      for (const name of ['open', 'withdrawn', 'commented', 'unreviewed']) {
        commits[name] = repo.commit(name);
        await appendRecords(found, key, [
          checkpointRecord({
            commit: commits[name]!,
            sessions: [{ sessionId: `s-${name}`, agent: 'claude-code' }],
          }),
        ]);
      }
      const review = async (commit: string, ...args: string[]) => {
        const r = await trail(repo.dir, 'review', commit, ...args);
        assert.equal(r.code, 0, r.stderr);
      };
      // alice asks for changes, then bob approves: alice's request is still open.
      await review(commits.open!, '--request-changes', '--reviewer', 'alice@acme.example', '-m', 'x');
      await review(commits.open!, '--approve', '--reviewer', 'bob@acme.example', '-m', 'y');
      // alice asks for changes, bob approves, then alice approves: nothing is open.
      await review(commits.withdrawn!, '--request-changes', '--reviewer', 'alice@acme.example', '-m', 'x');
      await review(commits.withdrawn!, '--approve', '--reviewer', 'bob@acme.example', '-m', 'y');
      await review(commits.withdrawn!, '--approve', '--reviewer', 'alice@acme.example', '-m', 'z');
      // bob approves, then comments: a comment does not undo his approval.
      await review(commits.commented!, '--approve', '--reviewer', 'bob@acme.example', '-m', 'y');
      await review(commits.commented!, '--comment', '--reviewer', 'bob@acme.example', '-m', 'nit');
      await pushTo(repo.dir, server.url, ingest, 'acme/app');
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      repo.cleanup();
    });

    const cliStatus = async (commit: string) => {
      const shown = await trail(repo.dir, 'show', commit, '--json');
      assert.equal(shown.code, 0, shown.stderr);
      return STATUS_OF[JSON.parse(shown.stdout).approval.state as string]!;
    };
    const api = async (query: string) => {
      const r = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/checkpoints?repo=acme%2Fapp&${query}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.checkpoints as Array<{ commit: string; status: string; id: string }>;
    };

    test("each commit's status in the API is trail show's", async () => {
      const expected = {
        open: 'changes-requested',
        withdrawn: 'approved',
        commented: 'approved',
        unreviewed: 'pending',
      };
      for (const [name, status] of Object.entries(expected)) {
        const commit = commits[name]!;
        assert.equal(await cliStatus(commit), status, `trail show for ${name}`);
        const [row] = await api(`commit=${commit}`);
        assert.equal(row?.status, status, `GET /checkpoints?commit= for ${name}`);
        const detail = await callOverHttp(server.url, auditor, 'GET', `/api/v1/checkpoints/${row!.id}`);
        assert.equal(detail.body.summary.status, status, `GET /checkpoints/{id} for ${name}`);
      }
    });

    test('the status filter follows the same rule', async () => {
      const of = async (status: string) => (await api(`status=${status}`)).map((c) => c.commit).sort();
      assert.deepEqual(await of('changes-requested'), [commits.open!]);
      assert.deepEqual(await of('approved'), [commits.withdrawn!, commits.commented!].sort());
      assert.deepEqual(await of('pending'), [commits.unreviewed!]);
    });

    /** A report's rows by their first cell, from the API and from `trail report` in the clone. */
    const rowsOf = (doc: { sections: Array<{ table?: { rows: Array<Record<string, string>> } }> }) =>
      doc.sections.flatMap((section) => section.table?.rows ?? []);
    const serverReport = async (kind: string, query = '') => {
      const r = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/reports/${kind}?repo=acme%2Fapp&format=json${query}`,
      );
      return r;
    };
    const cliReport = async (kind: string, ...args: string[]) => {
      const r = await trail(repo.dir, 'report', kind, '--format', 'json', ...args);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };

    test("the NIST AI RMF report counts the server's keys in force, as the CLI counts its trusted keys", async () => {
      const answer = await serverReport('nist-ai-rmf');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const signing = (rows: Array<Record<string, string>>) =>
        rows.find((row) => Object.values(row).includes('Signing keys'));
      const onServer = signing(rowsOf(answer.body));
      const inClone = signing(rowsOf(await cliReport('nist-ai-rmf')));
      assert.ok(onServer && inClone, JSON.stringify(rowsOf(answer.body)));
      assert.match(Object.values(inClone).join(' | '), /1 trusted key in \.trail\/keys.*evidence/);
      assert.match(Object.values(onServer).join(' | '), /1 trusted key in force on the server.*evidence/);
    });

    test("a report's until takes its whole day, as trail report --until does", async () => {
      // The checkpoints were recorded at 2026-03-01T11:00Z: until=2026-03-01 covers them.
      const commitsOf = (doc: Parameters<typeof rowsOf>[0]) =>
        [...new Set(rowsOf(doc).map((row) => row.commit ?? row.Commit))].filter(Boolean).sort();
      const inClone = commitsOf(await cliReport('gaps', '--until', '2026-03-01'));
      assert.ok(inClone.includes(commits.unreviewed!), JSON.stringify(inClone));
      const answer = await serverReport('gaps', '&until=2026-03-01');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(commitsOf(answer.body), inClone);
      assert.equal(answer.body.period.until, '2026-03-02T00:00:00.000Z');
      // The day before leaves them out on both sides.
      assert.deepEqual(commitsOf(await cliReport('gaps', '--until', '2026-02-28')), []);
      const before = await serverReport('gaps', '&until=2026-02-28');
      assert.deepEqual(commitsOf(before.body), []);
      // A month is all of its days.
      const month = await serverReport('gaps', '&since=2026-02&until=2026-03');
      assert.equal(month.status, 200, JSON.stringify(month.body));
      assert.deepEqual(commitsOf(month.body), inClone);
    });

    test('a report whose since is not before its until is refused, as trail report refuses it', async () => {
      const cli = await trail(repo.dir, 'report', 'gaps', '--since', '2026-03-02', '--until', '2026-03-01');
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /--since 2026-03-02 is not before --until 2026-03-01/);
      const answer = await serverReport('gaps', '&since=2026-03-02&until=2026-03-01');
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'bad-request');
      assert.equal(answer.body.error.message, 'since 2026-03-02 is not before until 2026-03-01');
    });
  });
}
