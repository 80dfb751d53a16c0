/**
 * `trail blame` on a 5,000-line file with 2,000 commits of history, half of them AI
 * checkpoints, beside `git blame --porcelain` on the same file in the same run.
 * Target (issue 4): within 1.5x of git blame.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { loadWriterKey } from '../src/ledger/keys.js';
import { appendRecords } from '../src/ledger/log-store.js';
import { findRepo } from '../src/ledger/repo.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
import { gitEnv, tempRepo } from '../test/helpers/temp-repo.js';
import { percentile, report } from './lib.js';

const LINES = 5000;
const COMMITS = Number(process.env.BENCH_COMMITS ?? 2000);
const RUNS = 5;

const repo = tempRepo();
try {
  // History through one fast-import: each commit rewrites 3 lines of the file.
  const content = Array.from({ length: LINES }, (_, i) => `const line${i} = ${i};`);
  const chunks: string[] = [];
  const changed: number[][] = [];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let c = 0; c < COMMITS; c++) {
    const lines: number[] = [];
    if (c > 0) {
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(rand() * LINES);
        content[at] = `const line${at} = ${c}; // edited in commit ${c}`;
        lines.push(at + 1);
      }
    } else {
      for (let i = 1; i <= LINES; i++) lines.push(i);
    }
    changed.push(lines);
    const body = `${content.join('\n')}\n`;
    const message = `commit ${c}`;
    chunks.push(
      `commit refs/heads/main\nmark :${c + 1}\ncommitter Dev <dev@example.com> ${1_700_000_000 + c * 60} +0000\ndata ${message.length}\n${message}\n${c > 0 ? `from :${c}\n` : ''}M 100644 inline big.ts\ndata ${Buffer.byteLength(body)}\n${body}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: repo.dir,
    input: chunks.join(''),
    env: gitEnv,
    maxBuffer: 1 << 30,
  });
  execFileSync('git', ['reset', '-q', '--hard', 'main'], { cwd: repo.dir, env: gitEnv });
  execFileSync(process.execPath, [TRAIL_BIN, 'init', '--yes'], {
    cwd: repo.dir,
    env: gitEnv,
    stdio: 'ignore',
  });
  const shas = execFileSync('git', ['rev-list', '--reverse', 'main'], {
    cwd: repo.dir,
    env: gitEnv,
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  const ledger = await findRepo(repo.dir);
  const key = loadWriterKey(ledger);
  const checkpoints = shas.flatMap((sha, c) =>
    c % 2 === 1
      ? [
          {
            kind: 'checkpoint',
            v: 1,
            time: new Date(1_700_000_000_000 + c * 60_000).toISOString(),
            actor: { type: 'human', id: 'dev@example.com' },
            provenance: 'observed',
            commit: sha,
            sessions: [{ sessionId: `s${c}`, agent: 'claude-code', model: 'claude-sonnet-4-6' }],
            attribution: {
              'big.ts': changed[c]!.map((l) => ({ start: l, end: l, origin: 'ai', sessionId: `s${c}` })),
            },
          },
        ]
      : [],
  );
  for (let i = 0; i < checkpoints.length; i += 500)
    await appendRecords(ledger, key, checkpoints.slice(i, i + 500));

  const time = (command: string, args: string[]) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: repo.dir, env: gitEnv, maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const git: number[] = [];
  const trail: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    git.push(time('git', ['blame', '--porcelain', 'HEAD', '--', 'big.ts']));
    trail.push(time(process.execPath, [TRAIL_BIN, 'blame', 'big.ts', '--json']));
  }
  const out = JSON.parse(
    spawnSync(process.execPath, [TRAIL_BIN, 'blame', 'big.ts', '--json'], {
      cwd: repo.dir,
      env: gitEnv,
      maxBuffer: 1 << 28,
    }).stdout.toString(),
  );
  const ai = out.lines.filter((l: { origin: string }) => l.origin === 'ai').length;
  const g = percentile(git, 50);
  const t = percentile(trail, 50);
  report({
    bench: 'blame',
    title: `trail blame on a ${LINES.toLocaleString('en-US')}-line file with ${COMMITS.toLocaleString('en-US')} commits (${checkpoints.length} checkpoints; ${ai} lines AI at HEAD)`,
    figures: [
      {
        name: 'trail blame --json, p50',
        value: t,
        unit: 'ms',
        baseline: { name: 'git blame --porcelain, p50', value: g, unit: 'ms' },
        ratio: t / g,
        target: 'within 1.5x of git blame --porcelain',
        met: t / g <= 1.5,
      },
    ],
  });
} finally {
  repo.cleanup();
}
