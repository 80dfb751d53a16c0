/**
 * The read memo (.git/trail/read-memo/): readers of a few checkpoints take every checkpoint
 * from it and read out of git only the chunks it has no digest of, plus those that may hold
 * what names the checkpoints they show; whatever state the memo is in, they see what a read
 * of every chunk sees.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeDigests } from '../../src/core/chunk-digest.js';
import { recordIdOf } from '../../src/core/record-id.js';
import type { TrailRecord } from '../../src/core/records.js';
import { validateRecord } from '../../src/core/records.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import { indexForCommits, loadCheckpointsFirst, loadIndex, loadRecords } from '../../src/ledger/read.js';
import { memoPath } from '../../src/ledger/read-memo.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { buildCheckpointView } from '../../src/read/checkpoint-view.js';
import { trail } from '../helpers/cli.js';
import { type TempRepo, tempRepo } from '../helpers/temp-repo.js';

async function initialised(): Promise<{
  repo: TempRepo;
  ledger: Repo;
  append: (r: TrailRecord[]) => Promise<void>;
}> {
  const repo = tempRepo();
  assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
  const ledger = await findRepo(repo.dir);
  const key = loadWriterKey(ledger);
  return {
    repo,
    ledger,
    append: async (records) => {
      await appendRecords(ledger, key, records);
    },
  };
}

let minute = 0;
function record(fields: Record<string, unknown>): TrailRecord {
  const time = new Date(Date.UTC(2026, 11, 1, 9, minute++)).toISOString();
  return validateRecord({
    v: 1,
    time,
    actor: { type: 'human', id: 'dana@example.com' },
    provenance: 'observed',
    ...fields,
  });
}
const session = (sessionId: string) =>
  record({
    kind: 'session',
    sessionId,
    agent: { name: 'claude-code' },
    startedAt: '2026-12-01T09:00:00.000Z',
  });
const prompt = (sessionId: string, text: string) =>
  record({ kind: 'event', sessionId, event: { type: 'prompt', text } });
const checkpoint = (commit: string, sessionId: string, events: TrailRecord[] = []) =>
  record({
    kind: 'checkpoint',
    commit: commit.length === 40 ? commit : commit.repeat(40),
    sessions: [{ sessionId, agent: 'claude-code' }],
    events: events.map(recordIdOf),
  });

/** The object ids of a log's chunks, oldest first. */
function chunkOids(repo: TempRepo, ledger: Repo): string[] {
  return repo
    .git('ls-tree', '-r', logRef(loadWriterKey(ledger).keyId))
    .split('\n')
    .filter((l) => l.includes('\tlog/'))
    .map((l) => l.split(/\s+/)[2]!);
}

/** Removes a loose object from git's store, as if git no longer held it. */
function dropObject(repo: TempRepo, oid: string): void {
  rmSync(join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
}

function memoFiles(ledger: Repo): string {
  return join(ledger.stateDir, 'read-memo');
}

const commitsOf = (index: { checkpoints: ReadonlyArray<{ record: { commit: string } }> }) =>
  index.checkpoints.map((c) => c.record.commit[0]);

describe('the read memo', () => {
  test('a warm read takes checkpoints from the memo and reads only the chunks that name the one shown', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      const p1 = prompt('s1', 'first change');
      const p2 = prompt('s2', 'second change');
      await append([session('s1'), p1, checkpoint('1', 's1', [p1])]);
      const c2 = checkpoint('2', 's2', [p2]);
      await append([session('s2'), p2, c2]);
      await append([
        record({
          kind: 'review',
          commit: '2'.repeat(40),
          checkpoint: recordIdOf(c2),
          reviewer: 'rev@example.com',
          decision: 'approve',
        }),
      ]);
      const cold = await loadCheckpointsFirst(ledger);
      assert.deepEqual(commitsOf(cold.checkpoints), ['1', '2']);
      assert.equal(cold.chunksRead(), 3, 'no memo yet: every chunk');
      const coldView = buildCheckpointView(
        await indexForCommits(cold, ['2'.repeat(40)]),
        cold.checkpoints.checkpoints[1]!,
      );
      assert.deepEqual([coldView.prompts.length, coldView.reviews.length], [1, 1]);

      // The first append's chunk is gone from git: only the memo still has its checkpoint, and
      // the view of the second checkpoint does not need that chunk.
      const [first] = chunkOids(repo, ledger);
      dropObject(repo, first!);
      const warm = await loadCheckpointsFirst(ledger);
      assert.deepEqual(commitsOf(warm.checkpoints), ['1', '2'], 'the checkpoint came from the memo');
      assert.equal(warm.chunksRead(), 0);
      const warmView = buildCheckpointView(
        await indexForCommits(warm, ['2'.repeat(40)]),
        warm.checkpoints.checkpoints[1]!,
      );
      assert.deepEqual(warmView, coldView);
      assert.equal(warm.chunksRead(), 2, "the second append's chunk and the review's");
      assert.deepEqual(
        (await loadRecords(ledger, { onlyKinds: ['checkpoint'] })).map((r) => r.record.kind),
        ['checkpoint', 'checkpoint'],
        'readers of checkpoints alone (stats) are served by the memo too',
      );

      rmSync(memoFiles(ledger), { recursive: true });
      const withoutMemo = await loadCheckpointsFirst(ledger);
      assert.deepEqual(
        commitsOf(withoutMemo.checkpoints),
        ['2'],
        'a read of every chunk misses the dropped one',
      );
    } finally {
      repo.cleanup();
    }
  });

  test("several writers' logs and fetched copies: the copy each reader shows, cold and warm", async () => {
    const origin = tempRepo({ bare: true });
    const a = await initialised();
    const b = await initialised();
    try {
      for (const clone of [a, b]) {
        clone.repo.git('remote', 'add', 'origin', origin.dir);
        assert.equal((await trail(clone.repo.dir, 'init', '--yes')).code, 0, 'adds the refspec');
      }
      const sync = (clone: typeof a) => {
        clone.repo.git('push', '-q', '--no-verify', 'origin', 'refs/trail/logs/*:refs/trail/logs/*');
        clone.repo.git('fetch', '-q', 'origin');
      };
      const p1 = prompt('a1', 'from a');
      await a.append([session('a1'), p1, checkpoint('1', 'a1', [p1])]);
      const p2 = prompt('b1', 'from b');
      await b.append([session('b1'), p2, checkpoint('2', 'b1', [p2])]);
      sync(a);
      sync(b);
      sync(a);
      // a's own log one append ahead of the copy fetched back from origin.
      await a.append([
        record({ kind: 'review', commit: '2'.repeat(40), reviewer: 'a@example.com', decision: 'approve' }),
      ]);
      const everything = await loadIndex(a.ledger);
      assert.deepEqual(
        everything.checkpoints.map((c) => c.record.commit[0]),
        ['1', '2'],
      );
      for (const state of ['cold', 'warm']) {
        const first = await loadCheckpointsFirst(a.ledger);
        assert.deepEqual(first.checkpoints.records, everything.checkpoints, state);
        for (const c of everything.checkpoints) {
          const found = first.checkpoints.byId.get(c.id) as typeof c;
          assert.deepEqual(
            buildCheckpointView(await first.indexFor([found]), found),
            buildCheckpointView(everything, c),
            `${state}: ${c.record.commit[0]}`,
          );
        }
      }
      const view = buildCheckpointView(everything, everything.checkpoints[1]!);
      assert.deepEqual([view.prompts.length, view.reviews.length], [1, 1], "b's prompt, a's review");
    } finally {
      a.repo.cleanup();
      b.repo.cleanup();
      origin.cleanup();
    }
  });

  test('chunks appended since the last read are read out of git and added to the memo', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      await append([session('s1'), checkpoint('1', 's1')]);
      await loadCheckpointsFirst(ledger);
      const path = memoPath(ledger, loadWriterKey(ledger).keyId);
      assert.equal(decodeDigests(readFileSync(path)).blocks, 1);
      await append([session('s2'), checkpoint('2', 's2')]);
      const after = await loadCheckpointsFirst(ledger, { events: false });
      assert.deepEqual(commitsOf(after.checkpoints), ['1', '2']);
      const stored = decodeDigests(readFileSync(path));
      assert.deepEqual([stored.whole, stored.blocks], [true, 2], 'the new chunk was appended to the memo');
    } finally {
      repo.cleanup();
    }
  });

  test('a memo cut short, changed on disk or of another format is read as far as it holds, and written again', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      for (const n of ['1', '2', '3']) await append([session(`s${n}`), checkpoint(n, `s${n}`)]);
      const cold = await loadCheckpointsFirst(ledger);
      const path = memoPath(ledger, loadWriterKey(ledger).keyId);
      const good = readFileSync(path);
      const changed = Buffer.from(good);
      changed[changed.indexOf('"commit":"2222') + 11] = 0x39; // the second checkpoint's commit, on disk
      for (const broken of [good.subarray(0, good.length - 3), changed, Buffer.from('garbage\n')]) {
        writeFileSync(path, broken);
        const read = await loadCheckpointsFirst(ledger);
        assert.deepEqual(read.checkpoints.records, cold.checkpoints.records);
        const rewritten = decodeDigests(readFileSync(path));
        assert.deepEqual([rewritten.whole, rewritten.blocks], [true, 3]);
      }
    } finally {
      repo.cleanup();
    }
  });

  test('a log rewritten under the memo reads as the new log, and the digests of the chunks it replaced are dropped', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      await append([session('s1'), checkpoint('1', 's1')]);
      const base = repo.git('rev-parse', logRef(loadWriterKey(ledger).keyId));
      const path = memoPath(ledger, loadWriterKey(ledger).keyId);
      for (let round = 0; round < 3; round++) {
        // Back to the first append, then other records: the same writer's log, other chunks.
        repo.git('update-ref', logRef(loadWriterKey(ledger).keyId), base);
        rmSync(join(ledger.stateDir, 'witness'), { recursive: true, force: true });
        rmSync(join(ledger.stateDir, 'cache'), { recursive: true, force: true });
        const commit = (round + 16).toString(16).repeat(20);
        await append([session(`r${round}`), checkpoint(commit, `r${round}`)]);
        const read = await loadCheckpointsFirst(ledger);
        assert.deepEqual(
          read.checkpoints.checkpoints.map((c) => c.record.commit),
          ['1'.repeat(40), commit],
        );
        // The digest of the chunk the log no longer names is gone: the file was written again.
        const stored = decodeDigests(readFileSync(path));
        assert.deepEqual([stored.blocks, stored.whole], [2, true]);
        if (round > 0)
          assert.ok(
            !readFileSync(path).includes(`"r${round - 1}"`),
            "the replaced checkpoint's bytes are gone",
          );
      }
    } finally {
      repo.cleanup();
    }
  });

  test('records of a few kinds (where each commit is deployed) are read from the chunks that hold them', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      const deploy = (commit: string, env: string) =>
        record({ kind: 'deployment', env, commit: commit.repeat(40), status: 'success' });
      await append([session('s1'), prompt('s1', 'one'), checkpoint('1', 's1')]);
      await append([deploy('1', 'prod')]);
      await append([session('s2'), prompt('s2', 'two'), checkpoint('2', 's2')]);
      await append([
        record({ kind: 'rollback', env: 'prod', from: '1'.repeat(40), to: '2'.repeat(40), reason: 'x' }),
      ]);
      await append([deploy('2', 'staging')]);
      for (const state of ['cold', 'warm']) {
        const first = await loadCheckpointsFirst(ledger, { events: false });
        const before = first.chunksRead();
        const found = await first.recordsOfKinds(['deployment', 'rollback']);
        const all = await loadRecords(ledger);
        assert.deepEqual(
          found,
          all.filter((r) => r.record.kind === 'deployment' || r.record.kind === 'rollback'),
          state,
        );
        assert.equal(first.chunksRead() - before, 3, `${state}: the three chunks that hold one`);
      }
    } finally {
      repo.cleanup();
    }
  });

  test('an event a retention purge removed is not looked for in every chunk', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      await append([session('s0'), prompt('s0', 'unrelated')]);
      const own = prompt('s1', 'own prompt');
      const gone = prompt('s9', 'purged since');
      await append([session('s1'), own, checkpoint('1', 's1', [own, gone])]);
      const read = async () => {
        const first = await loadCheckpointsFirst(ledger);
        const before = first.chunksRead();
        const index = await indexForCommits(first, ['1'.repeat(40)]);
        const texts = [...index.eventsBySession.values()]
          .flat()
          .map((e) => (e.record.event as { text: string }).text);
        return { texts, read: first.chunksRead() - before };
      };
      await read(); // the memo is filled
      // Not purged: the event listed by id is looked for everywhere (and is nowhere).
      assert.deepEqual(await read(), { texts: ['own prompt'], read: 2 });
      await append([
        record({ kind: 'retention-purge', cutoff: '2026-06-01T00:00:00.000Z', purged: [recordIdOf(gone)] }),
      ]);
      assert.deepEqual(await read(), { texts: ['own prompt'], read: 1 }, 'only the chunk of its own session');
    } finally {
      repo.cleanup();
    }
  });

  test('an event a checkpoint lists from another session is found in whichever chunk holds it', async () => {
    const { repo, ledger, append } = await initialised();
    try {
      const elsewhere = prompt('s9', 'listed by id');
      await append([session('s9'), elsewhere]);
      await append([session('s0'), prompt('s0', 'unrelated')]);
      const own = prompt('s1', 'own prompt');
      await append([session('s1'), own, checkpoint('1', 's1', [own, elsewhere])]);
      const texts = async () => {
        const ledgerRead = await loadCheckpointsFirst(ledger);
        const index = await indexForCommits(ledgerRead, ['1'.repeat(40)]);
        return [...index.eventsBySession.values()]
          .flat()
          .map((e) => (e.record.event as { text: string }).text);
      };
      const cold = await texts();
      assert.deepEqual(cold.sort(), ['listed by id', 'own prompt']);
      assert.deepEqual((await texts()).sort(), cold, 'warm as cold');
    } finally {
      repo.cleanup();
    }
  });
});
