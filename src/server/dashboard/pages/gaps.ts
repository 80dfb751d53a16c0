/**
 * Gaps: what an auditor would push back on, found first. The gaps report (the same one
 * `trail report gaps` writes) when the server has the report module, rendered as a table
 * whose commits link to their checkpoints; and always, from search alone, the changes
 * still waiting for a human decision and the ledger alerts.
 */
import type { Alert, CheckpointPage } from '../api.js';
import { ApiFailure } from '../api.js';
import type { PageContext } from '../context.js';
import { dateParam, dayAfter, ignoredDates, may, param } from '../context.js';
import { count, plural, short } from '../format.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { BASE, badge, empty, ignoredDatesNotice, page, panel } from '../layout.js';
import { checkpointTable, filterHref } from './checkpoints.js';
import { alertList } from './overview.js';
import { reportsAvailable } from './reports.js';

interface ReportColumn {
  key: string;
  title: string;
  kind?: string;
}

interface ReportDoc {
  title?: string;
  summary?: Array<{ label: string; value: string | number | null }>;
  sections?: Array<{
    id?: string;
    title?: string;
    intro?: string[];
    notes?: string[];
    table?: { columns: ReportColumn[]; rows: Array<Array<unknown> | Record<string, unknown>> };
  }>;
  ledger?: { ok?: boolean; problemCount?: number };
}

const SEVERE = new Set([
  'no-checkpoint',
  'tests-failed',
  'unapproved-model',
  'no-approval',
  'unsent-commit',
  'force-push',
]);

function cell(column: ReportColumn, value: unknown): Html {
  if (value === null || value === undefined || value === '') return html`<span class="faint">—</span>`;
  const text = String(value);
  if (column.key === 'commit' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text)) {
    return html`<a href="${BASE}/commits/${text}"><code>${short(text)}</code></a>`;
  }
  if (column.kind === 'id') return html`<code title="${text}">${short(text)}</code>`;
  if (column.kind === 'status') return badge(SEVERE.has(text) ? 'fail' : 'skip', text);
  if (column.kind === 'time') return html`<span class="nowrap">${text.replace('T', ' ')}</span>`;
  return html`${text}`;
}

function reportTable(table: NonNullable<NonNullable<ReportDoc['sections']>[number]['table']>): Html {
  const rows = table.rows.map((row) =>
    table.columns.map((col, i) => (Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[col.key])),
  );
  return html`<div class="table-wrap"><table><thead><tr>${table.columns.map((c) => html`<th>${c.title}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${table.columns.map((c, i) => html`<td>${cell(c, r[i])}</td>`)}</tr>`,
  )}</tbody></table></div>`;
}

function reportSections(doc: ReportDoc): Html {
  const counts = (doc.summary ?? []).filter((s) => typeof s.value === 'number');
  const chips = html`<div class="chips">${counts.map(
    (s) =>
      html`<span class="chip${s.value === 0 ? ' zero' : ''}">${s.label}: <b>${typeof s.value === 'number' ? count(s.value) : ''}</b></span>`,
  )}</div>`;
  const sections = (doc.sections ?? []).map((s) =>
    panel(
      s.title ?? 'Gaps',
      html`${(s.intro ?? []).map((p) => html`<p class="muted">${p}</p>`)}${s.table && s.table.rows.length > 0 ? reportTable(s.table) : empty('No gaps found.')}${(s.notes ?? []).filter((n) => n !== 'No gaps found.').map((n) => html`<p class="muted">${n}</p>`)}`,
      { hint: s.table ? plural(s.table.rows.length, 'row') : undefined },
    ),
  );
  const ledger =
    doc.ledger && doc.ledger.ok === false
      ? html`<div class="notice bad"><strong>Ledger verification failed for this report.</strong>${plural(doc.ledger.problemCount ?? 0, 'problem')}: see the Ledger page.</div>`
      : '';
  return html`${ledger}<section class="panel"><header><h2>Summary</h2></header><div class="body">${chips}</div></section>${sections}`;
}

export async function gapsPage(ctx: PageContext): Promise<string> {
  const repo = param(ctx.url, 'repo', 200);
  const since = dateParam(ctx.url, 'since');
  const until = dateParam(ctx.url, 'until');
  const apiUntil = until ? dayAfter(until) : undefined;
  const canReport = ctx.session.role === 'auditor' || ctx.session.role === 'admin';
  const [pending, changes, alerts, available] = await Promise.all([
    ctx.api.get<CheckpointPage>('/api/v1/checkpoints', {
      repo,
      since,
      until: apiUntil,
      status: 'pending',
      limit: 20,
    }),
    ctx.api.get<CheckpointPage>('/api/v1/checkpoints', {
      repo,
      since,
      until: apiUntil,
      status: 'changes-requested',
      limit: 20,
    }),
    may(ctx, 'ledger')
      ? ctx.api.get<{ alerts: Alert[] }>('/api/v1/alerts', { repo, since, limit: 20 })
      : undefined,
    reportsAvailable(ctx),
  ]);
  let report: Html;
  if (!canReport) {
    report = html`<div class="notice warn"><strong>The gaps report needs an auditor or admin token.</strong>Below: what search shows to a ${ctx.session.role} token.</div>`;
  } else if (!available) {
    report = html`<div class="notice warn"><strong>The gaps report is not available on this server.</strong>Reports are not installed (the API answers 501); <code>trail report gaps</code> builds it from a clone. Below: what search alone shows.</div>`;
  } else {
    try {
      const response = await ctx.api.fetch('/api/v1/reports/gaps', {
        format: 'json',
        repo,
        since,
        until, // the reports API reads a date as the whole day (core/period.ts)
      });
      report = reportSections((await response.json()) as ReportDoc);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      report = html`<div class="notice bad"><strong>The gaps report could not be built.</strong>${error.message}</div>`;
    }
  }
  const scope = { ...(repo ? { repo } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}) };
  const form = html`<form class="actions" method="get" action="${BASE}/gaps">${repo ? html`<input type="hidden" name="repo" value="${repo}">` : ''}<input type="date" name="since" value="${since ?? ''}" aria-label="From"><input type="date" name="until" value="${until ?? ''}" aria-label="To (inclusive)"><button class="btn" type="submit">Apply</button></form>`;
  const body = html`${ignoredDatesNotice(ignoredDates(ctx.url))}${report}<div class="stack">${panel(
    'Awaiting review',
    pending.checkpoints.length > 0
      ? checkpointTable(pending.checkpoints)
      : empty('Every change has a review decision.'),
    {
      flush: pending.checkpoints.length > 0,
      hint: html`<a href="${filterHref(`${BASE}/checkpoints`, { ...scope, status: 'pending' })}">all</a>`,
    },
  )}${panel(
    'Changes requested',
    changes.checkpoints.length > 0
      ? checkpointTable(changes.checkpoints)
      : empty('No change is waiting on its author.'),
    {
      flush: changes.checkpoints.length > 0,
      hint: html`<a href="${filterHref(`${BASE}/checkpoints`, { ...scope, status: 'changes-requested' })}">all</a>`,
    },
  )}</div><div class="stack-gap"></div>${
    alerts
      ? panel(
          'Ledger alerts',
          alerts.alerts.length > 0 ? alertList(alerts.alerts) : empty('No ledger alert.'),
          {
            hint: html`<a href="${BASE}/ledger">ledger</a>`,
          },
        )
      : ''
  }`;
  return page({
    title: 'Gaps',
    section: 'gaps',
    session: ctx.session,
    assets: ctx.assets,
    subtitle: 'What an auditor would push back on: found here first, each with what to do about it.',
    actions: form,
    body,
  });
}
