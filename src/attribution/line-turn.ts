/**
 * Which turn of a session wrote a line: the prompt the person gave and the model that
 * answered it, not the session's first prompt and main model. A session often runs for many
 * prompts, and an auditor asking why a line exists wants the request that produced it.
 *
 * The file edits a commit sealed (its checkpoint's `events`) carry the digests of the lines
 * each wrote (`lineDigests`, recorded since 2026-12-07). The line's turn is that of the
 * edits of the file by the session that wrote a line with the line's digest: the prompt
 * before them, and the model of the turn's usage. Where edits of more than one turn wrote
 * such a line, or the line is short (a `}`), or an edit of the file was recorded without
 * digests, the turn is not known: blame then names the session's first prompt and says so.
 */
import { lineDigest } from '../core/line-origin.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';

type StoredEvent = StoredRecord<RecordOf<'event'>>;

export interface LineTurn {
  prompt?: string;
  model?: string;
}

/** A session's events in recorded order, with where each sealed event sits among them. */
interface SessionEvents {
  events: StoredEvent[];
  position: Map<string, number>;
}

/**
 * A finder of lines' turns over one index, caching each session's events by position. Pure:
 * it reads the index only.
 */
export function lineTurns(index: TrailIndex) {
  const sessions = new Map<string, SessionEvents>();
  const sessionEvents = (sessionId: string): SessionEvents => {
    let found = sessions.get(sessionId);
    if (!found) {
      const events = index.eventsBySession.get(sessionId) ?? [];
      found = { events, position: new Map(events.map((e, i) => [e.id, i])) };
      sessions.set(sessionId, found);
    }
    return found;
  };
  return (
    checkpoint: RecordOf<'checkpoint'>,
    sessionId: string,
    path: string,
    text: string,
  ): LineTurn | undefined => {
    const { events, position } = sessionEvents(sessionId);
    const digest = lineDigest(text);
    // The commit's sealed edits of this file by this session, latest first.
    const edits = checkpoint.events
      .map((id) => position.get(id))
      .filter((i): i is number => {
        if (i === undefined) return false;
        const event = events[i]!.record.event;
        return event.type === 'file-edit' && event.path === path;
      })
      .sort((a, b) => b - a);
    // A short line (a `}`, `return;`) is written by many turns alike: its turn is not known.
    if (text.replace(/\s+/g, '').length < TRIVIAL_BELOW) return undefined;
    // The turns whose edits wrote a line like it: one turn, or the line's turn is not known.
    const turns = new Set<number>();
    for (const at of edits) {
      const event = events[at]!.record.event;
      if (event.type !== 'file-edit' || event.lineDigests === undefined) return undefined;
      if (event.lineDigests.includes(digest)) turns.add(promptBefore(events, at));
    }
    const [turn] = turns;
    return turns.size === 1 && turn! >= 0 ? turnAt(events, turn!) : undefined;
  };
}

/** As the shadows count a trivial line (capture/shadow.ts digestText). */
const TRIVIAL_BELOW = 8;

/** Where the prompt before the event at `at` sits, or -1. */
function promptBefore(events: readonly StoredEvent[], at: number): number {
  let start = at;
  while (start >= 0 && events[start]!.record.event.type !== 'prompt') start--;
  return start;
}

/** The prompt at `start`, and the first model its turn's usage names. */
function turnAt(events: readonly StoredEvent[], start: number): LineTurn {
  const prompt = events[start]!.record.event;
  let model: string | undefined;
  for (let i = start + 1; i < events.length && model === undefined; i++) {
    const event = events[i]!.record.event;
    if (event.type === 'prompt') break;
    if (event.type === 'usage') model = event.model;
  }
  return {
    ...(prompt.type === 'prompt' ? { prompt: prompt.text } : {}),
    ...(model !== undefined ? { model } : {}),
  };
}
