/**
 * Which line of an old version each line of a new version is: for every line of `b`, the index
 * of the line of `a` it is matched to, or -1 for an inserted line. Matched pairs are equal and
 * their `a` indices strictly increase down `b`, as in any diff.
 *
 * The matching is a longest common subsequence, found with Myers' O((N+M)D) algorithm in its
 * linear-space form ("An O(ND) Difference Algorithm and Its Variations", 1986, section 4b:
 * find the middle snake, then solve each half), up to a cost limit. Beyond it, as git's xdiff
 * does, the result stops being minimal so that its cost stays bounded. In order:
 *
 * 1. The common prefix and suffix are matched by comparing strings: most edits touch a few
 *    lines of a big file, and these never reach the rest.
 * 2. Lines are numbered (one Map), so the search compares integers.
 * 3. Lines with no equal on the other side are set aside: they can never be matched, so the
 *    longest common subsequence is unchanged, and a rewrite whose lines are all new costs
 *    nothing more. (xdiff's xdl_cleanup_records does the same.)
 * 4. Myers' search runs on each region, from both ends, for at most `costLimit` edits from
 *    each end. A region whose edit distance is at most 2 x `costLimit` is solved exactly.
 * 5. A region that costs more is split in one of two ways, whichever leaves the smaller region
 *    to search again (the anchors when it is a tie):
 *    - on its anchors: the lines that occur exactly once on each side of it, keeping the
 *      longest run of them in the same order (patience diff); the regions between anchors go
 *      back to step 4. A region with no such line (only repeated lines, such as `}` and blank
 *      lines) has none.
 *    - at the furthest points the two searches reached (xdiff's heuristic when its cost limit
 *      is hit): the parts outside them cost at most `costLimit` each and are solved exactly,
 *      and the part between goes back to step 4.
 * 6. Once the work done reaches `ANCHOR_BUDGET` x (N+M) x `costLimit` steps, regions are no
 *    longer anchored, only split at the searches' furthest points.
 *
 * A failed search visits about `costLimit`^2 diagonals (half from each end) and compares the
 * lines its snakes pass along them; the split that follows takes at least `costLimit` lines,
 * and about as many as the snakes passed, out of what is left to search, into parts solved
 * exactly. Splits alone thus cost in proportion to (N+M) x `costLimit`, where plain Myers costs
 * (N+M) x D (and D can be N+M). Anchors have no such guarantee: each costs a failed search and
 * a pass over its region, and takes out only what lies outside the largest region it leaves.
 * Until 2026-12-06 anchors were used whenever there were any, and where each fell at one end
 * of its region, leaving a region one line smaller in which another line had become unique,
 * matching cost about N x `costLimit`^2 (17 to 28 s for 35,000 lines). Step 5 makes each anchoring
 * take out at least what a split would; step 6 caps what anchors can still cost (each taking
 * out a little more than a split, a pass over a region each time: about (N+M)^2 / `costLimit`).
 * So the whole match costs a small multiple of (N+M) x `costLimit` steps, as
 * `matchLinesCountingSteps` counts them: under 4 in every case tried, including those built
 * against it in test/core/line-diff.test.ts (which holds it to 4) and bench/line-diff.ts, and
 * 0.2 on that benchmark's complete rewrite.
 *
 * So a line unchanged in both files is matched whenever an exact diff would match it, as long
 * as the two files differ by at most 2 x `costLimit` lines (after step 3): no search fails, so
 * neither step 5 nor the budget comes into play. Past that, the lines that occur once in each
 * file anchor the match, in the longest run that keeps their order, unless a split at the
 * searches' ends takes more off, and the lines around them are matched exactly again wherever
 * the difference is small.
 */

/**
 * The edits Myers' search may spend from each end of a region before splitting it (step 5). A
 * failed search visits about 512^2 diagonals (a few ms), and files that differ by up to 1,024
 * lines (not counting lines present on one side only) still get a minimal diff. Twice this
 * limit made bench/line-diff.ts's 20,000-line rewrite about 1.5 times as slow for about 1%
 * more lines matched. git's xdiff uses 256 or the square root of the line count, whichever is
 * larger.
 */
const COST_LIMIT = 512;

/**
 * Step 6: anchoring stops once the work done reaches this many times (N+M) x `costLimit` steps
 * (N+M the lines left after step 3). The budget counts all the work but only stops anchors, and
 * only a failed search leads to them, so it never changes a result within 2 x `costLimit`.
 * bench/line-diff.ts's complete rewrite takes under a tenth of it; cases built to defeat the
 * anchors reach it.
 */
const ANCHOR_BUDGET = 2;

export function matchLines(a: readonly string[], b: readonly string[]): Int32Array {
  return matchLinesWithCostLimit(a, b, COST_LIMIT);
}

/** `matchLines` with its cost limit given: tests drive the fallbacks with small inputs. */
export function matchLinesWithCostLimit(
  a: readonly string[],
  b: readonly string[],
  costLimit: number,
): Int32Array {
  return matchLinesCountingSteps(a, b, costLimit).match;
}

/**
 * `matchLinesWithCostLimit`, and the work it did in steps: one per line read before the
 * search, per diagonal visited and per pair of lines compared in a search, and per line counted
 * when anchoring. For tests of the bound on work, which no clock measures reliably.
 */
export function matchLinesCountingSteps(
  a: readonly string[],
  b: readonly string[],
  costLimit: number,
): { match: Int32Array; steps: number } {
  if (!Number.isInteger(costLimit) || costLimit < 1)
    throw new RangeError('costLimit must be a positive integer');
  const result = new Int32Array(b.length).fill(-1);
  const steps = a.length + b.length;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    result[start] = start;
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    result[endB] = endA;
  }
  if (endA === start || endB === start) return { match: result, steps };

  // Lines of `a` get ids in one Map; a line of `b` not in it has no equal in `a`.
  const ids = new Map<string, number>();
  const idsOfA = new Int32Array(endA - start);
  for (let i = start; i < endA; i++) {
    const line = a[i]!;
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    idsOfA[i - start] = id;
  }
  const inB = new Uint8Array(ids.size);
  const idsOfB = new Int32Array(endB - start);
  let keptBCount = 0;
  for (let j = start; j < endB; j++) {
    const id = ids.get(b[j]!) ?? -1;
    idsOfB[j - start] = id;
    if (id >= 0) {
      inB[id] = 1;
      keptBCount++;
    }
  }
  let keptACount = 0;
  for (const id of idsOfA) keptACount += inB[id]!;
  if (keptACount === 0) return { match: result, steps };

  const keptA = new Int32Array(keptACount);
  const indexOfKeptA = new Int32Array(keptACount);
  for (let i = 0, kept = 0; i < idsOfA.length; i++) {
    if (inB[idsOfA[i]!] === 0) continue;
    keptA[kept] = idsOfA[i]!;
    indexOfKeptA[kept++] = start + i;
  }
  const keptB = new Int32Array(keptBCount);
  const indexOfKeptB = new Int32Array(keptBCount);
  for (let j = 0, kept = 0; j < idsOfB.length; j++) {
    if (idsOfB[j]! < 0) continue;
    keptB[kept] = idsOfB[j]!;
    indexOfKeptB[kept++] = start + j;
  }

  const matcher = new RegionMatcher(keptA, keptB, ids.size, costLimit);
  const matched = matcher.run();
  for (let j = 0; j < keptBCount; j++) {
    if (matched[j]! >= 0) result[indexOfKeptB[j]!] = indexOfKeptA[matched[j]!]!;
  }
  return { match: result, steps: steps + matcher.steps };
}

/**
 * Matches two arrays of line ids region by region. A region is a pair of ranges
 * [aLo, aHi) x [bLo, bHi); regions waiting to be solved sit on an explicit stack (no recursion
 * depth to run out of), and each region solved either matches lines or splits into smaller
 * regions, so the loop ends.
 */
class RegionMatcher {
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly costLimit: number;
  /** For each line of `b`, the index in `a` it is matched to, or -1. */
  private readonly matched: Int32Array;
  private readonly pending: number[];
  /** Furthest x reached on each diagonal k = x - y, at index k + `diagonalOffset`; -1 if none. */
  private readonly forward: Int32Array;
  /** The same from the region's end, over the reversed ranges (u = aHi - x, w = bHi - y). */
  private readonly backward: Int32Array;
  private readonly diagonalOffset: number;
  /** Per-id occurrence counts in the region being anchored, zeroed again after each use. */
  private readonly countInA: Int32Array;
  private readonly countInB: Int32Array;
  private readonly positionInA: Int32Array;
  /** Where `findMiddleSnake` says to split the region it was given. */
  private splitA = 0;
  private splitB = 0;
  /**
   * Where `planSplitAtFurthestPoints` would split a region: the end of the forward search, the
   * start of the backward one, and which of them to use.
   */
  private forwardA = 0;
  private forwardB = 0;
  private backwardA = 0;
  private backwardB = 0;
  private splitUses: 'both' | 'forward' | 'backward' = 'both';
  /** Work done so far, in the steps `matchLinesCountingSteps` describes. */
  steps = 0;
  /** Past this many steps, no region is anchored (see `run`). */
  private readonly anchorBudget: number;

  constructor(a: Int32Array, b: Int32Array, idCount: number, costLimit: number) {
    this.a = a;
    this.b = b;
    this.matched = new Int32Array(b.length).fill(-1);
    this.pending = [0, a.length, 0, b.length];
    // No search goes past half the edits of the whole input, so that bounds the arrays too.
    this.costLimit = Math.min(costLimit, Math.ceil((a.length + b.length) / 2));
    this.diagonalOffset = this.costLimit + 1;
    this.forward = new Int32Array(2 * this.costLimit + 3);
    this.backward = new Int32Array(2 * this.costLimit + 3);
    this.countInA = new Int32Array(idCount);
    this.countInB = new Int32Array(idCount);
    this.positionInA = new Int32Array(idCount);
    this.anchorBudget = ANCHOR_BUDGET * (a.length + b.length) * this.costLimit;
  }

  run(): Int32Array {
    const { a, b, matched, pending } = this;
    while (pending.length > 0) {
      let bHi = pending.pop()!;
      let bLo = pending.pop()!;
      let aHi = pending.pop()!;
      let aLo = pending.pop()!;
      const aLength = aHi - aLo;
      while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) matched[bLo++] = aLo++;
      while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) matched[--bHi] = --aHi;
      this.steps += aLength - (aHi - aLo) + 1;
      if (aLo === aHi || bLo === bHi) continue;
      if (this.findMiddleSnake(aLo, aHi, bLo, bHi)) {
        pending.push(aLo, this.splitA, bLo, this.splitB, this.splitA, aHi, this.splitB, bHi);
        continue;
      }
      // Steps 5 and 6 of the header: anchors unless they would leave more to search than the
      // split at the furthest points, or the budget for them is spent.
      const leftToSearch = this.planSplitAtFurthestPoints(aLo, aHi, bLo, bHi);
      if (this.steps >= this.anchorBudget || !this.anchorOnUniqueLines(aLo, aHi, bLo, bHi, leftToSearch)) {
        this.splitAtFurthestPoints(aLo, aHi, bLo, bHi);
      }
    }
    return matched;
  }

  /**
   * Myers' bidirectional search (section 4b of the paper) over a region whose first and last
   * lines differ, for at most `costLimit` edits from each end. When the two searches meet, the
   * edit distance D is known (2d - 1 or 2d) and the forward point on the meeting diagonal lies
   * on a minimal path: it costs d to reach, and the remaining cost never grows along a
   * diagonal, so what is left costs at most D - d. Splitting there keeps the result minimal.
   * Returns false, with both searches' furthest points at d = `costLimit` left in `forward`
   * and `backward`, if they did not meet.
   */
  private findMiddleSnake(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
    const { a, b, forward, backward, diagonalOffset: o } = this;
    const n = aHi - aLo;
    const m = bHi - bLo;
    const delta = n - m;
    const deltaIsOdd = (delta & 1) !== 0;
    const maxCost = Math.min(this.costLimit, Math.ceil((n + m) / 2));
    // One step per diagonal visited and per pair of lines compared: each visit compares the
    // lines its snake passes, and one more pair (or stops at the region's edge).
    let work = 0;
    for (let d = 0; d <= maxCost; d++) {
      work += 2 * (d + 1);
      for (let k = -d; k <= d; k += 2) {
        // The furthest point on diagonal k: one step right from k - 1 or down from k + 1,
        // whichever stays inside the region and reaches further; -1 when neither does.
        let x = d === 0 ? 0 : -1;
        if (k > -d) {
          const from = forward[o + k - 1]!;
          if (from >= 0 && from < n) x = from + 1;
        }
        if (k < d) {
          const from = forward[o + k + 1]!;
          if (from > x && from - k <= m) x = from;
        }
        if (x < 0) {
          forward[o + k] = -1;
          continue;
        }
        let y = x - k;
        const snakeStart = x;
        while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
          x++;
          y++;
        }
        work += x - snakeStart;
        forward[o + k] = x;
        // With an odd delta the searches can first meet here, against the backward search's
        // last round (d - 1): on diagonal k, its u counts from the end.
        const reverseK = delta - k;
        if (deltaIsOdd && reverseK >= 1 - d && reverseK <= d - 1) {
          const u = backward[o + reverseK]!;
          if (u >= 0 && x + u >= n) {
            this.splitA = aLo + x;
            this.splitB = bLo + y;
            this.steps += work;
            return true;
          }
        }
      }
      for (let k = -d; k <= d; k += 2) {
        let u = d === 0 ? 0 : -1;
        if (k > -d) {
          const from = backward[o + k - 1]!;
          if (from >= 0 && from < n) u = from + 1;
        }
        if (k < d) {
          const from = backward[o + k + 1]!;
          if (from > u && from - k <= m) u = from;
        }
        if (u < 0) {
          backward[o + k] = -1;
          continue;
        }
        let w = u - k;
        const snakeStart = u;
        while (u < n && w < m && a[aHi - 1 - u] === b[bHi - 1 - w]) {
          u++;
          w++;
        }
        work += u - snakeStart;
        backward[o + k] = u;
        // With an even delta they meet here, against the forward search of the same round.
        const forwardK = delta - k;
        if (!deltaIsOdd && forwardK >= -d && forwardK <= d) {
          const x = forward[o + forwardK]!;
          if (x >= 0 && x + u >= n) {
            this.splitA = aLo + x;
            this.splitB = bLo + x - forwardK;
            this.steps += work;
            return true;
          }
        }
      }
    }
    this.steps += work;
    return false;
  }

  /**
   * Patience diff's anchors: the lines that occur exactly once in each side of the region,
   * and of those the longest run whose order is the same on both sides. Each anchor is
   * matched, and the regions between them are queued. False, with nothing matched or queued,
   * if there is no such line or a region between them would be larger than `largestLeft`
   * lines (both sides together; a region with one side empty needs no search and counts 0).
   */
  private anchorOnUniqueLines(
    aLo: number,
    aHi: number,
    bLo: number,
    bHi: number,
    largestLeft: number,
  ): boolean {
    const { a, b, countInA, countInB, positionInA } = this;
    this.steps += 2 * (aHi - aLo + bHi - bLo);
    for (let i = aLo; i < aHi; i++) {
      const id = a[i]!;
      countInA[id] = countInA[id]! + 1;
      positionInA[id] = i;
    }
    for (let j = bLo; j < bHi; j++) countInB[b[j]!] = countInB[b[j]!]! + 1;
    const uniqueB: number[] = [];
    for (let j = bLo; j < bHi; j++) {
      if (countInA[b[j]!] === 1 && countInB[b[j]!] === 1) uniqueB.push(j);
    }
    for (let i = aLo; i < aHi; i++) countInA[a[i]!] = 0;
    for (let j = bLo; j < bHi; j++) countInB[b[j]!] = 0;
    if (uniqueB.length === 0) return false;

    // Longest strictly increasing run of a-positions, in b's order (patience sorting, with
    // a link from each line to the one before it in the best run ending there).
    const count = uniqueB.length;
    this.steps += count * (33 - Math.clz32(count));
    const before = new Int32Array(count);
    const runEnds = new Int32Array(count);
    let longest = 0;
    for (let t = 0; t < count; t++) {
      const position = positionInA[b[uniqueB[t]!]!]!;
      let lo = 0;
      let hi = longest;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (positionInA[b[uniqueB[runEnds[mid]!]!]!]! < position) lo = mid + 1;
        else hi = mid;
      }
      before[t] = lo > 0 ? runEnds[lo - 1]! : -1;
      runEnds[lo] = t;
      if (lo === longest) longest++;
    }

    // Walk the run back from its end: first to size the regions between anchors, then to match
    // the anchors and queue the region after each.
    let nextA = aHi;
    let nextB = bHi;
    for (let t = runEnds[longest - 1]!; t >= 0; t = before[t]!) {
      const j = uniqueB[t]!;
      const i = positionInA[b[j]!]!;
      if (regionSize(i + 1, nextA, j + 1, nextB) > largestLeft) return false;
      nextA = i;
      nextB = j;
    }
    if (regionSize(aLo, nextA, bLo, nextB) > largestLeft) return false;
    nextA = aHi;
    nextB = bHi;
    for (let t = runEnds[longest - 1]!; t >= 0; t = before[t]!) {
      const j = uniqueB[t]!;
      const i = positionInA[b[j]!]!;
      this.matched[j] = i;
      this.pending.push(i + 1, nextA, j + 1, nextB);
      nextA = i;
      nextB = j;
    }
    this.pending.push(aLo, nextA, bLo, nextB);
    return true;
  }

  /**
   * Plans the split of a region the search could not solve within `costLimit` at the furthest
   * points it reached from each end (xdiff's heuristic when its cost limit is hit): the part
   * before the forward point and the part after the backward point each cost at most
   * `costLimit`, so they are solved exactly, and the part between is smaller by at least
   * 2 x `costLimit` lines. When the two points cross (each past the other on one side), the
   * one with more lines behind it is used alone, and the part beyond it is left. Returns the
   * size of the part left to search again, as `regionSize` counts it.
   */
  private planSplitAtFurthestPoints(aLo: number, aHi: number, bLo: number, bHi: number): number {
    const { forward, backward, costLimit: d, diagonalOffset: o } = this;
    let forwardK = 0;
    let forwardReach = -1;
    let backwardK = 0;
    let backwardReach = -1;
    this.steps += d + 1;
    // Every point reached at cost d has x + y (or u + w) = 2x - k lines behind it.
    for (let k = -d; k <= d; k += 2) {
      const x = forward[o + k]!;
      if (x >= 0 && 2 * x - k > forwardReach) {
        forwardReach = 2 * x - k;
        forwardK = k;
      }
      const u = backward[o + k]!;
      if (u >= 0 && 2 * u - k > backwardReach) {
        backwardReach = 2 * u - k;
        backwardK = k;
      }
    }
    this.forwardA = aLo + forward[o + forwardK]!;
    this.forwardB = this.forwardA - aLo - forwardK + bLo;
    this.backwardA = aHi - backward[o + backwardK]!;
    this.backwardB = bHi - (backward[o + backwardK]! - backwardK);
    if (this.forwardA <= this.backwardA && this.forwardB <= this.backwardB) {
      this.splitUses = 'both';
      return regionSize(this.forwardA, this.backwardA, this.forwardB, this.backwardB);
    }
    if (forwardReach >= backwardReach) {
      this.splitUses = 'forward';
      return regionSize(this.forwardA, aHi, this.forwardB, bHi);
    }
    this.splitUses = 'backward';
    return regionSize(aLo, this.backwardA, bLo, this.backwardB);
  }

  /** Queues the parts `planSplitAtFurthestPoints` planned for this region. */
  private splitAtFurthestPoints(aLo: number, aHi: number, bLo: number, bHi: number): void {
    const { forwardA, forwardB, backwardA, backwardB, pending } = this;
    if (this.splitUses === 'both') {
      pending.push(aLo, forwardA, bLo, forwardB);
      pending.push(forwardA, backwardA, forwardB, backwardB);
      pending.push(backwardA, aHi, backwardB, bHi);
    } else if (this.splitUses === 'forward') {
      pending.push(aLo, forwardA, bLo, forwardB, forwardA, aHi, forwardB, bHi);
    } else {
      pending.push(aLo, backwardA, bLo, backwardB, backwardA, aHi, backwardB, bHi);
    }
  }
}

/** Lines in a region, both sides together; 0 when one side is empty, as nothing is left to search. */
function regionSize(aLo: number, aHi: number, bLo: number, bHi: number): number {
  return aLo < aHi && bLo < bHi ? aHi - aLo + bHi - bLo : 0;
}
