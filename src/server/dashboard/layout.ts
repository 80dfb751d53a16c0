/** The page frame (sidebar, header) and the small pieces every page uses: badges, panels. */
import type { ReviewStatus } from './api.js';
import type { IgnoredDate } from './context.js';
import type { Html, Value } from './html.js';
import { html, raw } from './html.js';
import type { DashboardSession } from './sessions.js';

export const BASE = '/ui';

export interface Assets {
  css: string;
  js: string;
  icon: string;
}

export type Section = 'overview' | 'checkpoints' | 'sessions' | 'gaps' | 'ledger' | 'reports';

const ICONS: Record<Section, string> = {
  overview:
    '<rect x="3" y="3" width="7" height="9" rx="1.5"/><rect x="14" y="3" width="7" height="5" rx="1.5"/><rect x="14" y="12" width="7" height="9" rx="1.5"/><rect x="3" y="16" width="7" height="5" rx="1.5"/>',
  checkpoints:
    '<path d="M9 6h11M9 12h11M9 18h11"/><circle cx="4.5" cy="6" r="1.2"/><circle cx="4.5" cy="12" r="1.2"/><circle cx="4.5" cy="18" r="1.2"/>',
  sessions: '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="m7 9 3 3-3 3M12 15h5"/>',
  gaps: '<path d="M12 3.5 2.8 19.5h18.4z"/><path d="M12 10v4.2M12 17.2v.1"/>',
  ledger:
    '<path d="M12 3 4.5 6v5.5c0 4.6 3.1 8 7.5 9.5 4.4-1.5 7.5-4.9 7.5-9.5V6z"/><path d="m8.8 12.2 2.3 2.3 4.3-4.6"/>',
  reports: '<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4M9 12h6M9 16h6"/>',
};

const NAV: Array<{ section: Section; label: string; href: string }> = [
  { section: 'overview', label: 'Overview', href: BASE },
  { section: 'checkpoints', label: 'Checkpoints', href: `${BASE}/checkpoints` },
  { section: 'sessions', label: 'Sessions', href: `${BASE}/sessions` },
  { section: 'gaps', label: 'Gaps', href: `${BASE}/gaps` },
  { section: 'ledger', label: 'Ledger', href: `${BASE}/ledger` },
  { section: 'reports', label: 'Reports', href: `${BASE}/reports` },
];

/** The logo's shapes, drawn inline in pages and served alone as the favicon. */
export const LOGO_SHAPES =
  '<rect width="32" height="32" rx="8" fill="#7c3aed"/><path d="M8 22.5c3.2 0 4.1-2.4 5-5s1.8-5 5-5h6" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/><circle cx="8" cy="22.5" r="2.6" fill="#fff"/><circle cx="24" cy="12.5" r="2.6" fill="#0ea5e9" stroke="#fff" stroke-width="1.6"/>';

export const LOGO = raw(`<svg viewBox="0 0 32 32" aria-hidden="true">${LOGO_SHAPES}</svg>`);

export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${LOGO_SHAPES}</svg>`;

export interface PageOptions {
  title: string;
  section?: Section;
  session: DashboardSession;
  assets: Assets;
  /** Breadcrumbs above the title. */
  crumbs?: Html;
  subtitle?: Value;
  actions?: Html;
  /** Badges beside the sidebar links. */
  counts?: Partial<Record<Section, { n: number; alert?: boolean }>>;
  body: Html;
}

function head(title: string, assets: Assets): Html {
  return html`<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin"><title>${title} · Trail</title><link rel="stylesheet" href="${assets.css}"><link rel="icon" type="image/svg+xml" href="${assets.icon}"></head>`;
}

export function page(o: PageOptions): string {
  const nav = NAV.map((item) => {
    const n = o.counts?.[item.section];
    return html`<a href="${item.href}"${item.section === o.section ? raw(' aria-current="page"') : ''}><svg viewBox="0 0 24 24" aria-hidden="true">${raw(ICONS[item.section])}</svg>${item.label}${n && n.n > 0 ? html`<span class="count${n.alert ? ' alert' : ''}">${n.n}</span>` : ''}</a>`;
  });
  const doc = html`<!doctype html><html lang="en">${head(o.title, o.assets)}<body><div class="app"><aside class="sidebar"><a class="brand" href="${BASE}">${LOGO}<span>Trail<small>audit trail for AI-written code</small></span></a><nav class="nav" aria-label="Dashboard">${nav}</nav><div class="side-foot"><div class="who">${o.session.tokenName}</div><span class="role">${o.session.role} token · ${o.session.tokenId}</span><form method="post" action="${BASE}/logout"><button type="submit">Sign out</button></form></div></aside><main class="main"><header class="page-head"><div>${o.crumbs ? html`<div class="crumbs">${o.crumbs}</div>` : ''}<h1>${o.title}</h1>${o.subtitle ? html`<div class="sub">${o.subtitle}</div>` : ''}</div>${o.actions ? html`<div class="actions">${o.actions}</div>` : ''}</header>${o.body}</main></div><script src="${o.assets.js}" defer></script></body></html>`;
  return doc.text;
}

/** A page without the frame: sign-in, and errors before sign-in. */
export function barePage(title: string, assets: Assets, body: Html): string {
  return html`<!doctype html><html lang="en">${head(title, assets)}<body>${body}<script src="${assets.js}" defer></script></body></html>`
    .text;
}

export function panel(
  title: Value,
  body: Html,
  options: { hint?: Value; id?: string; flush?: boolean } = {},
): Html {
  return html`<section class="panel"${options.id ? html` id="${options.id}"` : ''}><header><h2>${title}</h2>${options.hint ? html`<span class="hint">${options.hint}</span>` : ''}</header><div class="body${options.flush ? ' flush' : ''}">${body}</div></section>`;
}

const DATE_LABELS: Record<string, string> = { since: 'from', until: 'to' };

/** What a page says of the date filters it did not apply (context.ts, ignoredDates). */
export function ignoredDatesNotice(ignored: readonly IgnoredDate[]): Html {
  if (ignored.length === 0) return html``;
  return html`<div class="notice warn"><strong>Not applied: ${ignored.map((d, i) => html`${i > 0 ? ', ' : ''}${DATE_LABELS[d.name] ?? d.name} “${d.value}”`)}.</strong>A date filter is a day of the calendar (YYYY-MM-DD, years 1 to 9998); what is shown is not limited by ${ignored.length > 1 ? 'these' : 'it'}.</div>`;
}

export function empty(text: Value): Html {
  return html`<p class="empty">${text}</p>`;
}

const STATUS_BADGE: Record<ReviewStatus, [string, string]> = {
  approved: ['pass', 'approved'],
  pending: ['skip', 'awaiting review'],
  'changes-requested': ['fail', 'changes requested'],
};

export function statusBadge(status: ReviewStatus): Html {
  const [cls, text] = STATUS_BADGE[status];
  return html`<span class="badge ${cls}">${text}</span>`;
}

export function badge(
  kind: 'pass' | 'fail' | 'skip' | 'none' | 'ai' | 'human' | 'unknown',
  text: Value,
): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}

export function provenance(p: string | undefined): Html {
  return p ? html`<span class="prov" title="where this statement comes from">${p}</span>` : html``;
}

export function copyButton(text: string, label = 'Copy'): Html {
  return html`<button type="button" class="btn small" data-copy="${text}">${label}</button>`;
}
