/**
 * The dashboard in a real browser: `trail serve` (PGlite in a temp folder, a free port on
 * 127.0.0.1) fed by `trail push` from a repository where a scripted Claude Code session ran
 * through Trail's real hooks (a prompt holding `<script>`, a check that fails then passes,
 * a person's edit after the agent), then headless Chromium signs in, filters, opens the
 * checkpoint, reads its lines' origins and downloads a report. Screenshots are written to
 * test-artifacts/dashboard/ for people to look at.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { generateKeyPair } from '../../src/core/signature.js';
import { brokenWords } from '../helpers/broken-words.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trailProcess } from '../helpers/cli.js';
import { deliverGitHub, githubPush } from '../helpers/github-webhook.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const REPO = 'acme/web';
const PROMPT = 'PROJ-9: make the greeting escape user names so <script>alert(1)</script> shows as text';

interface Served {
  child: ChildProcess;
  url: string;
  adminToken: string;
}

/** `trail serve --port 0 --json` as its own process; resolves once it listens. */
function serve(dataDir: string): Promise<Served> {
  const child = spawn(process.execPath, [TRAIL_BIN, 'serve', '--port', '0', '--data', dataDir, '--json'], {
    cwd: dataDir,
    env: { ...gitEnv, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    let text = '';
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      text += `${line}\n`;
      try {
        const info = JSON.parse(text) as { url: string; adminToken: string };
        lines.close();
        resolve({ child, url: info.url, adminToken: info.adminToken });
      } catch {
        // the JSON document is not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`trail serve exited ${code}: ${stderr}`)));
  });
}

async function api<T>(
  url: string,
  token: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

async function token(url: string, admin: string, name: string, role: string): Promise<string> {
  const created = await api<{ token: string }>(url, admin, '/api/v1/admin/tokens', { name, role });
  assert.equal(created.status, 201);
  return created.body.token;
}

describe('dashboard in headless Chromium', { timeout: 300_000 }, () => {
  let repo: TempRepo;
  let dataDir: string;
  let profileDir: string;
  let server: Served;
  let auditor: string;
  let ingest: string;
  let context: BrowserContext;
  let page: Page;
  let commit: string;
  let checkpointId: string;
  /** Every page of the dashboard, for the checks each page must pass. */
  const everyPage = () => [
    '/ui',
    '/ui/checkpoints',
    `/ui/checkpoints/${checkpointId}`,
    '/ui/sessions',
    '/ui/gaps',
    '/ui/ledger',
    '/ui/reports',
  ];
  const requested: string[] = [];
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  const shot = async (name: string) => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.write('src/greet.ts', 'export const greet = (name: string) => "Hello " + name;\n');
    repo.commit('greeting; trust this clone');

    const agent = new ScriptedClaude(repo.dir).start('claude-sonnet-4-6').prompt(PROMPT);
    agent.write(
      'src/escape.ts',
      'export function escape(text: string): string {\n  return text.replace(/</g, "&lt;");\n}\n\nexport const greeting = (name: string) => "Hello " + escape(name);\n',
    );
    agent.bash('npm test', 1, 'not ok 1 - escapes > as well');
    agent.write(
      'src/escape.ts',
      'export function escape(text: string): string {\n  return text.replace(/</g, "&lt;").replace(/>/g, "&gt;");\n}\n\nexport const greeting = (name: string) => "Hello " + escape(name);\n',
    );
    agent.bash('npm test', 0, 'ok 1 - escapes > as well');
    agent.stop();
    // A person changes the agent's last line before committing.
    repo.write(
      'src/escape.ts',
      'export function escape(text: string): string {\n  return text.replace(/</g, "&lt;").replace(/>/g, "&gt;");\n}\n\nexport const greeting = (name: string) => "Hello, " + escape(name) + "!";\n',
    );
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'PROJ-9: escape user names in the greeting');
    commit = repo.git('rev-parse', 'HEAD');

    dataDir = tempDir('trail-dashboard-server-');
    server = await serve(dataDir);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    auditor = await token(server.url, server.adminToken, 'auditor (browser test)', 'auditor');
    ingest = await token(server.url, server.adminToken, 'clone (browser test)', 'ingest');
    const pushed = trailProcess(repo.dir, [
      'push',
      '--server',
      server.url,
      '--token',
      ingest,
      '--repo',
      REPO,
    ]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const listed = await api<{ checkpoints: Array<{ id: string; commit: string }> }>(
      server.url,
      auditor,
      '/api/v1/checkpoints',
    );
    checkpointId = listed.body.checkpoints.find((c) => c.commit === commit)!.id;

    profileDir = tempDir('trail-dashboard-chromium-');
    context = await chromium.launchPersistentContext(profileDir, {
      ...CHROMIUM,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    // Only this test's server is ever contacted.
    await context.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.protocol === 'data:' || target.origin === server.url) return route.continue();
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requested.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    if (server?.child.exitCode === null) {
      const exited = new Promise((done) => server.child.once('exit', done));
      server.child.kill('SIGTERM');
      await exited;
    }
    repo?.cleanup();
    for (const dir of [dataDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('sign-in: wrong and ingest tokens are refused; the session is an HttpOnly cookie, never a URL', async () => {
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/ui\/login\?next=%2Fui$/);
    await shot('login');

    await page.fill('#token', 'trail_not-a-real-token');
    await page.click('button[type=submit]');
    await page.getByText('the API token is not known to this server').waitFor();

    await page.fill('#token', ingest);
    await page.click('button[type=submit]');
    await page.getByText('This is an ingest token').waitFor();

    await page.fill('#token', auditor);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/ui`);
    assert.equal(await page.locator('h1').textContent(), 'Overview');

    const cookies = await context.cookies(`${server.url}/ui`);
    const session = cookies.find((c) => c.name === 'trail_session');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.notEqual(session.value, auditor, 'the cookie is a session id, not the token');
    assert.equal(await page.evaluate('document.cookie'), '', 'scripts see no cookie');
    const stored = String(await page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })'));
    assert.ok(!stored.includes('trail_'), 'no token in web storage');
  });

  test('overview: AI share chart, review queue and ledger status', async () => {
    await page.goto(`${server.url}/ui`);
    assert.equal(await page.locator('svg.chart').count(), 1);
    const stats = await api<{
      total: { aiShare: number; aiLines: number; humanLines: number; unknownLines: number };
    }>(server.url, auditor, '/api/v1/stats');
    const share = `${Math.round(stats.body.total.aiShare * 100)}%`;
    assert.equal(await page.locator('.kpi.ai .value').textContent(), share);
    // The lines counted are those of commits with a checkpoint, and the figure says so.
    const { aiLines, humanLines, unknownLines } = stats.body.total;
    assert.equal(
      await page.locator('.kpi.ai .note').textContent(),
      `${aiLines} of ${aiLines + humanLines + unknownLines} lines in commits with a checkpoint`,
    );
    await page.getByRole('cell', { name: REPO }).first().waitFor();
    assert.equal(await page.locator('.badge.pass', { hasText: 'consistent' }).count(), 1);
    await shot('overview');
  });

  test('the checkpoint list filters as the API search does', async () => {
    await page.goto(`${server.url}/ui/checkpoints`);
    assert.equal(await page.locator('tbody tr').count(), 1);

    await page.fill('#q', 'greeting');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/q=greeting/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    const viaApi = await api<{ checkpoints: unknown[] }>(
      server.url,
      auditor,
      '/api/v1/checkpoints?q=greeting',
    );
    assert.equal(viaApi.body.checkpoints.length, 1);

    await page.fill('#f-model', 'claude-opus-4-6');
    await page.click('form.filters button[type=submit]');
    await page.getByText('No checkpoint matches these filters.').waitFor();

    // A select applies itself (client script); filters combine with the text search.
    await page.goto(`${server.url}/ui/checkpoints?q=greeting`);
    await page.selectOption('#f-status', 'pending');
    await page.waitForURL(/status=pending/);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.selectOption('#f-status', 'approved');
    await page.waitForURL(/status=approved/);
    await page.getByText('No checkpoint matches these filters.').waitFor();
    const approved = await api<{ checkpoints: unknown[] }>(
      server.url,
      auditor,
      '/api/v1/checkpoints?status=approved',
    );
    assert.equal(approved.body.checkpoints.length, 0);

    await page.goto(
      `${server.url}/ui/checkpoints?path=src%2F&requester=author%40example.com&agent=claude-code`,
    );
    assert.equal(await page.locator('tbody tr').count(), 1);
    await shot('checkpoints');
  });

  test('the sessions list narrows to the days a session started on, keeping its other filters', async () => {
    const listed = await api<{ sessions: Array<{ firstSeen: string }> }>(
      server.url,
      auditor,
      '/api/v1/sessions',
    );
    const day = listed.body.sessions[0]!.firstSeen.slice(0, 10);
    await page.goto(`${server.url}/ui/sessions?agent=claude-code`);
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.fill('#f-since', '2999-01-01');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/since=2999-01-01/);
    assert.match(page.url(), /agent=claude-code/, 'the agent filter is kept');
    await page.getByText('No session matches these filters.').waitFor();
    await page.fill('#f-since', day);
    await page.fill('#f-until', day);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(new RegExp(`until=${day}`));
    assert.equal(await page.locator('tbody tr').count(), 1, 'its first day, both ends inclusive');
    await page.click('text=any day');
    await page.waitForURL((url) => !url.search.includes('since='));
    assert.match(page.url(), /agent=claude-code/);
    assert.equal(await page.locator('tbody tr').count(), 1);
  });

  test('checkpoint page: the <script> prompt is text, checks have exit codes, lines have origins', async () => {
    await page.goto(`${server.url}/ui/checkpoints?q=greeting`);
    await page.locator('td.summary a').first().click();
    await page.waitForURL(`${server.url}/ui/checkpoints/${checkpointId}`);

    const prompt = page.locator('#prompt .prose');
    assert.equal(await prompt.textContent(), PROMPT);
    assert.ok(await prompt.isVisible());
    const html = await page.content();
    assert.ok(!html.includes('<script>alert(1)</script>'), 'the markup is escaped in the page source');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const scripts = await page
      .locator('script')
      .evaluateAll((list) =>
        list.map((s) => (s as unknown as { src: string }).src || `inline:${s.textContent}`),
      );
    assert.deepEqual(
      scripts.map((s) => new URL(s).pathname.replace(/app-[0-9a-f]+\.js$/, 'app.js')),
      ['/ui/assets/app.js'],
      'one script, from a file of this server',
    );

    // The check failed (exit 1) on attempt 1, was repaired, and passed (exit 0) on attempt 2.
    const checks = page.locator('#checks tbody tr');
    const rows = await checks.evaluateAll((list) =>
      list.map((r) => (r as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ')),
    );
    assert.ok(
      rows.some((r) => /^test .*\b1 failed 1\b/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^test .*\b2 passed 0\b/.test(r)),
      rows.join('\n'),
    );
    await page.locator('#checks', { hasText: 'fixed' }).waitFor();

    // Each recorded range of the file, with its origin, as the checkpoint holds it.
    const detail = await api<{
      checkpoint: {
        record: { attribution: Record<string, Array<{ start: number; end: number; origin: string }>> };
      };
    }>(server.url, auditor, `/api/v1/checkpoints/${checkpointId}`);
    const spans = detail.body.checkpoint.record.attribution['src/escape.ts']!;
    assert.ok(spans.some((s) => s.origin === 'ai') && spans.some((s) => s.origin === 'human'));
    const file = page.locator('#files .file', { has: page.locator('.path', { hasText: 'src/escape.ts' }) });
    const ranges = await file.locator('table.ranges tbody tr').evaluateAll((list) =>
      list.map((r) => ({
        cls: r.className,
        text: (r as unknown as { innerText: string }).innerText.replace(/\s+/g, ' '),
      })),
    );
    assert.equal(ranges.length, spans.length);
    spans.forEach((s, i) => {
      assert.equal(ranges[i]!.cls, s.origin);
      assert.ok(
        ranges[i]!.text.startsWith(s.start === s.end ? `${s.start} ` : `${s.start}–${s.end} `),
        ranges[i]!.text,
      );
      if (s.origin === 'ai') assert.match(ranges[i]!.text, /claude-code · claude-sonnet-4-6/);
      if (s.origin === 'human')
        assert.match(ranges[i]!.text, /human\*? .*a person changed a line the agent wrote/);
    });
    assert.equal(
      await page.locator('.fact', { hasText: 'Ledger' }).locator('.value').textContent(),
      'Verified',
    );
    await shot('checkpoint');
    assert.deepEqual(dialogs, [], 'no dialog was opened');
  });

  test('reports: the checkpoint register downloads as a CSV file', async () => {
    await page.goto(`${server.url}/ui/reports`);
    await shot('reports');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.report', { hasText: 'Checkpoint register' }).getByRole('link', { name: 'CSV' }).click(),
    ]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    assert.ok(csvText.length > 0);
    assert.match(csvText, new RegExp(commit));
    assert.match(csv.suggestedFilename(), /^trail-checkpoints-\d{4}-\d{2}-\d{2}\.csv$/);
  });

  test('reports: a compliance report downloads as a PDF file', async (t) => {
    const probe = await api(server.url, auditor, '/api/v1/reports/soc2?format=json');
    if (probe.status === 501) {
      t.skip('this server has no report module yet (GET /api/v1/reports answers 501)');
      return;
    }
    await page.goto(`${server.url}/ui/reports`);
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.report', { hasText: 'SOC 2' }).getByRole('link', { name: 'PDF' }).click(),
    ]);
    const bytes = readFileSync((await pdf.path())!);
    assert.ok(bytes.length > 0);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.match(pdf.suggestedFilename(), /^trail-soc2-all\.pdf$/);
  });

  test('gaps and ledger pages', async () => {
    await page.goto(`${server.url}/ui/gaps`);
    await page.locator('section.panel', { hasText: 'Awaiting review' }).locator('tbody tr').first().waitFor();
    await shot('gaps');
    // trail push sent the commits too: the first one, written without an agent, is a gap,
    // and its link opens what git says of it.
    const first = repo.git('rev-parse', 'HEAD~1');
    const row = page.locator('tr', { hasText: 'no-checkpoint' });
    assert.equal(await row.count(), 1);
    await row.locator(`a[href$="/ui/commits/${first}"]`).click();
    await page.getByText('No checkpoint records this commit.').waitFor();
    assert.equal(await page.locator('h1').textContent(), `Commit ${first.slice(0, 12)}`);
    const facts = await page.locator('dl.kv').textContent();
    assert.match(facts ?? '', /greeting; trust this clone/);
    assert.match(facts ?? '', new RegExp(first));
    assert.deepEqual(
      (
        await page.locator('section.panel', { hasText: 'Paths changed' }).locator('li').allTextContents()
      ).filter((p) => p.startsWith('src/')),
      ['src/greet.ts'],
    );
    await shot('commit-without-checkpoint');

    // GitHub says main was force-pushed to a commit trail push never sent: both are gaps.
    const secret = 'dashboard-webhook-secret';
    const set = await api(server.url, server.adminToken, '/api/v1/admin/webhook-secrets', {
      host: 'github',
      repo: REPO,
      secret,
    });
    assert.equal(set.status, 201);
    const unsent = 'c0ffee'.padEnd(40, '0');
    const delivered = await deliverGitHub(server.url, {
      secret,
      event: 'push',
      id: 'dashboard-force-push',
      payload: githubPush({
        repo: REPO,
        ref: 'refs/heads/main',
        before: commit,
        commits: [unsent],
        forced: true,
      }),
    });
    assert.equal(delivered.status, 201, await delivered.text());
    await page.goto(`${server.url}/ui/gaps`);
    for (const gap of ['unsent-commit', 'force-push']) {
      const hostRow = page.locator('tr', { hasText: gap });
      assert.equal(await hostRow.count(), 1, gap);
      assert.match((await hostRow.textContent()) ?? '', new RegExp(unsent.slice(0, 12)));
      assert.equal(await hostRow.locator('.badge.fail').count(), 1, `${gap} is marked as severe`);
    }
    await shot('gaps-from-code-host');
    // Its commit link opens what the server knows of it: what GitHub said, and what to do.
    await page
      .locator('tr', { hasText: 'unsent-commit' })
      .locator(`a[href$="/ui/commits/${unsent}"]`)
      .click();
    await page.getByText('trail push has not sent this commit.').waitFor();
    const reportedRow = page
      .locator('section.panel', { hasText: 'What code hosts reported' })
      .locator('tbody tr');
    assert.equal(await reportedRow.count(), 1);
    assert.match((await reportedRow.textContent()) ?? '', /github.*acme\/web.*refs\/heads\/main.*forced/);
    await shot('commit-not-sent');
    await page.goto(`${server.url}/ui/ledger`);
    await page.getByText('Every log is consistent with everything the server has witnessed.').waitFor();
    await page.getByText('key set open: a key pushed from .trail/keys/ is trusted at once').waitFor();
    // An admin locks the key set; then a token holder registers a key of their own: it waits.
    const locked = await api(server.url, server.adminToken, '/api/v1/admin/key-lock', {
      repo: REPO,
      locked: true,
    });
    assert.equal(locked.status, 200, JSON.stringify(locked.body));
    const stranger = generateKeyPair();
    const registered = await api(server.url, ingest, `/api/v1/repos/${encodeURIComponent(REPO)}/keys`, {
      keys: [{ keyId: stranger.keyId, publicKey: stranger.publicKey, name: 'not reviewed' }],
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    await page.reload();
    await page
      .getByText(`key set locked: 1 key waiting for an admin’s approval (${stranger.keyId.slice(0, 12)})`)
      .waitFor();
    await shot('ledger');
  });

  test('on a phone-wide screen every page fits its width, the navigation above it', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const path of everyPage()) {
        await page.goto(`${server.url}${path}`);
        // Wide tables scroll inside their panel; the page itself never scrolls sideways.
        const [scrollWidth, innerWidth] = (await page.evaluate(
          '[document.documentElement.scrollWidth, window.innerWidth]',
        )) as [number, number];
        assert.ok(scrollWidth <= innerWidth, `${path}: ${scrollWidth} px wide on a ${innerWidth} px screen`);
        const nav = await page.locator('nav.nav').boundingBox();
        const heading = await page.locator('h1').boundingBox();
        assert.ok(
          nav && heading && nav.y + nav.height <= heading.y,
          `${path}: the navigation is above the page`,
        );
      }
      await shot('phone-reports');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('on a desktop screen (1280 px) every table fits its panel: no column hides behind a scroll', async () => {
    for (const path of everyPage()) {
      await page.goto(`${server.url}${path}`);
      const clipped = (await page.evaluate(
        `[...document.querySelectorAll('.table-wrap')]
          .filter((wrap) => wrap.scrollWidth > wrap.clientWidth)
          .map((wrap) => [...wrap.querySelectorAll('th')].map((th) => th.textContent).join(' | '))`,
      )) as string[];
      assert.deepEqual(clipped, [], `${path}: a table wider than its panel`);
      assert.deepEqual(
        await page.evaluate(brokenWords('th, td', { strictOnly: true })),
        [],
        `${path}: words broken between letters`,
      );
      // A form's labels on one row line up, whatever kind of field each names.
      const tops = (await page.evaluate(
        `[...document.querySelectorAll('form.filters .field > label')]
          .map((label) => Math.round(label.getBoundingClientRect().top * 10) / 10)
          .sort((a, b) => a - b)`,
      )) as number[];
      const offRow = tops.filter((top, i) => i > 0 && top - tops[i - 1]! > 0.5 && top - tops[i - 1]! < 12);
      assert.deepEqual(offRow, [], `${path}: labels of one row at different heights: ${tops.join(', ')}`);
    }
  });

  test('headers: a strict CSP on every page; no violation, no token in any URL', async () => {
    for (const path of ['/ui/login', '/ui', `/ui/checkpoints/${checkpointId}`]) {
      const response = await fetch(`${server.url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    assert.deepEqual(cspViolations, []);
    assert.ok(requested.length > 10);
    for (const url of requested) {
      assert.ok(!url.includes(auditor) && !url.includes(ingest), `a token in ${url}`);
      assert.ok(url.startsWith(server.url) || url.startsWith('data:'), `only this server: ${url}`);
    }
  });

  test('revoking the token ends the session; signing out ends it too', async () => {
    const second = await token(server.url, server.adminToken, 'second auditor', 'auditor');
    await page.goto(`${server.url}/ui/login`);
    // Signed in already: the login page sends people on.
    await page.waitForURL(`${server.url}/ui`);
    await page.click('text=Sign out');
    await page.waitForURL(/\/ui\/login\?reason=signed-out/);
    await page.goto(`${server.url}/ui/checkpoints`);
    assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Fcheckpoints/);

    await page.fill('#token', second);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/ui/checkpoints`);
    const tokens = await api<{ tokens: Array<{ id: string; name: string }> }>(
      server.url,
      server.adminToken,
      '/api/v1/admin/tokens',
    );
    const id = tokens.body.tokens.find((x) => x.name === 'second auditor')!.id;
    assert.equal(
      (await api(server.url, server.adminToken, `/api/v1/admin/tokens/${id}/revoke`, {})).status,
      200,
    );
    await page.goto(`${server.url}/ui`);
    assert.match(page.url(), /\/ui\/login\?reason=revoked/);
    await page.getByText('no longer valid').waitFor();
    writeFileSync(
      join(ARTIFACTS, 'README.txt'),
      'Screenshots from test/dashboard/dashboard.test.ts (not committed).\n',
    );
  });
});
