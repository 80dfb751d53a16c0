/**
 * What `trail push` adds to send git's side (src/server/push-history.ts): a repository that
 * adopts Trail with 20,000 commits of history pushes them all once, then only what is new.
 * `trail push` runs as a command against a server on 127.0.0.1 (PGlite in a temp folder);
 * the baseline is reading the same commits out of git (`git log --no-merges --name-only`)
 * in the same run, which the push cannot do without. Also the server's gaps report over
 * those commits, as the dashboard asks for it. No target: the figures say what adopting
 * Trail on a long history costs once, and what each later push costs.
 * BENCH_HISTORY_COMMITS (default 20000) scales it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { startServer } from '../src/server/server.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
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
    execFileSync('git', ['log', '--no-merges', '--name-only', '--format=%H %P %an %ae %aI %s', 'main'], {
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
    ],
    notes: [
      'each push is a `trail push` process: keys, the (empty) ledger, the commits, the policy',
      'commits touch one to three files each; requests carry up to 2,000 commits',
    ],
  });
} finally {
  await server.close();
  repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
