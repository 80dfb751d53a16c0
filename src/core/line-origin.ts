/**
 * Line attribution rules, as pure functions over line digests.
 *
 * - A line's digest is SHA-256 of the line with all whitespace removed, so re-indenting or
 *   reformatting whitespace keeps a line's origin (a whitespace-only change is not authorship).
 * - Lines are followed through each change with a diff: a line matched to the version before
 *   keeps its origin; an inserted or changed line takes the origin of whoever made that change.
 * - A person's change to a line the AI wrote takes the line, and remembers the AI session it
 *   overrode (`overrode`), so reviewers can see where a human corrected the agent.
 * - Moved lines are a deletion plus an insertion in a diff, so a moved line takes the origin of
 *   whoever moved it; we do not guess that two equal lines are the same line (a `}` is not).
 * - Blank lines are lines like any other: whoever inserted them.
 * Only digests are kept, never the code itself.
 */
import { sha256 } from './hash.js';
import { matchLines } from './line-diff.js';

export type Origin =
  /** Present before capture began (from HEAD): authorship decided by earlier commits. */
  | { kind: 'base' }
  | { kind: 'human'; overrode?: string }
  | { kind: 'ai'; session: string }
  | { kind: 'unknown' };

export interface TrackedLine {
  digest: string;
  origin: Origin;
}

export function lineDigest(line: string): string {
  return sha256(line.replace(/\s+/g, '')).toString('base64url').slice(0, 16);
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function digestLines(text: string): string[] {
  return splitLines(text).map(lineDigest);
}

/**
 * The lines of a new version, each with its origin: lines matched to `before` keep theirs,
 * the rest get `changedBy`. When a person replaces lines the AI wrote, the person's lines
 * record the overridden session.
 */
export function carryOrigins(
  before: readonly TrackedLine[],
  after: readonly string[],
  changedBy: Origin,
): TrackedLine[] {
  const match = matchLines(
    before.map((l) => l.digest),
    after,
  );
  const out: TrackedLine[] = new Array(after.length);
  let lastMatchedBefore = -1;
  for (let i = 0; i < after.length; i++) {
    const j = match[i]!;
    if (j >= 0) {
      out[i] = before[j]!;
      lastMatchedBefore = j;
      continue;
    }
    let origin = changedBy;
    if (changedBy.kind === 'human') {
      // The lines of `before` this insertion replaced: between the previous matched line and
      // the next one. If the AI wrote any of them, the human line overrode that session.
      let next = before.length;
      for (let k = i + 1; k < after.length; k++) {
        if (match[k]! >= 0) {
          next = match[k]!;
          break;
        }
      }
      for (let r = lastMatchedBefore + 1; r < next; r++) {
        const replaced = before[r]!.origin;
        if (replaced.kind === 'ai') {
          origin = { kind: 'human', overrode: replaced.session };
          break;
        }
      }
    }
    out[i] = { digest: after[i]!, origin };
  }
  return out;
}

export interface OriginSpan {
  start: number;
  end: number;
  origin: 'ai' | 'human' | 'unknown';
  sessionId?: string;
  overrodeSessionId?: string;
}

/** Collapses per-line origins (1-based line numbers) into runs, for the checkpoint record. */
export function toSpans(
  origins: ReadonlyArray<{ line: number; origin: Origin }>,
  sessionIds: (key: string) => string,
): OriginSpan[] {
  const spans: OriginSpan[] = [];
  for (const { line, origin } of origins) {
    const kind = origin.kind === 'ai' ? 'ai' : origin.kind === 'human' ? 'human' : 'unknown';
    const sessionId = origin.kind === 'ai' ? sessionIds(origin.session) : undefined;
    const overrodeSessionId =
      origin.kind === 'human' && origin.overrode ? sessionIds(origin.overrode) : undefined;
    const last = spans[spans.length - 1];
    if (
      last &&
      last.end === line - 1 &&
      last.origin === kind &&
      last.sessionId === sessionId &&
      last.overrodeSessionId === overrodeSessionId
    ) {
      last.end = line;
    } else {
      spans.push({
        start: line,
        end: line,
        origin: kind,
        ...(sessionId ? { sessionId } : {}),
        ...(overrodeSessionId ? { overrodeSessionId } : {}),
      });
    }
  }
  return spans;
}
