/** Reading an agent's transcript a turn at a time, as its turn-end hook does, in tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/**
 * The transcript's lines read in pieces ending at the given lines, each piece given the carry
 * the last one left, through JSON as the hook keeps it between processes. Returns the events
 * of every piece, in order, and the last piece's summary.
 */
export function readInPieces<Carry, Summary extends { events: unknown[] }>(
  lines: readonly string[],
  cuts: readonly number[],
  parseFrom: (text: string, carry: Carry | undefined) => { summary: Summary; carry: Carry } | undefined,
): { events: Summary['events']; summary: Summary } {
  let carry: Carry | undefined;
  const events: Summary['events'] = [];
  let summary: Summary | undefined;
  let from = 0;
  for (const cut of [...cuts, lines.length]) {
    const read = parseFrom(lines.slice(from, cut).join(''), carry && JSON.parse(JSON.stringify(carry)));
    assert.ok(read, `the piece ending at line ${cut} was read`);
    events.push(...read.summary.events);
    ({ summary, carry } = read);
    from = cut;
  }
  return { events, summary: summary! };
}

/** A JSON-lines fixture's lines, each with its newline. */
export function fixtureLines(url: URL): string[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => `${line}\n`);
}

/**
 * `count` cut points in 1..lines-1, sorted, from a seeded generator: the same every run, so a
 * failure names a cut that can be read again.
 */
export function seededCuts(seed: number, lines: number, count: number): number[] {
  let state = seed;
  const cuts = new Set<number>();
  while (cuts.size < Math.min(count, lines - 1)) {
    state = (state * 1103515245 + 12345) % 2147483648;
    cuts.add(1 + Math.floor((state / 2147483648) * (lines - 1)));
  }
  return [...cuts].sort((a, b) => a - b);
}
