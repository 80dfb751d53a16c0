/**
 * EntryList's readers for hot loops: reading a line in place (bufferOf, lineStart, lineEnd)
 * gives the bytes lineBytes() gives, and someLineContaining() stops at the first line that
 * passes, as the approval pass relies on to stay cheap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EntryList } from '../../src/core/entry-list.js';

describe('EntryList', () => {
  const lines = [
    '{"a":1}',
    '{"kind":"review","decision":"comment"}',
    '{"kind":"review","decision":"approve"}',
    '{"b":"é"}',
  ];
  // Two chunks, as two appends are stored.
  const entries = EntryList.fromChunks([
    Buffer.from(`${lines[0]}\n${lines[1]}\n`),
    Buffer.from(`${lines[2]}\n${lines[3]}\n`),
  ]);

  test('a line read in place is the line', () => {
    assert.equal(entries.length, 4);
    for (let i = 0; i < entries.length; i++) {
      const inPlace = entries.bufferOf(i).subarray(entries.lineStart(i), entries.lineEnd(i));
      assert.ok(inPlace.equals(entries.lineBytes(i)), `line ${i}`);
      assert.equal(inPlace.toString('utf8'), lines[i]);
    }
    assert.equal(entries.bufferOf(0), entries.bufferOf(1), 'one chunk, one buffer');
    assert.notEqual(entries.bufferOf(1), entries.bufferOf(2));
  });

  test('someLineContaining stops at the first line that passes', () => {
    const seen: string[] = [];
    const found = entries.someLineContaining('"kind":"review"', (line) => {
      seen.push(line);
      return line.includes('"decision":"approve"');
    });
    assert.equal(found, true);
    assert.deepEqual(seen, [lines[1], lines[2]]);
    assert.equal(
      entries.someLineContaining('"kind":"review"', (line) => line.includes('"decision":"reject"')),
      false,
    );
    assert.equal(
      entries.someLineContaining('"kind":"checkpoint"', () => true),
      false,
    );
    assert.deepEqual(entries.linesContaining('"kind":"review"'), [lines[1], lines[2]]);
  });
});
