/**
 * The overview: how much of the committed code AI wrote, month by month; what waits for a
 * human; whether every ledger the server witnesses still holds. Cheap by design: stats and
 * one page of search, never the whole record set.
 */
import type { Alert, CheckpointPage, LedgerRepo, RepoInfo, StatsAnswer } from '../api.js';
import { aiShareChart, monthRange } from '../charts.js';
import type { PageContext } from '../context.js';
import { may, param } from '../context.js';
import { count, percent, plural, short, stamp, time } from '../format.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { BASE, badge, empty, page, panel } from '../layout.js';
import { checkpointTable, filterHref } from './checkpoints.js';

export const PERIODS: Record<string, { label: string; months: number | null }> = {
  '3m': { label: 'Last 3 months', months: 3 },
  '12m': { label: 'Last 12 months', months: 12 },
  '24m': { label: 'Last 24 months', months: 24 },
  all: { label: 'All time', months: null },
};

/** The first day of the month `months - 1` months before `now`'s, as `YYYY-MM-DD`. */
export function periodStart(now: Date, months: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  return d.toISOString().slice(0, 10);
}

function scopeForm(repos: readonly RepoInfo[], repo: string | undefined, period: string): Html {
  return html`<form class="actions" method="get" action="${BASE}"><select name="repo" aria-label="Repository" data-autosubmit><option value="">All repositories</option>${repos.map(
    (r) => html`<option value="${r.name}"${r.name === repo ? html` selected` : ''}>${r.name}</option>`,
  )}</select><select name="period" aria-label="Period" data-autosubmit>${Object.entries(PERIODS).map(
    ([k, p]) => html`<option value="${k}"${k === period ? html` selected` : ''}>${p.label}</option>`,
  )}</select><noscript><button class="btn" type="submit">Show</button></noscript></form>`;
}

/** One row per repository: its logs, entries, newest signed head and whether all hold. */
export function ledgerSummary(ledger: readonly LedgerRepo[]): Html {
  const rows = ledger.map((r) => {
    const newest = r.writers
      .map((w) => w.latestHead?.time)
      .filter((t): t is string => Boolean(t))
      .sort()
      .pop();
    const unsigned = r.writers.some((w) => !w.latestHead || w.latestHead.size < w.size);
    return html`<tr><td><a href="${BASE}/ledger?repo=${encodeURIComponent(r.repo)}"><b>${r.repo}</b></a><div class="faint">${plural(r.writers.length, 'log')}, ${plural(r.entries, 'entry', 'entries')}</div></td><td>${newest ? stamp(newest) : html`<span class="faint">none</span>`}</td><td>${
      r.alerts > 0
        ? badge('fail', plural(r.alerts, 'alert'))
        : unsigned
          ? badge('skip', 'partly signed')
          : badge('pass', 'consistent')
    }</td></tr>`;
  });
  return html`<div class="table-wrap"><table><thead><tr><th>Repository</th><th>Newest signed head</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function ledgerTable(ledger: readonly LedgerRepo[]): Html {
  const rows = ledger.flatMap((r) =>
    r.writers.map(
      (w, i) =>
        html`<tr><td>${i === 0 ? html`<b>${r.repo}</b>` : ''}</td><td><code title="${w.writerId}">${short(w.writerId)}</code>${w.name ? html`<div class="faint">${w.name}</div>` : ''}</td><td class="num">${count(w.size)}</td><td class="nowrap">${w.latestHead ? time(w.latestHead.time) : html`<span class="faint">unsigned</span>`}</td><td>${
          w.alerts > 0
            ? badge('fail', `${plural(w.alerts, 'alert')}`)
            : w.latestHead && w.latestHead.size === w.size
              ? badge('pass', 'consistent')
              : badge('skip', 'partly signed')
        }</td></tr>`,
    ),
  );
  return html`<div class="table-wrap"><table><thead><tr><th>Repository</th><th>Log (writer)</th><th class="num">Entries</th><th>Newest signed head</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function alertList(alerts: readonly Alert[]): Html {
  return html`<ul class="items">${alerts.map(
    (a) =>
      html`<li>${badge('fail', a.kind)} <b>${a.repo}</b>${a.writerId ? html` · log <code>${short(a.writerId)}</code>` : ''}${a.seq !== null ? ` · entry ${a.seq}` : ''} <span class="muted">${time(a.at)}</span><div class="muted">${a.message}</div></li>`,
  )}</ul>`;
}

/**
 * What the AI share counts. The server holds line counts only where a checkpoint recorded
 * them: `trail push` sends a commit's paths, not its lines, so the lines of a commit without a
 * checkpoint cannot be counted here, while `trail stats` in a clone counts them (as unknown)
 * from git. The page says so rather than call this the share of all committed lines.
 */
const LINES_COUNTED =
  'the lines each month’s checkpoints recorded; commits without a checkpoint are left out (the server holds no line counts for them; trail stats in a clone counts them as unknown)';

export async function overviewPage(ctx: PageContext): Promise<string> {
  const repo = param(ctx.url, 'repo', 200);
  const periodKey = PERIODS[param(ctx.url, 'period') ?? ''] ? param(ctx.url, 'period')! : '12m';
  const period = PERIODS[periodKey]!;
  const now = ctx.deps.now();
  const since = period.months ? periodStart(now, period.months) : undefined;
  const scope = { repo, since };
  const [repos, byMonth, byModel, pending, changes, queue, ledger, alerts] = await Promise.all([
    ctx.api.get<{ repos: RepoInfo[] }>('/api/v1/repos'),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { ...scope, by: 'month' }),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { ...scope, by: 'model' }),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { ...scope, by: 'repo', status: 'pending' }),
    ctx.api.get<StatsAnswer>('/api/v1/stats', { ...scope, by: 'repo', status: 'changes-requested' }),
    ctx.api.get<CheckpointPage>('/api/v1/checkpoints', { ...scope, status: 'pending', limit: 8 }),
    may(ctx, 'ledger') ? ctx.api.get<{ repos: LedgerRepo[] }>('/api/v1/ledger', { repo }) : undefined,
    may(ctx, 'ledger') ? ctx.api.get<{ alerts: Alert[] }>('/api/v1/alerts', { repo, limit: 5 }) : undefined,
  ]);
  const total = byMonth.total;
  const lines = total.aiLines + total.humanLines + total.unknownLines;
  const thisMonth = now.toISOString().slice(0, 7);
  const firstMonth = since?.slice(0, 7) ?? byMonth.groups.map((g) => g.key).sort()[0] ?? thisMonth;
  const months = monthRange(firstMonth < thisMonth ? firstMonth : thisMonth, thisMonth).slice(-24);
  const alertCount = ledger?.repos.reduce((n, r) => n + r.alerts, 0) ?? 0;
  const logCount = ledger?.repos.reduce((n, r) => n + r.writers.length, 0) ?? 0;

  const kpis = html`<div class="kpis">
<div class="kpi"><div class="label">Checkpoints</div><div class="value">${count(total.checkpoints)}</div><div class="note">${period.label.toLowerCase()}${repo ? html` in ${repo}` : ''}</div></div>
<div class="kpi ai" title="${LINES_COUNTED}"><div class="label">AI share of lines</div><div class="value">${percent(total.aiShare)}</div><div class="note">${count(total.aiLines)} of ${count(lines)} lines in commits with a checkpoint</div></div>
<div class="kpi ${pending.total.checkpoints > 0 ? 'warn' : 'good'}"><div class="label">Awaiting review</div><div class="value">${count(pending.total.checkpoints)}</div><div class="note">${changes.total.checkpoints > 0 ? html`<a href="${filterHref(`${BASE}/checkpoints`, { status: 'changes-requested', ...(repo ? { repo } : {}) })}">${plural(changes.total.checkpoints, 'change')} with changes requested</a>` : 'none with changes requested'}</div></div>
<div class="kpi ${ledger ? (alertCount > 0 ? 'bad' : 'good') : ''}"><div class="label">Ledger</div><div class="value">${ledger ? (alertCount > 0 ? `${count(alertCount)} alerts` : 'Consistent') : '—'}</div><div class="note">${ledger ? `${plural(logCount, 'log')} in ${plural(ledger.repos.length, 'repository', 'repositories')}` : 'needs an auditor or admin token'}</div></div>
</div>`;

  const alertBanner =
    alertCount > 0
      ? html`<div class="notice bad"><strong>The server refused pushes that would rewrite or alter a ledger.</strong>${plural(alertCount, 'alert')}: a log's history differed from what the server had witnessed, or a signature failed. Those records cannot be relied on until explained. <a href="${BASE}/ledger">Open the ledger status</a>.</div>`
      : '';

  const chart = panel(
    'AI share of lines in commits with a checkpoint, by month',
    html`${aiShareChart(byMonth.groups, months)}<div class="legend"><span class="ai">AI</span><span class="human">human</span><span class="unknown">unknown</span></div>`,
    { hint: LINES_COUNTED },
  );
  const ledgerPanel = panel(
    'Ledger verification',
    ledger
      ? ledger.repos.length > 0
        ? html`${ledgerSummary(ledger.repos)}${alerts && alerts.alerts.length > 0 ? html`<div class="body">${alertList(alerts.alerts)}</div>` : ''}`
        : empty('No repository has pushed yet.')
      : empty('Ledger status needs an auditor or admin token.'),
    { flush: Boolean(ledger && ledger.repos.length > 0), hint: html`<a href="${BASE}/ledger">details</a>` },
  );
  const queuePanel = panel(
    'Awaiting review',
    queue.checkpoints.length > 0
      ? checkpointTable(queue.checkpoints, { repo: !repo, status: false, agent: false })
      : empty('Nothing waits for review in this period.'),
    {
      flush: queue.checkpoints.length > 0,
      hint: html`<a href="${filterHref(`${BASE}/checkpoints`, { status: 'pending', ...(repo ? { repo } : {}), ...(since ? { since } : {}) })}">all ${count(pending.total.checkpoints)}</a>`,
    },
  );
  const models = byModel.groups.filter((g) => g.checkpoints > 0).sort((a, b) => b.aiLines - a.aiLines);
  const modelPanel = panel(
    'By model',
    models.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>Model</th><th class="num">Checkpoints</th><th class="num">AI lines</th><th class="num">AI share</th></tr></thead><tbody>${models.map(
          (g) =>
            html`<tr><td class="model">${g.key === '(none)' ? html`<span class="faint">not recorded</span>` : html`<a href="${filterHref(`${BASE}/checkpoints`, { model: g.key, ...(repo ? { repo } : {}) })}"><code>${g.key}</code></a>`}</td><td class="num">${count(g.checkpoints)}</td><td class="num">${count(g.aiLines)}</td><td class="num">${percent(g.aiShare)}</td></tr>`,
        )}</tbody></table></div>`
      : empty('No checkpoints in this period.'),
    { flush: models.length > 0, hint: 'primary model of each checkpoint' },
  );
  const gapsPanel = panel(
    'Gaps',
    html`<ul class="items"><li>${pending.total.checkpoints > 0 ? badge('skip', count(pending.total.checkpoints)) : badge('pass', '0')} changes without an approval</li><li>${changes.total.checkpoints > 0 ? badge('fail', count(changes.total.checkpoints)) : badge('pass', '0')} changes with changes requested</li><li>${alertCount > 0 ? badge('fail', count(alertCount)) : badge('pass', '0')} ledger alerts</li></ul><p class="muted">Commits without a checkpoint, missing tests, unexamined reasoning and capture failures are on the <a href="${BASE}/gaps">gaps page</a>.</p>`,
    { hint: html`<a href="${BASE}/gaps">all gaps</a>` },
  );
  const body = html`${alertBanner}${kpis}${chart}<div class="grid main-side">${queuePanel}${gapsPanel}</div><div class="stack-gap"></div><div class="grid two">${ledgerPanel}${modelPanel}</div>`;
  return page({
    title: 'Overview',
    section: 'overview',
    session: ctx.session,
    assets: ctx.assets,
    subtitle: repo
      ? html`Repository <b>${repo}</b>, ${period.label.toLowerCase()}.`
      : html`Every repository this token can read, ${period.label.toLowerCase()}.`,
    actions: scopeForm(repos.repos, repo, periodKey),
    body,
  });
}
