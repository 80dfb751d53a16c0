/** Reading requests: JSON bodies and query parameters, each failing with a 400 that names it. */
import type { Context } from 'hono';
import { decodeEntry } from '../core/log-entry.js';
import type { TrailRecord } from '../core/records.js';
import type { StoredRecord } from '../core/trail-index.js';
import { badRequest } from './errors.js';
import { checkRepoName } from './repos.js';
import { storableText, utcTime } from './storable.js';

export async function readJson(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest('the request body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function queryInt(c: Context, name: string, fallback: number, min: number, max: number): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw badRequest(`query parameter ${name} must be a whole number`);
  const value = Number(text);
  if (value < min || value > max)
    throw badRequest(`query parameter ${name} must be between ${min} and ${max}`);
  return value;
}

export function queryTime(c: Context, name: string): string | undefined {
  const text = c.req.query(name);
  if (text === undefined || text === '') return undefined;
  // A bare date means its start, in UTC.
  const value = /^\d{4}-\d{2}(-\d{2})?$/.test(text)
    ? `${text.length === 7 ? `${text}-01` : text}T00:00:00Z`
    : text;
  // In UTC, as the database compares it: an offset past ±15:59 or a year that becomes 0 or
  // 10000 there (0001-01-01T00:00+23:59) would otherwise reach PostgreSQL, which refuses it.
  const utc = utcTime(value);
  if (utc === undefined) {
    throw badRequest(
      `query parameter ${name} must be a date or an ISO 8601 time in years 1 to 9999 (UTC), not "${storableText(text.slice(0, 40))}"`,
    );
  }
  return utc;
}

export function queryText(c: Context, name: string, maxLength = 512): string | undefined {
  const text = c.req.query(name);
  if (text === undefined || text === '') return undefined;
  if (text.length > maxLength)
    throw badRequest(`query parameter ${name} is longer than ${maxLength} characters`);
  // PostgreSQL text cannot hold a NUL, and no name, path or search term has one.
  if (text.includes('\0')) throw badRequest(`query parameter ${name} holds a NUL character (%00)`);
  return text;
}

export function queryChoice<T extends string>(
  c: Context,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = c.req.query(name);
  if (text === undefined || text === '') return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw badRequest(`query parameter ${name} must be one of ${choices.join(', ')}`);
  }
  return text as T;
}

/**
 * The repository a request body names where no token vouches for the request yet (a code
 * host's webhook, read before its secret is looked up), refused with 400 unless it is a
 * repository name: a NUL in it reached the secret lookup and answered 500, unauthenticated.
 */
export function checkedRepoName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : checkRepoName(name);
}

/** A full commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
export const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The id a code host's push gives for a side with no commit: a branch created or deleted. */
export const ZERO_SHA = /^0+$/;

export function checkSha(value: string | undefined, name: string): string {
  if (!value || !FULL_SHA.test(value))
    throw badRequest(`${name} must be a full commit id (40 or 64 hex digits)`);
  return value;
}

/** A stored ledger entry as the read side shows it: id, writer, seq and the record. */
export function storedFromLine(row: {
  writer_id: string;
  seq: number | string;
  record_id: string;
  line: string;
}): StoredRecord {
  return {
    id: row.record_id,
    writerId: row.writer_id,
    seq: Number(row.seq),
    record: decodeEntry(row.line).record as TrailRecord,
  };
}

/** A keyset cursor: the sort key of the last row of a page, as JSON in base64url. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * A cursor's time, as the database wrote it (`2026-03-01 11:00:00.123456+00`), read as ISO
 * 8601 and back in UTC: the shape alone let "2026-13-45 99:99:99" through to PostgreSQL.
 */
function cursorTime(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(
    text,
  );
  if (!match) return undefined;
  const [, date, time, zone] = match as unknown as [string, string, string, string];
  const offset = zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  return utcTime(`${date}T${time}${offset}`);
}

/**
 * The key of a cursor this server gave out (encodeCursor): a time as the database wrote it,
 * then one string for each of `rest`, which each must pass. A 400 for anything else.
 */
export function decodeCursor(text: string, rest: ReadonlyArray<(value: string) => boolean>): string[] {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === rest.length + 1 &&
      value.every((v) => typeof v === 'string') &&
      rest.every((ok, i) => ok(value[i + 1] as string))
    ) {
      const time = cursorTime(value[0] as string);
      if (time) return [time, ...(value.slice(1) as string[])];
    }
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('query parameter cursor is not a cursor this server gave out');
}
