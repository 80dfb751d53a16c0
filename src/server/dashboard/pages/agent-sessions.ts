/**
 * The agent sessions the token can read, newest first (`GET /api/v1/sessions`): each with its
 * agent, model, requester and the commits that carried it, and a view of those no commit
 * carried, the sessions that changed nothing and were sealed alone at their end. Each row opens
 * the session's page (agent-session.ts); its agent, model and requester narrow the list to theirs,
 * and two dates to the sessions that started between them (an auditor's period). The list, with
 * its filters, downloads as CSV (`/ui/export/sessions.csv`).
 */

import type { PageContext } from '../context.js';
import { dateParam, dayAfter, ignoredDates, param, refuseIgnoredDates } from '../context.js';
import { csvOfPages } from '../csv-download.js';
import { plural, short, stamp } from '../format.js';
import { html, join } from '../html.js';
import { BASE, badge, empty, ignoredDatesNotice, page, panel } from '../layout.js';
import { filterHref } from './checkpoints.js';

interface SessionRow {
  repo: string;
  sessionId: string;
  agent: string | null;
  model: string | null;
  requester: string | null;
  firstSeen: string;
  lastSeen: string;
  checkpoints: number;
}

/** Rows on a page; older ones are a link away (the API's cursor). */
const SHOWN = 200;

/** The list's filters as the page's address gives them: dates are days, both inclusive. */
function listFilters(url: URL) {
  return {
    repo: param(url, 'repo', 200),
    agent: param(url, 'agent', 128),
    model: param(url, 'model', 256),
    requester: param(url, 'requester', 512),
    carried: param(url, 'carried', 8) === 'none' ? 'none' : undefined,
    since: dateParam(url, 'since'),
    until: dateParam(url, 'until'),
  };
}

/** The filters without those not given, changed by `change`. */
function given(filters: Record<string, string | undefined>, change: Record<string, string | undefined> = {}) {
  return Object.fromEntries(
    Object.entries({ ...filters, ...change }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

/** The same filters as API query parameters: the API's until is exclusive, the day after. */
function apiFilters(filters: ReturnType<typeof listFilters>) {
  return { ...given(filters), ...(filters.until ? { until: dayAfter(filters.until) } : {}) };
}

export async function sessionsPage(ctx: PageContext): Promise<string> {
  const listed = listFilters(ctx.url);
  const { repo, agent, model, requester, carried, since, until } = listed;
  const cursor = param(ctx.url, 'cursor', 2048);
  /** This page's filters, changed by `change`: what each link below keeps or drops. */
  const filters = (change: Record<string, string | undefined> = {}) => given(listed, change);
  const href = (change: Record<string, string | undefined> = {}) =>
    filterHref(`${BASE}/sessions`, filters(change));
  const { sessions, nextCursor } = await ctx.api.get<{ sessions: SessionRow[]; nextCursor: string | null }>(
    '/api/v1/sessions',
    { limit: SHOWN, ...apiFilters(listed), ...(cursor ? { cursor } : {}) },
  );
  const older = nextCursor ? html`<p><a href="${href({ cursor: nextCursor })}">Older sessions</a></p>` : '';
  const tabs = html`<p class="muted"><a href="${href({ carried: undefined })}"${carried ? '' : html` aria-current="page"`}>All sessions</a> · <a href="${href({ carried: 'none' })}"${carried ? html` aria-current="page"` : ''}>Carried by no commit</a> <span class="faint">(they changed nothing and were sealed alone at their end)</span></p>`;
  // Agent, model and requester filter from the table's own cells: one click narrows, one link
  // clears.
  const narrowed = [
    ...(agent ? [html`agent <code>${agent}</code>`] : []),
    ...(model ? [html`model <code>${model}</code>`] : []),
    ...(requester ? [html`requester ${requester}`] : []),
  ];
  const filterLine =
    narrowed.length > 0
      ? html`<p class="muted">Only sessions of ${join(narrowed, ' and ')} · <a href="${href({ agent: undefined, model: undefined, requester: undefined })}">all sessions</a></p>`
      : '';
  const period =
    since || until ? html`<a href="${href({ since: undefined, until: undefined })}">any day</a>` : '';
  // The other filters ride along as hidden fields: choosing days keeps them.
  const kept = Object.entries(filters({ since: undefined, until: undefined })).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const dates = html`<form class="filters" method="get" action="${BASE}/sessions"><div class="field"><label for="f-since">Started from</label><input type="date" id="f-since" name="since" value="${since ?? ''}"></div><div class="field"><label for="f-until">To (inclusive)</label><input type="date" id="f-until" name="until" value="${until ?? ''}"></div><div class="field"><div class="actions"><button class="btn primary" type="submit">Apply</button>${period}</div></div>${kept}</form>`;
  const rows = sessions.map(
    (s) =>
      html`<tr><td class="nowrap">${stamp(s.firstSeen)}</td><td>${s.repo}</td><td><a href="${BASE}/sessions/${encodeURIComponent(s.sessionId)}?repo=${encodeURIComponent(s.repo)}"><code>${short(s.sessionId)}</code></a></td><td>${s.agent ? html`<a href="${href({ agent: s.agent })}" title="only sessions of this agent">${s.agent}</a>` : ''}</td><td>${s.model ? html`<a href="${href({ model: s.model })}" title="only sessions of this model"><code>${s.model}</code></a>` : html`<span class="faint">not recorded</span>`}</td><td>${s.requester ? html`<a href="${href({ requester: s.requester })}" title="only sessions this person asked for">${s.requester}</a>` : ''}</td><td>${s.checkpoints > 0 ? plural(s.checkpoints, 'checkpoint') : badge('none', 'no commit')}</td></tr>`,
  );
  const table =
    sessions.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>Started</th><th>Repository</th><th>Session</th><th>Agent</th><th>Model</th><th>Requester</th><th>Carried by</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : empty(
          narrowed.length > 0
            ? 'No session matches these filters.'
            : since || until
              ? 'No session started on these days.'
              : carried
                ? 'Every session here was carried by a commit.'
                : 'No session has been pushed yet.',
        );
  return page({
    title: 'Sessions',
    section: 'sessions',
    session: ctx.session,
    assets: ctx.assets,
    subtitle: repo ? `Agent sessions of ${repo}` : 'Agent sessions, newest first',
    actions: html`<a class="btn" href="${filterHref(`${BASE}/export/sessions.csv`, filters())}" download><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4v11m0 0-4-4m4 4 4-4M5 19h14"/></svg>Export CSV</a>`,
    body: html`${ignoredDatesNotice(ignoredDates(ctx.url))}${tabs}<section class="panel"><div class="body">${dates}</div></section>${filterLine}${panel('Sessions', table, { hint: plural(sessions.length, 'session'), flush: true })}${older}`,
  });
}

/** The filtered list as CSV, every page of it (csv-download.ts): an auditor's period. */
export async function sessionsCsv(ctx: PageContext): Promise<string> {
  refuseIgnoredDates(ctx.url);
  const api = apiFilters(listFilters(ctx.url));
  return csvOfPages(
    ['first_seen', 'last_seen', 'repository', 'session', 'agent', 'model', 'requester', 'checkpoints'],
    async (cursor) => {
      const page = await ctx.api.get<{ sessions: SessionRow[]; nextCursor: string | null }>(
        '/api/v1/sessions',
        {
          ...api,
          limit: 500,
          ...(cursor ? { cursor } : {}),
        },
      );
      return { items: page.sessions, nextCursor: page.nextCursor };
    },
    (s) => [s.firstSeen, s.lastSeen, s.repo, s.sessionId, s.agent, s.model, s.requester, s.checkpoints],
  );
}
