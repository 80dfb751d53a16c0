/**
 * The sessions a ledger holds, newest first, each with the commits that carried it: what
 * `trail log --sessions` lists, as the server's `GET /api/v1/sessions` does. A session that
 * changed nothing is sealed alone at its end (no checkpoint names it), so no checkpoint listing
 * shows it: this one does, and `--carried none` lists only those.
 */

import type { Period } from '../core/change-facts.js';
import { inPeriod } from '../core/change-facts.js';
import type { TrailIndex } from '../core/trail-index.js';

export interface SessionListRow {
  sessionId: string;
  agent: string;
  model?: string;
  requester?: string;
  /** The request as summarised when the session was recorded. */
  summary?: string;
  startedAt: string;
  endedAt?: string;
  /** When its newest record was written: the list's order. */
  lastRecorded: string;
  /** The commits whose checkpoints carried it, oldest first: none for a session sealed alone. */
  commits: string[];
}

export interface SessionListFilter {
  /** Bounds when a session started. */
  period?: Period;
  carried?: 'none' | 'some';
}

/** Every session of the index the filter keeps, by its newest record, newest first. */
export function listSessions(index: TrailIndex, filter: SessionListFilter = {}): SessionListRow[] {
  // The index holds checkpoints in record order (time, writer, seq): oldest first.
  const carriers = new Map<string, string[]>();
  for (const c of index.checkpoints) {
    for (const s of c.record.sessions) {
      const commits = carriers.get(s.sessionId) ?? [];
      carriers.set(s.sessionId, commits);
      if (!commits.includes(c.record.commit)) commits.push(c.record.commit);
    }
  }
  const rows: SessionListRow[] = [];
  for (const [sessionId, stored] of index.sessions) {
    const s = stored.record;
    const commits = carriers.get(sessionId) ?? [];
    if (filter.carried === 'none' && commits.length > 0) continue;
    if (filter.carried === 'some' && commits.length === 0) continue;
    if (filter.period && !inPeriod(s.startedAt, filter.period)) continue;
    rows.push({
      sessionId,
      agent: s.agent.name,
      ...(s.model ? { model: s.model } : {}),
      ...(s.request.requester ? { requester: s.request.requester } : {}),
      ...(s.request.summary ? { summary: s.request.summary } : {}),
      startedAt: s.startedAt,
      ...(s.endedAt ? { endedAt: s.endedAt } : {}),
      lastRecorded: s.time,
      commits,
    });
  }
  return rows.sort(
    (a, b) =>
      (a.lastRecorded < b.lastRecorded ? 1 : a.lastRecorded > b.lastRecorded ? -1 : 0) ||
      a.sessionId.localeCompare(b.sessionId),
  );
}
