/**
 * The agent sessions the token can read, newest first (`GET /api/v1/sessions`): each with its
 * agent, model, requester and the commits that carried it, and a view of those no commit
 * carried, the sessions that changed nothing and were sealed alone at their end. Each row opens
 * the session's page (agent-session.ts).
 */
import type { PageContext } from '../context.js';
import { param } from '../context.js';
import { plural, short, stamp } from '../format.js';
import { html } from '../html.js';
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
  const carried = param(ctx.url, 'carried', 8) === 'none' ? 'none' : undefined;
  const cursor = param(ctx.url, 'cursor', 2048);
  const { sessions, nextCursor } = await ctx.api.get<{ sessions: SessionRow[]; nextCursor: string | null }>(
    '/api/v1/sessions',
    {
      limit: SHOWN,
      ...(repo ? { repo } : {}),
      ...(carried ? { carried } : {}),
      ...(cursor ? { cursor } : {}),
    },
  );
  const older = nextCursor
    ? html`<p><a href="${`${BASE}/sessions?${new URLSearchParams({ ...(repo ? { repo } : {}), ...(carried ? { carried } : {}), cursor: nextCursor })}`}">Older sessions</a></p>`
    : '';
  const link = (none: boolean) =>
    `${BASE}/sessions${none || repo ? `?${new URLSearchParams({ ...(repo ? { repo } : {}), ...(none ? { carried: 'none' } : {}) })}` : ''}`;
  const tabs = html`<p class="muted"><a href="${link(false)}"${carried ? '' : html` aria-current="page"`}>All sessions</a> · <a href="${link(true)}"${carried ? html` aria-current="page"` : ''}>Carried by no commit</a> <span class="faint">(they changed nothing and were sealed alone at their end)</span></p>`;
  const rows = sessions.map(
    (s) =>
      html`<tr><td class="nowrap">${stamp(s.firstSeen)}</td><td>${s.repo}</td><td><a href="${BASE}/sessions/${encodeURIComponent(s.sessionId)}?repo=${encodeURIComponent(s.repo)}"><code>${short(s.sessionId)}</code></a></td><td>${s.agent ?? ''}</td><td>${s.model ? html`<code>${s.model}</code>` : html`<span class="faint">not recorded</span>`}</td><td>${s.requester ?? ''}</td><td>${s.checkpoints > 0 ? plural(s.checkpoints, 'checkpoint') : badge('none', 'no commit')}</td></tr>`,
  );
  const table =
    sessions.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>Started</th><th>Repository</th><th>Session</th><th>Agent</th><th>Model</th><th>Requester</th><th>Carried by</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : empty(carried ? 'Every session here was carried by a commit.' : 'No session has been pushed yet.');
  return page({
    title: 'Sessions',
    section: 'sessions',
    session: ctx.session,
    assets: ctx.assets,
    subtitle: repo ? `Agent sessions of ${repo}` : 'Agent sessions, newest first',
    body: html`${tabs}${panel('Sessions', table, { hint: plural(sessions.length, 'session'), flush: true })}${older}`,
  });
}
