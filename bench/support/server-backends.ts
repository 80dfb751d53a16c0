/**
 * What the server's benches share: the database of each backend (PGlite in this process, or a
 * fresh PostgreSQL database), the backends a run covers (BENCH_BACKENDS), a writer's log cut
 * into push requests as `trail push` cuts it, and one report's figures gathered backend by
 * backend.
 */
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import { openPglite } from '../../src/server/db/database.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import type { MemoryWriter, OpenedDb } from '../../test/server/harness.js';
import { freshPostgres } from '../../test/server/harness.js';
import type { BenchFigure } from '../lib.js';

/** The backends a run covers: BENCH_BACKENDS, by default both. */
export const BENCH_BACKENDS = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');

/** The repositories a bench's writers push to. */
export const REPOS = ['bench/api', 'bench/web', 'bench/billing', 'bench/mobile', 'bench/infra'];

/** The agents a bench's sessions and checkpoints name, each with its model. */
export const AGENTS: ReadonlyArray<readonly [string, string]> = [
  ['claude-code', 'claude-sonnet-4'],
  ['codex', 'gpt-5'],
  ['gemini-cli', 'gemini-2.5-pro'],
  ['cursor', 'claude-opus-4'],
];

/** The most entries one push request carries, as `trail push` sends them. */
export const REQUEST_ENTRIES = 250;

/** A fresh database of `backend`; BENCH_KEEP_DATABASE=1 leaves a PostgreSQL one in place. */
export async function openBenchDb(backend: string): Promise<OpenedDb> {
  if (backend === 'postgres') {
    const opened = await freshPostgres('trail_bench');
    // Kept, to look at its plans after the run.
    if (process.env.BENCH_KEEP_DATABASE) {
      console.log(`keeping ${opened.url}`);
      return { db: opened.db, cleanup: () => opened.db.close() };
    }
    return opened;
  }
  const db = await openPglite();
  return { db, cleanup: () => db.close() };
}

/** The writer's log as push requests of up to REQUEST_ENTRIES entries, each ending on a signed head. */
export function pushRequests(
  w: MemoryWriter,
): Array<{ from: number; entries: string[]; heads: SignedTreeHead[] }> {
  const out = [];
  for (let from = 0; from < w.lines.length; ) {
    const heads = w.heads.filter((h) => h.size > from && h.size <= from + REQUEST_ENTRIES);
    const to = heads[heads.length - 1]?.size ?? w.heads.find((h) => h.size > from)!.size;
    out.push(w.push(from, to));
    from = to;
  }
  return out;
}

/**
 * `run` on each backend in turn, against a server listening on 127.0.0.1 over a fresh database
 * (no rate limit), closed after it; its figures and notes gathered for one report.
 */
export async function onEachBackend(
  run: (backend: string, server: RunningServer) => Promise<{ figures: BenchFigure[]; notes: string[] }>,
): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  for (const backend of BENCH_BACKENDS) {
    const opened = await openBenchDb(backend);
    const server = await startServer({
      db: opened.db,
      port: 0,
      host: '127.0.0.1',
      config: { rateLimit: false },
    });
    try {
      const result = await run(backend, server);
      figures.push(...result.figures);
      notes.push(...result.notes);
    } finally {
      await server.close();
      await opened.cleanup();
    }
  }
  return { figures, notes };
}
