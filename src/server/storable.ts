/**
 * Values as PostgreSQL can store them. JSON, the record schema and git allow what PostgreSQL
 * refuses: a NUL character in text (a text value cannot hold U+0000, and json_to_recordset
 * fails on "\u0000" with "unsupported Unicode escape sequence"), a lone UTF-16 surrogate
 * (invalid JSON to PostgreSQL), a time zone offset beyond ±15:59 (ISO 8601 and git allow
 * ±23:59), and a year outside 1–9999 once the time is in UTC (year 0 is refused, and PGlite
 * cannot read back the BC dates that would hold it).
 *
 * A signed record or a pushed commit holding one of these must still be stored: logs are
 * append-only, so a clone would send the same record on every retry and nothing after it
 * would ever reach the server. What the server derives from them for its read model passes
 * through here; the ledger line itself is stored as sent (ledger_entries.line), since that
 * is what is hashed, signed and verified, and its JSON escapes hold no NUL.
 */
import { parseIsoTime } from '../core/iso-time.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with NUL characters and lone surrogates replaced by U+FFFD, as a decoder shows bytes it cannot read. */
export function storableText(text: string): string {
  return text.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** A JSON-like value with storableText applied to every string in it (keys included). */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [storableText(key), storable(v)])) as T;
  }
  return value;
}

const FIRST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A time from a record or a commit (already checked as ISO 8601) as the instant in UTC, to
 * the millisecond, moved into years 1–9999 when it falls outside: a record dated
 * 0001-01-01T00:00+01:00 is filed at the first instant the read model can hold.
 */
export function storableTime(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new TypeError(`"${storableText(text.slice(0, 40))}" is not a time`);
  return new Date(Math.min(Math.max(ms, FIRST_MS), LAST_MS)).toISOString();
}

/**
 * A time a request gives (a query period, a token's expiry, a cursor) in UTC, or undefined
 * when it is not an ISO 8601 time (core/iso-time.ts) or falls outside years 1–9999 in UTC.
 * Digits below the millisecond are kept: a cursor names a row's time to the microsecond.
 */
export function utcTime(text: string): string | undefined {
  const ms = parseIsoTime(text);
  if (ms === undefined || ms < FIRST_MS || ms > LAST_MS) return undefined;
  const belowMs = /\.\d{3}(\d{1,3})/.exec(text)?.[1] ?? '';
  return `${new Date(ms).toISOString().slice(0, -1)}${belowMs}Z`;
}
