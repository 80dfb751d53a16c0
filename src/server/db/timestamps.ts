/**
 * PostgreSQL's text form of a `timestamptz`, read as the instant it names. PGlite hands that
 * text to `new Date()`, whose legacy parser (the form is not ISO 8601: a space before the
 * time, an offset without minutes) reads a year below 100 as a two-digit year:
 * `0050-01-01 00:00:00+00` comes back as 1950, `0001-…` as 2001. Records and pushed commits
 * may name such years (the record schema takes years 0000 to 9999, stored in years 1 to 9999
 * by storable.ts), so the read model would show them a millennium or two late. The pg driver
 * reads the same text with its own parser (postgres-date), which gets them right; this one
 * does the same for PGlite.
 *
 * The form is DateStyle ISO's, PostgreSQL's default and the only one the server's sessions
 * use: `YYYY-MM-DD HH:MI:SS[.ffffff]±HH[:MI[:SS]]`, then ` BC` for years before 1 (8.5.2,
 * "Date/Time Output"). The offset carries seconds only for historical local mean times.
 */

/** PostgreSQL's type id of `timestamptz` (pg_type.oid), the key PGlite's parsers go by. */
export const TIMESTAMPTZ_OID = 1184;

const ISO_STYLE =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?( BC)?$/;

/**
 * The instant a `timestamptz` text names, to the millisecond (a Date holds no finer), and
 * PostgreSQL's `infinity` and `-infinity` as the numbers, as both drivers return them.
 */
export function parseTimestamptz(text: string): Date | number {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const match = ISO_STYLE.exec(text);
  // A form this does not know would be read wrong by any fallback: better a failed query.
  if (!match) throw new TypeError(`"${text.slice(0, 60)}" is not a timestamptz in DateStyle ISO`);
  const [, year, month, day, hour, minute, second, fraction, sign, offsetH, offsetM, offsetS, bc] =
    match as unknown as [string, ...string[]];
  const utc = new Date(0);
  // setUTCFullYear takes years below 100 as they are, unlike Date.UTC and new Date(y, …).
  // Year 1 BC is year 0 in the proleptic Gregorian calendar a Date counts in.
  utc.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  utc.setUTCHours(
    Number(hour),
    Number(minute),
    Number(second),
    fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0,
  );
  const offsetSeconds =
    (sign === '-' ? -1 : 1) * (Number(offsetH) * 3600 + Number(offsetM ?? 0) * 60 + Number(offsetS ?? 0));
  return new Date(utc.getTime() - offsetSeconds * 1000);
}
