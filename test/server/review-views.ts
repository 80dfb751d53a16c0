/**
 * Where the server shows which reviews it counts, read as a person or an auditor reads them:
 * the gaps report's "no-approval" rows, a report's notes, and a checkpoint's Review card on
 * the dashboard. Shared by the tests that compare those with what `trail show` says.
 */
import assert from 'node:assert/strict';

export type ReportDoc = {
  sections: Array<{ notes?: string[]; table?: { rows: Array<Record<string, unknown>> } }>;
};

/** The gaps report's rows that say a commit has no approval. */
export const noApprovalOf = (doc: ReportDoc, commit: string) =>
  doc.sections
    .flatMap((s) => s.table?.rows ?? [])
    .filter((row) => {
      const cells = Object.values(row).map(String);
      return cells.includes('no-approval') && cells.some((c) => c.startsWith(commit.slice(0, 7)));
    });

export const notesOf = (doc: ReportDoc) => doc.sections.flatMap((s) => s.notes ?? []);

type FetchPath = (path: string, init?: RequestInit) => Promise<Response>;

/** Signs in to the dashboard with a token: the session cookie to send with each page asked for. */
export async function dashboardCookie(fetchPath: FetchPath, secret: string): Promise<string> {
  const login = await fetchPath('/ui/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: secret, next: '/ui' }).toString(),
    redirect: 'manual',
  });
  assert.equal(login.status, 303, await login.text());
  return (login.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** Signs in to the dashboard with a token, and returns the page at `path`. */
export async function dashboardPage(fetchPath: FetchPath, secret: string, path: string) {
  const cookie = await dashboardCookie(fetchPath, secret);
  const page = await fetchPath(path, { headers: { cookie } });
  assert.equal(page.status, 200);
  return page.text();
}

/** The Review card of a checkpoint page. */
export const reviewCard = (page: string) => {
  const start = page.indexOf('id="review"');
  assert.ok(start >= 0, 'the page has a Review card');
  return page.slice(start, page.indexOf('</section>', start));
};
