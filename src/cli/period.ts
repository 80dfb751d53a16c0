/**
 * `--since`/`--until`, as `trail log` and `trail report` take them: a date (whole days, so
 * `--until 2026-05-31` includes that day), an ISO time, or an age (`30d`, `2w`) counted back
 * from now. The result is a half-open period: `since` inclusive, `until` exclusive.
 */
import type { Period } from '../core/change-facts.js';
import { TrailError } from '../core/errors.js';
import { parseIsoDate, parseIsoTime } from '../core/iso-time.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const AGE = /^(\d{1,5})\s*(d|day|days|w|week|weeks)$/;
const DAY_MS = 86_400_000;

function parseBound(text: string, flag: string, endOfDay: boolean, now: number): string {
  const age = AGE.exec(text.trim());
  if (age) return new Date(now - Number(age[1]) * (age[2]!.startsWith('w') ? 7 : 1) * DAY_MS).toISOString();
  const t = DATE_ONLY.test(text) ? parseIsoDate(text) : parseIsoTime(text);
  if (t === undefined) {
    throw new TrailError(
      'USAGE',
      `${flag} needs a date (2026-01-31), an ISO time or an age (30d, 2w), not "${text}"`,
    );
  }
  return new Date(DATE_ONLY.test(text) && endOfDay ? t + DAY_MS : t).toISOString();
}

export function parsePeriod(since: string | undefined, until: string | undefined, now = Date.now()): Period {
  const period: Period = {};
  if (since) period.since = parseBound(since, '--since', false, now);
  if (until) period.until = parseBound(until, '--until', true, now);
  if (period.since && period.until && Date.parse(period.since) >= Date.parse(period.until)) {
    throw new TrailError('USAGE', `--since ${since} is not before --until ${until}`);
  }
  return period;
}
