/**
 * Server ingest and search, on PGlite and on PostgreSQL, in one run.
 *
 * Ingest: 20 writers push concurrently over HTTP to a server on 127.0.0.1, each N checkpoint
 * records appended one per commit (so one signed tree head per record, as `trail` writes
 * them), sent in requests of up to 250 entries by the same client `trail push` uses. The
 * server checks every record, hash, chain link, Merkle root and signature.
 * Search: the database is filled to 100,000 checkpoints (with sessions, prompts and reviews)
 * and a mix of searches (each filter, combinations, a second page) runs over HTTP.
 *
 * Targets (issue 7), on PostgreSQL: ingest >= 2,000 checkpoints/s; search p95 < 100 ms.
 * BENCH_PUSH_PER_WRITER (default 1000), BENCH_SEARCH_CHECKPOINTS (default 100000) and
 * BENCH_BACKENDS (default "pglite,postgres") scale it down for a quick look.
 */
import { performance } from 'node:perf_hooks';
import { ServerClient } from '../src/server/client.js';
import type { Database } from '../src/server/db/database.js';
import { ingest, registerKeys } from '../src/server/ingest.js';
import { ensureRepo } from '../src/server/repos.js';
import type { RunningServer } from '../src/server/server.js';
import {
  checkpointRecord,
  MemoryWriter,
  promptRecord,
  reviewRecord,
  sessionRecord,
  sha,
  token,
} from '../test/server/harness.js';
import type { BenchFigure } from './lib.js';
import { percentile, report } from './lib.js';
import { AGENTS, onEachBackend, pushRequests, REPOS, REQUEST_ENTRIES } from './support/server-backends.js';

const PUSHERS = 20;
const PER_WRITER = Number(process.env.BENCH_PUSH_PER_WRITER ?? 1000);
const SEARCH_TOTAL = Number(process.env.BENCH_SEARCH_CHECKPOINTS ?? 100_000);
const WORDS = (
  'retry upload timeout billing invoice refactor cache login session token parser schema migration ' +
  'export report search index queue worker metrics logging config flag rollout payment webhook email ' +
  'render layout button form validation error handler client server database query pagination sort'
).split(' ');

/** A deterministic pseudo-random stream, so every run and backend sees the same data. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function words(r: () => number, n: number): string {
  return Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
}

/** Time spread over 18 months from January 2025, by position. */
function timeAt(i: number, total: number): string {
  const start = Date.UTC(2025, 0, 1);
  const span = Date.UTC(2026, 6, 1) - start;
  return new Date(start + Math.floor((i / total) * span)).toISOString();
}

/**
 * One writer's history: sessions with a prompt, then checkpoints (one per append), with a
 * review for some of them. `onlyCheckpoints` makes every append one checkpoint (ingest).
 */
function buildWriter(
  seed: number,
  count: number,
  timeOf: (k: number) => string,
  onlyCheckpoints: boolean,
): MemoryWriter {
  const r = rng(seed);
  const w = new MemoryWriter();
  let session = '';
  let agent = AGENTS[0]!;
  for (let i = 0; i < count; i++) {
    const at = timeOf(i);
    if (!onlyCheckpoints && i % 10 === 0) {
      session = `s-${seed}-${i}`;
      agent = pick(r, AGENTS);
      w.append(
        [
          sessionRecord({
            sessionId: session,
            agent: agent[0],
            model: agent[1],
            requester: `user-${Math.floor(r() * 50)}`,
            summary: words(r, 5),
            time: at,
          }),
          promptRecord(session, `please ${words(r, 8)}`, at),
        ],
        at,
      );
    }
    if (onlyCheckpoints) agent = pick(r, AGENTS);
    const commit = sha(`${seed}-${i}`);
    const module = Math.floor(r() * 40);
    const [id] = w.append(
      [
        checkpointRecord({
          commit,
          sessions:
            r() < 0.85 ? [{ sessionId: session || `s-${seed}-${i}`, agent: agent[0], model: agent[1] }] : [],
          time: at,
          author: `dev-${Math.floor(r() * 30)}@example.com`,
          summary: words(r, 6),
          path: `src/mod-${module}/file-${Math.floor(r() * 20)}.ts`,
          ai: Math.floor(r() * 60),
          human: Math.floor(r() * 30),
        }),
      ],
      at,
    );
    if (!onlyCheckpoints && r() < 0.4) {
      w.append(
        [
          reviewRecord({
            commit,
            checkpoint: id,
            reviewer: `reviewer-${Math.floor(r() * 10)}`,
            decision: r() < 0.7 ? 'approve' : 'request-changes',
            time: at,
          }),
        ],
        at,
      );
    }
  }
  return w;
}

async function seedDirect(db: Database, have: number): Promise<number> {
  // The rest of the 100,000 checkpoints, through the same ingest code without HTTP.
  const writers = 40;
  const per = Math.ceil(Math.max(0, SEARCH_TOTAL - have) / writers);
  let checkpoints = 0;
  for (let i = 0; i < writers && per > 0; i++) {
    const w = buildWriter(1000 + i, per, (k) => timeAt(k * writers + i, writers * per), false);
    const repo = await ensureRepo(db, REPOS[i % REPOS.length]!, null);
    await registerKeys(db, repo, [w.trustedKey()], 'bench');
    for (const body of pushRequests(w)) await ingest(db, repo, { writerId: w.id, ...body }, 'bench');
    checkpoints += per;
  }
  return checkpoints;
}

interface SearchCase {
  name: string;
  query: string;
}

const CASES: SearchCase[] = [
  { name: 'newest', query: '' },
  { name: 'repo', query: 'repo=bench%2Fbilling' },
  { name: 'agent', query: 'agent=codex' },
  { name: 'model', query: 'model=gemini-2.5-pro' },
  { name: 'status approved', query: 'status=approved' },
  { name: 'status changes-requested', query: 'status=changes-requested' },
  { name: 'status pending', query: 'status=pending' },
  { name: 'requester', query: 'requester=user-7' },
  { name: 'reviewer', query: 'reviewer=reviewer-3' },
  { name: 'folder', query: 'path=src%2Fmod-3%2F' },
  { name: 'file', query: 'path=src%2Fmod-12%2Ffile-4.ts' },
  { name: 'text', query: 'q=invoice' },
  { name: 'text, two words', query: 'q=retry+timeout' },
  { name: 'period', query: 'since=2025-06-01&until=2025-07-01' },
  { name: 'combined', query: 'repo=bench%2Fapi&agent=claude-code&since=2025-03-01&status=approved' },
];

async function searchBench(
  server: RunningServer,
  auditor: string,
): Promise<{ all: number[]; byCase: Map<string, number[]> }> {
  const url = server.url;
  const get = async (query: string) => {
    const res = await fetch(`${url}/api/v1/checkpoints?${query}`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    if (res.status !== 200) throw new Error(`search ${query}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { checkpoints: unknown[]; nextCursor: string | null };
  };
  for (const c of CASES) await get(c.query); // warm-up
  const all: number[] = [];
  const byCase = new Map<string, number[]>();
  for (let round = 0; round < 10; round++) {
    for (const c of CASES) {
      const start = performance.now();
      const page = await get(c.query);
      if (page.nextCursor) await get(`${c.query}${c.query ? '&' : ''}cursor=${page.nextCursor}`);
      const ms = (performance.now() - start) / (page.nextCursor ? 2 : 1);
      all.push(ms);
      byCase.set(c.name, [...(byCase.get(c.name) ?? []), ms]);
    }
  }
  return { all, byCase };
}

async function run(
  backend: string,
  server: RunningServer,
): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const db = server.db;
  const ingestToken = await token(db, { name: 'bench ci', role: 'ingest' });
  const auditor = await token(db, { name: 'bench auditor', role: 'auditor' });
  const client = new ServerClient(server.url, ingestToken);

  // Build every pusher's log before timing: only the server's work is measured.
  const writers = Array.from({ length: PUSHERS }, (_, i) =>
    buildWriter(i + 1, PER_WRITER, (k) => timeAt(k * PUSHERS + i, PUSHERS * PER_WRITER), true),
  );
  for (const [i, w] of writers.entries()) {
    await client.request('POST', client.repoPath(REPOS[i % REPOS.length]!, 'keys'), {
      keys: [w.trustedKey()],
    });
  }
  const start = performance.now();
  await Promise.all(
    writers.map(async (w, i) => {
      for (const body of pushRequests(w)) {
        await client.request(
          'POST',
          client.repoPath(REPOS[i % REPOS.length]!, 'writers', w.id, 'entries'),
          body,
        );
      }
    }),
  );
  const ingestMs = performance.now() - start;
  const pushed = PUSHERS * PER_WRITER;
  const rate = (pushed / ingestMs) * 1000;

  await seedDirect(db, pushed);
  const total = Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM checkpoints')).rows[0]!.n);
  await db.exec('ANALYZE');
  const { all, byCase } = await searchBench(server, auditor);
  const p50 = percentile(all, 50);
  const p95 = percentile(all, 95);
  const slowest = [...byCase]
    .map(([name, ms]) => [name, percentile(ms, 95)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
    .join(', ');
  const statsStart = performance.now();
  await fetch(`${server.url}/api/v1/stats?by=month`, { headers: { authorization: `Bearer ${auditor}` } });
  const statsMs = performance.now() - statsStart;
  const onPostgres = backend === 'postgres';
  return {
    figures: [
      {
        name: `${backend}: ingest, ${PUSHERS} concurrent pushers over HTTP`,
        value: rate,
        unit: 'checkpoints/s',
        ...(onPostgres ? { target: '>= 2,000 checkpoints/s', met: rate >= 2000 } : {}),
      },
      {
        name: `${backend}: search p50 over ${total.toLocaleString('en-US')} checkpoints`,
        value: p50,
        unit: 'ms',
      },
      {
        name: `${backend}: search p95 over ${total.toLocaleString('en-US')} checkpoints`,
        value: p95,
        unit: 'ms',
        ...(onPostgres ? { target: '< 100 ms', met: p95 < 100 } : {}),
      },
      { name: `${backend}: stats by month over all checkpoints`, value: statsMs, unit: 'ms' },
    ],
    notes: [
      `${backend}: ${pushed.toLocaleString('en-US')} checkpoints pushed in ${(ingestMs / 1000).toFixed(1)} s, one signed head each, ${REQUEST_ENTRIES} per request; slowest searches (p95): ${slowest}`,
    ],
  };
}

const { figures, notes } = await onEachBackend(run);
notes.push(
  `${CASES.length} search shapes x 10 rounds, each timed with its second page; page size 50, over HTTP with auth and access log`,
);
report({
  bench: 'server-ingest',
  title: `trail serve: ingest from ${PUSHERS} concurrent pushers and search over ${SEARCH_TOTAL.toLocaleString('en-US')} checkpoints`,
  figures,
  notes,
});
