/** Sign-in with an API token, and the pages shown when something goes wrong. */
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { Assets } from '../layout.js';
import { BASE, barePage, LOGO, page } from '../layout.js';
import type { DashboardSession } from '../sessions.js';

const REASONS: Record<string, string> = {
  'signed-out': 'You are signed out.',
  expired: 'Your session ended. Sign in again to continue.',
  revoked: 'The token this session used is no longer valid (revoked or expired). Sign in with another.',
};

export function loginPage(
  assets: Assets,
  options: { next?: string; error?: string; reason?: string } = {},
): string {
  const message = options.error
    ? html`<div class="notice bad" role="alert">${options.error}</div>`
    : options.reason && REASONS[options.reason]
      ? html`<div class="notice info">${REASONS[options.reason]}</div>`
      : '';
  const body = html`<div class="signin"><div class="card"><a class="brand" href="${BASE}">${LOGO}<span>Trail<small>audit trail for AI-written code</small></span></a>
<h1>Sign in</h1><p class="muted">Use an API token of this server with the reviewer, auditor or admin role.</p>${message}
<form method="post" action="${BASE}/login" autocomplete="off">
<input type="hidden" name="next" value="${options.next ?? ''}">
<div class="field"><label for="token">API token</label><input type="password" id="token" name="token" placeholder="trail_…" required autofocus spellcheck="false" autocomplete="off"></div>
<button class="btn primary" type="submit">Sign in</button>
</form>
<p class="hint">The token stays on the server: the browser gets an HttpOnly session cookie that scripts cannot read, and sign-out or the token's revocation ends it. An admin creates tokens with <code>POST /api/v1/admin/tokens</code>; <code>trail serve</code> prints the first admin token when it starts.</p>
</div></div>`;
  return barePage('Sign in', assets, body);
}

export function errorPage(
  assets: Assets,
  session: DashboardSession | undefined,
  status: number,
  title: string,
  message: string,
): string {
  const body: Html = html`<div class="notice ${status >= 500 ? 'bad' : 'warn'}"><strong>${title}</strong>${message}</div><p><a href="${BASE}">Back to the overview</a></p>`;
  if (!session) {
    return barePage(
      title,
      assets,
      html`<div class="signin"><div class="card"><h1>${title}</h1><p>${message}</p><p><a href="${BASE}">Trail</a></p></div></div>`,
    );
  }
  return page({ title, session, assets, body });
}
