/**
 * The checkpoint list: the API's search (`GET /api/v1/checkpoints`) with every filter it
 * takes, as a form whose fields are the query string, so a filtered list is a link people
 * can share. The same filters export the list as CSV.
 */

import type { CheckpointPage, CheckpointSummary, Query, RepoInfo, StatsAnswer } from '../api.js';
import { originBar } from '../charts.js';
import type { PageContext } from '../context.js';
import { dateParam, dayAfter, ignoredDates, param, refuseIgnoredDates } from '../context.js';
import { csvOfPages } from '../csv-download.js';
import { clip, count, short, stamp } from '../format.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { BASE, empty, ignoredDatesNotice, page, statusBadge } from '../layout.js';

const TEXT_FILTERS = [
  'q',
  'repo',
  'status',
  'agent',
  'model',
  'requester',
  'reviewer',
  'author',
  'path',
  'commit',
] as const;
const STATUSES = ['pending', 'approved', 'changes-requested'] as const;

const LABELS: Record<string, string> = {
  q: 'text',
  repo: 'repository',
  status: 'review',
  agent: 'agent',
  model: 'model',
  requester: 'requester',
  reviewer: 'reviewer',
  author: 'author',
  path: 'path',
  commit: 'commit',
  since: 'from',
  until: 'to',
};

export interface ListFilters {
  values: Record<string, string>;
  /** The same filters as API query parameters. */
  api: Query;
}

export function listFilters(url: URL): ListFilters {
  const values: Record<string, string> = {};
  for (const name of TEXT_FILTERS) {
    const v = param(url, name, name === 'path' ? 4096 : 512);
    if (v) values[name] = v;
  }
  if (values.status && !(STATUSES as readonly string[]).includes(values.status)) delete values.status;
  const since = dateParam(url, 'since');
  const until = dateParam(url, 'until');
  if (since) values.since = since;
  if (until) values.until = until;
  const api: Query = { ...values, until: until ? dayAfter(until) : undefined };
  return { values, api };
}

export function filterHref(
  path: string,
  values: Record<string, string>,
  change: Record<string, string | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...values, ...change })) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface TableOptions {
  /** Show the repository in each row (default true). */
  repo?: boolean;
  /** Show the review status column (default true). */
  status?: boolean;
  /** Show agent and model in their own column (default true), else in the row's details. */
  agent?: boolean;
}

export function checkpointRow(c: CheckpointSummary, options: TableOptions = {}): Html {
  const models = c.models.length > 0 ? c.models.join(', ') : (c.model ?? '');
  return html`<tr>
<td>${stamp(c.time)}</td>
<td class="summary"><a href="${BASE}/checkpoints/${c.id}">${clip(c.summary ?? c.paths.join(', '), 100) || 'checkpoint'}</a><div class="meta">${options.repo === false ? '' : html`${c.repo} · `}<code>${short(c.commit)}</code>${c.branch ? html` · ${c.branch}` : ''}${c.author ? html` · ${c.author.replace(/\s*<[^>]*>$/, '')}` : ''}${options.agent === false && models ? html` · ${models}` : ''}</div></td>
${options.agent === false ? '' : html`<td><div>${c.agents.join(', ') || c.agent || html`<span class="faint">none</span>`}</div><div class="faint model">${models}</div></td>`}
<td>${originBar(c.aiLines, c.humanLines, c.unknownLines)}</td>
${options.status === false ? '' : html`<td>${statusBadge(c.status)}</td>`}
</tr>`;
}

export function checkpointTable(rows: readonly CheckpointSummary[], options: TableOptions = {}): Html {
  return html`<div class="table-wrap"><table><thead><tr><th>Committed</th><th>Change</th>${options.agent === false ? '' : html`<th>Agent · model</th>`}<th>Lines</th>${options.status === false ? '' : html`<th>Review</th>`}</tr></thead><tbody>${rows.map((c) => checkpointRow(c, options))}</tbody></table></div>`;
}

function options(list: readonly string[], selected: string | undefined): Html[] {
  return list.map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`);
}

function filterForm(
  values: Record<string, string>,
  repos: readonly string[],
  agents: string[],
  models: string[],
): Html {
  const text = (name: string, label: string, placeholder = '', list?: string) =>
    html`<div class="field"><label for="f-${name}">${label}</label><input type="text" id="f-${name}" name="${name}" value="${values[name] ?? ''}" placeholder="${placeholder}"${list ? html` list="${list}"` : ''}></div>`;
  return html`<form class="filters" method="get" action="${BASE}/checkpoints" role="search">
<div class="field wide"><label for="q">Search prompts and summaries</label><input type="search" id="q" name="q" value="${values.q ?? ''}" placeholder="e.g. refund  (press / to focus)"></div>
<div class="field"><label for="f-repo">Repository</label><select id="f-repo" name="repo" data-autosubmit><option value="">All repositories</option>${options(repos, values.repo)}</select></div>
<div class="field"><label for="f-status">Review</label><select id="f-status" name="status" data-autosubmit><option value="">Any status</option>${STATUSES.map((s) => html`<option value="${s}"${s === values.status ? html` selected` : ''}>${s === 'pending' ? 'awaiting review' : s.replace('-', ' ')}</option>`)}</select></div>
<div class="field"><label for="f-since">From</label><input type="date" id="f-since" name="since" value="${values.since ?? ''}"></div>
<div class="field"><label for="f-until">To (inclusive)</label><input type="date" id="f-until" name="until" value="${values.until ?? ''}"></div>
${text('agent', 'Agent', 'claude-code', 'agents')}
${text('model', 'Model', 'any model', 'models')}
${text('requester', 'Requester', 'email')}
${text('reviewer', 'Reviewer', 'email')}
${text('author', 'Author', 'name or email')}
${text('path', 'Path', 'src/ or a file')}
<div class="field"><div class="actions"><button class="btn primary" type="submit">Apply</button><a class="btn" href="${BASE}/checkpoints">Reset</a></div></div>
${values.commit ? html`<input type="hidden" name="commit" value="${values.commit}">` : ''}
<datalist id="agents">${options(agents, undefined)}</datalist><datalist id="models">${options(models, undefined)}</datalist>
</form>`;
}

function chips(values: Record<string, string>): Html {
  const entries = Object.entries(values);
  if (entries.length === 0) return html``;
  return html`<div class="chips">${entries.map(
    ([k, v]) =>
      html`<a class="chip" href="${filterHref(`${BASE}/checkpoints`, values, { [k]: undefined })}" title="remove this filter">${LABELS[k] ?? k}: <b>${clip(v, 40)}</b> ×</a>`,
  )}</div>`;
}

export async function checkpointsPage(ctx: PageContext): Promise<string> {
  const { values, api } = listFilters(ctx.url);
  const cursor = param(ctx.url, 'cursor');
  const [list, repos, agents, models] = await Promise.all([
    ctx.api.get<CheckpointPage>('/api/v1/checkpoints', { ...api, cursor, limit: 50 }),
    ctx.api.get<{ repos: RepoInfo[] }>('/api/v1/repos'),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { by: 'agent' }),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { by: 'model' }),
  ]);
  const keys = (s: StatsAnswer) => s.groups.map((g) => g.key).filter((k) => k !== '(none)');
  const filtered = Object.keys(values).length > 0;
  const table =
    list.checkpoints.length > 0
      ? checkpointTable(list.checkpoints)
      : empty(
          filtered
            ? 'No checkpoint matches these filters.'
            : 'No checkpoints yet: push a repository with `trail push`.',
        );
  const pager = html`<div class="pager"><span>${count(list.checkpoints.length)} shown${cursor ? ' (a later page)' : ''}, newest first</span><span>${cursor ? html`<a href="${filterHref(`${BASE}/checkpoints`, values)}">First page</a>` : ''}${cursor && list.nextCursor ? ' · ' : ''}${list.nextCursor ? html`<a href="${filterHref(`${BASE}/checkpoints`, values, { cursor: list.nextCursor })}" rel="next">Next page →</a>` : ''}</span></div>`;
  const body = html`${ignoredDatesNotice(ignoredDates(ctx.url))}<section class="panel"><div class="body">${filterForm(
    values,
    repos.repos.map((r) => r.name),
    keys(agents),
    keys(models),
  )}${chips(values)}</div></section>
<section class="panel" id="results">${table}${list.checkpoints.length > 0 ? pager : ''}</section>`;
  return page({
    title: 'Checkpoints',
    section: 'checkpoints',
    session: ctx.session,
    assets: ctx.assets,
    subtitle:
      'Every commit an agent helped write, with who asked, which model ran, how its lines split and where review stands.',
    actions: html`<a class="btn" href="${filterHref(`${BASE}/export/checkpoints.csv`, values)}" download><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4v11m0 0-4-4m4 4 4-4M5 19h14"/></svg>Export CSV</a>`,
    body,
  });
}

/** The filtered list as CSV, every page of it (csv-download.ts). */
export async function checkpointsCsv(ctx: PageContext): Promise<string> {
  refuseIgnoredDates(ctx.url);
  const { api } = listFilters(ctx.url);
  const header = [
    'time',
    'repository',
    'commit',
    'checkpoint',
    'author',
    'branch',
    'agents',
    'models',
    'summary',
    'ai_lines',
    'human_lines',
    'unknown_lines',
    'ai_share',
    'review_status',
    'paths',
  ];
  return csvOfPages(
    header,
    async (cursor) => {
      const page = await ctx.api.get<CheckpointPage>('/api/v1/checkpoints', { ...api, cursor, limit: 500 });
      return { items: page.checkpoints, nextCursor: page.nextCursor };
    },
    (c) => [
      c.time,
      c.repo,
      c.commit,
      c.id,
      c.author,
      c.branch,
      c.agents.join(' '),
      c.models.join(' '),
      c.summary,
      c.aiLines,
      c.humanLines,
      c.unknownLines,
      c.aiShare === null ? '' : c.aiShare.toFixed(4),
      c.status,
      c.paths.join(' '),
    ],
  );
}
