/**
 * Agent transcripts and rollouts are JSON Lines, one object per line. A line that is not one
 * (a torn last write, a format change) is counted as skipped and passed over: a transcript is
 * read for what it can give, never refused for one bad line.
 */
import type { Obj } from './payload-fields.js';
import { isObj } from './payload-fields.js';

/** Each line of `text` that holds a JSON object, with its 1-based line number. */
export function* jsonObjectLines(
  text: string,
  summary: { skippedLines: number },
): Generator<{ line: Obj; lineNumber: number }> {
  let lineNumber = 0;
  for (const raw of text.split(/\r?\n/)) {
    lineNumber++;
    if (raw.trim().length === 0) continue;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      summary.skippedLines++;
      continue;
    }
    if (isObj(line)) yield { line, lineNumber };
    else summary.skippedLines++;
  }
}
