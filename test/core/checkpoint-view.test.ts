/**
 * A checkpoint view's history and rollbacks come from the index by commit: the checkpoints of
 * its commit and of the commit it was rewritten from, oldest first, and the rollbacks that
 * took its commit out or put it back. Nothing else, however many checkpoints the ledger holds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TrailRecord } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { buildIndex } from '../../src/core/trail-index.js';
import { buildCheckpointView } from '../../src/read/checkpoint-view.js';

const sha = (c: string) => c.repeat(40);
let seq = 0;

function stored(id: string, time: string, record: Record<string, unknown>): StoredRecord {
  return {
    id,
    writerId: 'w',
    seq: seq++,
    record: {
      v: 1,
      time,
      actor: { type: 'human', id: 'a@example.com' },
      provenance: 'observed',
      ...record,
    } as unknown as TrailRecord,
  };
}

function checkpoint(
  id: string,
  time: string,
  commit: string,
  rewrittenFrom?: { commit: string; how: string },
) {
  return stored(id, time, {
    kind: 'checkpoint',
    commit,
    tree: commit,
    parents: [],
    author: 'a <a@example.com>',
    sessions: [],
    events: [],
    files: [],
    attribution: {},
    ...(rewrittenFrom ? { rewrittenFrom: { ...rewrittenFrom, checkpoint: 'x' } } : {}),
  });
}

describe('checkpoint view: history and rollbacks by commit', () => {
  test('the checkpoints of its commit and of the one it was rewritten from, oldest first', () => {
    const a = sha('a');
    const b = sha('b');
    const c = sha('c');
    const records = [
      checkpoint('a2', '2026-01-03T00:00:00Z', a),
      checkpoint('a1', '2026-01-01T00:00:00Z', a),
      checkpoint('b1', '2026-01-04T00:00:00Z', b, { commit: a, how: 'rebase' }),
      checkpoint('c1', '2026-01-02T00:00:00Z', c),
      ...Array.from({ length: 50 }, (_, i) => checkpoint(`other${i}`, '2026-01-05T00:00:00Z', sha('d') + i)),
      stored('rb', '2026-01-06T00:00:00Z', {
        kind: 'rollback',
        env: 'prod',
        from: a,
        to: c,
        reason: 'broke',
      }),
    ];
    const index = buildIndex(records);
    const view = (id: string) => buildCheckpointView(index, index.checkpoints.find((x) => x.id === id)!);

    assert.deepEqual(view('b1').history, [
      { id: 'a1', commit: a },
      { id: 'a2', commit: a },
    ]);
    assert.deepEqual(view('a2').history, [{ id: 'a1', commit: a }], 'a later rewrite is not its history');
    assert.deepEqual(view('other3').history, []);

    assert.deepEqual(
      view('a2').rollbacks.map((r) => r.id),
      ['rb'],
      'taken out',
    );
    assert.deepEqual(
      view('c1').rollbacks.map((r) => r.id),
      ['rb'],
      'put back',
    );
    assert.deepEqual(view('b1').rollbacks, []);
  });
});
