/**
 * Migration 15 on a database from before it, on PGlite and on PostgreSQL: a GitHub review a
 * webhook stored then named the pull request's head alone (its base only in the stored
 * event); once migrated it covers each commit of the pull request, and the review status says
 * so. The database starts at migration 10, so migrations 11 and 12 (which rebuild the status by
 * today's rule, before the table of migration 15 exists) run on it too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/server/db/database.js';
import { openPglite } from '../../src/server/db/database.js';
import { MIGRATIONS, migrate } from '../../src/server/db/migrations.js';
import type { OpenedDb } from './harness.js';
import { freshPostgres, sha } from './harness.js';

const OPEN: Array<{ name: string; open: () => Promise<OpenedDb> }> = [
  {
    name: 'pglite',
    open: async () => {
      const db = await openPglite();
      return { db, cleanup: () => db.close() };
    },
  },
  { name: 'postgres', open: () => freshPostgres() },
];

const BASE = sha('base');
const PR = [sha('first'), sha('second'), sha('third')] as const;
const HEAD = PR[2];

/** What a server before migration 15 held: the commits, a checkpoint each, one webhook approval. */
async function holdPullRequest(db: Database): Promise<void> {
  const repo = await db.query<{ id: number }>(
    `INSERT INTO repos (name, org) VALUES ('acme/app', 'acme') RETURNING id`,
  );
  const repoId = Number(repo.rows[0]!.id);
  const chain = [BASE, ...PR];
  for (const [i, commit] of chain.entries()) {
    await db.query(
      `INSERT INTO commits (repo_id, sha, parents, author, author_email, authored_at, subject, paths)
       VALUES ($1, $2, $3::text[], 'Dev', 'dev@example.com', '2026-03-01T10:00:00Z', $4, '[]')`,
      [repoId, commit, i === 0 ? [] : [chain[i - 1]], `commit ${i}`],
    );
    await db.query(
      `INSERT INTO checkpoints (repo_id, writer_id, seq, record_id, commit_sha, time, agents, models,
         session_ids, paths, ai_lines, human_lines, unknown_lines, tsv)
       VALUES ($1, 'w', $2, $3, $4, '2026-03-01T11:00:00Z', '{}', '{}', '{}', '{}', 1, 0, 0, to_tsvector(''))`,
      [repoId, i, `cp-${i}`, commit],
    );
  }
  const event = await db.query<{ id: number }>(
    `INSERT INTO external_events (repo_id, host, delivery_id, event_name, event_type, commits, checkpoints, event)
     VALUES ($1, 'github', 'd-1', 'pull_request_review', 'review', $2::text[], '{}', $3::jsonb) RETURNING id`,
    [
      repoId,
      [HEAD],
      JSON.stringify({
        type: 'review',
        host: 'github',
        repo: 'acme/app',
        number: 7,
        headSha: HEAD,
        baseSha: BASE,
        reviewer: 'octocat',
        decision: 'approve',
        at: '2026-03-02T10:00:00.000Z',
      }),
    ],
  );
  await db.query(
    `INSERT INTO reviews (repo_id, commit_sha, reviewer, decision, time, source, external_event_id)
     VALUES ($1, $2, 'octocat', 'approve', '2026-03-02T10:00:00Z', 'github', $3)`,
    [repoId, HEAD, event.rows[0]!.id],
  );
}

for (const backend of OPEN) {
  describe(`migration 15 extends a stored pull request review to its commits (${backend.name})`, () => {
    let opened: OpenedDb;

    before(async () => {
      opened = await backend.open();
      await migrate(
        opened.db,
        MIGRATIONS.filter((m) => m.version <= 10),
      );
      await holdPullRequest(opened.db);
    });
    after(async () => {
      await opened.cleanup();
    });

    test('each commit of the pull request is approved once migrated; its base is not', async () => {
      const applied = await migrate(opened.db);
      assert.ok(applied.includes(15), JSON.stringify(applied));
      const status = await opened.db.query<{ record_id: string; decision: string }>(
        'SELECT record_id, decision FROM review_status ORDER BY record_id',
      );
      assert.deepEqual(
        status.rows.map((r) => [r.record_id, r.decision]),
        [
          ['cp-1', 'approve'],
          ['cp-2', 'approve'],
          ['cp-3', 'approve'],
        ],
      );
      const covered = await opened.db.query<{ commit_sha: string }>(
        'SELECT commit_sha FROM review_commits ORDER BY commit_sha',
      );
      assert.deepEqual(
        covered.rows.map((r) => r.commit_sha),
        [...PR].sort(),
      );
    });
  });
}
