/**
 * `--since`/`--until`, as `trail log` and `trail report` take them, and `since`/`until` as the
 * server's reports API takes them (src/server/routes/reports.ts), so both mean the same: a
 * date (whole days, so `--until 2026-05-31` includes that day), an ISO time, or an age
 * (`30d`, `2w`) counted back from now. The result is a half-open period: `since` inclusive,
 * `until` exclusive. A period whose start is not before its end is refused.
 */
import type { Period } from './change-facts.js';
import { TrailError } from './errors.js';
import { parseIsoDate, parseIsoTime } from './iso-time.js';

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

export function parsePeriod(
  since: string | undefined,
  until: string | undefined,
  now = Date.now(),
  /** How the two bounds are named in messages: the CLI's flags, or the API's parameters. */
  names: { since: string; until: string } = { since: '--since', until: '--until' },
): Period {
  const period: Period = {};
  if (since) period.since = parseBound(since, names.since, false, now);
  if (until) period.until = parseBound(until, names.until, true, now);
  if (period.since && period.until && Date.parse(period.since) >= Date.parse(period.until)) {
    throw new TrailError('USAGE', `${names.since} ${since} is not before ${names.until} ${until}`);
  }
  return period;
}
