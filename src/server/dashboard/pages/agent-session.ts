/**
 * One agent session, whole: what it was asked and where it ran, every prompt, check and
 * command it recorded, the files it edited, its usage, and the commits whose checkpoints
 * carried it. A session that changed nothing is carried by none (sealed alone at its end), and
 * this page is where it is seen. Built from `GET /api/v1/sessions/:id`, the view
 * `trail show <session>` gives (read/session-view.ts); its panels are the checkpoint page's.
 */
import type { SessionView } from '../../../read/session-view.js';
import type { PageContext } from '../context.js';
import { count, plural, short, time, usd, utc } from '../format.js';
import { html } from '../html.js';
import { BASE, badge, empty, page, panel } from '../layout.js';
import { checksPanel, kv, promptPanel, sessionAgent, sessionRan, sessionWhere } from './checkpoint.js';

export async function sessionPage(ctx: PageContext, id: string): Promise<string> {
  const repo = ctx.url.searchParams.get('repo') ?? undefined;
  const v = await ctx.api.get<SessionView & { repo: string }>(
    `/api/v1/sessions/${encodeURIComponent(id)}`,
    repo ? { repo } : {},
  );
  const s = v.session;
  const carriedBy =
    v.checkpoints.length === 0
      ? html`${badge('none', 'no commit')} <span class="faint">it changed nothing, so it was sealed alone at its end</span>`
      : html`${v.checkpoints.map(
          (c) =>
            html`<a href="${BASE}/checkpoints/${c.id}"><code>${short(c.commit)}</code></a> <span class="faint">${utc(c.time)}</span> `,
        )}`;
  const facts = panel(
    'Session',
    kv([
      ['Agent', sessionAgent(s)],
      ['Model', s.model ? html`<code>${s.model}</code>` : html`<span class="faint">not recorded</span>`],
      ['Session', html`<code>${s.sessionId}</code>`],
      ['Ran', sessionRan(s)],
      ['Asked', s.request.summary],
      ['Requester', s.request.requester],
      ['Tickets', s.request.tickets.map((t) => t.id).join(', ') || undefined],
      ['Where', sessionWhere(s)],
      ['Branch', s.boundary?.branch],
      ['Carried by', carriedBy],
    ]),
    { id: 'session' },
  );
  const paths = [...new Set(v.edits.map((e) => e.path))];
  const edits = panel(
    'Files edited',
    paths.length > 0
      ? html`<ul class="items">${paths.map((p) => html`<li><code>${p}</code></li>`)}</ul>`
      : empty(
          'No file edit was recorded for it (an agent without hooks edits unseen: the lines it committed are unknown).',
        ),
    { hint: plural(paths.length, 'file') },
  );
  // Each usage record is the session's running total for its model: the latest is all of it.
  const usage = panel(
    'Usage',
    v.usage.length > 0
      ? html`<ul class="items">${v.usage.map(
          (u) =>
            html`<li><code>${u.model ?? 'model?'}</code>: ${count(u.inputTokens)} in, ${count(u.outputTokens)} out, ${count(u.cacheReadTokens)} cache read${u.costUsd !== undefined ? html` · <b>${usd(u.costUsd)}</b>` : ''}</li>`,
        )}</ul>`
      : empty('No usage was reported.'),
  );
  const gaps =
    v.captureGaps.length > 0
      ? panel(
          'Capture gaps',
          html`<ul class="items">${v.captureGaps.map((g) => html`<li>${utc(g.time)}: <b>${g.what}</b>: ${g.why}</li>`)}</ul>`,
        )
      : html``;
  return page({
    title: `Session ${short(s.sessionId)}`,
    section: 'sessions',
    session: ctx.session,
    assets: ctx.assets,
    crumbs: html`<a href="${BASE}/sessions?repo=${encodeURIComponent(v.repo)}">Sessions of ${v.repo}</a>`,
    subtitle: html`${s.agent.name} · started ${time(s.startedAt)}`,
    body: html`${facts}${gaps}${promptPanel(v)}${checksPanel(v)}${edits}${usage}`,
  });
}
