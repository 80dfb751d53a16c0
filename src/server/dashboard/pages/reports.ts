/**
 * Reports: every kind the report module builds, in every format the API offers, for a
 * repository (or all in scope) and a period. A download goes through the dashboard (the API
 * needs the token, which the browser never holds) and arrives as a file named after what it
 * covers. When the server has no report module the API answers 501, and the page says so.
 */
import { REPORT_KINDS } from '../../../report/document.js';
import type { RepoInfo } from '../api.js';
import type { PageContext } from '../context.js';
import { dateParam, ignoredDates, param, refuseIgnoredDates } from '../context.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { BASE, ignoredDatesNotice, page } from '../layout.js';
import { filterHref } from './checkpoints.js';

/** The formats `GET /api/v1/reports/:kind` documents. */
export const REPORT_FORMATS = ['pdf', 'html', 'csv', 'md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const EXTENSIONS: Record<ReportFormat, string> = {
  pdf: 'pdf',
  html: 'html',
  csv: 'csv',
  md: 'md',
  json: 'json',
};

const DESCRIPTIONS: Record<string, { title: string; text: string }> = {
  soc2: {
    title: 'SOC 2 change control',
    text: 'Each change with its request, approval, tests and deployment: documented, reviewed, tested, traceable.',
  },
  'eu-ai-act': {
    title: 'EU AI Act record keeping',
    text: 'Logs of operation, the human oversight of each change, and the model versions used (Articles 12 and 14).',
  },
  'nist-ai-rmf': {
    title: 'NIST AI RMF',
    text: 'Govern, map, measure, manage: how AI-written code is controlled, with the evidence for each function.',
  },
  slsa: {
    title: 'SLSA provenance',
    text: 'Source provenance of each commit: who asked, which agent and model, who reviewed, as in-toto statements.',
  },
  checklist: {
    title: 'Audit checklist',
    text: 'The eight-section checklist auditors work from, each item answered pass / fail with the evidence.',
  },
  gaps: {
    title: 'Gaps',
    text: 'Commits without a checkpoint, missing approvals or tests, failing tests, unexamined reasoning, capture failures.',
  },
};

export function reportKinds(): readonly string[] {
  return REPORT_KINDS;
}

export function isReportFormat(value: string | undefined): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value ?? '');
}

export async function reportsAvailable(ctx: PageContext): Promise<boolean> {
  try {
    const module = await ctx.deps.loadReports();
    return typeof module?.generateReport === 'function';
  } catch {
    return false;
  }
}

function scope(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  const repo = param(url, 'repo', 200);
  const since = dateParam(url, 'since');
  const until = dateParam(url, 'until');
  if (repo) out.repo = repo;
  if (since) out.since = since;
  if (until) out.until = until;
  return out;
}

function downloadLinks(kind: string, values: Record<string, string>, available: boolean): Html {
  return html`<div class="formats">${REPORT_FORMATS.map(
    (format) =>
      html`<a class="btn small${format === 'pdf' ? ' primary' : ''}" data-report href="${filterHref(`${BASE}/reports/download`, values, { kind, format })}"${available ? '' : html` aria-disabled="true"`} download>${format.toUpperCase()}</a>`,
  )}</div>`;
}

export async function reportsPage(ctx: PageContext): Promise<string> {
  const values = scope(ctx.url);
  const [repos, available] = await Promise.all([
    ctx.api.get<{ repos: RepoInfo[] }>('/api/v1/repos'),
    reportsAvailable(ctx),
  ]);
  const canReport = ctx.session.role === 'auditor' || ctx.session.role === 'admin';
  const form = html`<form id="report-scope" class="filters" method="get" action="${BASE}/reports">
<div class="field wide"><label for="r-repo">Repository</label><select id="r-repo" name="repo"><option value="">All repositories in scope</option>${repos.repos.map(
    (r) => html`<option value="${r.name}"${r.name === values.repo ? html` selected` : ''}>${r.name}</option>`,
  )}</select></div>
<div class="field"><label for="r-since">From</label><input type="date" id="r-since" name="since" value="${values.since ?? ''}"></div>
<div class="field"><label for="r-until">To (inclusive)</label><input type="date" id="r-until" name="until" value="${values.until ?? ''}"></div>
<div class="field"><noscript><button class="btn" type="submit">Update links</button></noscript></div>
</form>`;
  const notice = !canReport
    ? html`<div class="notice warn"><strong>Reports need an auditor or admin token.</strong>This ${ctx.session.role} token can read checkpoints, and export the list as CSV.</div>`
    : !available
      ? html`<div class="notice warn"><strong>Reports are not installed on this server.</strong>The API answers 501 for <code>/api/v1/reports</code> until the report module is deployed; <code>trail report</code> builds the same reports from a clone. The checkpoint register below is always available.</div>`
      : '';
  const cards = reportKinds().map((kind) => {
    const d = DESCRIPTIONS[kind] ?? { title: kind, text: '' };
    return html`<div class="report"><h3>${d.title}</h3><p>${d.text}</p>${downloadLinks(kind, values, available && canReport)}</div>`;
  });
  const register = html`<div class="report"><h3>Checkpoint register</h3><p>Every checkpoint in scope, one row each: time, commit, agents, models, AI / human lines, review status. From the search API; always available.</p><div class="formats"><a class="btn small" data-report href="${filterHref(`${BASE}/export/checkpoints.csv`, values)}" download>CSV</a></div></div>`;
  const body = html`${ignoredDatesNotice(ignoredDates(ctx.url))}${notice}<section class="panel"><div class="body">${form}</div></section><div class="report-grid">${cards}${register}</div>`;
  return page({
    title: 'Reports',
    section: 'reports',
    session: ctx.session,
    assets: ctx.assets,
    subtitle:
      'Generated on the server from the records it holds, for the repository and period chosen. Each download is written to the access log.',
    body,
  });
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'all';
}

/** The file for a report download, or throws the API's failure. */
export async function downloadReport(
  ctx: PageContext,
  kind: string,
  format: ReportFormat,
): Promise<{ body: ArrayBuffer; contentType: string; filename: string }> {
  refuseIgnoredDates(ctx.url);
  const values = scope(ctx.url);
  const response = await ctx.api.fetch(`/api/v1/reports/${encodeURIComponent(kind)}`, {
    format,
    repo: values.repo,
    since: values.since,
    // The reports API reads a date as the whole day, as trail report does (core/period.ts).
    until: values.until,
  });
  const period = values.since || values.until ? `-${values.since ?? 'start'}_${values.until ?? 'now'}` : '';
  return {
    body: await response.arrayBuffer(),
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    filename: `trail-${slug(kind)}-${slug(values.repo ?? 'all')}${period}.${EXTENSIONS[format]}`,
  };
}
