/**
 * The sessions list of the server (`GET /api/v1/sessions`, the dashboard's Sessions page) over
 * 100,000 agent sessions, on PGlite and on PostgreSQL, in one run, beside the checkpoint search's
 * newest page over the same database.
 *
 * Each session is recorded twice, at its start and at its end half an hour later (as a commit
 * carries it and as its end is sealed), and 80% of them are carried by a checkpoint, so the
 * database holds 200,000 session rows and 80,000 checkpoints, in five repositories. Every
 * record goes through the server's own ingest (no HTTP: the list is what is measured). Each list
 * shape is timed over HTTP with auth and the access log, 10 rounds after a warm-up.
 *
 * BENCH_SESSIONS (default 100000) and BENCH_BACKENDS (default "pglite,postgres") scale it down
 * for a quick look. No target: kept to watch, since a team's sessions grow without bound.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/server/db/database.js';
import { ingest, registerKeys } from '../src/server/ingest.js';
import { ensureRepo } from '../src/server/repos.js';
import type { RunningServer } from '../src/server/server.js';
import { checkpointRecord, MemoryWriter, sessionRecord, sha, token } from '../test/server/harness.js';
import type { BenchFigure } from './lib.js';
import { percentile, report } from './lib.js';
import { AGENTS, onEachBackend, pushRequests, REPOS } from './support/server-backends.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const WRITERS = 10;
/** Sessions per append: one signed head each, as a clone's seals of a busy day. */
const PER_APPEND = 25;
const ROUNDS = 10;
const START = Date.UTC(2025, 0, 1);
const SPAN = Date.UTC(2026, 6, 1) - START;

const CASES: Array<{ name: string; query: string }> = [
  { name: 'newest', query: '' },
  { name: 'repo', query: 'repo=bench%2Fbilling' },
  { name: 'agent', query: 'agent=codex' },
  { name: 'model', query: 'model=gemini-2.5-pro' },
  { name: 'carried by no commit', query: 'carried=none' },
  { name: 'started since', query: 'since=2026-06-01' },
  { name: 'started until', query: 'until=2025-02-01' },
];

/** One writer's sessions: each started, carried by a checkpoint (80%), and ended. */
function buildWriter(w: number, count: number): MemoryWriter {
  const writer = new MemoryWriter();
  for (let from = 0; from < count; from += PER_APPEND) {
    const records = [];
    let time = '';
    for (let i = from; i < Math.min(count, from + PER_APPEND); i++) {
      const n = i * WRITERS + w;
      const start = START + Math.floor((n / SESSIONS) * SPAN);
      const [agent, model] = AGENTS[n % AGENTS.length]!;
      const sessionId = `s-${w}-${i}`;
      const at = new Date(start).toISOString();
      time = new Date(start + 30 * 60_000).toISOString();
      records.push(sessionRecord({ sessionId, agent, model, requester: `user-${n % 50}`, time: at }));
      if (n % 5 !== 0) {
        records.push(
          checkpointRecord({ commit: sha(`${w}-${i}`), sessions: [{ sessionId, agent, model }], time: at }),
        );
      }
      records.push(sessionRecord({ sessionId, agent, model, requester: `user-${n % 50}`, time }));
    }
    writer.append(records, time);
  }
  return writer;
}

async function seed(db: Database): Promise<void> {
  const per = Math.ceil(SESSIONS / WRITERS);
  for (let w = 0; w < WRITERS; w++) {
    const writer = buildWriter(w, per);
    const repo = await ensureRepo(db, REPOS[w % REPOS.length]!, null);
    await registerKeys(db, repo, [writer.trustedKey()], 'bench');
    for (const body of pushRequests(writer)) {
      await ingest(db, repo, { writerId: writer.id, ...body }, 'bench');
    }
  }
}

async function run(
  backend: string,
  server: RunningServer,
): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const seedStart = performance.now();
  await seed(server.db);
  const seedMs = performance.now() - seedStart;
  await server.db.exec('ANALYZE');
  const auditor = await token(server.db, { name: 'bench auditor', role: 'auditor' });
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${auditor}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { nextCursor: string | null };
  };
  const timed = async (path: string) => {
    const start = performance.now();
    const page = await get(path);
    return { ms: performance.now() - start, page };
  };
  for (const c of CASES) await get(`/api/v1/sessions?${c.query}`);
  await get('/api/v1/checkpoints');
  const byCase = new Map<string, number[]>();
  const all: number[] = [];
  const second: number[] = [];
  const checkpoints: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CASES) {
      const { ms, page } = await timed(`/api/v1/sessions?${c.query}`);
      all.push(ms);
      byCase.set(c.name, [...(byCase.get(c.name) ?? []), ms]);
      if (c.name === 'newest' && page.nextCursor) {
        second.push((await timed(`/api/v1/sessions?cursor=${page.nextCursor}`)).ms);
      }
    }
    checkpoints.push((await timed('/api/v1/checkpoints')).ms);
  }
  const rows = await server.db.query<{ n: number }>('SELECT count(*) AS n FROM sessions');
  const p50 = percentile(all, 50);
  const baseline = percentile(checkpoints, 50);
  const shapes = [...byCase].map(([name, ms]) => `${name} ${percentile(ms, 50).toFixed(1)}`).join(', ');
  return {
    figures: [
      {
        name: `${backend}: sessions list p50 over ${SESSIONS.toLocaleString('en-US')} sessions, every shape`,
        value: p50,
        unit: 'ms',
        baseline: { name: 'checkpoint search, newest page, p50', value: baseline, unit: 'ms' },
        ratio: p50 / baseline,
      },
      { name: `${backend}: sessions list p95, every shape`, value: percentile(all, 95), unit: 'ms' },
      {
        name: `${backend}: sessions list, the newest page's next page, p50`,
        value: percentile(second, 50),
        unit: 'ms',
      },
    ],
    notes: [
      `${backend}: ${Number(rows.rows[0]!.n).toLocaleString('en-US')} session rows seeded through ingest in ${(seedMs / 1000).toFixed(1)} s; p50 by shape (ms): ${shapes}`,
    ],
  };
}

const { figures, notes } = await onEachBackend(run);
notes.push(
  `${CASES.length} list shapes x ${ROUNDS} rounds, page size 50, over HTTP with auth and access log`,
);
report({
  bench: 'sessions-list',
  title: `trail serve: the sessions list over ${SESSIONS.toLocaleString('en-US')} agent sessions`,
  figures,
  notes,
});
