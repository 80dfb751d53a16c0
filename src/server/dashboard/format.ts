/** How values read on a page: times in UTC, short ids, counts, shares and durations. */
import type { Html } from './html.js';
import { html } from './html.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-03-04 10:30 UTC`: audit evidence is read across time zones, so it is never local. */
export function utc(iso: string | undefined | null): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function time(iso: string | undefined | null): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  // The day never splits at its hyphens ("2026-" over "12-07"); a narrow cell wraps after it.
  const [date, ...rest] = utc(iso).split(' ');
  return html`<time datetime="${iso}" title="${iso}"><span class="nowrap">${date ?? ''}</span>${rest.length > 0 ? ` ${rest.join(' ')}` : ''}</time>`;
}

/** A time for a table cell: the date, and the UTC time under it. */
export function stamp(iso: string | undefined | null): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  const text = utc(iso);
  return html`<time class="stamp" datetime="${iso}" title="${text}">${text.slice(0, 10)}<span>${text.slice(11)}</span></time>`;
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

/** `2026-03` as `Mar 2026`. */
export function monthLabel(key: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return key;
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

export function short(id: string | undefined | null, length = 12): string {
  return id ? id.slice(0, length) : '';
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export { countLabel as plural } from '../../core/count-label.js';

export function percent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '—';
  return `${(share * 100).toFixed(digits)}%`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function usd(value: number): string {
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`;
}

/** One line of at most `max` characters, for table cells. */
export function clip(text: string | undefined | null, max = 140): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The first line of a commit message or prompt. */
export function firstLine(text: string | undefined | null): string {
  return (text ?? '').split('\n')[0]!.trim();
}
