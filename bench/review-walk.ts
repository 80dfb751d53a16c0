/**
 * The walk that finds the commits of a code host's pull request on the server
 * (src/server/review-coverage.ts, pullRequestCommits), over a long history, on PGlite and on
 * PostgreSQL. It runs under the repository's review lock when the review arrives, and again when
 * a push brings a commit the review waits for.
 *
 * The history: main of 100,000 commits (a merge of a side branch every 50), pushed as `trail
 * push` sends it (2,000 commits a request) through the server's own store; the pull request
 * branches 30 commits below main's tip and has 5 commits, its base main's tip. The walk bounded
 * by generation numbers (migration 18) is timed beside the walk of the base's whole history it
 * replaces, which a history with a gap still takes, in the same run (best of 5 rounds each). The
 * push's cost is shown too: generations are written as commits are stored. So is telling that a
 * GitLab push rewrote main (forced-pushes.ts), which walks back from its new head.
 *
 * BENCH_WALK_COMMITS (default 100000) and BENCH_BACKENDS (default "pglite,postgres") scale it.
 */

import type { CommitInfo } from '../src/core/change-facts.js';
import { storeCommits } from '../src/server/commits.js';
import { migrate } from '../src/server/db/migrations.js';
import { hostPushesForReport } from '../src/server/host-pushes.js';
import { ensureRepo } from '../src/server/repos.js';
import { pullRequestCommits } from '../src/server/review-coverage.js';
import { sha } from '../test/server/harness.js';
import type { BenchFigure } from './lib.js';
import { bestOfRounds, report, time } from './lib.js';
import { BENCH_BACKENDS, openBenchDb } from './support/server-backends.js';

const COMMITS = Number(process.env.BENCH_WALK_COMMITS ?? 100_000);
const PER_REQUEST = 2000;
const ROUNDS = 5;
const START = Date.UTC(2024, 0, 1);

function commit(name: string, parents: string[], i: number): CommitInfo {
  return {
    sha: sha(name),
    parents: parents.map((p) => sha(p)),
    author: 'Dev',
    authorEmail: 'dev@example.com',
    date: new Date(START + i * 60_000).toISOString(),
    subject: name,
    paths: [`src/file-${i % 97}.ts`],
  };
}

/** Main with a side commit merged every 50 commits, then the pull request off main's tip - 30. */
function history(): CommitInfo[] {
  const out: CommitInfo[] = [commit('main-0', [], 0)];
  for (let i = 1; i < COMMITS; i++) {
    if (i % 50 === 0) {
      out.push(commit(`side-${i}`, [`main-${i - 2}`], i));
      out.push(commit(`main-${i}`, [`main-${i - 1}`, `side-${i}`], i));
    } else out.push(commit(`main-${i}`, [`main-${i - 1}`], i));
  }
  for (let k = 1; k <= 5; k++) {
    out.push(commit(`pr-${k}`, [k === 1 ? `main-${COMMITS - 31}` : `pr-${k - 1}`], COMMITS + k));
  }
  return out;
}

const figures: BenchFigure[] = [];
const notes: string[] = [];
const commits = history();
const base = sha(`main-${COMMITS - 1}`);
const head = sha('pr-5');
for (const backend of BENCH_BACKENDS) {
  const opened = await openBenchDb(backend);
  try {
    await migrate(opened.db);
    const repo = await ensureRepo(opened.db, 'bench/walk', null);
    const push = await time(async () => {
      for (let i = 0; i < commits.length; i += PER_REQUEST) {
        await storeCommits(opened.db, repo, commits.slice(i, i + PER_REQUEST), 'bench');
      }
    });
    // A GitLab push that rewrote main back to the pull request's head: the gaps report's list
    // of pushes tells so from the graph (forced-pushes.ts).
    await opened.db.query(
      `INSERT INTO external_events (repo_id, host, delivery_id, event_name, event_type, commits, checkpoints, event)
       VALUES ($1, 'gitlab', 'bench-1', 'Push Hook', 'push', '{}', '{}', $2::jsonb)`,
      [
        repo.id,
        JSON.stringify({
          type: 'push',
          host: 'gitlab',
          ref: 'refs/heads/main',
          defaultBranch: 'main',
          before: base,
          after: head,
          totalCommits: 0,
        }),
      ],
    );
    const pushes = async () => {
      const listed = await hostPushesForReport(opened.db, [repo.id], {});
      if (listed.length !== 1 || !listed[0]!.forced) throw new Error('the rewrite was not told');
    };
    const walk = () => opened.db.transaction((tx) => pullRequestCommits(tx, repo.id, head, base));
    const bounded = await walk();
    if (bounded.covers.length !== 5 || bounded.waits.length !== 0) {
      throw new Error(`the bounded walk found ${bounded.covers.length} commits, not the pull request's 5`);
    }
    const { walk: boundedMs, pushes: boundedPushesMs } = await bestOfRounds(ROUNDS, { walk, pushes });
    // As a history with a gap is walked: without the base's generation, the whole history.
    await opened.db.query('DELETE FROM commit_generations WHERE repo_id = $1 AND sha = $2', [repo.id, base]);
    const whole = await walk();
    if ([...whole.covers].sort().join() !== [...bounded.covers].sort().join()) {
      throw new Error('the two walks disagree');
    }
    const { walk: wholeMs, pushes: wholePushesMs } = await bestOfRounds(ROUNDS, { walk, pushes });
    figures.push(
      {
        name: `${backend}: a pull request's commits, walk bounded by generation numbers`,
        value: boundedMs,
        unit: 'ms',
        baseline: { name: "the walk of the base's whole history", value: wholeMs, unit: 'ms' },
        ratio: wholeMs / boundedMs,
      },
      {
        name: `${backend}: a GitLab push that rewrote main, told from the graph (the gaps report's pushes)`,
        value: boundedPushesMs,
        unit: 'ms',
        baseline: { name: 'walking the whole history', value: wholePushesMs, unit: 'ms' },
        ratio: wholePushesMs / boundedPushesMs,
      },
      {
        name: `${backend}: pushing the ${commits.length.toLocaleString('en-US')} commits (${PER_REQUEST.toLocaleString('en-US')} a request), generations included`,
        value: (commits.length / push.ms) * 1000,
        unit: 'commits/s',
      },
    );
  } finally {
    await opened.cleanup();
  }
}
notes.push(
  `main of ${COMMITS.toLocaleString('en-US')} commits with a merge every 50; the pull request: 5 commits from 30 below the tip; best of ${ROUNDS} rounds`,
  'ratio of the walks: how many times faster the bounded walk is than the whole one',
  "the whole walks are timed after the base's generation is deleted, as a history with a gap has none",
);
report({
  bench: 'review-walk',
  title: `a pull request's commits on the server over ${commits.length.toLocaleString('en-US')} commits of history`,
  figures,
  notes,
});
