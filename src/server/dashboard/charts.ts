/**
 * Charts as inline SVG drawn on the server: no chart library, no script, colours from the
 * stylesheet's origin classes. Shapes are sized with attributes (the CSP forbids inline
 * styles), and each bar carries a <title> so hovering shows its numbers.
 */
import type { Totals } from './api.js';
import { count, monthLabel, percent } from './format.js';
import type { Html } from './html.js';
import { html, join } from './html.js';

type Origin = 'ai' | 'human' | 'unknown';

/** The months from `first` to `last` inclusive, as `YYYY-MM`. */
export function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  const [ly, lm] = last.split('-').map(Number) as [number, number];
  while ((y < ly || (y === ly && m <= lm)) && out.length < 240) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/**
 * AI share of committed lines per month: one 100%-stacked bar per month (AI at the bottom,
 * then human, then unknown), the AI share written above it and the line count below.
 */
export function aiShareChart(groups: readonly Totals[], months: readonly string[]): Html {
  const byKey = new Map(groups.map((g) => [g.key, g]));
  const width = 940;
  const height = 260;
  const top = 26;
  const bottom = 44;
  const left = 40;
  const right = 8;
  const plotH = height - top - bottom;
  const slot = (width - left - right) / Math.max(months.length, 1);
  const barW = Math.min(56, slot * 0.62);
  const y = (share: number) => top + plotH * (1 - share);
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (s) =>
      html`<line class="axis" x1="${left}" x2="${width - right}" y1="${y(s).toFixed(1)}" y2="${y(s).toFixed(1)}"/><text x="${left - 8}" y="${(y(s) + 4).toFixed(1)}" text-anchor="end">${percent(s)}</text>`,
  );
  const bars = months.map((key, i) => {
    const g = byKey.get(key);
    const x = left + slot * i + (slot - barW) / 2;
    const cx = (x + barW / 2).toFixed(1);
    const label = html`<text x="${cx}" y="${height - bottom + 16}" text-anchor="middle">${monthLabel(key)}</text>`;
    const total = g ? g.aiLines + g.humanLines + g.unknownLines : 0;
    if (!g || total === 0) {
      return html`<g><title>${monthLabel(key)}: no attributed lines</title>${label}<rect class="fill-empty" x="${x.toFixed(1)}" y="${(top + plotH - 3).toFixed(1)}" width="${barW.toFixed(1)}" height="3"/></g>`;
    }
    let from = 1;
    const parts: Html[] = [];
    for (const [origin, lines] of [
      ['ai', g.aiLines],
      ['human', g.humanLines],
      ['unknown', g.unknownLines],
    ] as Array<[Origin, number]>) {
      if (lines === 0) continue;
      const share = lines / total;
      const y0 = y(from);
      const h = plotH * share;
      parts.push(
        html`<rect class="fill-${origin}" x="${x.toFixed(1)}" y="${y0.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(h, 0.5).toFixed(1)}"/>`,
      );
      from -= share;
    }
    const tip = `${monthLabel(key)}: ${percent(g.aiShare, 1)} AI — ${count(g.aiLines)} AI, ${count(g.humanLines)} human, ${count(g.unknownLines)} unknown lines in ${count(g.checkpoints)} checkpoint${g.checkpoints === 1 ? '' : 's'}`;
    return html`<g><title>${tip}</title>${parts}<text class="share" x="${cx}" y="${top - 8}" text-anchor="middle">${percent(g.aiShare)}</text>${label}<text x="${cx}" y="${height - bottom + 31}" text-anchor="middle" class="faint">${count(total)} lines</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="AI share of committed lines by month">${join(grid)}${join(bars)}</svg>`;
}

/** A small horizontal bar of a checkpoint's AI / human / unknown lines, with the AI share. */
export function originBar(ai: number, human: number, unknown: number): Html {
  const total = ai + human + unknown;
  if (total === 0) return html`<span class="faint">no lines</span>`;
  let x = 0;
  const rects: Html[] = [];
  for (const [origin, n] of [
    ['ai', ai],
    ['human', human],
    ['unknown', unknown],
  ] as Array<[Origin, number]>) {
    if (n === 0) continue;
    const w = (n / total) * 100;
    rects.push(
      html`<rect class="fill-${origin}" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="8"/>`,
    );
    x += w;
  }
  const tip = `${count(ai)} AI, ${count(human)} human, ${count(unknown)} unknown lines`;
  return html`<span class="originbar" title="${tip}"><svg viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">${rects}</svg><span>${percent(ai / total)} AI</span></span>`;
}

/**
 * Where in a file the recorded line ranges lie: the file's first to last recorded line as a
 * strip, each range in its origin's colour, lines without a record left pale.
 */
export function rangeStrip(spans: ReadonlyArray<{ start: number; end: number; origin: Origin }>): Html {
  const last = spans.reduce((m, s) => Math.max(m, s.end), 0);
  if (last === 0) return html``;
  const rects = spans.map((s) => {
    const x = ((s.start - 1) / last) * 1000;
    const w = ((s.end - s.start + 1) / last) * 1000;
    return html`<rect class="fill-${s.origin}" x="${x.toFixed(2)}" y="0" width="${Math.max(w, 1.5).toFixed(2)}" height="12"/>`;
  });
  return html`<svg class="strip" viewBox="0 0 1000 12" preserveAspectRatio="none" aria-hidden="true"><rect class="fill-empty" x="0" y="0" width="1000" height="12"/>${rects}</svg>`;
}
