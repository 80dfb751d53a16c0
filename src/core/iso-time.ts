/**
 * Times a person or a client gives as text, read strictly. `Date.parse` takes "1", "March 7"
 * and 2026-02-30 (as March 2nd); PostgreSQL refuses some of what it takes and a report over
 * the wrong days must not pass for the asked ones. So a time here is ISO 8601 with a date that
 * exists, in years 1 to 9999, to the minute or finer, with its offset (Z or ±HH:MM).
 *
 * Offsets up to ±23:59 are read, though real zones lie within -12:00..+14:00: git writes
 * any offset up to ±23:59 (a commit dated +2300 is a commit `trail push` must send), the
 * record schema admits the same, and the trust checks that compare a signed record's time
 * with a key's revocation (chain/review-trust.ts, key-revocation.ts) read it here, so a
 * narrower range would change verdicts on logs already written. PostgreSQL reads only
 * ±15:59: the server turns times into UTC before they reach it (server/storable.ts).
 */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether the year, month and day name a day that exists, in years 1 to 9999. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || year > 9999) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Milliseconds since the epoch of an ISO 8601 time (see above), or undefined for anything else. */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Milliseconds of the start (UTC) of a `YYYY-MM-DD` date that exists, or undefined. */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return undefined;
  return parseIsoTime(`${text}T00:00:00Z`);
}
