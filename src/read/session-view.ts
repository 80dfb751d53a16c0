/**
 * Everything known about one agent session, gathered from the index: its request and where it
 * ran, everything it was told, decided and ran, the usage it reported, the commits whose
 * checkpoints carried it, and what its hooks could not capture. A checkpoint's view shows a
 * session's events sealed with that commit; this one shows all of them, so a session no
 * commit carried (one that changed nothing, sealed alone) can be shown too. Pure.
 */
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { compareStored } from '../core/trail-index.js';
import type { CheckpointView, EventsByType, ViewEvent } from './checkpoint-view.js';
import { eventsByType, sessionGaps } from './checkpoint-view.js';

type UsageEvent = Extract<ViewEvent, { type: 'usage' }>;

export interface SessionView extends EventsByType {
  /** The id of the session's newest record: the one that holds its end, where it ended. */
  id: string;
  session: RecordOf<'session'>;
  writerId: string;
  /** The checkpoints that carried the session, oldest first: none for a session sealed alone. */
  checkpoints: Array<{ id: string; commit: string; time: string }>;
  /**
   * Each model's latest usage record: the agents report a session's running total, so the
   * latest is the session's whole use of that model.
   */
  usage: UsageEvent[];
  captureGaps: CheckpointView['captureGaps'];
}

/** The session with this id, or the one session whose id starts with it (8 characters or more). */
export function findSession(index: TrailIndex, ref: string): StoredRecord<RecordOf<'session'>> | undefined {
  const exact = index.sessions.get(ref);
  if (exact || ref.length < 8) return exact;
  const matches = [...index.sessions.keys()].filter((id) => id.startsWith(ref));
  return matches.length === 1 ? index.sessions.get(matches[0]!) : undefined;
}

export function buildSessionView(index: TrailIndex, stored: StoredRecord<RecordOf<'session'>>): SessionView {
  const { sessionId } = stored.record;
  const events: ViewEvent[] = (index.eventsBySession.get(sessionId) ?? []).map((e) => ({
    ...e.record.event,
    at: e.record.time,
    sessionId,
    provenance: e.record.provenance,
  }));
  const latestUsage = new Map<string, UsageEvent>();
  for (const e of events) if (e.type === 'usage') latestUsage.set(e.model ?? '', e);
  const checkpoints = index.checkpoints
    .filter((c) => c.record.sessions.some((s) => s.sessionId === sessionId))
    .sort(compareStored)
    .map((c) => ({ id: c.id, commit: c.record.commit, time: c.record.time }));
  return {
    id: stored.id,
    session: stored.record,
    writerId: stored.writerId,
    checkpoints,
    ...eventsByType(events),
    usage: [...latestUsage.values()],
    captureGaps: sessionGaps(index, new Set([sessionId])),
  };
}
