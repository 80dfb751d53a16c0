import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { matchLines, matchLinesCountingSteps, matchLinesWithCostLimit } from '../../src/core/line-diff.js';

/** Throws unless every matched pair is equal and the matched `a` indices strictly increase. */
function assertValidMatching(a: readonly string[], b: readonly string[], match: Int32Array): number {
  assert.equal(match.length, b.length);
  let last = -1;
  let matched = 0;
  for (let j = 0; j < b.length; j++) {
    const i = match[j]!;
    if (i === -1) continue;
    assert.ok(i > last && i < a.length, `line ${j} of b matched to ${i}, after ${last}`);
    assert.equal(a[i], b[j], `line ${j} of b matched to an unequal line ${i}`);
    last = i;
    matched++;
  }
  return matched;
}

/** The longest common subsequence's length, by the plain O(NM) dynamic program. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/**
 * The edit distance matchLines' cost limit is measured against: lines present on one side only
 * are set aside first, which leaves the longest common subsequence as it was.
 */
function distanceAfterSettingAside(a: readonly string[], b: readonly string[], lcs: number): number {
  const inA = new Set(a);
  const inB = new Set(b);
  return a.filter((line) => inB.has(line)).length + b.filter((line) => inA.has(line)).length - 2 * lcs;
}

const line = fc.constantFrom('a', 'b', 'c', 'd', 'e', '}');
const smallFile = fc.array(line, { maxLength: 40, size: 'max' });
/** A file and an edit of it: lines deleted, inserted and replaced, as people and agents edit. */
const fileAndEdit = fc
  .tuple(
    smallFile,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), line), { maxLength: 8 }),
  )
  .map(([a, edits]) => {
    const b = [...a];
    for (const [at, kind, text] of edits) {
      const i = at % (b.length + 1);
      if (kind === 'insert') b.splice(i, 0, text);
      else if (i < b.length) b.splice(i, 1, ...(kind === 'replace' ? [text] : []));
    }
    return [a, b] as const;
  });
const pairOfSmallFiles = fc.oneof(fc.tuple(smallFile, smallFile), fileAndEdit);

/** 20,000 lines like code: mostly statements that occur once, and braces and blank lines. */
function codeLike(name: string, count = 20_000): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 7 === 3 ? '}' : i % 11 === 5 ? '' : `const ${name}${i} = compute(${i});`,
  );
}

/**
 * A pair built against the fallbacks past the cost limit: `filler` braces and blank lines on
 * each side at random, then a chain, `u${t}`, `u${t + 1}` and `gap` fillers in `a` against
 * `u${t}` and `gap` fillers in `b`, for t from `links` down to 1. Only `u1` occurs once on each
 * side; anchored on it, the rest is one region in which `u2` does, and so on up the chain.
 */
function anchorChain(filler: number, links: number, gap: number): [string[], string[]] {
  let seed = 99;
  const fill = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 16) % 2 === 1 ? '}' : '';
  };
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < filler; i++) a.push(fill());
  for (let i = 0; i < filler; i++) b.push(fill());
  for (let t = links; t >= 1; t--) {
    a.push(`u${t}`, ...(t < links ? [`u${t + 1}`] : []));
    b.push(`u${t}`);
    for (let i = 0; i < gap; i++) a.push(fill());
    for (let i = 0; i < gap; i++) b.push(fill());
  }
  return [a, b];
}

describe('matchLines', () => {
  test('a valid matching as long as a longest common subsequence, for seeded random small files', () => {
    fc.assert(
      fc.property(pairOfSmallFiles, ([a, b]) => {
        assert.equal(assertValidMatching(a, b, matchLines(a, b)), lcsLength(a, b));
      }),
      { seed: 20261207, numRuns: 2000 },
    );
  });

  test('exact up to twice its cost limit, and a valid matching past it', () => {
    let exact = 0;
    let pastTheLimit = 0;
    fc.assert(
      fc.property(pairOfSmallFiles, fc.integer({ min: 1, max: 4 }), ([a, b], costLimit) => {
        const matched = assertValidMatching(a, b, matchLinesWithCostLimit(a, b, costLimit));
        const lcs = lcsLength(a, b);
        if (distanceAfterSettingAside(a, b, lcs) <= 2 * costLimit) {
          assert.equal(matched, lcs);
          exact++;
        } else {
          assert.ok(matched <= lcs);
          pastTheLimit++;
        }
      }),
      { seed: 20261208, numRuns: 3000 },
    );
    // Both sides of the limit were exercised: the anchors and the split at the searches' ends.
    assert.ok(exact > 300 && pastTheLimit > 300, `${exact} exact, ${pastTheLimit} past the limit`);
  });

  test('a small edit in a 20,000-line file keeps every other line where it was', () => {
    const a = codeLike('v');
    const b = [...a];
    b.splice(10_000, 3, 'one', 'two');
    b.splice(15_000, 0, 'inserted');
    const match = matchLines(a, b);
    assert.equal(assertValidMatching(a, b, match), a.length - 3);
    for (let j = 0; j < b.length; j++) {
      const expected = j < 10_000 ? j : j < 10_002 || j === 15_000 ? -1 : j < 15_000 ? j + 1 : j;
      assert.equal(match[j], expected, `line ${j}`);
    }
  });

  test('every other line of 20,000 changed: every unchanged line is matched to itself', () => {
    const a = codeLike('v');
    const b = a.map((text, i) => (i % 2 === 1 ? `changed(${i});` : text));
    const match = matchLines(a, b);
    assertValidMatching(a, b, match);
    for (let j = 0; j < b.length; j++) assert.equal(match[j], j % 2 === 0 ? j : -1, `line ${j}`);
  });

  test('a wholly different 20,000-line file: nothing matched, or only the lines both share', () => {
    const a = codeLike('v');
    const unrelated = Array.from({ length: 20_000 }, (_, i) => `other(${i});`);
    assert.equal(assertValidMatching(a, unrelated, matchLines(a, unrelated)), 0);

    // Same braces and blank lines, every statement new: those shared lines line up exactly.
    const rewritten = codeLike('w');
    const match = matchLines(a, rewritten);
    assertValidMatching(a, rewritten, match);
    for (let j = 0; j < rewritten.length; j++) {
      assert.equal(match[j], rewritten[j]!.startsWith('const') ? -1 : j, `line ${j}`);
    }
  });

  test('20,000 lines all moved: one half kept whole when the halves swap, a valid matching when reversed or shuffled', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const swapped = [...a.slice(10_000), ...a.slice(0, 10_000)];
    const match = matchLines(a, swapped);
    assert.equal(assertValidMatching(a, swapped, match), 10_000);
    const keptFirst = match[0] === 10_000;
    for (let j = 0; j < swapped.length; j++) {
      const kept = keptFirst ? j < 10_000 : j >= 10_000;
      assert.equal(match[j], kept ? (j + 10_000) % 20_000 : -1, `line ${j}`);
    }

    const reversed = [...a].reverse();
    assert.equal(assertValidMatching(a, reversed, matchLines(a, reversed)), 1);

    // Shuffled code with braces: whatever is matched must be a valid matching.
    const code = codeLike('v');
    let seed = 1;
    const shuffled = [...code];
    for (let i = shuffled.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const k = seed % (i + 1);
      [shuffled[i], shuffled[k]] = [shuffled[k]!, shuffled[i]!];
    }
    assert.ok(assertValidMatching(code, shuffled, matchLines(code, shuffled)) > 0);
  });

  test('past the cost limit, work stays within 4 x (N+M) x the cost limit, however the anchors fall', () => {
    const costLimit = 32;
    // Each anchor one line from the end: anchoring again and again searched what was left
    // again, about N x costLimit^2 steps (42 x the bound's unit here, 17 s at 512 and 35,000
    // lines). Then each anchor a little further in than a split reaches: what stops that is
    // the budget on anchoring (8.6 x without either, 5.6 x without the budget).
    for (const [filler, links, gap] of [
      [100, 1_000, 1],
      [0, 250, 3 * costLimit],
    ] as const) {
      const [a, b] = anchorChain(filler, links, gap);
      const { match, steps } = matchLinesCountingSteps(a, b, costLimit);
      assertValidMatching(a, b, match);
      const unit = (a.length + b.length) * costLimit;
      assert.ok(
        steps <= 4 * unit,
        `${a.length} and ${b.length} lines: ${(steps / unit).toFixed(2)} x (N+M) x costLimit`,
      );
    }
  });

  test('a cost limit that is not a positive integer is refused', () => {
    assert.throws(() => matchLinesWithCostLimit(['a'], ['b'], 0), RangeError);
    assert.throws(() => matchLinesWithCostLimit(['a'], ['b'], 1.5), RangeError);
  });
});
