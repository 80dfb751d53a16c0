/**
 * The read side's loading of the ledger: one copy of each writer's log (the longest), every
 * well-formed entry decoded from its bytes with the id of its canonical record bytes, and a
 * malformed entry skipped rather than failing the read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { factsForCommits } from '../../src/core/change-facts.js';
import { verifyLog } from '../../src/core/log-verifier.js';
import { recordIdOf } from '../../src/core/record-id.js';
import type { TrailRecord } from '../../src/core/records.js';
import { validateRecord } from '../../src/core/records.js';
import { loadWriterKey, trustedKeyMap } from '../../src/ledger/keys.js';
import type { LogRef } from '../../src/ledger/log-store.js';
import {
  appendRecords,
  listLogRefs,
  logRef,
  longestSnapshots,
  readLogs,
} from '../../src/ledger/log-store.js';
import {
  indexForCommits,
  loadCheckpointsFirst,
  loadIndex,
  loadRecords,
  recordsOfSnapshots,
} from '../../src/ledger/read.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { verifyAndRead, verifyRepository } from '../../src/ledger/verify.js';
import { loadWitness } from '../../src/ledger/witness.js';
import { buildCheckpointView } from '../../src/read/checkpoint-view.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import { entryLines, readLogFiles, setEntryLines, tamper, writeLogFiles } from '../helpers/tamper.js';
import { tempRepo } from '../helpers/temp-repo.js';

function deployment(i: number) {
  return {
    kind: 'deployment',
    v: 1,
    time: `2026-11-0${i + 1}T10:00:00.000Z`,
    actor: { type: 'ci', id: 'ci@example.com' },
    provenance: 'observed',
    env: `env-${i}`,
    commit: 'a'.repeat(40),
  };
}

/** A clone with one writer, `count` records in its log, and a bare remote it pushes to. */
async function clonePushingTo(count: number) {
  const origin = tempRepo({ bare: true });
  const repo = tempRepo();
  assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
  repo.git('remote', 'add', 'origin', origin.dir);
  assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0, 'init adds the remote refspec');
  const ledger = await findRepo(repo.dir);
  const key = loadWriterKey(ledger);
  for (let i = 0; i < count; i++) await appendRecords(ledger, key, [deployment(i)]);
  const pushAndFetch = () => {
    // --no-verify: Trail's own pre-push hook would push these refs too, racing this push.
    repo.git('push', '-q', '--no-verify', 'origin', 'refs/trail/logs/*:refs/trail/logs/*');
    repo.git('fetch', '-q', 'origin');
  };
  return {
    repo,
    ledger,
    key,
    pushAndFetch,
    cleanup: () => {
      repo.cleanup();
      origin.cleanup();
    },
  };
}

/** What verify says of one copy of a writer's log read on its own, against the writer's witness. */
async function verifiedAlone(ledger: Repo, refs: readonly LogRef[], ref: string, writerId: string) {
  const [alone] = await readLogs(
    ledger,
    refs.filter((r) => r.ref === ref),
  );
  return verifyLog({
    writerId,
    lines: alone!.entries,
    heads: alone!.heads,
    trustedKeys: trustedKeyMap(ledger),
    witness: loadWitness(ledger, writerId),
    witnessLength: false,
  });
}

describe('loading the ledger for readers', () => {
  test("a fetched copy of this clone's own log is not read a second time", async () => {
    const setup = await clonePushingTo(3);
    try {
      setup.pushAndFetch();
      const refs = await listLogRefs(setup.ledger);
      assert.equal(refs.length, 2, "this clone's log and the copy fetched from origin");
      assert.equal((await readLogs(setup.ledger, refs)).length, 2);
      const chosen = await readLogs(setup.ledger, refs, { onePerWriter: true });
      assert.equal(chosen.length, 1);
      assert.equal(chosen[0]!.remote, undefined, 'on a tie, the clone reads its own copy');

      const records = await loadRecords(setup.ledger);
      assert.deepEqual(
        records.map((r) => (r.record as { env: string }).env),
        ['env-0', 'env-1', 'env-2'],
      );
      assert.deepEqual(
        records.map((r) => r.seq),
        [0, 1, 2],
      );
      for (const stored of records) assert.equal(stored.id, recordIdOf(stored.record as TrailRecord));
    } finally {
      setup.cleanup();
    }
  });

  test('copies of a log at the same commit are read and verified once; a copy that differs is its own', async () => {
    const setup = await clonePushingTo(3);
    try {
      setup.pushAndFetch();
      const refs = await listLogRefs(setup.ledger);
      const [own, fetched] = await readLogs(setup.ledger, refs);
      assert.equal(own!.oid, fetched!.oid, 'origin holds what this clone pushed');
      assert.notEqual(own!.remote, fetched!.remote);
      assert.equal(own!.entries, fetched!.entries, 'one read: the copies share their entries');
      assert.equal(own!.heads, fetched!.heads);
      const verified = await verifyRepository(setup.ledger);
      assert.equal(verified.ok, true);
      assert.deepEqual(
        verified.logs.map((l) => [l.remote, l.size, l.problems.length]),
        [
          [undefined, 3, 0],
          ['origin', 3, 0],
        ],
        'each copy is still listed, with its own result',
      );

      // The fetched copy rewritten on the remote side: another commit, read and judged on its own.
      await tamper(setup.repo.dir, `refs/trail/remotes/origin/logs/${setup.key.keyId}`, (files) => {
        const lines = entryLines(files);
        lines[1]!.line = lines[1]!.line.replace('env-1', 'env-9');
        setEntryLines(files, lines);
      });
      const [mine, theirs] = await readLogs(setup.ledger, await listLogRefs(setup.ledger));
      assert.notEqual(mine!.entries, theirs!.entries);
      const caught = await verifyRepository(setup.ledger);
      assert.equal(caught.ok, false);
      assert.deepEqual(
        [...new Set(caught.problems.map((p) => p.ref))],
        [`refs/trail/remotes/origin/logs/${setup.key.keyId}`],
        "only the fetched copy is at fault; this clone's own is clean",
      );
    } finally {
      setup.cleanup();
    }
  });

  test('the longer copy is read when the fetched one is ahead of this clone', async () => {
    const setup = await clonePushingTo(2);
    try {
      const behind = setup.repo.git('rev-parse', logRef(setup.key.keyId));
      for (let i = 2; i < 5; i++) await appendRecords(setup.ledger, setup.key, [deployment(i)]);
      setup.pushAndFetch();
      // This clone's ref goes back two appends' worth, as a restored backup of .git would leave it.
      setup.repo.git('update-ref', logRef(setup.key.keyId), behind);

      const chosen = await readLogs(setup.ledger, await listLogRefs(setup.ledger), { onePerWriter: true });
      assert.equal(chosen.length, 1);
      assert.equal(chosen[0]!.remote, 'origin');
      const records = await loadRecords(setup.ledger);
      assert.equal(records.length, 5);
      assert.equal((records[4]!.record as { env: string }).env, 'env-4');

      // What verify read (both copies) gives a report the same records, from the same copy.
      const { report, snapshots } = await verifyAndRead(setup.ledger, { updateWitness: false });
      assert.equal(snapshots.length, 2);
      assert.equal(report.records, 5);
      assert.deepEqual(recordsOfSnapshots(snapshots), records);
      // Tied copies: this clone's own, as readLogs chooses.
      setup.repo.git(
        'update-ref',
        logRef(setup.key.keyId),
        setup.repo.git('rev-parse', `refs/trail/remotes/origin/logs/${setup.key.keyId}`),
      );
      const tied = (await verifyAndRead(setup.ledger, { updateWitness: false })).snapshots;
      assert.deepEqual(
        longestSnapshots(tied).map((s) => s.remote),
        [undefined],
      );
      assert.deepEqual(recordsOfSnapshots(tied), await loadRecords(setup.ledger));
      assert.deepEqual(
        recordsOfSnapshots(tied, { skipKinds: ['deployment'] }),
        [],
        'kinds a reader skips are left out here too',
      );
    } finally {
      setup.cleanup();
    }
  });

  test("a fetched copy behind this clone's log shares its entries, and is judged as if read alone", async () => {
    const setup = await clonePushingTo(3);
    try {
      setup.pushAndFetch();
      // Two more appends since the push: the usual state between a commit and the next push.
      for (let i = 3; i < 5; i++) await appendRecords(setup.ledger, setup.key, [deployment(i)]);
      const fetchedRef = `refs/trail/remotes/origin/logs/${setup.key.keyId}`;
      const ownRef = logRef(setup.key.keyId);
      const [own, fetched] = await readLogs(setup.ledger, await listLogRefs(setup.ledger));
      assert.equal(fetched!.ref, fetchedRef);
      assert.equal(fetched!.prefixOf, own, "the fetched copy's chunks are the first of this clone's");
      const [alone] = await readLogs(
        setup.ledger,
        (await listLogRefs(setup.ledger)).filter((r) => r.ref === fetchedRef),
      );
      assert.equal(alone!.prefixOf, undefined);
      assert.equal(fetched!.entries.length, 3);
      assert.deepEqual(fetched!.entries.lines(), alone!.entries.lines(), 'the same entries as read alone');
      assert.deepEqual(fetched!.heads, alone!.heads);
      assert.deepEqual(fetched!.entries.linesContaining('"env-4"'), [], 'nothing past its own chunks');
      assert.equal(own!.entries.linesContaining('"env-4"').length, 1);

      const clean = await verifyRepository(setup.ledger);
      assert.equal(clean.ok, true);
      assert.deepEqual(
        clean.logs.map((l) => [l.ref, l.size, l.problems.length]),
        [
          [ownRef, 5, 0],
          [fetchedRef, 3, 0],
        ],
      );
      assert.equal(clean.logs[1]!.root, alone!.heads.find((h) => h.size === 3)!.root);

      // This clone's log damaged past the shared chunks: the fetched copy, still its prefix, is
      // verified on its own over the shared bytes, and is clean.
      const ownLog = await readLogFiles(setup.repo.dir, ownRef);
      await tamper(setup.repo.dir, ownRef, (files) => {
        const lines = entryLines(files);
        lines[4]!.line = lines[4]!.line.replace('env-4', 'env-8');
        setEntryLines(files, lines);
      });
      const [, stillPrefix] = await readLogs(setup.ledger, await listLogRefs(setup.ledger));
      assert.ok(stillPrefix!.prefixOf, 'the first three chunks are the same objects');
      const damaged = await verifyRepository(setup.ledger);
      assert.equal(damaged.ok, false);
      assert.deepEqual([...new Set(damaged.problems.map((p) => p.ref))], [ownRef]);
      await writeLogFiles(setup.repo.dir, ownRef, ownLog);

      // The fetched copy's newest head dropped: its third record is signed by no head of its own.
      const fetchedLog = await readLogFiles(setup.repo.dir, fetchedRef);
      const newestHead = [...fetchedLog.keys()]
        .filter((p) => p.startsWith('heads/'))
        .sort()
        .at(-1)!;
      await tamper(setup.repo.dir, fetchedRef, (files) => {
        files.delete(newestHead);
      });
      const unsigned = await verifyRepository(setup.ledger);
      assert.deepEqual(
        unsigned.problems.map((p) => [p.ref, p.kind, p.seq]),
        [[fetchedRef, 'inserted', 2]],
      );

      // A head of the fetched copy that this clone's log does not hold (its time changed, so its
      // signature no longer verifies) is checked, not taken from this clone's log.
      await tamper(setup.repo.dir, fetchedRef, (files) => {
        for (const [path, content] of fetchedLog) files.set(path, content);
        files.set(
          newestHead,
          fetchedLog.get(newestHead)!.replace(/"time":"[^"]+"/, '"time":"2030-01-01T00:00:00.000Z"'),
        );
      });
      const forged = await verifyRepository(setup.ledger);
      assert.deepEqual(
        forged.problems.map((p) => [p.ref, p.kind]),
        [[fetchedRef, 'bad-signature']],
      );
    } finally {
      setup.cleanup();
    }
  });

  test('what verify says of each copy of a log equals what it says of that copy read alone', async () => {
    const setup = await clonePushingTo(1);
    try {
      const { repo, ledger, key } = setup;
      const keyId = key.keyId;
      const copyAt = (name: string) => {
        const ref = `refs/trail/remotes/${name}/logs/${keyId}`;
        repo.git('update-ref', ref, logRef(keyId));
        return ref;
      };
      const upstream = copyAt('upstream'); // one append
      await appendRecords(ledger, key, [deployment(1), deployment(2)]);
      const origin = copyAt('origin'); // two appends
      await appendRecords(ledger, key, [deployment(3)]);
      const evil = copyAt('evil');
      await appendRecords(ledger, key, [deployment(4)]); // this clone: four appends
      const same = copyAt('mirror'); // at this clone's commit
      // A copy whose first chunk was rewritten: it shares no chunk with the others.
      await tamper(repo.dir, evil, (files) => {
        const lines = entryLines(files);
        lines[0]!.line = lines[0]!.line.replace('env-0', 'env-7');
        setEntryLines(files, lines);
      });

      const refs = await listLogRefs(ledger);
      const snapshots = await readLogs(ledger, refs);
      const byRef = new Map(snapshots.map((s) => [s.ref, s]));
      assert.equal(byRef.get(upstream)!.prefixOf?.ref, logRef(keyId));
      assert.equal(byRef.get(origin)!.prefixOf?.ref, logRef(keyId));
      assert.equal(byRef.get(same)!.entries, byRef.get(logRef(keyId))!.entries);
      assert.equal(byRef.get(evil)!.prefixOf, undefined);

      const verified = await verifyRepository(ledger, { updateWitness: false });
      assert.equal(verified.logs.length, 5);
      for (const log of verified.logs) {
        const expected = await verifiedAlone(ledger, refs, log.ref, keyId);
        assert.deepEqual(
          [log.size, log.root, log.problems.map((p) => [p.kind, p.seq])],
          [expected.size, expected.root, expected.problems.map((p) => [p.kind, p.seq])],
          log.ref,
        );
      }
      assert.deepEqual(
        verified.logs.map((l) => [l.ref, l.size, l.problems.length > 0]),
        [
          [logRef(keyId), 5, false],
          [evil, 4, true],
          [same, 5, false],
          [origin, 3, false],
          [upstream, 1, false],
        ],
      );
    } finally {
      setup.cleanup();
    }
  });

  test('a chunk git no longer holds is missing from a copy behind as from the copy ahead', async () => {
    const setup = await clonePushingTo(2);
    try {
      const { repo, ledger, key } = setup;
      setup.pushAndFetch();
      await appendRecords(ledger, key, [deployment(2)]);
      const fetchedRef = `refs/trail/remotes/origin/logs/${key.keyId}`;
      const second = repo
        .git('ls-tree', '-r', logRef(key.keyId))
        .split('\n')
        .find((line) => line.endsWith('/000000000001.jsonl'))!
        .split(/\s+/)[2]!;
      // Every object loose, then the second append's chunk gone (damaged storage).
      const objects = join(repo.dir, '.git', 'objects');
      const packs = join(objects, 'pack');
      for (const name of readdirSync(packs).filter((n) => n.endsWith('.pack'))) {
        const moved = join(repo.dir, name);
        renameSync(join(packs, name), moved);
        rmSync(join(packs, name.replace(/\.pack$/, '.idx')));
        execFileSync('git', ['unpack-objects', '-q'], { cwd: repo.dir, input: readFileSync(moved) });
        rmSync(moved);
      }
      rmSync(join(objects, second.slice(0, 2), second.slice(2)));

      const refs = await listLogRefs(ledger);
      const [own, fetched] = await readLogs(ledger, refs);
      assert.equal(fetched!.prefixOf, own);
      const [alone] = await readLogs(
        ledger,
        refs.filter((r) => r.ref === fetchedRef),
      );
      assert.deepEqual(fetched!.entries.lines(), alone!.entries.lines(), 'what reading it alone gives');
      assert.equal(fetched!.entries.length, 1, 'the first append only');
      assert.equal(own!.entries.length, 2, 'the first and the third');

      const verified = await verifyRepository(ledger, { updateWitness: false });
      assert.equal(verified.ok, false);
      for (const log of verified.logs) {
        const expected = await verifiedAlone(ledger, refs, log.ref, key.keyId);
        // Besides each copy's own problems, the writer's longest copy is shorter than its witness.
        const ofTheCopy = log.problems.filter((p) => !p.message.includes('the longest copy holds'));
        assert.deepEqual(
          ofTheCopy.map((p) => [p.kind, p.seq]),
          expected.problems.map((p) => [p.kind, p.seq]),
          log.ref,
        );
        assert.ok(ofTheCopy.length > 0, `${log.ref}: the missing record is a problem`);
      }
    } finally {
      setup.cleanup();
    }
  });

  test('ids and records the approval pass worked out are reused by the decode, and equal its own', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const ledger = await findRepo(repo.dir);
      const key = loadWriterKey(ledger);
      const header = { v: 1, actor: { type: 'human', id: 'rev@example.com' } };
      const event = validateRecord({
        kind: 'event',
        ...header,
        time: '2026-11-01T10:00:00.000Z',
        provenance: 'observed',
        sessionId: 's1',
        event: { type: 'note', text: 'hello' },
      });
      const checkpoint = validateRecord({
        kind: 'checkpoint',
        ...header,
        time: '2026-11-01T10:05:00.000Z',
        provenance: 'observed',
        commit: 'c'.repeat(40),
        events: [recordIdOf(event)],
      });
      const review = signedReview(
        {
          ...header,
          time: '2026-11-02T09:00:00.000Z',
          commit: 'c'.repeat(40),
          checkpoint: recordIdOf(checkpoint),
        },
        key,
      );
      await appendRecords(ledger, key, [event, checkpoint, review, deployment(0)]);

      const { report, snapshots, decoded } = await verifyAndRead(ledger, { updateWitness: false });
      assert.equal(report.ok, true, JSON.stringify(report.approvals));
      const known = decoded.get(snapshots[0]!.entries);
      assert.ok(known, 'the approval pass handed over what it decoded');
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => known.ids[i] !== undefined),
        [true, true, true, false],
        'the checkpoint, its review and the event it seals were hashed; the deployment was not',
      );
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => known.records[i] !== undefined),
        [false, true, true, false],
        'the checkpoint and the review were parsed',
      );
      const fresh = await loadRecords(ledger);
      assert.deepEqual(recordsOfSnapshots(snapshots, {}, decoded), fresh);
      // And the decode does use them: an id put there is the one it returns.
      known.ids[3] = 'f'.repeat(64);
      assert.equal(recordsOfSnapshots(snapshots, {}, decoded)[3]!.id, 'f'.repeat(64));

      // A fetched copy longer by an entry no head signs: the read side shows this clone's copy
      // (the same signed size, its own on a tie), and the approval pass judges that one too.
      const fetchedRef = `refs/trail/remotes/origin/logs/${key.keyId}`;
      repo.git('update-ref', fetchedRef, logRef(key.keyId));
      await tamper(repo.dir, fetchedRef, (files) => {
        const [last] = entryLines(files).slice(-1);
        files.set('log/0000/000/000000000004.jsonl', `${last!.line.replace('"seq":3', '"seq":4')}\n`);
      });
      const withCopy = await verifyAndRead(ledger, { updateWitness: false });
      assert.deepEqual([...new Set(withCopy.report.problems.map((p) => p.ref))], [fetchedRef]);
      assert.ok(withCopy.report.problems.some((p) => p.kind === 'inserted'));
      const [shown] = longestSnapshots(withCopy.snapshots);
      const longer = withCopy.snapshots.find((s) => s.ref === fetchedRef)!;
      assert.equal(shown!.remote, undefined);
      assert.equal(longer.entries.length, shown!.entries.length + 1);
      assert.ok(withCopy.decoded.has(shown!.entries), 'the approval pass read the copy that is shown');
      assert.equal(withCopy.decoded.has(longer.entries), false);
    } finally {
      repo.cleanup();
    }
  });

  test('checkpoints first: a view from what names the checkpoint equals the view from every record', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const ledger = await findRepo(repo.dir);
      let minute = 0;
      const at = () => new Date(Date.UTC(2026, 10, 2, 9, minute++)).toISOString();
      const header = () => ({
        v: 1,
        time: at(),
        actor: { type: 'human', id: 'dana@example.com' },
        provenance: 'observed',
      });
      const record = (fields: Record<string, unknown>) => validateRecord({ ...header(), ...fields });
      const [A, B] = ['a'.repeat(40), 'b'.repeat(40)];
      const amended = 'd'.repeat(40);
      const session = (sessionId: string, extra = {}) =>
        record({ kind: 'session', sessionId, agent: { name: 'claude-code' }, startedAt: at(), ...extra });
      const event = (sessionId: string, text: string) =>
        record({ kind: 'event', sessionId, event: { type: 'prompt', text } });
      const [e1, e2, e3] = [
        event('s1', 'PROJ-1: retry'),
        event('s2', 'and log it'),
        event('s3', 'other work'),
      ];
      const checkpointA = record({
        kind: 'checkpoint',
        commit: A,
        sessions: [
          { sessionId: 's1', agent: 'claude-code' },
          { sessionId: 's2', agent: 'codex' },
        ],
        // e3 is another session's event that this checkpoint lists all the same.
        events: [recordIdOf(e1), recordIdOf(e2), recordIdOf(e3)],
      });
      const checkpointB = record({
        kind: 'checkpoint',
        commit: B,
        sessions: [{ sessionId: 's3', agent: 'claude-code' }],
        events: [recordIdOf(e3)],
      });
      const rewritten = record({
        kind: 'checkpoint',
        commit: amended,
        sessions: [{ sessionId: 's1', agent: 'claude-code' }],
        rewrittenFrom: { commit: A, checkpoint: recordIdOf(checkpointA), how: 'amend' },
      });
      const resealed = record({ kind: 'checkpoint', commit: A, summary: 'sealed again' });
      const totals = { tests: 1, passed: 1, failed: 0, skipped: 0, errored: 0 };
      const review = (fields: Record<string, unknown>) =>
        record({ kind: 'review', reviewer: 'rev@example.com', decision: 'approve', ...fields });
      const records = [
        session('s1'),
        e1,
        session('s2'),
        e2,
        session('s3'),
        e3,
        checkpointA,
        checkpointB,
        session('s1', { endedAt: at() }),
        review({ checkpoint: recordIdOf(checkpointA), commit: A }),
        review({ commit: B, decision: 'comment', message: 'see also ' + A }),
        record({ kind: 'test-result', commit: A, totals }),
        record({ kind: 'test-result', commit: B, totals }),
        record({ kind: 'deployment', env: 'prod', commit: A }),
        record({ kind: 'rollback', env: 'prod', from: A, to: B, reason: 'errors' }),
        record({ kind: 'correction', target: recordIdOf(checkpointA), reason: 'the ticket was PROJ-2' }),
        record({ kind: 'capture-gap', what: 'a transcript', why: 'unreadable', sessionId: 's1' }),
        rewritten,
        review({ checkpoint: recordIdOf(rewritten), commit: amended, decision: 'request-changes' }),
        resealed,
        // A commit with no checkpoint still has reviews and test results.
        record({ kind: 'test-result', commit: 'f'.repeat(40), totals }),
        review({ commit: 'f'.repeat(40), decision: 'request-changes' }),
        // A session id that canonical JSON escapes: its bytes are not its text.
        session('back\\slash'),
        record({
          kind: 'checkpoint',
          commit: 'e'.repeat(40),
          sessions: [{ sessionId: 'back\\slash', agent: 'claude-code' }],
        }),
      ];
      // Three records an append: each chunk's digest says what it names (read-memo.ts).
      for (let i = 0; i < records.length; i += 3)
        await appendRecords(ledger, loadWriterKey(ledger), records.slice(i, i + 3));

      const everything = await loadIndex(ledger);
      // Cold (no read memo yet: every chunk read out of git) and warm (digests from the memo).
      for (const state of ['cold', 'warm']) {
        const first = await loadCheckpointsFirst(ledger);
        assert.deepEqual(
          [
            first.checkpoints.checkpoints.length,
            first.checkpoints.gaps.length,
            first.checkpoints.records.length,
          ],
          [5, 1, 6],
          'only checkpoints and capture gaps are decoded at first',
        );
        for (const checkpoint of everything.checkpoints) {
          const found = first.checkpoints.byId.get(checkpoint.id) as typeof checkpoint;
          assert.deepEqual(
            buildCheckpointView(await first.indexFor([found]), found),
            buildCheckpointView(everything, checkpoint),
            `the view of ${checkpoint.record.commit.slice(0, 4)}… (${state})`,
          );
        }
        const ofA = buildCheckpointView(everything, everything.checkpoints[0]!);
        assert.deepEqual(
          [ofA.prompts.length, ofA.reviews.length, ofA.tests.length, ofA.deployments.length],
          [2, 1, 1, 1],
          'the comparison covers events (of its own sessions), reviews, tests and deployments',
        );
        assert.deepEqual(
          [ofA.rollbacks.length, ofA.corrections.length, ofA.history.length, ofA.sessions.length],
          [1, 1, 1, 2],
          'and rollbacks, corrections, the checkpoint sealed again and the sessions',
        );
        const ofRewrite = buildCheckpointView(
          everything,
          everything.checkpoints.find((c) => c.record.commit === amended)!,
        );
        assert.equal(ofRewrite.history.length, 2, 'and the checkpoints of the commit it rewrote');
        // The facts check and pr-summary judge, for every commit at once and for each alone.
        const commits = [A, B, amended, 'e'.repeat(40), 'f'.repeat(40)].map((sha, i) => ({
          sha,
          parents: [],
          author: 'Dana <dana@example.com>',
          authorEmail: 'dana@example.com',
          date: `2026-11-0${i + 3}T10:00:00.000Z`,
          subject: `change ${i}`,
          paths: ['src/a.ts'],
        }));
        const allFacts = factsForCommits(everything, commits);
        assert.deepEqual(
          factsForCommits(
            await indexForCommits(
              first,
              commits.map((c) => c.sha),
            ),
            commits,
          ),
          allFacts,
        );
        for (const [i, commit] of commits.entries()) {
          assert.deepEqual(factsForCommits(await indexForCommits(first, [commit.sha]), [commit]), [
            allFacts[i],
          ]);
        }
        assert.ok(
          allFacts[4]!.test !== undefined && allFacts[4]!.reviews.length === 1,
          'the commit with no checkpoint has its test result and review',
        );
      }
      const odd = everything.checkpoints.find((c) => c.record.commit === 'e'.repeat(40))!;
      assert.equal(buildCheckpointView(everything, odd).sessions.length, 1, 'and an escaped session id');
    } finally {
      repo.cleanup();
    }
  });

  test('a malformed entry is skipped and the others are still read', async () => {
    const setup = await clonePushingTo(3);
    try {
      await tamper(setup.repo.dir, logRef(setup.key.keyId), (files) => {
        const lines = entryLines(files);
        lines[1]!.line = lines[1]!.line.replace('{"prev":"', '{"prev":"not hex');
        setEntryLines(files, lines);
      });
      const records = await loadRecords(setup.ledger);
      assert.deepEqual(
        records.map((r) => r.seq),
        [0, 2],
      );
      const verify = await trail(setup.repo.dir, 'verify');
      assert.equal(verify.code, 1, 'verify reports what readers skip');
      assert.match(verify.stderr, /position 1 is not a canonical log entry/);
    } finally {
      setup.cleanup();
    }
  });

  test('kinds a reader skips are left out by their kind alone, everything else read as before', async () => {
    const setup = await clonePushingTo(2);
    try {
      const event = (i: number, text: string) => ({
        kind: 'event',
        v: 1,
        time: `2026-11-1${i}T10:00:00.000Z`,
        actor: { type: 'agent', id: 'claude-code' },
        provenance: 'observed',
        sessionId: 's1',
        // Text that looks like another kind must not fool the byte search.
        event: { type: 'prompt', text },
      });
      await appendRecords(setup.ledger, setup.key, [
        event(1, '{"kind":"deployment"}'),
        event(2, 'deploy "kind":"checkpoint" now'),
        deployment(5),
      ]);
      const all = await loadRecords(setup.ledger);
      const withoutEvents = await loadRecords(setup.ledger, { skipKinds: ['event'] });
      assert.deepEqual(
        all.map((r) => r.record.kind),
        ['deployment', 'deployment', 'event', 'event', 'deployment'],
      );
      assert.deepEqual(
        withoutEvents,
        all.filter((r) => r.record.kind !== 'event'),
      );
      assert.deepEqual(await loadRecords(setup.ledger, { skipKinds: [] }), all);
      assert.deepEqual(
        await loadRecords(setup.ledger, { onlyKinds: ['deployment'] }),
        all.filter((r) => r.record.kind === 'deployment'),
        'only the kinds asked for, whatever an event says in its text',
      );
    } finally {
      setup.cleanup();
    }
  });

  test('only the records of the sessions asked for, whatever other records say in their text', async () => {
    const setup = await clonePushingTo(1);
    try {
      const event = (i: number, sessionId: string, text: string) => ({
        kind: 'event',
        v: 1,
        time: `2026-11-1${i}T10:00:00.000Z`,
        actor: { type: 'agent', id: 'claude-code' },
        provenance: 'observed',
        sessionId,
        event: { type: 'prompt', text },
      });
      await appendRecords(setup.ledger, setup.key, [
        event(1, 's1', 'first'),
        // Names s1 in its text, as a byte search sees it: it is still s2's.
        event(2, 's2', 'see "sessionId":"s1" there'),
        event(3, 's"1', 'an id that needs escaping'),
        event(4, 's1', 'second'),
      ]);
      const all = await loadRecords(setup.ledger);
      const ofSession = (ids: string[]) =>
        all.filter((r) => ids.includes((r.record as { sessionId?: string }).sessionId ?? ''));
      assert.deepEqual(await loadRecords(setup.ledger, { onlySessions: new Set(['s1']) }), ofSession(['s1']));
      assert.equal(ofSession(['s1']).length, 2);
      assert.deepEqual(
        await loadRecords(setup.ledger, { onlySessions: new Set(['s"1']) }),
        ofSession(['s"1']),
      );
      assert.deepEqual(await loadRecords(setup.ledger, { onlySessions: new Set(['none']) }), []);
      // Past eight sessions the byte search reads each sessionId out, and lets one it cannot
      // read (escaped) through to be parsed: the parsed record still decides.
      const many = new Set(['s1', ...'abcdefgh'.split('')]);
      assert.deepEqual(await loadRecords(setup.ledger, { onlySessions: many }), ofSession(['s1']));
      assert.deepEqual(
        await loadRecords(setup.ledger, { onlySessions: new Set(['s1', 's2', 's"1']) }),
        all.filter((r) => r.record.kind === 'event'),
      );
    } finally {
      setup.cleanup();
    }
  });

  test('checkpoints first decodes only the events of the chosen sessions, and events listed by id', async () => {
    const setup = await clonePushingTo(1);
    try {
      let minute = 0;
      const time = () => `2026-11-20T10:${String(minute++).padStart(2, '0')}:00.000Z`;
      const event = (sessionId: string, text: string) => ({
        kind: 'event',
        v: 1,
        time: time(),
        actor: { type: 'agent', id: 'claude-code' },
        provenance: 'observed',
        sessionId,
        event: { type: 'prompt', text },
      });
      const odd = 'odd "quoted" \\ id';
      const records = [
        event('s1', 'one'),
        event('s2', 'mentions "sessionId":"s1" in its text'),
        event('s3', 'listed by id only'),
        event(odd, 'an id that needs escaping'),
        ...Array.from({ length: 9 }, (_, i) => event(`many-${i}`, `many ${i}`)),
      ];
      const ids = records.map((r) => recordIdOf(r as unknown as TrailRecord));
      const checkpoint = (commit: string, sessionIds: string[], events: string[] = []) => ({
        kind: 'checkpoint',
        v: 1,
        time: time(),
        actor: { type: 'service', id: 'trail' },
        provenance: 'observed',
        commit: commit.repeat(40),
        sessions: sessionIds.map((sessionId) => ({ sessionId, agent: 'claude-code' })),
        events,
      });
      const many = Array.from({ length: 9 }, (_, i) => `many-${i}`);
      const checkpoints = [
        checkpoint('1', ['s1']),
        checkpoint('2', ['s1'], [ids[2]!]),
        checkpoint('3', [odd]),
        // More sessions than the per-session search takes: every sessionId value is read out.
        checkpoint('4', [...many, odd]),
        checkpoint('5', ['s1', 's2', 's3', odd, ...many]),
      ];
      await appendRecords(setup.ledger, setup.key, [...records, ...checkpoints]);
      const ledger = await loadCheckpointsFirst(setup.ledger);
      assert.equal(ledger.checkpoints.eventsBySession.size, 0);
      assert.deepEqual(
        ledger.checkpoints.records.map((r) => r.record.kind),
        checkpoints.map(() => 'checkpoint'),
        'only checkpoints at first: not the deployment, not the events',
      );

      const texts = async (commit: string) =>
        [...(await indexForCommits(ledger, [commit.repeat(40)])).eventsBySession.values()]
          .flat()
          .map((e) => (e.record.event as { text: string }).text);
      assert.deepEqual(await texts('1'), ['one']);
      assert.deepEqual(await texts('2'), ['one', 'listed by id only']);
      assert.deepEqual(await texts('3'), ['an id that needs escaping']);
      assert.deepEqual((await texts('4')).sort(), [
        'an id that needs escaping',
        ...many.map((_, i) => `many ${i}`),
      ]);
      // What the two steps give is what a full read gives, for the same sessions.
      const full = await loadIndex(setup.ledger);
      const two = await indexForCommits(ledger, ['5'.repeat(40)]);
      assert.deepEqual(
        two.records.map((r) => r.id),
        full.records.filter((r) => r.record.kind !== 'deployment').map((r) => r.id),
      );
    } finally {
      setup.cleanup();
    }
  });
});
