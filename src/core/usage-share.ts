/**
 * What a sealed usage record adds. A usage event that a checkpoint seals is the session's
 * running total for one model as of that seal (the agents report cumulative figures; sealing
 * keeps the latest per model), not the tokens of the commit it is sealed with: a session that
 * made four commits has four records, each repeating the earlier ones' tokens. Ledgers already
 * hold such records and cannot change, so readers work out what each one adds instead: its
 * figures less the largest figures of the same session and model recorded before it (ledger
 * order). The shares of a session's records add up to its latest total, so anything that sums
 * over checkpoints (reports, pr-summary, the checklist) sums shares, never figures.
 *
 * The largest earlier figure rather than the one just before: cumulative figures only grow, so
 * in a sound record the two are the same, and a figure that went down (a transcript read again
 * from part-way, which a capture gap reports) then adds nothing instead of counting again.
 *
 * Records `trail import` appends are running totals too: the file's figures where they are
 * beyond the session's recorded total (sessionTotals), so their shares are what the file adds.
 * No checkpoint lists them. (Before 2026-12-07 import appended only the growth, and decided
 * what was recorded by adding figures up; such a record, smaller than the totals around it,
 * adds nothing here.)
 */
import type { EventBody, RecordOf } from './records.js';
import type { StoredRecord, TrailIndex } from './trail-index.js';

export interface UsageCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

type UsageEvent = Extract<EventBody, { type: 'usage' }>;

const FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costUsd'] as const;

export function countsOf(e: UsageEvent): UsageCounts {
  return {
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cacheReadTokens: e.cacheReadTokens,
    cacheWriteTokens: e.cacheWriteTokens,
    costUsd: e.costUsd ?? 0,
  };
}

export function zeroUsage(): UsageCounts {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** Adds `b` into `a`. */
export function addUsage(a: UsageCounts, b: UsageCounts): UsageCounts {
  for (const k of FIELDS) a[k] += b[k];
  return a;
}

export function usageTokens(u: UsageCounts): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

/** Per index, per session: the share of each of its usage records, by record id. */
const memo = new WeakMap<TrailIndex, Map<string, Map<string, UsageCounts>>>();

function sharesOfSession(events: ReadonlyArray<StoredRecord<RecordOf<'event'>>>): Map<string, UsageCounts> {
  const shares = new Map<string, UsageCounts>();
  const highest = new Map<string, UsageCounts>();
  // eventsBySession is in ledger order (compareStored): time, then writer and sequence.
  for (const stored of events) {
    const e = stored.record.event;
    if (e.type !== 'usage' || shares.has(stored.id)) continue;
    const figure = countsOf(e);
    const model = e.model ?? '';
    const before = highest.get(model);
    if (!before) {
      shares.set(stored.id, figure);
      highest.set(model, { ...figure });
      continue;
    }
    const share = zeroUsage();
    for (const k of FIELDS) {
      share[k] = Math.max(0, figure[k] - before[k]);
      before[k] = Math.max(before[k], figure[k]);
    }
    shares.set(stored.id, share);
  }
  return shares;
}

/**
 * What the usage record `stored` adds to its session's total for its model: the whole
 * figure for the session's first record of that model, the growth since for later ones.
 * The index must hold the session's earlier usage records (every reader's index does: a
 * full read, loadCheckpointsFirst's indexFor, the server's checkpoint page).
 */
export function usageShare(index: TrailIndex, stored: StoredRecord<RecordOf<'event'>>): UsageCounts {
  const e = stored.record.event;
  if (e.type !== 'usage') return zeroUsage();
  let bySession = memo.get(index);
  if (!bySession) {
    bySession = new Map();
    memo.set(index, bySession);
  }
  const sessionId = stored.record.sessionId;
  let shares = bySession.get(sessionId);
  if (!shares) {
    shares = sharesOfSession(index.eventsBySession.get(sessionId) ?? []);
    bySession.set(sessionId, shares);
  }
  return shares.get(stored.id) ?? countsOf(e);
}

/**
 * A session's total so far per model ('' for none named), by the running-total rule: the sum
 * of its usage records' shares. `events` in ledger order, as the index keeps them.
 */
export function sessionTotals(
  events: ReadonlyArray<StoredRecord<RecordOf<'event'>>>,
): Map<string, UsageCounts> {
  const shares = sharesOfSession(events);
  const totals = new Map<string, UsageCounts>();
  for (const stored of events) {
    const e = stored.record.event;
    const share = shares.get(stored.id);
    if (e.type !== 'usage' || share === undefined) continue;
    const model = e.model ?? '';
    totals.set(model, addUsage(totals.get(model) ?? zeroUsage(), share));
  }
  return totals;
}
