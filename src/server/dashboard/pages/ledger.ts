/**
 * Ledger status: every log (one per writer: a clone on a machine) of every repository, with
 * the newest signed tree head the server checked, and the alerts raised when a push would
 * have rewritten, reordered or re-signed history the server had already witnessed.
 */
import type { Alert, LedgerRepo } from '../api.js';
import type { PageContext } from '../context.js';
import { may, param } from '../context.js';
import { count, plural, short, time } from '../format.js';
import { html } from '../html.js';
import { empty, page, panel } from '../layout.js';
import { alertList, ledgerTable } from './overview.js';

/** Who can add a signing key to the repository: any ingest token, or only an admin's approval. */
function keySetLine(r: LedgerRepo): string {
  if (!r.keySet?.locked) return 'key set open: a key pushed from .trail/keys/ is trusted at once';
  const waiting = r.keySet.waiting.length;
  return waiting === 0
    ? 'key set locked: every registered key is approved'
    : `key set locked: ${plural(waiting, 'key')} waiting for an admin’s approval (${r.keySet.waiting.map((k) => short(k)).join(', ')})`;
}

export async function ledgerPage(ctx: PageContext): Promise<string> {
  const repo = param(ctx.url, 'repo', 200);
  if (!may(ctx, 'ledger')) {
    return page({
      title: 'Ledger',
      section: 'ledger',
      session: ctx.session,
      assets: ctx.assets,
      body: html`<div class="notice warn"><strong>Not available to this token.</strong>Ledger status and alerts need an auditor or admin token; a ${ctx.session.role} token reads checkpoints only.</div>`,
    });
  }
  const [ledger, alerts] = await Promise.all([
    ctx.api.get<{ repos: LedgerRepo[] }>('/api/v1/ledger', { repo }),
    ctx.api.get<{ alerts: Alert[] }>('/api/v1/alerts', { repo, limit: 100 }),
  ]);
  const alertCount = ledger.repos.reduce((n, r) => n + r.alerts, 0);
  const logs = ledger.repos.reduce((n, r) => n + r.writers.length, 0);
  const entries = ledger.repos.reduce((n, r) => n + r.entries, 0);
  const status =
    alertCount > 0
      ? html`<div class="notice bad"><strong>${plural(alertCount, 'alert')}: the server refused history it could not reconcile.</strong>Each alert below is a push whose log differed from what the server had already witnessed (a rewritten, truncated or reordered ledger), or whose signed tree head did not verify. The server kept its own copy; run <code>trail verify</code> in the clone that pushed, and find out who changed its log.</div>`
      : html`<div class="notice good"><strong>Every log is consistent with everything the server has witnessed.</strong>${count(entries)} entries in ${plural(logs, 'log')}: each push was checked entry by entry (hash chain, Merkle root, Ed25519 signature of the tree head, trusted key) and against the heads seen before.</div>`;
  const detail = ledger.repos.map((r) =>
    panel(
      r.repo,
      html`<div class="table-wrap"><table><thead><tr><th>Log (writer)</th><th class="num">Entries</th><th class="num">Heads seen</th><th>Newest signed head</th><th>Root</th><th>Signing key</th><th>Timestamped</th><th class="num">Alerts</th></tr></thead><tbody>${r.writers.map(
        (w) =>
          html`<tr><td><code title="${w.writerId}">${short(w.writerId)}</code>${w.name ? html`<div class="faint">${w.name}</div>` : ''}</td><td class="num">${count(w.size)}</td><td class="num">${count(w.headsSeen)}</td><td>${w.latestHead ? html`${time(w.latestHead.time)}<div class="faint">size ${count(w.latestHead.size)}</div>` : html`<span class="faint">none</span>`}</td><td><code title="${w.root}">${short(w.root, 16)}</code></td><td><code>${w.latestHead ? short(w.latestHead.keyId) : ''}</code></td><td>${w.timestamp ? html`first ${count(w.timestamp.size)} by ${time(w.timestamp.time)}<div class="faint">${w.timestamp.authority}</div>` : html`<span class="faint">no token</span>`}</td><td class="num">${w.alerts}</td></tr>`,
      )}</tbody></table></div>`,
      {
        flush: true,
        hint: `${plural(r.writers.length, 'log')}, ${count(r.entries)} entries; ${keySetLine(r)}`,
      },
    ),
  );
  const body = html`${status}${ledger.repos.length > 0 ? panel('Summary', ledgerTable(ledger.repos), { flush: true }) : empty('No repository has pushed yet.')}${detail}${panel(
    'Alerts',
    alerts.alerts.length > 0
      ? alertList(alerts.alerts)
      : empty('No alert: the server has never refused a push.'),
    { hint: 'newest first' },
  )}`;
  return page({
    title: 'Ledger',
    section: 'ledger',
    session: ctx.session,
    assets: ctx.assets,
    subtitle: 'What the server witnessed of each repository’s tamper-evident logs.',
    body,
  });
}
