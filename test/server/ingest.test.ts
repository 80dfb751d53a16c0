/**
 * Ingest over the API, on PGlite and on PostgreSQL: idempotent re-pushes, the checks made on
 * every entry and head, and the server's witness refusing (409) and flagging a rewritten log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '../../src/core/hash.js';
import { signTreeHead } from '../../src/core/log-entry.js';
import { rootFromLeafHashes, verifyConsistency } from '../../src/core/merkle.js';
import type { TrailApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  count,
  MemoryWriter,
  promptRecord,
  purgeRecord,
  repoPath,
  sessionRecord,
  sha,
  token,
} from './harness.js';

for (const backend of BACKENDS) {
  describe(`ingest (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let ingest: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      ingest = await token(db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
    });
    after(async () => {
      await opened.cleanup();
    });

    const entries = (repo: string, writer: MemoryWriter) => repoPath(repo, 'writers', writer.id, 'entries');
    const register = async (repo: string, writer: MemoryWriter) => {
      const r = await call(app, 'POST', repoPath(repo, 'keys'), ingest, { keys: [writer.trustedKey()] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r;
    };
    const stored = (repo: string) =>
      count(db, 'ledger_entries e JOIN repos r ON r.id = e.repo_id', 'r.name = $1', [repo]);

    test('a push stores entries, heads and the read model; the same push again adds nothing', async () => {
      const repo = 'acme/idempotent';
      const w = new MemoryWriter();
      w.append([sessionRecord({ sessionId: 's1' }), promptRecord('s1', 'add retries')]);
      w.append([checkpointRecord({ commit: sha(1), sessions: [{ sessionId: 's1', agent: 'claude-code' }] })]);
      const keys = await register(repo, w);
      assert.deepEqual(keys.body.added, [w.id]);
      const first = await call(app, 'POST', entries(repo, w), ingest, w.push());
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.accepted, 3);
      assert.equal(first.body.duplicates, 0);
      assert.equal(first.body.headsAdded, 2);
      assert.equal(first.body.root, w.heads[1]!.root);

      const again = await call(app, 'POST', entries(repo, w), ingest, w.push());
      assert.equal(again.status, 200);
      assert.equal(again.body.accepted, 0);
      assert.equal(again.body.duplicates, 3);
      assert.equal(again.body.headsAdded, 0);
      assert.equal((await register(repo, w)).body.unchanged.length, 1, 'keys again: unchanged');
      assert.equal(await stored(repo), 3);
      assert.equal(
        await count(db, 'checkpoints c JOIN repos r ON r.id = c.repo_id', 'r.name = $1', [repo]),
        1,
      );
      assert.equal(
        await count(db, 'tree_heads h JOIN repos r ON r.id = h.repo_id', 'r.name = $1', [repo]),
        2,
      );

      // An overlapping push (old entries again plus a new append) stores only the new one.
      w.append([checkpointRecord({ commit: sha(2) })]);
      const more = await call(app, 'POST', entries(repo, w), ingest, w.push(1));
      assert.equal(more.status, 200, JSON.stringify(more.body));
      assert.deepEqual([more.body.accepted, more.body.duplicates, more.body.size], [1, 2, 4]);
      assert.equal(await stored(repo), 4);
      assert.equal(await count(db, 'ledger_alerts'), 0);
    });

    test('a person’s checks are listed as trail exec, not as an agent, and await no review', async () => {
      const repo = 'acme/persons-checks';
      const w = new MemoryWriter();
      const checks = { sessionId: 'exec-2026-12-04', agent: 'generic' };
      const [handCommit, agentCommit] = w.append([
        checkpointRecord({ commit: sha(11), sessions: [checks], ai: 0, human: 3 }),
        checkpointRecord({
          commit: sha(12),
          sessions: [
            { sessionId: 's1', agent: 'claude-code' },
            checks,
            { sessionId: 'manual-1', agent: 'generic' },
          ],
        }),
      ]);
      await register(repo, w);
      assert.equal((await call(app, 'POST', entries(repo, w), ingest, w.push())).status, 200);
      const listed = await call(
        app,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}`,
        await token(db, { name: 'a', role: 'auditor' }),
      );
      const agents = new Map(
        listed.body.checkpoints.map((c: { id: string; agents: string[] }) => [c.id, c.agents]),
      );
      assert.deepEqual(agents.get(handCommit), ['trail exec']);
      assert.deepEqual(agents.get(agentCommit), ['claude-code', 'trail exec', 'generic']);
      // Neither is reviewed, but only the agent's work awaits review: the other is a hand commit.
      const pending = await call(
        app,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(repo)}&status=pending`,
        await token(db, { name: 'a', role: 'auditor' }),
      );
      assert.deepEqual(
        pending.body.checkpoints.map((c: { id: string }) => c.id),
        [agentCommit],
      );
      // Its lines are committed lines, a person's; the checkpoint is no AI change to count.
      const stats = await call(
        app,
        'GET',
        `/api/v1/stats?repo=${encodeURIComponent(repo)}&by=agent`,
        await token(db, { name: 'a', role: 'auditor' }),
      );
      assert.equal(stats.status, 200, JSON.stringify(stats.body));
      assert.equal(stats.body.total.checkpoints, 1);
      assert.equal(stats.body.total.humanLines, 3 + 2, "the hand commit's 3 and the agent commit's 2");
      const byAgent = new Map(
        stats.body.groups.map((g: { key: string; checkpoints: number }) => [g.key, g.checkpoints]),
      );
      assert.equal(byAgent.get('claude-code'), 1);
      assert.equal(byAgent.get('trail exec') ?? 0, 0);
    });

    test('entries are checked: canonical form, sequence, records, signatures, coverage', async () => {
      const repo = 'acme/checks';
      const w = new MemoryWriter();
      w.append([checkpointRecord({ commit: sha(10) })]);
      w.append([checkpointRecord({ commit: sha(11) })]);
      await register(repo, w);
      const post = (body: unknown) => call(app, 'POST', entries(repo, w), ingest, body);

      const notCanonical = await post({
        ...w.push(),
        entries: [w.lines[0]!.replace('{"prev"', '{ "prev"'), w.lines[1]],
      });
      assert.equal(notCanonical.status, 422);
      assert.equal(notCanonical.body.error.problem, 'malformed');

      const invalidRecord = w.lines[0]!.replace('"kind":"checkpoint"', '"kind":"checkpoint","bogus":1');
      const bad = await post({ from: 0, entries: [invalidRecord], heads: [] });
      assert.equal(bad.status, 422);
      assert.ok(['not-canonical', 'invalid-record'].includes(bad.body.error.problem), bad.body.error.problem);

      const gap = await post(w.push(1));
      assert.equal(gap.status, 422);
      assert.equal(gap.body.error.problem, 'gap');

      const unsigned = await post({ from: 0, entries: w.lines, heads: [w.heads[0]] });
      assert.equal(unsigned.status, 422);
      assert.equal(unsigned.body.error.problem, 'unsigned');

      const forged = await post({
        ...w.push(),
        heads: [w.heads[0], { ...w.heads[1]!, root: w.heads[0]!.root }],
      });
      assert.equal(forged.status, 422);
      assert.equal(forged.body.error.problem, 'bad-signature');

      const stranger = new MemoryWriter();
      stranger.append([checkpointRecord({ commit: sha(12) })]);
      const unknown = await call(app, 'POST', entries(repo, stranger), ingest, stranger.push());
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.error.problem, 'unknown-key');

      // A modified entry that its writer never signed: the chain breaks at the next entry.
      const modified = w.lines[0]!.replace('"branch":"main"', '"branch":"evil"');
      const broken = await post({ from: 0, entries: [modified, w.lines[1]], heads: w.heads });
      assert.equal(broken.status, 422);
      assert.equal(broken.body.error.problem, 'modified');

      assert.equal(await stored(repo), 0, 'nothing was stored by any refused push');
      const alerts = await call(
        app,
        'GET',
        `/api/v1/alerts?repo=${encodeURIComponent(repo)}`,
        await token(db, { name: 'a', role: 'auditor' }),
      );
      assert.deepEqual(alerts.body.alerts.map((a: { kind: string }) => a.kind).sort(), [
        'bad-signature',
        'modified',
      ]);

      const good = await post(w.push());
      assert.equal(good.status, 200, JSON.stringify(good.body));
    });

    test('a rewritten log (same key, different history) is refused with 409 and flagged', async () => {
      const repo = 'acme/rewrite';
      const key = new MemoryWriter().key;
      const original = new MemoryWriter(key);
      original.append([checkpointRecord({ commit: sha(20), summary: 'the real change' })]);
      original.append([checkpointRecord({ commit: sha(21) })]);
      await register(repo, original);
      assert.equal((await call(app, 'POST', entries(repo, original), ingest, original.push())).status, 200);

      // Re-created with the same key: internally valid, every head properly signed.
      const forged = new MemoryWriter(key);
      forged.append([checkpointRecord({ commit: sha(20), summary: 'a different story' })]);
      forged.append([checkpointRecord({ commit: sha(21) })]);
      forged.append([checkpointRecord({ commit: sha(22) })]);
      const whole = await call(app, 'POST', entries(repo, forged), ingest, forged.push());
      assert.equal(whole.status, 409);
      assert.equal(whole.body.error.code, 'conflict');
      assert.equal(whole.body.error.problem, 'rewritten');
      assert.equal(whole.body.error.seq, 0);

      // Only the new tail, which does not chain to what the server holds.
      const tail = await call(app, 'POST', entries(repo, forged), ingest, forged.push(2));
      assert.equal(tail.status, 409);
      assert.equal(tail.body.error.problem, 'rewritten');

      // Only an old head, re-signed over the other history.
      const head = await call(app, 'POST', entries(repo, forged), ingest, {
        from: 2,
        entries: [],
        heads: [forged.heads[0]],
      });
      assert.equal(head.status, 409);
      assert.equal(head.body.error.problem, 'inconsistent-head');

      assert.equal(await stored(repo), 2, 'the server still holds the original two entries only');
      const flagged = await db.query<{ kind: string; status: number }>(
        `SELECT a.kind, (a.detail->>'status')::int AS status FROM ledger_alerts a JOIN repos r ON r.id = a.repo_id
         WHERE r.name = $1 ORDER BY a.id`,
        [repo],
      );
      assert.deepEqual(
        flagged.rows.map((r) => [r.kind, Number(r.status)]),
        [
          ['rewritten', 409],
          ['rewritten', 409],
          ['inconsistent-head', 409],
        ],
      );
      const ledger = await call(
        app,
        'GET',
        `/api/v1/ledger?repo=${encodeURIComponent(repo)}`,
        await token(db, { name: 'a', role: 'auditor' }),
      );
      assert.equal(ledger.status, 200);
      assert.equal(ledger.body.repos[0].status, 'alerts');
      assert.equal(ledger.body.repos[0].writers[0].alerts, 3);
      assert.equal(ledger.body.repos[0].writers[0].size, 2);
    });

    test('a second valid head over the same entries is kept; pulls and consistency proofs match', async () => {
      const repo = 'acme/heads';
      const w = new MemoryWriter();
      for (let i = 0; i < 5; i++) w.append([checkpointRecord({ commit: sha(`h${i}`) })]);
      await register(repo, w);
      assert.equal((await call(app, 'POST', entries(repo, w), ingest, w.push())).status, 200);
      const resigned = signTreeHead({ ...w.heads[2]!, time: '2026-06-01T00:00:00.000Z' }, w.key);
      const again = await call(app, 'POST', entries(repo, w), ingest, {
        from: 5,
        entries: [],
        heads: [resigned],
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.headsAdded, 1);

      const pulled = await call(app, 'GET', `${entries(repo, w)}?from=1&limit=3`, ingest);
      assert.equal(pulled.status, 200);
      assert.deepEqual(pulled.body.entries, w.lines.slice(1, 4));
      assert.deepEqual(
        pulled.body.heads.map((h: { size: number }) => h.size),
        [2, 3, 3, 4],
      );

      const proof = await call(
        app,
        'GET',
        `${repoPath(repo, 'writers', w.id, 'consistency')}?from=2&to=5`,
        ingest,
      );
      assert.equal(proof.status, 200);
      const leaves = w.lines.map((l) => sha256(Buffer.concat([Buffer.from([0]), Buffer.from(l)])));
      assert.equal(proof.body.toRoot, w.heads[4]!.root);
      assert.ok(
        verifyConsistency(
          2,
          5,
          rootFromLeafHashes(leaves.slice(0, 2)),
          Buffer.from(proof.body.toRoot, 'hex'),
          proof.body.proof.map((p: string) => Buffer.from(p, 'hex')),
        ),
      );
    });

    test('retention tombstones: accepted over held entries and where a purge record names them', async () => {
      const repo = 'acme/retention';
      const w = new MemoryWriter();
      const [old] = w.append([checkpointRecord({ commit: sha('r0'), time: '2025-01-01T00:00:00.000Z' })]);
      w.append([checkpointRecord({ commit: sha('r1'), time: '2025-02-01T00:00:00.000Z' })]);
      await register(repo, w);
      assert.equal((await call(app, 'POST', entries(repo, w), ingest, w.push())).status, 200);

      // The writer purges entry 0 after it was pushed: the server keeps what it holds.
      w.append([purgeRecord([old!], '2025-06-01T00:00:00.000Z')]);
      w.tombstone(0);
      const after = await call(app, 'POST', entries(repo, w), ingest, w.push());
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.deepEqual([after.body.accepted, after.body.duplicates], [1, 2]);
      const pulled = await call(app, 'GET', entries(repo, w), ingest);
      assert.match(pulled.body.entries[0], /"record":/, 'the server still holds the content');

      // A writer that purges before its first push: the tombstones go up with their purge record.
      const late = new MemoryWriter();
      const [gone] = late.append([checkpointRecord({ commit: sha('l0'), time: '2025-01-01T00:00:00.000Z' })]);
      late.append([purgeRecord([gone!], '2025-06-01T00:00:00.000Z')]);
      late.tombstone(0);
      await register(repo, late);
      const first = await call(app, 'POST', entries(repo, late), ingest, late.push());
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const back = await call(app, 'GET', entries(repo, late), ingest);
      assert.deepEqual(back.body.entries, late.lines);

      // A tombstone no purge record names is a deletion.
      const sneaky = new MemoryWriter();
      sneaky.append([checkpointRecord({ commit: sha('s0') })]);
      sneaky.append([checkpointRecord({ commit: sha('s1') })]);
      sneaky.tombstone(0);
      await register(repo, sneaky);
      const refused = await call(app, 'POST', entries(repo, sneaky), ingest, sneaky.push());
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.problem, 'deleted');
      const search = await call(
        app,
        'GET',
        '/api/v1/checkpoints?repo=acme%2Fretention',
        await token(db, { name: 'r', role: 'auditor' }),
      );
      assert.equal(search.status, 200);
      assert.equal(search.body.checkpoints.length, 2, 'tombstones add nothing to the read model');
    });

    test('concurrent pushes of one writer store each entry once', async () => {
      const repo = 'acme/concurrent';
      const w = new MemoryWriter();
      for (let i = 0; i < 20; i++) w.append([checkpointRecord({ commit: sha(`c${i}`) })]);
      await register(repo, w);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => call(app, 'POST', entries(repo, w), ingest, w.push())),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 200, 200, 200],
      );
      assert.equal(
        answers.reduce((n, a) => n + a.body.accepted, 0),
        20,
      );
      assert.equal(await stored(repo), 20);
    });
  });
}
