/**
 * The agent sessions the token can read, newest first (`GET /api/v1/sessions`): each with its
 * agent, model, requester and the commits that carried it, and a view of those no commit
 * carried, the sessions that changed nothing and were sealed alone at their end. Each row opens
 * the session's page (agent-session.ts); its agent, model and requester narrow the list to theirs.
 */
import type { PageContext } from '../context.js';
import { param } from '../context.js';
import { plural, short, stamp } from '../format.js';
import { html, join } from '../html.js';
import { BASE, badge, empty, page, panel } from '../layout.js';

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

export async function sessionsPage(ctx: PageContext): Promise<string> {
  const repo = param(ctx.url, 'repo', 200);
  const agent = param(ctx.url, 'agent', 128);
  const model = param(ctx.url, 'model', 256);
  const requester = param(ctx.url, 'requester', 512);
  const carried = param(ctx.url, 'carried', 8) === 'none' ? 'none' : undefined;
  const cursor = param(ctx.url, 'cursor', 2048);
  /** This page's filters, changed by `change`: what each link below keeps or drops. */
  const filters = (change: Record<string, string | undefined> = {}) =>
    Object.fromEntries(
      Object.entries({ repo, agent, model, requester, carried, ...change }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
  const href = (change: Record<string, string | undefined> = {}) => {
    const query = new URLSearchParams(filters(change)).toString();
    return `${BASE}/sessions${query ? `?${query}` : ''}`;
  };
  const { sessions, nextCursor } = await ctx.api.get<{ sessions: SessionRow[]; nextCursor: string | null }>(
    '/api/v1/sessions',
    { limit: SHOWN, ...filters(), ...(cursor ? { cursor } : {}) },
  );
  const older = nextCursor
    ? html`<p><a href="${`${BASE}/sessions?${new URLSearchParams({ ...filters(), cursor: nextCursor })}`}">Older sessions</a></p>`
    : '';
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
    body: html`${tabs}${filterLine}${panel('Sessions', table, { hint: plural(sessions.length, 'session'), flush: true })}${older}`,
  });
}
