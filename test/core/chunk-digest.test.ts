/**
 * Chunk digests (the read memo's content): what a digest keeps of a chunk's lines, what it
 * says the other lines name, and how a stored file reads back, whole or cut.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeDigests, digestChunk, encodeDigests, mayInclude } from '../../src/core/chunk-digest.js';
import { encodeEntry } from '../../src/core/log-entry.js';
import type { TrailRecord } from '../../src/core/records.js';

const PREV = '0'.repeat(64);

function line(seq: number, record: Record<string, unknown>): string {
  return encodeEntry({ prev: PREV, seq, record: record as unknown as TrailRecord });
}

const header = {
  v: 1,
  time: '2026-12-01T10:00:00.000Z',
  actor: { type: 'human', id: 'a' },
  provenance: 'observed',
};
const lines = [
  line(0, { ...header, kind: 'session', sessionId: 's1', agent: { name: 'claude-code' } }),
  line(1, {
    ...header,
    kind: 'event',
    sessionId: 's1',
    event: { type: 'prompt', text: '"sessionId":"fake"' },
  }),
  line(2, { ...header, kind: 'checkpoint', commit: 'a'.repeat(40), sessions: [] }),
  line(3, { ...header, kind: 'review', commit: 'b'.repeat(40), checkpoint: 'c'.repeat(64) }),
  line(4, { ...header, kind: 'capture-gap', what: 'x', why: 'y' }),
  line(5, { ...header, kind: 'retention-purge', cutoff: '2026-01-01' }),
  'not an entry at all',
  line(7, { ...header, kind: 'rollback', from: 'd'.repeat(40), to: 'e'.repeat(40) }),
];
const chunk = Buffer.from(`${lines.join('\n')}\n`);

describe('chunk digests', () => {
  test('checkpoints, gaps and purges are kept as stored; the rest is reduced to what it names', () => {
    const digest = digestChunk(chunk);
    assert.equal(digest.kept.toString(), `${lines[2]}\n${lines[4]}\n${lines[5]}\n`);
    assert.deepEqual(
      digest.names?.sort(),
      ['s1', 'b'.repeat(40), 'c'.repeat(64), 'd'.repeat(40), 'e'.repeat(40)].sort(),
    );
    // The event's text holds the key's bytes escaped: only its own sessionId is read.
    assert.deepEqual(digest.eventSessions, ['s1']);
    assert.equal(digest.hasEvents, true);
    assert.deepEqual(digest.kinds.sort(), ['event', 'review', 'rollback', 'session']);
    assert.equal(mayInclude(digest.names, new Set(['b'.repeat(40)])), true);
    assert.equal(
      mayInclude(digest.names, new Set(['a'.repeat(40)])),
      false,
      "the checkpoint's own commit is not a name",
    );
  });

  test('a value only parsing can read makes the digest say "may name anything"', () => {
    const escaped = digestChunk(
      Buffer.from(
        `${line(0, { ...header, kind: 'deployment', env: 'p', commit: 'back\\slash' })}\n${line(1, { ...header, kind: 'event', sessionId: 'q"uote', event: { type: 'prompt', text: 'x' } })}\n`,
      ),
    );
    assert.equal(escaped.names, null);
    assert.equal(escaped.eventSessions, null);
    assert.equal(mayInclude(null, new Set(['anything'])), true);
    const quiet = digestChunk(Buffer.from(`${lines[2]}\n`));
    assert.deepEqual([quiet.names, quiet.eventSessions, quiet.hasEvents, quiet.kinds], [[], [], false, []]);
  });

  test('a line whose kind its bytes do not give is kept, for a reader that filters by kind to parse', () => {
    const odd = line(0, { ...header, type: 'no kind key' });
    assert.equal(digestChunk(Buffer.from(`${odd}\n`)).kept.toString(), `${odd}\n`);
  });

  test('stored digests read back whole, and up to the first block that does not hold', () => {
    const a = digestChunk(chunk);
    const b = digestChunk(Buffer.from(`${lines[2]}\n${lines[0]}\n`));
    const file = Buffer.concat([
      encodeDigests([{ oid: 'aa', digest: a }], true),
      encodeDigests([{ oid: 'bb', digest: b }], false),
    ]);
    const back = decodeDigests(file);
    assert.deepEqual([back.whole, back.blocks, [...back.digests.keys()]], [true, 2, ['aa', 'bb']]);
    assert.deepEqual(back.digests.get('aa'), a);
    assert.deepEqual(back.digests.get('bb'), b);

    const cut = decodeDigests(file.subarray(0, file.length - 5));
    assert.deepEqual([cut.whole, [...cut.digests.keys()]], [false, ['aa']], 'a write cut short');
    const changed = Buffer.from(file);
    const at = changed.indexOf('"commit":"aaaa');
    changed[at + 11] = 0x62; // one byte of a kept line
    const flipped = decodeDigests(changed);
    assert.deepEqual([flipped.whole, [...flipped.digests.keys()]], [false, []], 'a byte changed on disk');
    assert.deepEqual(decodeDigests(Buffer.from('something else\n')).whole, false, 'another format');
    assert.deepEqual(
      decodeDigests(
        Buffer.from(`trail-read-memo 2\n${file.toString('latin1').split('\n').slice(1).join('\n')}`),
      ).whole,
      false,
      'a file of the version before, whose checksum covered the kept bytes alone',
    );
    assert.deepEqual(
      decodeDigests(Buffer.from('trail-read-memo 3\nnull\n')).whole,
      false,
      'a header that is not an object',
    );
    assert.deepEqual(decodeDigests(Buffer.from('')).whole, false);
  });

  test('a header changed on disk so that it still parses is caught, as a changed kept byte is', () => {
    const file = encodeDigests([{ oid: 'aa', digest: digestChunk(chunk) }], true);
    assert.deepEqual(decodeDigests(file).digests.get('aa')?.eventSessions, ['s1']);
    // Each edit leaves valid JSON of the right shape: a session id, a name, a kind, whether
    // the chunk holds events, and the chunk it is filed under.
    const edits: Array<[string, string]> = [
      ['"sessions":["s1"]', '"sessions":["s2"]'],
      ['"names":["s1"', '"names":["s9"'],
      ['"kinds":["session"', '"kinds":["sessiom"'],
      ['"events":true', '"events":false'],
      ['"oid":"aa"', '"oid":"ab"'],
    ];
    for (const [from, to] of edits) {
      const text = file.toString('latin1');
      assert.ok(text.includes(from), from);
      const changed = decodeDigests(Buffer.from(text.replace(from, to), 'latin1'));
      assert.deepEqual([changed.whole, changed.digests.size], [false, 0], `${from} -> ${to}`);
    }
  });
});
