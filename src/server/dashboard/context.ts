/** What every signed-in page is rendered with. */
import { parseIsoDate } from '../../core/iso-time.js';
import type { AppDeps } from '../app.js';
import type { Permission } from '../auth.js';
import { PERMISSIONS } from '../auth.js';
import type { ApiClient } from './api.js';
import { ApiFailure } from './api.js';
import type { Assets } from './layout.js';
import type { DashboardSession } from './sessions.js';

export interface PageContext {
  api: ApiClient;
  session: DashboardSession;
  assets: Assets;
  deps: AppDeps;
  /** The request's URL (path and query as the browser sent them). */
  url: URL;
}

/**
 * Whether the signed-in token's role grants a permission: what a page asks before reading
 * what only some roles may (ledger status, reports), to say so instead of failing. The API
 * still decides; a 403 it gives anyway is about scope, and is shown as the error it is.
 */
export function may(ctx: PageContext, permission: Permission): boolean {
  return PERMISSIONS[ctx.session.role].includes(permission);
}

/** A query parameter, trimmed; undefined when absent or empty. */
export function param(url: URL, name: string, maxLength = 512): string | undefined {
  const value = url.searchParams.get(name)?.trim();
  if (!value) return undefined;
  return value.slice(0, maxLength);
}

/**
 * The last year a date filter may name: `until` reaches the API as the day after it
 * (dayAfter), which must still be a year of four digits.
 */
const LAST_YEAR = 9998;

function isFilterDate(value: string): boolean {
  return parseIsoDate(value) !== undefined && Number(value.slice(0, 4)) <= LAST_YEAR;
}

/**
 * `YYYY-MM-DD` of a day that exists, in years 1 to 9998, or undefined: what a date input
 * sends. Anything else given is not applied; see ignoredDates.
 */
export function dateParam(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name)?.trim();
  return value && isFilterDate(value) ? value : undefined;
}

/** A date filter that was given but is no such day, and what was given (cut short). */
export interface IgnoredDate {
  name: string;
  value: string;
}

/**
 * The date filters given that dateParam does not apply (2026-02-30, 10000-01-01, "soon"): a
 * page says it ignored them, as it shows the filters it applied; a download, which cannot
 * say so, refuses rather than cover other days than were asked for.
 */
export function ignoredDates(url: URL, names: readonly string[] = ['since', 'until']): IgnoredDate[] {
  const ignored: IgnoredDate[] = [];
  for (const name of names) {
    const value = url.searchParams.get(name)?.trim();
    if (value && !isFilterDate(value)) ignored.push({ name, value: value.slice(0, 40) });
  }
  return ignored;
}

/**
 * A file cannot say that a date filter was not applied, as a page does: it is refused rather
 * than cover other days than were asked for.
 */
export function refuseIgnoredDates(url: URL): void {
  const ignored = ignoredDates(url);
  if (ignored.length > 0) {
    throw new ApiFailure(
      400,
      'bad-request',
      `${ignored.map((d) => `${d.name} "${d.value}"`).join(' and ')} is not a day of the calendar (YYYY-MM-DD, years 1 to 9998)`,
    );
  }
}

/** The day after a date: a period's inclusive last day as the API's exclusive `until`. */
export function dayAfter(date: string): string {
  const start = parseIsoDate(date);
  if (start === undefined) throw new RangeError(`not a date: ${date}`);
  return new Date(start + 86_400_000).toISOString().slice(0, 10);
}
