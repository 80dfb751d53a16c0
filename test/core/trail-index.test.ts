/**
 * extendIndex: adding records to an index gives what indexing all of them at once gives, and
 * leaves the first index as it was.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordIdOf } from '../../src/core/record-id.js';
import type { TrailRecord } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { buildIndex, extendIndex } from '../../src/core/trail-index.js';

const header = (minute: number) => ({
  v: 1,
  time: new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString(),
  actor: { type: 'agent', id: 'claude-code' },
  provenance: 'observed',
});

function stored(record: unknown, writerId: string, seq: number): StoredRecord {
  return { id: recordIdOf(record as TrailRecord), writerId, seq, record: record as TrailRecord };
}

function event(minute: number, sessionId: string, text: string, writerId = 'w1', seq = minute) {
  return stored(
    { kind: 'event', ...header(minute), sessionId, event: { type: 'note', text } },
    writerId,
    seq,
  );
}

const others = [
  stored({ kind: 'session', ...header(0), sessionId: 's1', agent: { name: 'claude-code' } }, 'w1', 100),
  stored({ kind: 'session', ...header(1), sessionId: 's2', agent: { name: 'claude-code' } }, 'w2', 0),
  stored(
    { kind: 'checkpoint', ...header(30), commit: 'a'.repeat(40), sessions: [], events: [], files: [] },
    'w1',
    101,
  ),
  stored({ kind: 'deployment', ...header(40), env: 'prod', commit: 'a'.repeat(40) }, 'w2', 1),
];
// Events already in the first index, and events added later: for the same session (s1, in
// between in time, and at the same time from another writer) and for a session with none yet.
const before = [event(5, 's1', 'first'), event(9, 's1', 'third')];
const added = [
  event(12, 's2', 'other session'),
  event(7, 's1', 'second'),
  event(9, 's1', 'same time, other writer', 'w0', 3),
  event(50, 's3', 'no session record'),
];

describe('extendIndex', () => {
  test('adding events equals indexing everything at once, and the first index is unchanged', () => {
    const first = buildIndex([...others, ...before]);
    const extended = extendIndex(first, added);
    assert.deepEqual(extended, buildIndex([...others, ...before, ...added]));
    assert.deepEqual(
      extended.eventsBySession.get('s1')!.map((e) => (e.record as { event: { text: string } }).event.text),
      ['first', 'second', 'same time, other writer', 'third'],
    );
    assert.deepEqual(first, buildIndex([...others, ...before]), 'the first index was not changed');
    assert.equal(first.eventsBySession.get('s2'), undefined);
  });

  test('anything but events is indexed from scratch, with the same result', () => {
    const first = buildIndex(others.slice(0, 2));
    const rest = [...others.slice(2), ...added];
    assert.deepEqual(extendIndex(first, rest), buildIndex([...others.slice(0, 2), ...rest]));
  });
});
