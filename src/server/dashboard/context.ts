/** What every signed-in page is rendered with. */
import type { AppDeps } from '../app.js';
import type { ApiClient } from './api.js';
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

/** A query parameter, trimmed; undefined when absent or empty. */
export function param(url: URL, name: string, maxLength = 512): string | undefined {
  const value = url.searchParams.get(name)?.trim();
  if (!value) return undefined;
  return value.slice(0, maxLength);
}

/** `YYYY-MM-DD` or undefined: what a date input sends. */
export function dateParam(url: URL, name: string): string | undefined {
  const value = param(url, name, 10);
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** The day after a date: a period's inclusive last day as the API's exclusive `until`. */
export function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
