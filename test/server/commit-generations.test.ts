/**
 * Generation numbers of pushed commits (server/commit-generations.ts) and the pull request walk
 * they bound (server/commit-graph.ts, commitsBetween), on PGlite and on PostgreSQL, over a real
 * git history made with `git fast-import` and read back with `git log`. `git rev-list
 * base..head` is the oracle for every walk.
 *
 * The history: main of 400 commits; a feature branch from main's 100th commit, with main's
 * 250th merged into it, then more feature commits. Its pull request's base is main's tip, so
 * most of the commits behind its head are behind the base too, and the commits only it has sit
 * 150 generations below the merge: the first bounded walk must look further.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { CommitInfo } from '../../src/core/change-facts.js';
import type { RepoRef } from '../../src/server/auth.js';
import { commitsBetween } from '../../src/server/commit-graph.js';
import { storeCommits } from '../../src/server/commits.js';
import { openPglite } from '../../src/server/db/database.js';
import { MIGRATIONS, migrate } from '../../src/server/db/migrations.js';
import { ensureRepo } from '../../src/server/repos.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { git, gitEnv, tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS } from './harness.js';

/** name -> parent names, in an order git can write them (parents first). */
function history(): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (let i = 1; i <= 400; i++) out.push([`main-${i}`, i === 1 ? [] : [`main-${i - 1}`]]);
  for (let i = 1; i <= 5; i++) out.push([`feature-${i}`, [i === 1 ? 'main-100' : `feature-${i - 1}`]]);
  out.push(['feature-merge', ['feature-5', 'main-250']]);
  for (let i = 6; i <= 8; i++) out.push([`feature-${i}`, [i === 6 ? 'feature-merge' : `feature-${i - 1}`]]);
  return out;
}

/** Writes the history into a real repository; returns each commit as `trail push` sends it, by name. */
function writeHistory(repo: TempRepo): Map<string, CommitInfo> {
  const marks = new Map<string, number>();
  const stream = history()
    .map(([name, parents], i) => {
      marks.set(name, i + 1);
      const message = `${name}\n`;
      const [first, ...merged] = parents.map((p) => `:${marks.get(p)}`);
      return [
        `commit refs/heads/${name.startsWith('main') ? 'main' : 'feature'}`,
        `mark :${i + 1}`,
        `committer Test Author <author@example.com> ${1_790_000_000 + i * 60} +0000`,
        `data ${Buffer.byteLength(message)}`,
        message.trimEnd(),
        ...(first ? [`from ${first}`] : []),
        ...merged.map((m) => `merge ${m}`),
        '',
      ].join('\n');
    })
    .join('\n');
  execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: repo.dir, env: gitEnv, input: stream });
  const byName = new Map<string, CommitInfo>();
  for (const line of git(repo.dir, 'log', '--all', '--format=%H%x09%P%x09%aI%x09%s').split('\n')) {
    const [sha, parents, date, subject] = line.split('\t') as [string, string, string, string];
    byName.set(subject, {
      sha,
      parents: parents ? parents.split(' ') : [],
      author: 'Test Author',
      authorEmail: 'author@example.com',
      date,
      subject,
      paths: [],
    });
  }
  return byName;
}

const revList = (repo: TempRepo, range: string) =>
  git(repo.dir, 'rev-list', range).split('\n').filter(Boolean).sort();

for (const backend of BACKENDS) {
  describe(`commit generations and the bounded pull request walk (${backend.name})`, () => {
    let repo: TempRepo;
    let commits: Map<string, CommitInfo>;
    before(() => {
      repo = tempRepo();
      commits = writeHistory(repo);
    });
    after(() => repo.cleanup());

    const named = (...names: string[]) => names.map((n) => commits.get(n)!);
    const sha = (name: string) => commits.get(name)!.sha;

    async function generations(opened: OpenedDb, repoRef: RepoRef): Promise<Map<string, number>> {
      const rows = await opened.db.query<{ sha: string; generation: number }>(
        'SELECT sha, generation FROM commit_generations WHERE repo_id = $1',
        [repoRef.id],
      );
      return new Map(rows.rows.map((r) => [r.sha, Number(r.generation)]));
    }

    /** Every commit given one has 1 + its parents' highest (1 for the root), as git defines it. */
    function assertGenerationsHold(given: Map<string, number>) {
      for (const commit of commits.values()) {
        const generation = given.get(commit.sha);
        if (generation === undefined) continue;
        const parents = commit.parents.map((p) => given.get(p));
        assert.ok(
          parents.every((g) => g !== undefined),
          `${commit.subject} has a generation, so do its parents`,
        );
        assert.equal(generation, 1 + Math.max(0, ...(parents as number[])), commit.subject);
      }
    }

    test('pushed newest first (a shallow clone, then the history behind it): generations fill in as the gap closes, and the walk names what git rev-list names', async () => {
      const opened = await backend.open();
      try {
        const repoRef = await ensureRepo(opened.db, 'acme/graph', null);
        const all = [...commits.values()];
        const newest = all.filter((c) => /^(main-(3\d\d|400)|feature-(6|7|8|merge))$/.test(c.subject));
        const older = all.filter((c) => !newest.includes(c));
        await storeCommits(opened.db, repoRef, newest, 'token');
        assert.equal((await generations(opened, repoRef)).size, 0, 'nothing behind the shallow end is held');
        assert.equal(
          await commitsBetween(opened.db, repoRef.id, sha('main-400'), sha('feature-8')),
          undefined,
          'with a gap the walk cannot be bounded',
        );

        // The history behind, in three pushes, children before parents within each.
        const reversed = [...older].reverse();
        for (let i = 0; i < reversed.length; i += 120) {
          await storeCommits(opened.db, repoRef, reversed.slice(i, i + 120), 'token');
        }
        const given = await generations(opened, repoRef);
        assert.equal(given.size, commits.size, 'every commit has one once the history is whole');
        assertGenerationsHold(given);
        assert.equal(given.get(sha('main-400')), 400);
        assert.equal(given.get(sha('feature-merge')), 251);
        const waits = await opened.db.query('SELECT 1 FROM commit_generation_waits WHERE repo_id = $1', [
          repoRef.id,
        ]);
        assert.equal(waits.rows.length, 0, 'no commit waits any more');

        // The pull request: its first five commits sit below the first bound (the merge is 251).
        const between = await commitsBetween(opened.db, repoRef.id, sha('main-400'), sha('feature-8'));
        assert.deepEqual(between?.sort(), revList(repo, `${sha('main-400')}..${sha('feature-8')}`));
        assert.equal(between?.length, 9);
        // And others: a head behind the base (nothing of its own), a base far behind the head.
        assert.deepEqual(await commitsBetween(opened.db, repoRef.id, sha('main-400'), sha('main-250')), []);
        assert.deepEqual(
          (await commitsBetween(opened.db, repoRef.id, sha('main-3'), sha('feature-merge')))?.sort(),
          revList(repo, `${sha('main-3')}..${sha('feature-merge')}`),
        );
        assert.deepEqual(
          (await commitsBetween(opened.db, repoRef.id, sha('feature-2'), sha('main-400')))?.sort(),
          revList(repo, `${sha('feature-2')}..${sha('main-400')}`),
        );
      } finally {
        await opened.cleanup();
      }
    });

    test('a commit whose parent is never pushed keeps none, nor do the commits after it; re-sent commits change nothing', async () => {
      const opened = await backend.open();
      try {
        const repoRef = await ensureRepo(opened.db, 'acme/graph', null);
        const withoutOne = [...commits.values()].filter((c) => c.subject !== 'main-200');
        await storeCommits(opened.db, repoRef, withoutOne, 'token');
        await storeCommits(opened.db, repoRef, named('main-300', 'main-1'), 'token');
        const given = await generations(opened, repoRef);
        assertGenerationsHold(given);
        assert.equal(given.get(sha('main-199')), 199);
        assert.equal(given.get(sha('main-201')), undefined);
        assert.equal(given.get(sha('feature-merge')), undefined, 'the merge has main-250 behind it');
        assert.equal(given.get(sha('feature-5')), 105, 'the branch from before the gap is whole');
        assert.equal(
          await commitsBetween(opened.db, repoRef.id, sha('main-400'), sha('feature-8')),
          undefined,
        );
      } finally {
        await opened.cleanup();
      }
    });
  });
}

describe('migration 18 gives generations to the commits held before it', () => {
  test('on PGlite, from a database at migration 17', async () => {
    const db = await openPglite();
    const repo = tempRepo();
    try {
      const commits = writeHistory(repo);
      await migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 17),
      );
      const repoRef = await ensureRepo(db, 'acme/graph', null);
      // Stored as a server before migration 18 stored them: the commits alone.
      await db.query(
        `INSERT INTO commits (repo_id, sha, parents, author, author_email, authored_at, subject, paths)
         SELECT $1, x.sha, ARRAY(SELECT json_array_elements_text(x.parents)), 'a', 'a@example.com', x.date::timestamptz, x.subject, '[]'
         FROM json_to_recordset($2::json) AS x(sha text, parents json, date text, subject text)`,
        [repoRef.id, JSON.stringify([...commits.values()].filter((c) => c.subject !== 'feature-7'))],
      );
      assert.deepEqual(
        (await migrate(db)).filter((v) => v <= 18),
        [18],
      );
      const rows = await db.query<{ sha: string; generation: number }>(
        'SELECT sha, generation FROM commit_generations WHERE repo_id = $1',
        [repoRef.id],
      );
      assert.equal(
        rows.rows.length,
        commits.size - 2,
        'all but feature-7 (not held) and feature-8 (behind it)',
      );
      const sha = (name: string) => commits.get(name)!.sha;
      assert.equal(
        new Map(rows.rows.map((r) => [r.sha, Number(r.generation)])).get(sha('feature-merge')),
        251,
      );
      const waits = await db.query<{ parent_sha: string; sha: string }>(
        'SELECT parent_sha, sha FROM commit_generation_waits WHERE repo_id = $1',
        [repoRef.id],
      );
      assert.deepEqual(waits.rows, [{ parent_sha: sha('feature-7'), sha: sha('feature-8') }]);
      // The push that brings it gives both theirs.
      await storeCommits(db, repoRef, [commits.get('feature-7')!], 'token');
      const after = await db.query<{ generation: number }>(
        'SELECT generation FROM commit_generations WHERE repo_id = $1 AND sha = $2',
        [repoRef.id, sha('feature-8')],
      );
      assert.equal(Number(after.rows[0]?.generation), 254);
    } finally {
      await db.close();
      repo.cleanup();
    }
  });
});
