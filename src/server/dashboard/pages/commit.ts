/**
 * A commit that `trail push` sent but no checkpoint covers: what the gaps report's
 * `no-checkpoint` rows link to. It shows what git says of the commit (author, date, subject,
 * paths) and why the missing checkpoint matters, so an auditor can see the change nobody
 * recorded instead of an empty search.
 */
import type { PushedCommit } from '../../commits.js';
import type { PageContext } from '../context.js';
import { count, plural, short, time } from '../format.js';
import { html } from '../html.js';
import { BASE, badge, page, panel } from '../layout.js';
import { kv } from './checkpoint.js';

/** Paths listed on the page; the rest are counted. */
const SHOWN_PATHS = 200;

export function commitPage(ctx: PageContext, commit: PushedCommit): string {
  const paths = commit.paths.slice(0, SHOWN_PATHS);
  const more = commit.paths.length - paths.length;
  const body = html`<div class="notice bad"><strong>No checkpoint records this commit.</strong>No agent session, import or SDK call was sealed with it: it was written by hand, or capture failed. If an agent wrote it, import the session (<code>trail import</code>) and <code>trail relink</code>; if a person did, the team's review of hand-written changes is the evidence.</div>${panel(
    'Commit',
    kv([
      [
        'Repository',
        html`<a href="${BASE}/checkpoints?repo=${encodeURIComponent(commit.repo)}">${commit.repo}</a>`,
      ],
      ['Commit', html`<code>${commit.sha}</code>`],
      ['Subject', commit.subject],
      ['Author', commit.author],
      ['Authored', time(commit.date)],
      [
        'Parents',
        commit.parents.length === 0
          ? 'none: the first commit'
          : html`${commit.parents.map((p) => html`<a href="${BASE}/commits/${p}"><code>${short(p)}</code></a> `)}`,
      ],
      ['Checkpoint', badge('fail', 'none')],
    ]),
  )}${panel(
    'Paths changed',
    html`<ul class="items">${paths.map((p) => html`<li><code>${p}</code></li>`)}</ul>${more > 0 ? html`<p class="muted">and ${count(more)} more</p>` : ''}`,
    { hint: plural(commit.paths.length, 'path') },
  )}<p class="muted">As sent by <code>trail push</code> from a clone of ${commit.repo}: what git records of the commit, its subject redacted.</p>`;
  return page({
    title: `Commit ${short(commit.sha)}`,
    section: 'gaps',
    session: ctx.session,
    assets: ctx.assets,
    crumbs: html`<a href="${BASE}/gaps">Gaps</a> / ${commit.repo}`,
    subtitle: commit.subject,
    body,
  });
}
