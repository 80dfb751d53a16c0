/**
 * The generation number of each pushed commit whose whole history the server holds
 * (core/commit-generation.ts), kept in `commit_generations` (migration 18) beside the
 * append-only `commits`: it bounds the walk that finds a pull request's commits
 * (commit-graph.ts, commitsBetween) to the part of the history they sit in.
 *
 * Commits arrive in any order: a CI job's shallow clone may push the newest commits before a
 * developer's push brings the history behind them. A commit whose parent has no generation
 * yet is kept in `commit_generation_waits`, under that parent; when the parent gets one, so
 * do the commits that waited for it, and those that waited for them. Written under the
 * repository's review lock (review-state.ts), as the walks that read them are: of two pushes,
 * the second to take the lock sees the first's commits, so no commit waits for a generation
 * already given.
 */
import type { GraphCommit } from '../core/commit-generation.js';
import { generationsOf } from '../core/commit-generation.js';
import type { Queryable } from './db/database.js';

/** Rows written per statement, so one push of a long history is not one huge statement. */
const ROWS_PER_STATEMENT = 5000;

/** A commit as generations need it: its parents, and its time for the retention purge. */
interface StoredCommit extends GraphCommit {
  /** authored_at, as stored: an ISO time or the database's own value. */
  date: string | Date;
}

/** Gives generations to the commits just stored and to those that waited for one of them. */
export async function recordGenerations(
  tx: Queryable,
  repoId: number,
  added: readonly StoredCommit[],
): Promise<void> {
  if (added.length === 0) return;
  const waited = await tx.query<StoredCommit>(
    `WITH RECURSIVE waiting(sha) AS (
       SELECT w.sha FROM commit_generation_waits w WHERE w.repo_id = $1 AND w.parent_sha = ANY($2::text[])
       UNION
       SELECT w.sha FROM waiting d JOIN commit_generation_waits w ON w.repo_id = $1 AND w.parent_sha = d.sha
     )
     SELECT c.sha, c.parents, c.authored_at AS date FROM waiting d
       JOIN commits c ON c.repo_id = $1 AND c.sha = d.sha`,
    [repoId, added.map((c) => c.sha)],
  );
  // One of each: a request may name a commit twice.
  const candidates = [...new Map([...added, ...waited.rows].map((c) => [c.sha, c])).values()];
  const inBatch = new Set(candidates.map((c) => c.sha));
  const outside = [...new Set(candidates.flatMap((c) => c.parents))].filter((p) => !inBatch.has(p));
  const known = await generationsHeld(tx, repoId, outside);
  await writeGenerations(
    tx,
    repoId,
    candidates,
    known,
    waited.rows.map((c) => c.sha),
  );
}

/** Gives a generation to every commit held that can have one (migration 18). */
export async function rebuildGenerations(tx: Queryable): Promise<void> {
  const repos = await tx.query<{ repo_id: number }>('SELECT DISTINCT repo_id FROM commits');
  for (const { repo_id } of repos.rows) {
    const repoId = Number(repo_id);
    const commits = await tx.query<StoredCommit>(
      'SELECT sha, parents, authored_at AS date FROM commits WHERE repo_id = $1',
      [repoId],
    );
    await writeGenerations(tx, repoId, commits.rows, new Map(), []);
  }
}

async function generationsHeld(
  tx: Queryable,
  repoId: number,
  shas: readonly string[],
): Promise<Map<string, number>> {
  if (shas.length === 0) return new Map();
  const held = await tx.query<{ sha: string; generation: number }>(
    'SELECT sha, generation FROM commit_generations WHERE repo_id = $1 AND sha = ANY($2::text[])',
    [repoId, shas],
  );
  return new Map(held.rows.map((r) => [r.sha, Number(r.generation)]));
}

/**
 * Writes the generations of `commits` that can be told, and for each of the others the
 * parents it waits for (those with no generation, held or not). `waited` are the commits among
 * them that waited before: what they waited for is written again.
 */
async function writeGenerations(
  tx: Queryable,
  repoId: number,
  commits: readonly StoredCommit[],
  known: ReadonlyMap<string, number>,
  waited: readonly string[],
): Promise<void> {
  const told = generationsOf(commits, known);
  const dateOf = new Map(commits.map((c) => [c.sha, time(c.date)]));
  // authored_at is the commit's: the retention purge takes the row with its commit.
  await inParts([...told], (part) =>
    tx.query(
      `INSERT INTO commit_generations (repo_id, sha, generation, authored_at)
       SELECT $1, x.sha, x.generation, x.authored_at
       FROM unnest($2::text[], $3::int[], $4::timestamptz[]) AS x(sha, generation, authored_at)
       ON CONFLICT (repo_id, sha) DO NOTHING`,
      [
        repoId,
        part.map(([sha]) => sha),
        part.map(([, generation]) => generation),
        part.map(([sha]) => dateOf.get(sha)),
      ],
    ),
  );
  await inParts(waited, (part) =>
    tx.query('DELETE FROM commit_generation_waits WHERE repo_id = $1 AND sha = ANY($2::text[])', [
      repoId,
      part,
    ]),
  );
  const waits = commits.flatMap((c) =>
    told.has(c.sha)
      ? []
      : [...new Set(c.parents)]
          .filter((p) => !known.has(p) && !told.has(p))
          .map((parent) => ({ sha: c.sha, parent })),
  );
  await inParts(waits, (part) =>
    tx.query(
      `INSERT INTO commit_generation_waits (repo_id, parent_sha, sha, authored_at)
       SELECT $1, x.parent, x.sha, x.authored_at
       FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS x(sha, parent, authored_at)
       ON CONFLICT DO NOTHING`,
      [repoId, part.map((w) => w.sha), part.map((w) => w.parent), part.map((w) => dateOf.get(w.sha))],
    ),
  );
}

/** Runs `write` over `list` in parts of ROWS_PER_STATEMENT, one after the other. */
async function inParts<T>(list: readonly T[], write: (part: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < list.length; i += ROWS_PER_STATEMENT)
    await write(list.slice(i, i + ROWS_PER_STATEMENT));
}

/** A stored time as PostgreSQL reads it back in a timestamptz[]. */
function time(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}
