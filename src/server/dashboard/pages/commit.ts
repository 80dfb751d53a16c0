/**
 * A commit that `trail push` sent but no checkpoint covers: what the gaps report's
 * `no-checkpoint` rows link to. It shows what git says of the commit (author, date, subject,
 * paths) and why the missing checkpoint matters, so an auditor can see the change nobody
 * recorded instead of an empty search. A commit no push sent, which a code host said landed
 * (an `unsent-commit` row), gets what the host said instead.
 */
import type { PushedCommit } from '../../commits.js';
import type { HostReport } from '../../host-pushes.js';
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

export function unsentCommitPage(ctx: PageContext, sha: string, reported: readonly HostReport[]): string {
  const repos = [...new Set(reported.map((r) => r.repo))];
  const body = html`<div class="notice bad"><strong>trail push has not sent this commit.</strong>A code host said it was pushed, but no clone sent it and no checkpoint names it, so whether it needed one cannot be told here. Run <code>trail push</code> from a clone that has it (in CI, after each merge to the default branch).</div>${panel(
    'Commit',
    kv([
      ['Commit', html`<code>${sha}</code>`],
      [
        'Repository',
        html`${repos.map((repo) => html`<a href="${BASE}/checkpoints?repo=${encodeURIComponent(repo)}">${repo}</a> `)}`,
      ],
      ['Checkpoint', badge('fail', 'none')],
    ]),
  )}${panel(
    'What code hosts reported',
    html`<div class="table-wrap"><table><thead><tr><th>Received</th><th>Host</th><th>Repository</th><th>Ref</th><th>Forced</th></tr></thead><tbody>${reported.map(
      (r) =>
        html`<tr><td>${time(r.time)}</td><td>${r.host}</td><td>${r.repo}</td><td><code>${r.ref}</code></td><td>${r.forced === true ? badge('fail', 'forced') : r.forced === false ? 'no' : html`<span class="faint">not known yet</span>`}</td></tr>`,
    )}</tbody></table></div>`,
    { hint: plural(reported.length, 'push', 'pushes') },
  )}`;
  return page({
    title: `Commit ${short(sha)}`,
    section: 'gaps',
    session: ctx.session,
    assets: ctx.assets,
    crumbs: html`<a href="${BASE}/gaps">Gaps</a> / ${repos.join(', ')}`,
    subtitle: 'not sent by trail push',
    body,
  });
}
