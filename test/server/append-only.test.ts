/**
 * The database itself keeps audit tables append-only, on PGlite and on PostgreSQL: UPDATE,
 * DELETE and TRUNCATE fail in plain SQL, setting `trail.purge` by hand deletes nothing, the
 * logged purge is the one way out, and tokens can only be revoked. Migrations are versioned
 * and apply once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import type { Database } from '../../src/server/db/database.js';
import { AUDIT_TABLES, MIGRATIONS, migrate } from '../../src/server/db/migrations.js';
import type { OpenedDb } from './harness.js';
import {
  appFor,
  BACKENDS,
  call,
  checkpointRecord,
  count,
  MemoryWriter,
  pushWriter,
  repoPath,
  sessionRecord,
  sha,
  token,
} from './harness.js';

async function fails(db: Database, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected to fail: ${sql}`);
}

for (const backend of BACKENDS) {
  describe(`append-only database (${backend.name})`, () => {
    let opened: OpenedDb;
    let db: Database;
    let app: TrailApp;
    let admin: string;

    before(async () => {
      opened = await backend.open();
      db = opened.db;
      app = appFor(db);
      admin = await token(db, { name: 'root', role: 'admin' });
      const w = new MemoryWriter();
      w.append([
        sessionRecord({ sessionId: 's-old', summary: 'fix the login', time: '2025-01-01T00:00:00.000Z' }),
      ]);
      w.append([
        checkpointRecord({ commit: sha('old'), time: '2025-01-02T00:00:00.000Z' }),
        checkpointRecord({ commit: sha('new'), time: '2026-03-01T00:00:00.000Z' }),
      ]);
      await pushWriter(app, admin, 'acme/audited', w);
      const commits = await call(app, 'POST', repoPath('acme/audited', 'commits'), admin, {
        commits: [
          {
            sha: sha('old'),
            parents: [],
            author: 'Dev <dev@example.com>',
            authorEmail: 'dev@example.com',
            date: '2025-01-02T00:00:00Z',
            subject: 'the old change',
            paths: ['src/a.ts'],
          },
        ],
      });
      assert.equal(commits.status, 200, JSON.stringify(commits.body));
      const policy = await call(app, 'POST', repoPath('acme/audited', 'policy'), admin, {
        commit: sha('old'),
        policy: 'required: [request.tickets]\n',
      });
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      // Locking the key set approves the key registered so far: a row in each key-approval table.
      const locked = await call(app, 'POST', '/api/v1/admin/key-lock', admin, {
        repo: 'acme/audited',
        locked: true,
      });
      assert.equal(locked.status, 200, JSON.stringify(locked.body));
      assert.deepEqual(locked.body.approved, [w.id]);
      const alert = await db.query('SELECT id FROM repos WHERE name = $1', ['acme/audited']);
      await db.query(
        "INSERT INTO ledger_alerts (repo_id, kind, message) VALUES ($1, 'test', 'a test alert')",
        [alert.rows[0]!.id],
      );
      await db.query(
        "INSERT INTO webhook_secrets (host, scope_kind, scope, secret) VALUES ('github', 'global', '', 'sixteen-chars-secret')",
      );
      await db.query(
        `INSERT INTO external_events (repo_id, host, event_name, event_type, commits, checkpoints, event)
         VALUES ($1, 'github', 'push', 'push', '{}', '{}', '{}')`,
        [alert.rows[0]!.id],
      );
      await db.query(
        `INSERT INTO webhook_deliveries (host, body_sha256, external_event_id) VALUES ('github', $1, 1)`,
        ['0'.repeat(64)],
      );
      await db.query(
        `INSERT INTO reviews (repo_id, commit_sha, reviewer, decision, time, source)
         VALUES ($1, $2, 'octocat', 'approve', now(), 'github')`,
        [alert.rows[0]!.id, sha('new')],
      );
      const seeded = await db.query<{ id: number }>(
        `INSERT INTO purge_log (repo_id, cutoff, reason, counts, txid) VALUES ($1, now(), 'seed', '{}', 0) RETURNING id`,
        [alert.rows[0]!.id],
      );
      await db.query(
        `INSERT INTO purged_checkpoints (purge_id, repo_id, record_id, commit_sha, time) VALUES ($1, $2, $3, $4, now())`,
        [seeded.rows[0]!.id, alert.rows[0]!.id, '0'.repeat(64), sha('seed')],
      );
      // A row as log-stamps.ts keeps one (the token's own checks are tested in timestamps.test.ts).
      await db.query(
        `INSERT INTO log_stamps (repo_id, writer_id, size, token, gen_time, latest_ms, authority)
         VALUES ($1, $2, 1, $3, '2026-12-07T00:00:00Z', 0, 'Test TSA')`,
        [alert.rows[0]!.id, w.id, Buffer.from([0x30, 0x00])],
      );
    });
    after(async () => {
      await opened.cleanup();
    });

    test('every audit table has rows to protect', async () => {
      for (const table of AUDIT_TABLES) assert.ok((await count(db, table)) > 0, `${table} is empty`);
    });

    test('UPDATE, DELETE and TRUNCATE on every audit table fail in plain SQL', async () => {
      for (const table of AUDIT_TABLES) {
        const column = TEXT_COLUMN[table];
        const update = `UPDATE ${table} SET ${column} = ${column}`;
        assert.match(await fails(db, update), /append-only: UPDATE refused/, `${table} UPDATE`);
        assert.match(
          await fails(db, `DELETE FROM ${table}`),
          /append-only: DELETE refused/,
          `${table} DELETE`,
        );
        assert.match(
          await fails(db, `TRUNCATE ${table} CASCADE`),
          /append-only: TRUNCATE refused/,
          `${table} TRUNCATE`,
        );
      }
      assert.equal(await count(db, 'ledger_entries'), 3);
    });

    test('setting trail.purge by hand deletes nothing: the purge needs its log row in the same transaction', async () => {
      const message = await db
        .transaction(async (tx) => {
          await tx.query(`SELECT set_config('trail.purge', '1', true)`);
          await tx.query('DELETE FROM ledger_entries');
        })
        .then(
          () => 'deleted',
          (error: Error) => error.message,
        );
      assert.match(message, /append-only: DELETE refused/);
      assert.equal(await count(db, 'ledger_entries'), 3);
    });

    test('api tokens can be revoked once and never edited or deleted', async () => {
      const id = (await db.query<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'root'")).rows[0]!
        .id;
      assert.match(
        await fails(db, "UPDATE api_tokens SET role = 'reviewer' WHERE id = $1", [id]),
        /only ever revoked/,
      );
      assert.match(await fails(db, 'DELETE FROM api_tokens WHERE id = $1', [id]), /only ever revoked/);
      const other = await token(db, { name: 'temp', role: 'reviewer' });
      const tokenId = (await db.query<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'temp'"))
        .rows[0]!.id;
      const revoked = await call(app, 'POST', `/api/v1/admin/tokens/${tokenId}/revoke`, admin);
      assert.equal(revoked.status, 200);
      assert.match(
        await fails(db, 'UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [tokenId]),
        /only ever revoked/,
        'a revocation is not moved',
      );
      assert.equal((await call(app, 'GET', '/api/v1/checkpoints', other)).status, 401);
    });

    test('the retention purge deletes only through its logged path', async () => {
      const before = await count(db, 'purge_log');
      const purged = await call(app, 'POST', '/api/v1/admin/purge', admin, {
        repo: 'acme/audited',
        before: '2026-01-01T00:00:00Z',
        reason: 'retention policy: 1 year',
      });
      assert.equal(purged.status, 200, JSON.stringify(purged.body));
      assert.equal(purged.body.counts.ledger_entries, 2);
      assert.equal(purged.body.counts.checkpoints, 1);
      assert.equal(purged.body.counts.sessions, 1);
      assert.equal(purged.body.counts.commits, 1, 'the pushed commit of 2025 goes too');
      assert.equal(await count(db, 'ledger_entries'), 1);
      assert.equal(await count(db, 'commits'), 0);
      assert.equal(await count(db, 'repo_policies'), 1, 'policies are kept, like keys');
      assert.equal(await count(db, 'purged_checkpoints'), 2, "the purged checkpoint's id is kept");
      assert.equal(await count(db, 'purge_log'), before + 1);
      const log = await db.query<{ reason: string; token_id: string }>(
        'SELECT reason, token_id FROM purge_log ORDER BY id DESC LIMIT 1',
      );
      assert.equal(log.rows[0]!.reason, 'retention policy: 1 year');
      assert.ok(log.rows[0]!.token_id.startsWith('tok_'));
      // The witness survives: heads and Merkle states are never purged.
      assert.equal(await count(db, 'tree_heads'), 2);
      assert.equal(await count(db, 'log_states'), 1);
      assert.match(await fails(db, 'DELETE FROM purge_log'), /append-only: DELETE refused/);
    });

    test('migrations are recorded by version and apply once', async () => {
      const rows = await db.query<{ version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.rows.map((r) => [Number(r.version), r.name]),
        MIGRATIONS.map((m) => [m.version, m.name]),
      );
      assert.deepEqual(await migrate(db), []);
    });
  });
}

/** A column of each table to write in an UPDATE (the trigger refuses whatever it sets). */
const TEXT_COLUMN: Record<(typeof AUDIT_TABLES)[number], string> = {
  repos: 'name',
  repo_keys: 'name',
  writers: 'name',
  ledger_entries: 'line',
  tree_heads: 'sig',
  log_states: 'root',
  ledger_alerts: 'message',
  checkpoints: 'summary',
  sessions: 'agent',
  prompts: 'session_id',
  reviews: 'reviewer',
  external_events: 'host',
  access_log: 'route',
  webhook_secrets: 'secret',
  purge_log: 'reason',
  commits: 'subject',
  repo_policies: 'policy',
  repo_key_locks: 'set_by',
  repo_key_approvals: 'key_id',
  webhook_deliveries: 'body_sha256',
  purged_checkpoints: 'record_id',
  log_stamps: 'authority',
};
