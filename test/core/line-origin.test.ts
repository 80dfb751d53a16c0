import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { matchLines } from '../../src/core/line-diff.js';
import type { TrackedLine } from '../../src/core/line-origin.js';
import { carryOrigins, digestLines, lineDigest, toSpans } from '../../src/core/line-origin.js';

const ai = (session: string) => ({ kind: 'ai', session }) as const;

function track(text: string, origin: TrackedLine['origin']): TrackedLine[] {
  return digestLines(text).map((digest) => ({ digest, origin }));
}

describe('line diff (Myers)', () => {
  test('matches common lines and marks insertions', () => {
    assert.deepEqual([...matchLines(['a', 'b', 'c'], ['a', 'x', 'b', 'c'])], [0, -1, 1, 2]);
    assert.deepEqual([...matchLines(['a', 'b', 'c'], ['c', 'a'])].filter((i) => i >= 0).length, 1);
    assert.deepEqual([...matchLines([], ['a'])], [-1]);
    assert.deepEqual([...matchLines(['a'], [])], []);
  });

  test('is a valid, maximal-enough common subsequence for random inputs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 40 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 40 }),
        (a, b) => {
          const m = matchLines(a, b);
          let last = -1;
          for (let i = 0; i < b.length; i++) {
            if (m[i]! < 0) continue;
            assert.equal(a[m[i]!], b[i]);
            assert.ok(m[i]! > last, 'matches are increasing');
            last = m[i]!;
          }
          // Identical inputs match completely.
          assert.deepEqual(
            [...matchLines(a, a)],
            a.map((_, i) => i),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('line origins', () => {
  test('whitespace-only changes keep the digest', () => {
    assert.equal(lineDigest('  return x;'), lineDigest('return  x;\t'));
    assert.notEqual(lineDigest('return x;'), lineDigest('return y;'));
  });

  test('AI insertion, then a human edit of an AI line keeps the overridden session', () => {
    const base = track('a\nb\nc\n', { kind: 'base' });
    const afterAi = carryOrigins(base, digestLines('a\nb\nAI1\nAI2\nc\n'), ai('s1'));
    assert.deepEqual(
      afterAi.map((l) => l.origin.kind),
      ['base', 'base', 'ai', 'ai', 'base'],
    );
    const afterHuman = carryOrigins(afterAi, digestLines('a\nb\nAI1\nHUMAN\nc\nnew\n'), { kind: 'human' });
    assert.deepEqual(
      afterHuman.map((l) => l.origin),
      [
        { kind: 'base' },
        { kind: 'base' },
        ai('s1'),
        { kind: 'human', overrode: 's1' },
        { kind: 'base' },
        { kind: 'human' },
      ],
    );
  });

  test('spans collapse runs and carry session ids', () => {
    const spans = toSpans(
      [
        { line: 1, origin: ai('k1') },
        { line: 2, origin: ai('k1') },
        { line: 3, origin: { kind: 'human', overrode: 'k1' } },
        { line: 5, origin: { kind: 'human' } },
      ],
      (k) => `session-${k}`,
    );
    assert.deepEqual(spans, [
      { start: 1, end: 2, origin: 'ai', sessionId: 'session-k1' },
      { start: 3, end: 3, origin: 'human', overrodeSessionId: 'session-k1' },
      { start: 5, end: 5, origin: 'human' },
    ]);
  });
});
