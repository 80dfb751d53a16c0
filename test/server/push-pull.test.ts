/**
 * `trail push` and `trail pull` against a real server listening on 127.0.0.1, on PGlite and
 * on PostgreSQL, with real git repositories: pushing twice stores nothing twice, a second
 * developer pulls and verifies, and a log rewritten with the same key or tampered with in
 * git is refused (409) and flagged.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey, revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { remoteNameFor } from '../../src/server/sync.js';
import { trail } from '../helpers/cli.js';
import { deliverGitHub, githubPush } from '../helpers/github-webhook.js';
import { tamper } from '../helpers/tamper.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, checkpointRecord, count, sessionRecord, token } from './harness.js';

async function append(dir: string, records: unknown[]): Promise<string> {
  const repo = await findRepo(dir);
  const key = loadWriterKey(repo);
  await appendRecords(repo, key, records);
  return key.keyId;
}

for (const backend of BACKENDS) {
  describe(`trail push / pull over HTTP (${backend.name})`, () => {
    let opened: OpenedDb;
    let server: RunningServer;
    let ingest: string;
    let auditor: string;
    const repos: TempRepo[] = [];
    const fresh = async () => {
      const repo = tempRepo();
      repos.push(repo);
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      return repo;
    };
    const pushAs = (dir: string, repo: string, ...args: string[]) =>
      trail(dir, 'push', '--server', server.url, '--token', ingest, '--repo', repo, ...args);
    const push = (dir: string, ...args: string[]) => pushAs(dir, 'acme/app', ...args);
    const pull = (dir: string, ...args: string[]) =>
      trail(dir, 'pull', '--server', server.url, '--token', ingest, '--repo', 'acme/app', ...args);
    const entries = () =>
      count(server.db, 'ledger_entries e JOIN repos r ON r.id = e.repo_id', "r.name = 'acme/app'");

    before(async () => {
      opened = await backend.open();
      server = await startServer({ db: opened.db, port: 0, host: '127.0.0.1', config: { rateLimit: false } });
      assert.ok(server.adminToken?.startsWith('trail_'), 'the first start creates an admin token');
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      ingest = await token(server.db, { name: 'dev', role: 'ingest', orgs: ['acme'] });
      auditor = await token(server.db, { name: 'auditor', role: 'auditor' });
    });
    after(async () => {
      await server.close();
      await opened.cleanup();
      for (const r of repos) r.cleanup();
    });

    /** The server's gaps report for a repository: the document and its rows. */
    const gapsReport = async (repo: string) => {
      const answer = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/reports/gaps?repo=${encodeURIComponent(repo)}&format=json`,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const rows: Array<Record<string, string>> = answer.body.sections.flatMap(
        (section: { table?: { rows: Array<Record<string, string>> } }) => section.table?.rows ?? [],
      );
      return { doc: answer.body, rows };
    };

    let alice: TempRepo;
    let aliceId: string;

    test('push sends the ledger; pushing again sends nothing and duplicates nothing', async () => {
      alice = await fresh();
      const commit = alice.commit('first');
      aliceId = await append(alice.dir, [
        sessionRecord({ sessionId: 'a1', requester: 'alice' }),
        checkpointRecord({ commit, sessions: [{ sessionId: 'a1', agent: 'claude-code' }] }),
      ]);
      await append(alice.dir, [checkpointRecord({ commit: alice.commit('second') })]);
      const first = await push(alice.dir);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /pushed 3 entries of 1 log to http:\/\/127\.0\.0\.1:\d+ as acme\/app/);
      assert.equal(await entries(), 3);

      const second = await push(alice.dir, '--json');
      assert.equal(second.code, 0, second.stderr);
      const report = JSON.parse(second.stdout);
      assert.equal(report.writers[0].status, 'up-to-date');
      assert.equal(report.writers[0].sent, 0);
      assert.deepEqual(report.keys.unchanged, [aliceId]);
      assert.equal(await entries(), 3, 'no duplicates');
      assert.equal(await count(server.db, 'tree_heads'), 2);

      // The server URL from .trail/config.json, the token from the flag.
      await append(alice.dir, [checkpointRecord({ commit: alice.commit('third') })]);
      writeFileSync(
        join(alice.dir, '.trail', 'config.json'),
        `${JSON.stringify({ version: 1, server: { url: server.url } })}\n`,
      );
      const third = await trail(alice.dir, 'push', '--token', ingest, '--repo', 'acme/app', '--json');
      assert.equal(third.code, 0, third.stderr);
      assert.equal(JSON.parse(third.stdout).writers[0].accepted, 1);
      assert.equal(await entries(), 4);
    });

    test('a revocation goes to the server with its bound: a head the key signed past it is refused, whatever its time', async () => {
      const repo = await fresh();
      const keyId = await append(repo.dir, [checkpointRecord({ commit: repo.commit('one') })]);
      const pushRepo = (...args: string[]) => pushAs(repo.dir, 'acme/bound', ...args);
      assert.equal((await pushRepo()).code, 0);
      await append(repo.dir, [checkpointRecord({ commit: repo.commit('two') })]);
      // Revoked where the log was held at 1 record: the second head, dated before the
      // revocation, came after it all the same.
      revokeKey(await findRepo(repo.dir), keyId, 'laptop stolen', new Date().toISOString(), 1);
      const pushed = await pushRepo('--json');
      assert.equal(pushed.code, 1, pushed.stderr);
      const report = JSON.parse(pushed.stdout);
      assert.deepEqual(report.keys.revoked, [keyId]);
      assert.equal(report.writers[0].status, 'refused');
      assert.equal(report.writers[0].error.problem, 'revoked-key');
      assert.match(
        report.writers[0].error.message,
        /the tree head of size 2 goes past the 1 record the log held/,
      );
      const bound = await server.db.query<{ revoked_at_size: string | number | null }>(
        `SELECT k.revoked_at_size FROM repo_keys k JOIN repos r ON r.id = k.repo_id
         WHERE r.name = 'acme/bound' AND k.key_id = $1 AND k.revoked_at IS NOT NULL`,
        [keyId],
      );
      assert.equal(Number(bound.rows[0]?.revoked_at_size), 1);
    });

    test('another clone pulls the log, verifies it, and its own log comes back to the first', async () => {
      const bob = await fresh();
      trustKey(await findRepo(bob.dir), loadWriterKey(await findRepo(alice.dir)).publicKey, 'alice');
      const pulled = await pull(bob.dir, '--json');
      assert.equal(pulled.code, 0, pulled.stderr);
      const report = JSON.parse(pulled.stdout);
      const ref = `refs/trail/remotes/${remoteNameFor(server.url)}/logs/${aliceId}`;
      assert.deepEqual(
        report.writers.map((w: { writerId: string; status: string; fetched: number; ref: string }) => [
          w.writerId,
          w.status,
          w.fetched,
          w.ref,
        ]),
        [[aliceId, 'pulled', 4, ref]],
      );
      const verify = await trail(bob.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stderr, /verified 4 records in 1 log from 1 writer/);

      // More from alice arrives incrementally (checked by a consistency proof), then verifies.
      await append(alice.dir, [checkpointRecord({ commit: alice.commit('fourth') })]);
      assert.equal((await push(alice.dir)).code, 0);
      const again = JSON.parse((await pull(bob.dir, '--json')).stdout);
      assert.equal(again.writers[0].fetched, 1);
      assert.equal((await trail(bob.dir, 'verify')).code, 0);
      const nothing = JSON.parse((await pull(bob.dir, '--json')).stdout);
      assert.equal(nothing.writers[0].status, 'up-to-date');

      // Bob's own log goes up (with his key) and comes down to alice.
      const bobId = await append(bob.dir, [checkpointRecord({ commit: bob.commit('bob') })]);
      const bobPush = await push(bob.dir, '--json');
      assert.equal(bobPush.code, 0, bobPush.stderr);
      const statuses = Object.fromEntries(
        JSON.parse(bobPush.stdout).writers.map((w: { writerId: string; status: string }) => [
          w.writerId,
          w.status,
        ]),
      );
      assert.deepEqual(statuses, { [aliceId]: 'up-to-date', [bobId]: 'pushed' });
      trustKey(await findRepo(alice.dir), loadWriterKey(await findRepo(bob.dir)).publicKey, 'bob');
      const alicePull = JSON.parse((await pull(alice.dir, '--json')).stdout);
      assert.deepEqual(
        alicePull.writers
          .filter((w: { status: string }) => w.status === 'pulled')
          .map((w: { writerId: string }) => w.writerId),
        [bobId],
      );
      assert.equal((await trail(alice.dir, 'verify')).code, 0);
      assert.equal(
        JSON.parse((await push(alice.dir, '--json')).stdout).ok,
        true,
        'pushing pulled copies is a no-op',
      );

      // A fetched copy ref overwritten with a blob: the next pull puts the server's log back.
      const copyRef = `refs/trail/remotes/${remoteNameFor(server.url)}/logs/${aliceId}`;
      const junk = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: bob.dir, input: 'junk\n' })
        .toString()
        .trim();
      bob.git('update-ref', copyRef, junk);
      const repaired = await pull(bob.dir);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.match(
        repaired.stderr,
        new RegExp(
          `${aliceId}: pulled 5 entries into ${copyRef} \\(replaced ${copyRef}, which held no log\\)`,
        ),
      );
      assert.equal(bob.git('cat-file', '-t', copyRef).trim(), 'commit');
      assert.equal((await trail(bob.dir, 'verify')).code, 0);
    });

    test('a log re-created with the same key is refused with 409 and flagged', async () => {
      const before = await entries();
      const repo = await findRepo(alice.dir);
      // Throw the log away and write a different history with the same writer key.
      alice.git('update-ref', '-d', logRef(aliceId));
      rmSync(join(repo.stateDir, 'cache'), { recursive: true, force: true });
      rmSync(join(repo.stateDir, 'witness'), { recursive: true, force: true });
      await append(alice.dir, [
        checkpointRecord({ commit: alice.commit('rewritten history'), summary: 'not what happened' }),
      ]);
      const refused = await push(alice.dir, '--json');
      assert.equal(refused.code, 1);
      const report = JSON.parse(refused.stdout);
      const mine = report.writers.find((w: { writerId: string }) => w.writerId === aliceId);
      assert.equal(mine.status, 'refused');
      assert.equal(mine.error.status, 409);
      assert.equal(mine.error.problem, 'rewritten');
      const human = await push(alice.dir);
      assert.equal(human.code, 1);
      assert.match(human.stderr, /refused: the server refused POST .* 409 history rewritten/);
      assert.equal(await entries(), before, 'nothing of the rewritten log was stored');
      const alerts = await fetch(`${server.url}/api/v1/alerts?repo=acme%2Fapp`, {
        headers: { authorization: `Bearer ${auditor}` },
      });
      const body = (await alerts.json()) as { alerts: Array<{ kind: string; writerId: string }> };
      assert.ok(body.alerts.some((a) => a.kind === 'rewritten' && a.writerId === aliceId));
    });

    test('a key that arrives after an admin locked the key set: push says it waits, and its log goes through once approved', async () => {
      const first = await fresh();
      await append(first.dir, [checkpointRecord({ commit: first.commit('before the lock') })]);
      assert.equal((await pushAs(first.dir, 'acme/locked')).code, 0);
      const admin = (...args: string[]) =>
        trail(first.dir, 'admin', ...args, '--server', server.url, '--token', server.adminToken!);
      const locked = await admin('lock-keys', '--repo', 'acme/locked');
      assert.equal(locked.code, 0, locked.stderr);
      assert.equal(
        locked.stderr,
        'acme/locked: key set locked, 1 key registered so far approved; keys pushed from now on wait for trail admin approve-key\n',
      );

      const newcomer = await fresh();
      await append(newcomer.dir, [checkpointRecord({ commit: newcomer.commit('after the lock') })]);
      const keyId = loadWriterKey(await findRepo(newcomer.dir)).keyId;
      const held = await pushAs(newcomer.dir, 'acme/locked');
      assert.equal(held.code, 1);
      assert.match(
        held.stderr,
        new RegExp(
          `key ${keyId}: registered, but acme/locked's key set is locked on the server: an admin must approve it before logs it signs are accepted \\(trail admin approve-key ${keyId}\\)\n`,
        ),
      );
      assert.match(
        held.stderr,
        new RegExp(`${keyId}: refused: .*an admin must approve it \\(trail admin approve-key ${keyId}\\)`),
      );
      const waiting = await admin('keys', '--repo', 'acme/locked');
      assert.equal(waiting.code, 0, waiting.stderr);
      assert.match(waiting.stderr, /^acme\/locked: key set locked/);
      assert.match(
        waiting.stderr,
        new RegExp(`\n${keyId}  .* waiting for approval \\(trail admin approve-key\\)\n`),
      );
      assert.match(
        waiting.stderr,
        new RegExp(`\n${loadWriterKey(await findRepo(first.dir)).keyId}  .* approved\n`),
      );

      const approved = await admin('approve-key', keyId, '--repo', 'acme/locked');
      assert.equal(approved.code, 0, approved.stderr);
      assert.equal(
        approved.stderr,
        `acme/locked: key ${keyId} approved; push again to send what it signed\n`,
      );
      const through = await pushAs(newcomer.dir, 'acme/locked');
      assert.equal(through.code, 0, through.stderr);
      assert.doesNotMatch(through.stderr, /key set is locked/);
    });

    test('a clone with no writer key yet sends its commits unsigned, which an open key set takes', async () => {
      const plain = tempRepo();
      repos.push(plain);
      const head = plain.commit('before trail init');
      const pushed = await pushAs(plain.dir, 'acme/plain');
      assert.equal(pushed.code, 0, pushed.stderr);
      const rows = await server.db.query<{ sha: string; signed_by: string | null }>(
        "SELECT c.sha, c.signed_by FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = 'acme/plain'",
      );
      assert.deepEqual(
        rows.rows.map((r) => [r.sha, r.signed_by]),
        [[head, null]],
      );
    });

    test('a log tampered with in git after it was pushed is refused with 409 and flagged', async () => {
      const carol = await fresh();
      const carolId = await append(carol.dir, [checkpointRecord({ commit: carol.commit('one') })]);
      await append(carol.dir, [checkpointRecord({ commit: carol.commit('two'), summary: 'the truth' })]);
      assert.equal((await push(carol.dir)).code, 0);
      const stored = await entries();
      await tamper(carol.dir, logRef(carolId), (files) => {
        for (const [path, content] of files) {
          if (path.startsWith('log/') && content.includes('the truth'))
            files.set(path, content.replace('the truth', 'a lie'));
        }
      });
      const refused = await push(carol.dir, '--json');
      assert.equal(refused.code, 1);
      const mine = JSON.parse(refused.stdout).writers.find(
        (w: { writerId: string }) => w.writerId === carolId,
      );
      assert.equal(mine.error.status, 409);
      assert.equal(mine.error.problem, 'rewritten');
      assert.equal(await entries(), stored);
      const flagged = await count(server.db, 'ledger_alerts', "writer_id = $1 AND kind = 'rewritten'", [
        carolId,
      ]);
      assert.equal(flagged, 1);
    });

    test('push sends the branch’s commits and policy once; the server’s gaps report lists the commits with no checkpoint, by that policy', async () => {
      const repo = await fresh();
      repo.write('.trail/policy.yml', 'required: [request.tickets]\n');
      const recorded = repo.commit('PAY-1: refunds');
      await append(repo.dir, [checkpointRecord({ commit: recorded, time: new Date().toISOString() })]);
      repo.write('src/hand.ts', 'export const hand = 1;\n');
      const secret = `ghp_${'Qq7Ww8Ee9R'.repeat(3)}246801`;
      const hand = repo.commit(`hotfix: rotate ${secret}`);
      const send = async () => {
        const r = await pushAs(repo.dir, 'acme/history', '--json');
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout).history;
      };
      const first = await send();
      assert.equal(first.head, hand);
      assert.deepEqual(first.commits, { sent: 2, added: 2 });
      assert.equal(first.policyChanged, true);
      const stored = await server.db.query<{ subject: string }>(
        `SELECT c.subject FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = 'acme/history' AND c.sha = $1`,
        [hand],
      );
      assert.match(
        stored.rows[0]!.subject,
        /^hotfix: rotate \[REDACTED:[a-z-]+\]$/,
        'redacted before it left',
      );

      assert.deepEqual((await send()).commits, { sent: 0, added: 0 }, 'nothing new: nothing sent');
      repo.write('src/more.ts', 'export const more = 2;\n');
      const more = repo.commit('more by hand');
      const third = await send();
      assert.deepEqual(third.commits, { sent: 1, added: 1 });
      assert.equal(third.policyChanged, false);
      // This clone forgets what it sent: everything goes again, and the server stores nothing twice.
      rmSync(join(repo.dir, '.git', 'trail', 'pushed-commits.json'));
      assert.deepEqual((await send()).commits, { sent: 3, added: 0 });
      assert.equal(
        await count(server.db, 'commits c JOIN repos r ON r.id = c.repo_id', "r.name = 'acme/history'"),
        3,
      );

      const { doc, rows } = await gapsReport('acme/history');
      assert.equal(doc.policy, 'acme/history .trail/policy.yml as last pushed');
      const of = (gap: string) =>
        rows
          .filter((r: Record<string, string>) => r.gap === gap)
          .map((r: Record<string, string>) => r.commit);
      assert.deepEqual(of('no-checkpoint').sort(), [hand, more].sort());
      assert.deepEqual(of('missing-field'), [recorded], 'judged by the pushed policy: no ticket');

      // What the server says of one commit: the hand-written one has no checkpoint.
      const one = await callOverHttp(server.url, auditor, 'GET', `/api/v1/commits/${hand.slice(0, 10)}`);
      assert.equal(one.status, 200);
      assert.deepEqual(
        one.body.commits.map((c: { repo: string; sha: string; checkpoint: string | null }) => [
          c.repo,
          c.sha,
          c.checkpoint,
        ]),
        [['acme/history', hand, null]],
      );
      const covered = await callOverHttp(server.url, auditor, 'GET', `/api/v1/commits/${recorded}`);
      assert.match(covered.body.commits[0].checkpoint, /^[0-9a-f]{64}$/);
      assert.equal((await callOverHttp(server.url, auditor, 'GET', '/api/v1/commits/zz')).status, 400);

      // A policy that does not parse is refused, naming what is wrong.
      const bad = await callOverHttp(server.url, ingest, 'POST', '/api/v1/repos/acme%2Fhistory/policy', {
        commit: recorded,
        policy: 'required: [nonsense]\n',
      });
      assert.equal(bad.status, 422);
      assert.match(bad.body.error.message, /^"policy": .*required/);
      const malformed = await callOverHttp(
        server.url,
        ingest,
        'POST',
        '/api/v1/repos/acme%2Fhistory/commits',
        {
          commits: [
            {
              sha: hand,
              parents: [],
              author: 'x',
              authorEmail: 'x',
              date: 'yesterday',
              subject: '',
              paths: [],
            },
          ],
        },
      );
      assert.equal(malformed.status, 422);
      assert.equal(malformed.body.error.message, 'commits[0].date is not an ISO 8601 time');

      // A committed policy that does not parse: push says so and exits 1, after sending the
      // ledger and the commits, which it does not send again.
      repo.write('.trail/policy.yml', 'required: [nonsense]\n');
      repo.commit('a policy typo');
      const refused = await pushAs(repo.dir, 'acme/history');
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /^commits and policy of main: refused: the server refused POST \/api\/v1\/repos\/acme%2Fhistory\/policy: 422 "policy": \.trail\/policy\.yml:1: required/m,
      );
      assert.match(
        refused.stderr,
        /\npush incomplete: the server did not take the commits and policy \(see above\)\n$/,
      );
      repo.write('.trail/policy.yml', 'required: [request.tickets]\n');
      repo.commit('fix the policy typo');
      const fixed = await send();
      assert.deepEqual(fixed.commits, { sent: 1, added: 1 }, 'only the fix: the typo commit went before');
      assert.equal(fixed.policyChanged, false, 'the same text as the policy the server holds');

      // The server judges by the policy as pushed: with every commit so far counted as history
      // from before Trail, none is a no-checkpoint gap any more.
      repo.write('.trail/policy.yml', 'required: [request.tickets]\nrequireCheckpointsFrom: 2999-01-01\n');
      repo.commit('history is history');
      assert.equal((await send()).policyChanged, true);
      assert.deepEqual(
        (await gapsReport('acme/history')).rows.map((r: Record<string, string>) => `${r.gap} ${r.commit}`),
        ['no-approval', 'no-tests', 'missing-field'].map((gap) => `${gap} ${recorded}`),
        'no commit without a checkpoint left: only the recorded one, judged',
      );
    });

    test('push sends the default branch’s commits, not a work-in-progress branch’s, unless told', async () => {
      const repo = await fresh();
      const fresh2 = await fresh();
      fresh2.commit('anything');
      const base = repo.commit('base on main');
      repo.git('checkout', '-q', '-b', 'wip');
      repo.write('src/wip.ts', 'export const wip = 1;\n');
      const wip = repo.commit('half done');
      const first = await pushAs(repo.dir, 'acme/branches', '--json');
      assert.equal(first.code, 0, first.stderr);
      const history = JSON.parse(first.stdout).history;
      assert.equal(history.ref, 'main');
      assert.equal(history.head, base);
      assert.deepEqual(history.commits, { sent: 1, added: 1 });
      const stored = () =>
        server.db
          .query<{ sha: string }>(
            `SELECT c.sha FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = 'acme/branches' ORDER BY c.authored_at, c.sha`,
          )
          .then((r) => r.rows.map((row) => row.sha));
      assert.deepEqual(await stored(), [base]);
      const told = await pushAs(repo.dir, 'acme/branches', '--commits-from', 'HEAD');
      assert.equal(told.code, 0, told.stderr);
      assert.match(told.stderr, /^commits of HEAD: 1 sent \(1 new to the server\)$/m);
      assert.deepEqual((await stored()).sort(), [base, wip].sort());
      // A shallow clone (CI's default) says what it could not send.
      const shallow = join(tempDir('trail-shallow-'), 'clone');
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow], { env: gitEnv });
      assert.equal((await trail(shallow, 'init', '--yes')).code, 0);
      const partial = await pushAs(shallow, 'acme/branches', '--json');
      assert.equal(partial.code, 0, partial.stderr);
      assert.equal(JSON.parse(partial.stdout).history.shallow, true);
      assert.match((await pushAs(shallow, 'acme/branches')).stderr, /^this clone is shallow: older commits/m);
      rmSync(join(shallow, '..'), { recursive: true, force: true });

      // A typo stops the push before anything is sent.
      const keysBefore = await count(server.db, 'repo_keys');
      const typo = await pushAs(fresh2.dir, 'acme/typo', '--commits-from', 'mian');
      assert.equal(typo.code, 2);
      assert.equal(typo.stderr, 'trail: --commits-from mian: not a commit in this repository\n');
      assert.equal(await count(server.db, 'repo_keys'), keysBefore, 'not even the keys');
    });

    test('a code host’s pushes to the default branch are held against what trail push sent', async () => {
      const repo = await fresh();
      const base = repo.commit('base');
      repo.git('checkout', '-q', '-b', 'feature');
      repo.write('src/feature.ts', 'export const feature = 1;\n');
      const feature = repo.commit('a feature');
      repo.git('checkout', '-q', 'main');
      repo.git('merge', '-q', '--no-ff', '-m', 'Merge branch feature', 'feature');
      const merge = repo.git('rev-parse', 'HEAD');
      repo.write('src/hand.ts', 'export const hand = 1;\n');
      const hand = repo.commit('by hand');

      const secret = 'witness-webhook-secret';
      const admin = server.adminToken!;
      const set = await callOverHttp(server.url, admin, 'POST', '/api/v1/admin/webhook-secrets', {
        host: 'github',
        repo: 'acme/witness',
        secret,
      });
      assert.equal(set.status, 201, JSON.stringify(set.body));
      let delivery = 0;
      /** A push GitHub would deliver to acme/witness, whose default branch is main. */
      const hostPush = async (ref: string, before: string, commits: string[], forced = false) => {
        const res = await deliverGitHub(server.url, {
          secret,
          event: 'push',
          id: `witness-${backend.name}-${++delivery}`,
          payload: githubPush({ repo: 'acme/witness', ref, before, commits, forced }),
        });
        assert.equal(res.status, 201, await res.text());
      };
      const gaps = async () =>
        (await gapsReport('acme/witness')).rows
          .filter((r) => r.gap === 'unsent-commit' || r.gap === 'force-push' || r.gap === 'no-checkpoint')
          .map((r) => `${r.gap} ${r.commit}`);

      // GitHub saw the feature, its merge and a hand-written commit land on main before any
      // trail push: the server cannot judge them, and says so instead of leaving them out.
      await hostPush('refs/heads/main', base, [feature, merge, hand]);
      // A push to another branch is not what an audit of main is about.
      await hostPush('refs/heads/feature', base, ['f'.repeat(40)]);
      assert.deepEqual(
        await gaps(),
        [feature, merge, hand].map((c) => `unsent-commit ${c}`),
      );
      // What the server says of such a commit: not sent, and which host said what.
      const unsentPage = await callOverHttp(server.url, auditor, 'GET', `/api/v1/commits/${hand}`);
      assert.deepEqual(unsentPage.body.commits, []);
      assert.deepEqual(
        unsentPage.body.reported.map((r: { repo: string; host: string; ref: string; forced: boolean }) => [
          r.repo,
          r.host,
          r.ref,
          r.forced,
        ]),
        [['acme/witness', 'github', 'refs/heads/main', false]],
      );
      const before = (await gapsReport('acme/witness')).doc.summary;
      assert.ok(
        before.some((s: { label: string; value: number }) => s.label === 'unsent-commit' && s.value === 3),
      );

      // trail push sends main, merge included: the host's commits are matched, and the server
      // judges the commits by themselves. The merge has no checkpoint of its own to miss.
      const pushed = await pushAs(repo.dir, 'acme/witness', '--json');
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.deepEqual(JSON.parse(pushed.stdout).history.commits, { sent: 4, added: 4 });
      // (base holds only .trail/, which the default policy exempts.)
      assert.deepEqual((await gaps()).sort(), [feature, hand].map((c) => `no-checkpoint ${c}`).sort());
      const mergePage = await callOverHttp(server.url, auditor, 'GET', `/api/v1/commits/${merge}`);
      assert.deepEqual(mergePage.body.commits, [], 'a merge is no commit without a checkpoint');
      assert.deepEqual(mergePage.body.reported, [], 'sent: what a host said of it is not shown as unsent');

      // Main is rewritten on the host: the new tip is not sent yet, and the push was forced.
      repo.git('reset', '-q', '--hard', base);
      repo.write('src/other.ts', 'export const other = 1;\n');
      const rewritten = repo.commit('rewritten history');
      await hostPush('refs/heads/main', hand, [rewritten], true);
      const after = await gaps();
      assert.deepEqual(after.slice(-2), [`unsent-commit ${rewritten}`, `force-push ${rewritten}`]);
      const forced = (await gapsReport('acme/witness')).rows.find((r) => r.gap === 'force-push')!;
      assert.match(forced.detail ?? '', /^main on github was force-pushed from [0-9a-f]{12} to [0-9a-f]{12}/);

      // A clone's own gaps report reads git itself: it has no such rows, and no such counts.
      const local = await trail(repo.dir, 'report', 'gaps', '--format', 'json');
      assert.equal(local.code, 0, local.stderr);
      const labels = JSON.parse(local.stdout).summary.map((s: { label: string }) => s.label);
      assert.ok(labels.includes('no-checkpoint') && !labels.includes('unsent-commit'));
    });

    test('push and pull say what is wrong in one line', async () => {
      const repo = await fresh();
      const noServer = await trail(repo.dir, 'push', '--repo', 'acme/app');
      assert.equal(noServer.code, 2);
      assert.match(noServer.stderr, /^trail: no Trail server given: pass --server URL/);
      const badToken = await trail(
        repo.dir,
        'pull',
        '--server',
        server.url,
        '--token',
        'trail_nope',
        '--repo',
        'acme/app',
      );
      assert.equal(badToken.code, 1);
      assert.match(
        badToken.stderr,
        /^trail: the server refused GET .*: 401 the API token is not known to this server/,
      );
      const otherOrg = await trail(
        repo.dir,
        'push',
        '--server',
        server.url,
        '--token',
        ingest,
        '--repo',
        'other/app',
      );
      assert.equal(otherOrg.code, 1);
      assert.match(otherOrg.stderr, /403 this token's scope does not include repository other\/app/);
    });
  });
}
