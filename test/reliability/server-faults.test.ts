/**
 * The server under load and failure, over real HTTP on 127.0.0.1:
 * - 20 writers pushing concurrently: every entry stored once, every log complete;
 * - the PostgreSQL connections cut in the middle of ingest (as a database restart does):
 *   pushes fail cleanly, re-pushing completes every log, nothing duplicated or half-written;
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { startServer } from '../../src/server/server.js';
import {
  callOverHttp,
  checkpointRecord,
  freshPostgres,
  MemoryWriter,
  POSTGRES_URL,
  sha,
} from '../server/harness.js';

const REPO = 'acme/payments';
const WRITERS = 20;
const APPENDS = 10;
const PER_APPEND = 5;

function writers(): MemoryWriter[] {
  return Array.from({ length: WRITERS }, (_, w) => {
    const writer = new MemoryWriter();
    for (let a = 0; a < APPENDS; a++) {
      writer.append(
        Array.from({ length: PER_APPEND }, (_, i) =>
          checkpointRecord({
            commit: sha(`${w}-${a}-${i}`),
            time: new Date(Date.UTC(2026, 5, 1, 0, w, a * 5 + i)).toISOString(),
          }),
        ),
      );
    }
    return writer;
  });
}

const entriesPath = (writer: MemoryWriter) =>
  `/api/v1/repos/${encodeURIComponent(REPO)}/writers/${writer.id}/entries`;

/** Pushes a writer's log in chunks of `chunk` entries; returns false if any push failed. */
async function pushInChunks(
  url: string,
  token: string,
  writer: MemoryWriter,
  chunk = PER_APPEND * 2,
): Promise<boolean> {
  try {
    const keys = await callOverHttp(url, token, 'POST', `/api/v1/repos/${encodeURIComponent(REPO)}/keys`, {
      keys: [writer.trustedKey()],
    });
    if (keys.status !== 200) return false;
    for (let from = 0; from < writer.lines.length; from += chunk) {
      const res = await callOverHttp(
        url,
        token,
        'POST',
        entriesPath(writer),
        writer.push(from, Math.min(writer.lines.length, from + chunk)),
      );
      if (res.status !== 200) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Every writer's log on the server equals the writer's, entry for entry. */
async function assertComplete(url: string, token: string, all: MemoryWriter[]): Promise<void> {
  const list = await callOverHttp(url, token, 'GET', `/api/v1/repos/${encodeURIComponent(REPO)}/writers`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  for (const writer of all) {
    const pulled = await callOverHttp(url, token, 'GET', `${entriesPath(writer)}?from=0&limit=1000`);
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
    assert.deepEqual(
      pulled.body.entries,
      writer.lines,
      `writer ${writer.id.slice(0, 8)}: every entry once, in order`,
    );
  }
}

describe('server under load and failure', () => {
  test('20 writers push concurrently; the database connections are cut mid-ingest; re-push completes', async () => {
    const database = await freshPostgres('trail_faults');
    const server = await startServer({ port: 0, host: '127.0.0.1', databaseUrl: database.url });
    try {
      const token = server.adminToken!;
      const all = writers();
      // Round 1: 20 concurrent pushers, and half-way the database drops every connection.
      const cut = (async () => {
        await new Promise((r) => setTimeout(r, 150));
        const admin = new pg.Client({ connectionString: POSTGRES_URL });
        // Unheard, an 'error' event on this client would end the test process.
        admin.on('error', () => {});
        await admin.connect();
        const dbName = new URL(database.url).pathname.slice(1);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        );
        await admin.end();
      })();
      const first = await Promise.all(all.map((w) => pushInChunks(server.url, token, w)));
      await cut;
      // Round 2: every writer pushes again (idempotent), then those that failed again, until all
      // succeed. A pooled connection cut in round 1 may only be found dead by the next query on
      // it, so a retry can fail too; a server that does not recover fails every attempt.
      let failed = all;
      for (let attempt = 0; attempt < 10 && failed.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 100));
        const again = await Promise.all(failed.map((w) => pushInChunks(server.url, token, w)));
        failed = failed.filter((_, i) => !again[i]);
      }
      assert.deepEqual(failed, [], 'every writer could push again after the cut');
      await assertComplete(server.url, token, all);
      const alerts = await callOverHttp(server.url, token, 'GET', '/api/v1/alerts');
      assert.equal(alerts.status, 200);
      assert.equal((alerts.body.alerts ?? alerts.body).length, 0, 'a failed push is not a rewrite');
      assert.ok(first.length === WRITERS);
    } finally {
      await server.close();
      await database.cleanup();
    }
  });
});
