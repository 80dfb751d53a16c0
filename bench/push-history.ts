/**
 * What `trail push` adds to send git's side (src/server/push-history.ts): a repository that
 * adopts Trail with 20,000 commits of history pushes them all once, then only what is new.
 * `trail push` runs as a command against a server on 127.0.0.1 (PGlite in a temp folder);
 * the baseline is reading the same commits out of git (`git log --name-only`, merges
 * included as the push reads them) in the same run, which the push cannot do without. Also
 * the server's gaps report over those commits, as the dashboard asks for it, and again once
 * GitHub push webhooks have named every commit. No target: the figures say what adopting
 * Trail on a long history costs once, and what each later push costs.
 * BENCH_HISTORY_COMMITS (default 20000) scales it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { startServer } from '../src/server/server.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
import { deliverGitHub, githubPush } from '../test/helpers/github-webhook.js';
import { gitEnv, tempDir, tempRepo } from '../test/helpers/temp-repo.js';
import { token } from '../test/server/harness.js';
import { bestOfRounds, machine, report, time } from './lib.js';

const execFileAsync = promisify(execFile);
const COMMITS = Number(process.env.BENCH_HISTORY_COMMITS ?? 20_000);
const REPO = 'bench/history';

/** A fast-import stream of `n` commits on main, each touching one to three files. */
function history(n: number): string {
  const out: string[] = [];
  const start = Date.UTC(2024, 0, 1) / 1000;
  for (let i = 0; i < n; i++) {
    const message = `change ${i}: tweak module ${i % 97}\n`;
    out.push(
      `commit refs/heads/main\nmark :${i + 1}\nauthor Dev <dev@example.com> ${start + i * 600} +0000\ncommitter Dev <dev@example.com> ${start + i * 600} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
    );
    if (i > 0) out.push(`from :${i}\n`);
    for (let k = 0; k <= i % 3; k++) {
      const content = `export const v = ${i};\n`;
      out.push(`M 100644 inline src/mod${(i + k) % 500}/file${k}.ts\ndata ${content.length}\n${content}`);
    }
    out.push('\n');
  }
  return out.join('');
}

const repo = tempRepo();
const dataDir = tempDir('trail-bench-history-server-');
const server = await startServer({ dataDir, port: 0, host: '127.0.0.1', config: { rateLimit: false } });
try {
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, env: gitEnv, input: history(COMMITS) });
  repo.git('checkout', '-q', '-f', 'main');
  // Asynchronous: the server runs in this process, so a synchronous child would starve it.
  const run = async (args: string[]) => {
    const { stdout } = await execFileAsync(process.execPath, [TRAIL_BIN, ...args], {
      cwd: repo.dir,
      env: gitEnv,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  await run(['init', '--yes']);
  repo.commit('Trail: trust this clone');
  const ingest = await token(server.db, { name: 'bench', role: 'ingest' });
  const auditor = await token(server.db, { name: 'auditor', role: 'auditor' });
  const push = () => run(['push', '--server', server.url, '--token', ingest, '--repo', REPO, '--json']);

  const gitLog = await time(() =>
    execFileSync('git', ['log', '--name-only', '--format=%H %P %an %ae %aI %s', 'main'], {
      cwd: repo.dir,
      env: gitEnv,
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
  const first = await time(push);
  const sent = JSON.parse(first.value).history.commits;
  if (sent.added !== COMMITS + 1) throw new Error(`the first push added ${sent.added} commits`);
  const best = await bestOfRounds(5, {
    again: push,
    node: () => execFileAsync(process.execPath, ['-e', '0']),
    gaps: async () => {
      const answer = await fetch(
        `${server.url}/api/v1/reports/gaps?repo=${encodeURIComponent(REPO)}&format=json`,
        {
          headers: { authorization: `Bearer ${auditor}` },
        },
      );
      if (answer.status !== 200) throw new Error(`gaps report: ${answer.status}`);
      await answer.arrayBuffer();
    },
  });

  // Code hosts as a second witness: GitHub's push webhooks for the whole history, 20 commits
  // each (plus 20 commits no push sent, in the last delivery), held against the sent commits.
  const secret = 'bench-webhook-secret';
  const admin = server.adminToken;
  if (!admin) throw new Error('the server made no admin token');
  const set = await fetch(`${server.url}/api/v1/admin/webhook-secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ host: 'github', repo: REPO, secret }),
  });
  if (set.status !== 201) throw new Error(`webhook secret: ${set.status}`);
  const shas = repo.git('rev-list', '--reverse', 'main').split('\n');
  for (let k = 0; k < 20; k++) shas.push(createHash('sha1').update(`unsent ${k}`).digest('hex'));
  const deliveries: string[][] = [];
  for (let i = 0; i < shas.length; i += 20) deliveries.push(shas.slice(i, i + 20));
  for (const [i, commits] of deliveries.entries()) {
    const answer = await deliverGitHub(server.url, {
      secret,
      event: 'push',
      id: `bench-${i}`,
      payload: githubPush({
        repo: REPO,
        ref: 'refs/heads/main',
        before: i === 0 ? '0'.repeat(40) : deliveries[i - 1]!.at(-1)!,
        commits,
      }),
    });
    if (answer.status !== 201) throw new Error(`webhook ${i}: ${answer.status}`);
  }
  const witnessed = await bestOfRounds(5, {
    gaps: async () => {
      const answer = await fetch(
        `${server.url}/api/v1/reports/gaps?repo=${encodeURIComponent(REPO)}&format=json`,
        { headers: { authorization: `Bearer ${auditor}` } },
      );
      if (answer.status !== 200) throw new Error(`gaps report: ${answer.status}`);
      const doc = (await answer.json()) as { summary: Array<{ label: string; value: number }> };
      const unsent = doc.summary.find((s) => s.label === 'unsent-commit')?.value;
      if (unsent !== 20) throw new Error(`the gaps report found ${unsent} unsent commits, not 20`);
    },
  });
  const n = (COMMITS + 1).toLocaleString('en-US');
  report({
    bench: 'push-history',
    title: `trail push of a ${n}-commit history to a server on PGlite (${machine()})`,
    figures: [
      {
        name: `first push: ${n} commits sent`,
        value: first.ms,
        unit: 'ms',
        baseline: { name: 'git log --name-only of the same commits', value: gitLog.ms, unit: 'ms' },
        ratio: first.ms / gitLog.ms,
      },
      {
        name: 'next push, nothing new (best of 5)',
        value: best.again,
        unit: 'ms',
        baseline: { name: 'node -e 0', value: best.node, unit: 'ms' },
        ratio: best.again / best.node,
      },
      { name: `the server's gaps report over ${n} commits (best of 5)`, value: best.gaps, unit: 'ms' },
      {
        name: `the same, held against ${deliveries.length.toLocaleString('en-US')} GitHub push webhooks naming every commit (best of 5)`,
        value: witnessed.gaps,
        unit: 'ms',
        baseline: { name: 'the gaps report without them', value: best.gaps, unit: 'ms' },
        ratio: witnessed.gaps / best.gaps,
      },
    ],
    notes: [
      'each push is a `trail push` process: keys, the (empty) ledger, the commits, the policy',
      'commits touch one to three files each; requests carry up to 2,000 commits',
      'each request of commits, and the policy, is signed with the clone\'s writer key and checked by the server (docs/server.md, "Signed commits and policy"); on 2026-12-05 that added about a tenth to the first push (2.29–2.47 s before, 2.57–2.86 s after, same machine)',
    ],
  });
} finally {
  await server.close();
  repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
