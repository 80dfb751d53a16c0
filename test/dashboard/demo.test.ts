/**
 * `npm start` runs scripts/demo.mjs after the build. Both ways it can end are tested as a
 * person (or CI) meets them: TRAIL_DEMO_EXIT=1 prints the dashboard address and a token,
 * checks that the dashboard answers, and exits 0; without it the demo keeps serving, the
 * address answers, the API lists the demo's checkpoints, and Ctrl-C (SIGINT) stops it all.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trail } from '../helpers/cli.js';
import { git, tempDir } from '../helpers/temp-repo.js';

/** A report as `--format json` and the API give it, read loosely. */
type ReportJson = { sections: Array<{ table?: { rows: Array<Record<string, string>> } }> };

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

interface Printed {
  dashboard: string;
  token: string;
}

function parsePrinted(stdout: string): Printed | undefined {
  const dashboard = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
  const token = /^Sign in with this auditor token: (trail_\S+)$/m.exec(stdout)?.[1];
  return dashboard && token ? { dashboard, token } : undefined;
}

function startDemo(dir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [DEMO], {
    env: { ...process.env, TRAIL_DEMO_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => {
    out.stdout += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    out.stderr += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

/** After a failure: stop the demo's `trail serve` (its own process group) by the pid it wrote. */
function stopLeftoverServer(dir: string): void {
  try {
    const pid = Number(readFileSync(join(dir, 'server.pid'), 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file, or the server already stopped
  }
}

async function until<T>(what: () => T | undefined, ms: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function demoCheckpoints(base: string, token: string) {
  const response = await fetch(`${base}api/v1/checkpoints?repo=acme%2Fpayments`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  return (
    (await response.json()) as { checkpoints: Array<{ commit: string; status: string; summary: string }> }
  ).checkpoints;
}

describe('npm start: scripts/demo.mjs', { timeout: 400_000 }, () => {
  test('TRAIL_DEMO_EXIT=1 prints the dashboard address and a token, then exits 0', async () => {
    const dir = join(tempDir('trail-demo-'), 'demo');
    const run = startDemo(dir, { TRAIL_DEMO_EXIT: '1' });
    try {
      const code = await run.exited;
      assert.equal(code, 0, run.out.stderr);
      const printed = parsePrinted(run.out.stdout);
      assert.ok(printed, run.out.stdout);
      assert.match(run.out.stdout, /^Checkpoints on the server: 2$/m);
      // What the demo did, as its steps say.
      assert.match(run.out.stderr, /node --test: exit 1\n.*\n?\s*node --test: exit 0/);
      assert.match(run.out.stderr, /verified \d+ records in 1 log from 1 writer: all hold/);
      assert.match(run.out.stderr, /approved checkpoint [0-9a-f]{12}/);
      assert.match(run.out.stderr, /deployment of [0-9a-f]{12} to production: success/);
      // Its RFC 3161 authority (OpenSSL on this machine) stamped the ledger before the push, and
      // verify checks the token against the authority the repository trusts.
      assert.match(run.out.stderr, /1 timestamp token sent: 1 kept/);
      assert.match(
        run.out.stderr,
        /timestamped: .*: its first (\d+) records existed by \S+ \(Trail Demo TSA\)/,
      );
      assert.ok(existsSync(join(dir, 'server', 'pgdata')), 'PGlite data lives in the demo folder');
      // Three commits after the set-up: two agent sessions and a hand-written one.
      const log = git(join(dir, 'payments'), 'log', '--format=%s').split('\n');
      assert.deepEqual(log.slice(0, 3), [
        'Docs: point to the refund rules',
        'PAY-150: rate-limit refunds per merchant',
        'PAY-142: refunds never exceed the charge',
      ]);
      // The server is gone: nothing listens at the address any more.
      await assert.rejects(fetch(printed.dashboard));
    } finally {
      if (run.child.exitCode === null) {
        run.child.kill('SIGKILL');
        stopLeftoverServer(dir);
      }
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  test('serving: the address answers, the API lists the demo checkpoints, Ctrl-C stops it', async () => {
    const dir = join(tempDir('trail-demo-'), 'demo');
    const run = startDemo(dir);
    let child: ChildProcess | undefined = run.child;
    try {
      const printed = await until(
        () => (/^Serving until Ctrl-C\.$/m.test(run.out.stdout) ? parsePrinted(run.out.stdout) : undefined),
        300_000,
        () => `${run.out.stdout}\n${run.out.stderr}`,
      );
      const root = await fetch(printed.dashboard, { redirect: 'manual' });
      assert.equal(root.status, 302);
      assert.equal(root.headers.get('location'), '/ui');
      const login = await fetch(`${printed.dashboard}ui/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /<h1>Sign in<\/h1>/);

      const head = git(join(dir, 'payments'), 'rev-parse', 'HEAD~2');
      const checkpoints = await demoCheckpoints(printed.dashboard, printed.token);
      const first = checkpoints.find((c) => c.commit === head);
      assert.ok(first, 'the PAY-142 commit has its checkpoint on the server');
      assert.equal(first.status, 'approved');
      assert.match(first.summary, /^PAY-142: refunds must never exceed/);
      assert.equal(checkpoints.find((c) => c.commit !== head)?.status, 'pending');
      // trail push sent the branch's commits and policy too: the server finds the gaps the
      // clone's own report finds, the commits without a checkpoint (hand-written) included.
      const gaps = await fetch(`${printed.dashboard}api/v1/reports/gaps?format=json`, {
        headers: { authorization: `Bearer ${printed.token}` },
      });
      assert.equal(gaps.status, 200);
      const local = await trail(join(dir, 'payments'), 'report', 'gaps', '--format', 'json');
      assert.equal(local.code, 0, local.stderr);
      const gapRows = (doc: ReportJson) =>
        doc.sections.flatMap((s) => s.table?.rows ?? []).map((r) => `${r.gap} ${r.commit}`);
      const onServer = gapRows((await gaps.json()) as ReportJson);
      const docs = git(join(dir, 'payments'), 'rev-parse', 'HEAD');
      assert.ok(onServer.includes(`no-checkpoint ${docs}`), onServer.join('\n'));
      assert.deepEqual(onServer, gapRows(JSON.parse(local.stdout)), 'the same gaps, by the same policy');
      // The server kept the token (it trusts the demo authority): the Ledger page's Timestamped.
      const ledger = await fetch(`${printed.dashboard}api/v1/ledger`, {
        headers: { authorization: `Bearer ${printed.token}` },
      });
      assert.equal(ledger.status, 200);
      const [log] = (
        (await ledger.json()) as {
          repos: Array<{ writers: Array<{ size: number; timestamp?: { size: number; authority: string } }> }>;
        }
      ).repos[0]!.writers;
      assert.equal(log?.timestamp?.size, log?.size, 'the whole log is stamped');
      assert.match(log?.timestamp?.authority ?? '', /Trail Demo TSA/);

      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.out.stderr);
      child = undefined;
      assert.match(run.out.stderr, /demo: server stopped/);
      await assert.rejects(fetch(printed.dashboard));
    } finally {
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        stopLeftoverServer(dir);
      }
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
