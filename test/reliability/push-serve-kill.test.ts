/**
 * kill -9 at random points of `trail push` and of the server's ingest, then recovery:
 * nothing lost that the server acknowledged, nothing duplicated, nothing half-written that
 * verify accepts.
 *
 * - `trail push` (the built CLI, a real process) is SIGKILLed mid-push, round after round,
 *   while its log keeps growing; after each kill the server holds a prefix of the log that
 *   ends on a signed tree head, and a last push completes it: every entry once, in order,
 *   no alert (a killed push is not a rewrite), and `trail verify` passes here and in a
 *   second clone that pulls the log back.
 * - `trail serve` (a real process, on PGlite in its data folder and on PostgreSQL) is
 *   SIGKILLed while three writers push into it, then restarted on the same data: every
 *   entry it acknowledged is still there, what it holds is a signed prefix of each log,
 *   re-pushing completes the logs without duplicates, the server's own checks (Merkle root
 *   of the stored leaves, newest signed head, alerts, read model) agree, and a clone that
 *   pulls everything verifies it.
 *
 * Delays are random, seeded per run and printed in the suite's name; set TRAIL_FAULT_SEED to
 * replay one. Every wait has a deadline and every child is killed in `finally`, so a hang
 * fails the test instead of stalling the run.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import type { KeyPair } from '../../src/core/signature.js';
import { loadWriterKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords, listLogRefs, readLogs } from '../../src/ledger/log-store.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { Database, Row, Transaction } from '../../src/server/db/database.js';
import { startServer } from '../../src/server/server.js';
import { TRAIL_BIN, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';
import {
  callOverHttp,
  checkpointRecord,
  freshPostgres,
  MemoryWriter,
  sha,
  token,
} from '../server/harness.js';

const REPO = 'acme/app';
const seed = Number(process.env.TRAIL_FAULT_SEED ?? Date.now() % 100000);
let state = seed;
function random(): number {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
}

// --- processes -------------------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  /** Settles when the process is gone (its exit code, null when killed by a signal). */
  exited: Promise<number | null>;
  /** Settles when the process is gone and its output read to the end. */
  closed: Promise<number | null>;
  out: () => string;
  err: () => string;
}

/** Starts the built `trail` as a real process. Both promises exist from the start, so no event is missed. */
function startTrail(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [TRAIL_BIN, ...args], {
    cwd,
    env: { ...gitEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  // Both pipes are always drained: a child blocked on a full pipe would never exit.
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      err += String(error);
      resolve(-1);
    });
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, closed, out: () => out, err: () => err };
}

function running(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** `promise`, or an error saying `what()` after `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGKILLs a process unless it is already gone, and waits (bounded) for its exit. It waits
 * for 'exit', not 'close': a killed `trail push` can leave a git child holding its pipes.
 */
async function kill9(p: Proc): Promise<void> {
  if (running(p)) p.child.kill('SIGKILL');
  await within(15_000, p.exited, () => `pid ${p.child.pid} still running after SIGKILL`);
  p.child.stdout?.destroy();
  p.child.stderr?.destroy();
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trail ...args` to its end, within `ms`. */
async function runTrail(cwd: string, args: string[], ms = 90_000): Promise<Ran> {
  const p = startTrail(cwd, args);
  try {
    const code = await within(ms, p.closed, () => `trail ${args[0]} did not finish: ${p.err()}`);
    return { code, stdout: p.out(), stderr: p.err() };
  } finally {
    await kill9(p);
  }
}

interface Served extends Proc {
  url: string;
  adminToken: string | null;
}

/** Starts `trail serve --port 0 --json` in `dir` and reads its address from the JSON it prints. */
async function serve(dir: string, databaseUrl: string): Promise<Served> {
  const p = startTrail(dir, ['serve', '--port', '0', '--json'], { DATABASE_URL: databaseUrl });
  // A first PGlite start creates its database (seconds, more on a loaded machine).
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      const text = p.out().trim();
      if (text.endsWith('}')) {
        try {
          const started = JSON.parse(text) as { url: string; adminToken: string | null };
          return { ...p, url: started.url, adminToken: started.adminToken };
        } catch {
          // not all of it yet
        }
      }
      if (!running(p)) {
        await within(5_000, p.closed, () => 'its output').catch(() => {});
        throw new Error(
          `trail serve exited (${p.child.exitCode ?? p.child.signalCode}) before listening:\n${p.err()}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`trail serve did not start within 120 s:\n${p.err()}`);
      await sleep(25);
    }
  } catch (error) {
    await kill9(p);
    throw error;
  }
}

// --- HTTP ------------------------------------------------------------------------------------

const repoPath = (...rest: string[]) => ['/api/v1/repos', encodeURIComponent(REPO), ...rest].join('/');

/** The server's size for each writer of the repository (0 for a writer it has not seen). */
async function serverSizes(url: string, bearer: string): Promise<Map<string, number>> {
  const res = await callOverHttp(url, bearer, 'GET', repoPath('writers'));
  if (res.status === 404) return new Map();
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return new Map(res.body.writers.map((w: { writerId: string; size: number }) => [w.writerId, w.size]));
}

/** Every entry the server holds for a writer, page by page. */
async function serverEntries(url: string, bearer: string, writerId: string): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const page = await callOverHttp(
      url,
      bearer,
      'GET',
      `${repoPath('writers', writerId, 'entries')}?from=${lines.length}&limit=10000`,
    );
    // 404: the repository does not exist yet (a push killed before it registered its keys).
    if (page.status === 404 && lines.length === 0) return lines;
    assert.equal(page.status, 200, JSON.stringify(page.body));
    lines.push(...page.body.entries);
    if (page.body.entries.length === 0 || lines.length >= page.body.size) return lines;
  }
}

/**
 * What a crash may leave: for each writer, the server holds exactly a prefix of the local log
 * that ends on a signed tree head (an ingest stores a whole push or nothing), and at least
 * `acked` entries (what it answered 200 for is durable).
 */
async function assertSignedPrefix(
  url: string,
  bearer: string,
  writerId: string,
  lines: readonly string[],
  headSizes: ReadonlySet<number>,
  acked: number,
  when: string,
): Promise<number> {
  const held = await serverEntries(url, bearer, writerId);
  assert.ok(
    held.length === 0 || headSizes.has(held.length),
    `${when}: the server holds ${held.length} entries of ${writerId.slice(0, 8)}, not a signed size`,
  );
  assert.ok(held.length >= acked, `${when}: ${acked} entries were acknowledged, ${held.length} survive`);
  assert.ok(held.length <= lines.length, `${when}: the server holds more than was written`);
  // Compared in one go, so a failure does not print tens of thousands of lines.
  const mismatch = held.findIndex((line, i) => line !== lines[i]);
  assert.equal(mismatch, -1, `${when}: entry ${mismatch} differs from the writer's`);
  return held.length;
}

async function alerts(url: string, bearer: string): Promise<unknown[]> {
  const res = await callOverHttp(url, bearer, 'GET', '/api/v1/alerts');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.alerts;
}

/**
 * The server's database, watched: how many transactions are open, and a hook called the
 * moment an ingest takes its writer's lock (the server has a batch in hand and is storing it).
 */
function watch(db: Database): { db: Database; open: number; onIngest: (() => void) | undefined } {
  const watched = {
    open: 0,
    onIngest: undefined as (() => void) | undefined,
    db: {
      kind: db.kind,
      query: <T = Row>(sql: string, params?: readonly unknown[]) => db.query<T>(sql, params),
      exec: (sql: string) => db.exec(sql),
      transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
        watched.open++;
        try {
          return await db.transaction((tx) =>
            fn({
              query: <R = Row>(sql: string, params?: readonly unknown[]) => {
                if (typeof params?.[0] === 'string' && params[0].startsWith('log/')) watched.onIngest?.();
                return tx.query<R>(sql, params);
              },
              exec: (sql: string) => tx.exec(sql),
            }),
          );
        } finally {
          watched.open--;
        }
      },
      close: () => db.close(),
    } satisfies Database,
  };
  return watched;
}

// --- writers ---------------------------------------------------------------------------------

/** A git repository with `trail init`, whose writer appends records in-process. */
interface GitWriter {
  repo: TempRepo;
  ledger: Repo;
  key: KeyPair;
  headSizes: Set<number>;
  appended: number;
}

async function gitWriter(): Promise<GitWriter> {
  const repo = tempRepo();
  const init = await trail(repo.dir, 'init', '--yes');
  assert.equal(init.code, 0, init.stderr);
  const ledger = await findRepo(repo.dir);
  return { repo, ledger, key: loadWriterKey(ledger), headSizes: new Set(), appended: 0 };
}

/** `appends` appends of `per` records each; every append is one signed head, so one push batch boundary. */
async function grow(w: GitWriter, label: string, appends: number, per: number): Promise<void> {
  for (let a = 0; a < appends; a++) {
    const result = await appendRecords(
      w.ledger,
      w.key,
      Array.from({ length: per }, (_, i) => ({
        kind: 'capture-gap',
        v: 1,
        time: new Date().toISOString(),
        actor: { type: 'service', id: 'kill-test' },
        provenance: 'observed',
        what: `${label} append ${a} record ${i}`,
        why: 'push and serve kill test',
      })),
    );
    w.headSizes.add(result.head.size);
    w.appended = result.head.size;
  }
}

/** The writer's own log as git holds it. */
async function localLog(w: GitWriter): Promise<{ lines: string[]; heads: SignedTreeHead[] }> {
  const [log] = (await readLogs(w.ledger, await listLogRefs(w.ledger))).filter(
    (s) => s.writerId === w.key.keyId && !s.remote,
  );
  assert.ok(log, 'the writer has a log');
  return { lines: log.entries.lines(), heads: log.heads };
}

/**
 * A writer whose log is built in memory and pushed over HTTP by the test itself, so the test
 * knows exactly which entries the server acknowledged. It resumes from what it saw
 * acknowledged, not from the server's size: after a crash that lost an answer, it re-sends
 * entries the server already holds, which must be accepted as no-ops.
 */
class HttpWriter {
  readonly log = new MemoryWriter();
  acked = 0;
  duplicates = 0;
  /** Answers other than 200: a crash must end requests, never make the server refuse one. */
  readonly refusals: string[] = [];
  private appends = 0;

  constructor(
    readonly name: string,
    private readonly per: number,
    private readonly chunk: number,
  ) {}

  get id(): string {
    return this.log.id;
  }

  get headSizes(): Set<number> {
    return new Set(this.log.heads.map((h) => h.size));
  }

  grow(appends: number): void {
    for (let a = 0; a < appends; a++, this.appends++) {
      this.log.append(
        Array.from({ length: this.per }, (_, i) =>
          checkpointRecord({
            commit: sha(`${this.name}-${this.appends}-${i}`),
            time: new Date(Date.UTC(2026, 5, 1, 0, 0, this.appends, i)).toISOString(),
          }),
        ),
      );
    }
  }

  /** Pushes what was not acknowledged, `chunk` appends per request; false once a request fails. */
  async push(url: string, bearer: string): Promise<boolean> {
    try {
      const keys = await callOverHttp(url, bearer, 'POST', repoPath('keys'), {
        keys: [this.log.trustedKey(this.name)],
      });
      if (keys.status !== 200) {
        this.refusals.push(`keys: ${keys.status} ${JSON.stringify(keys.body)}`);
        return false;
      }
      while (this.acked < this.log.lines.length) {
        const to = Math.min(this.log.lines.length, this.acked + this.chunk * this.per);
        const res = await callOverHttp(url, bearer, 'POST', repoPath('writers', this.id, 'entries'), {
          ...this.log.push(this.acked, to),
          writerName: this.name,
        });
        if (res.status !== 200) {
          this.refusals.push(`entries ${this.acked}..${to - 1}: ${res.status} ${JSON.stringify(res.body)}`);
          return false;
        }
        this.duplicates += res.body.duplicates;
        this.acked = to;
      }
      return true;
    } catch {
      return false; // the server is gone: the connection failed
    }
  }
}

// --- the tests -------------------------------------------------------------------------------

describe(`kill -9 during push and server ingest, and recover (seed ${seed})`, () => {
  test('trail push killed mid-push: the server keeps a signed prefix, a re-push completes it exactly', {
    timeout: 240_000,
  }, async (t) => {
    const ROUNDS = 4;
    const database = await freshPostgres('trail_push_kill');
    const watched = watch(database.db);
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      db: watched.db,
      config: { rateLimit: false },
    });
    const writer = await gitWriter();
    const clone = tempRepo();
    try {
      const ingest = await token(server.db, { name: 'dev', role: 'ingest', orgs: ['acme'] });
      const auditor = await token(server.db, { name: 'auditor', role: 'auditor' });
      const id = writer.key.keyId;
      const pushArgs = ['push', '--server', server.url, '--token', ingest, '--repo', REPO];
      for (let round = 0; round < ROUNDS; round++) {
        // Three appends of 2,600 records a round: a push request holds 5,000 entries at most and
        // ends on a signed head, so each round sends at least three requests.
        await grow(writer, `round ${round}`, 3, 2600);
        const before = (await serverSizes(server.url, ingest)).get(id) ?? 0;
        // Odd rounds: killed from inside the server, the moment it starts storing the first or
        // second request of the round, so the client dies waiting for an answer to a batch the
        // server goes on to commit; the push is certainly cut part-way.
        const killAt = round % 2 === 1 ? 1 + Math.floor(random() * 2) : 0;
        let ingests = 0;
        let push: Proc | undefined;
        watched.onIngest = () => {
          if (++ingests === killAt) push?.child.kill('SIGKILL');
        };
        push = startTrail(writer.repo.dir, pushArgs);
        const started = Date.now();
        try {
          if (killAt === 0) {
            // Even rounds, anywhere: start-up, key registration, reading the log, a batch on
            // the wire or in the server.
            await sleep(50 + random() * 1800);
          } else {
            await within(
              60_000,
              push.exited,
              () => `round ${round}: the push was not killed: ${push?.err()}`,
            );
          }
        } finally {
          watched.onIngest = undefined;
          await kill9(push);
        }
        // The server finishes what it was storing when the client died; then look.
        const deadline = Date.now() + 30_000;
        while (watched.open > 0) {
          assert.ok(Date.now() < deadline, `round ${round}: the server's transaction never ended`);
          await sleep(10);
        }
        const { lines } = await localLog(writer);
        const after = await assertSignedPrefix(
          server.url,
          ingest,
          id,
          lines,
          writer.headSizes,
          before,
          `round ${round}`,
        );
        const what =
          push.child.exitCode === 0
            ? 'finished before the kill'
            : after === before
              ? 'killed before a batch was stored'
              : after === lines.length
                ? 'killed during or after the last batch'
                : 'killed part-way';
        t.diagnostic(
          `round ${round}: ${what} at ${Date.now() - started} ms${killAt ? ` (in the server's ingest ${killAt})` : ''}; ` +
            `server ${before} -> ${after} of ${lines.length}`,
        );
        if (killAt) assert.equal(what, 'killed part-way', `round ${round}`);
        assert.deepEqual(await alerts(server.url, auditor), [], `round ${round}: a killed push is no alert`);
      }

      // A last push completes the log; nothing of it is sent twice or stored twice.
      const final = await runTrail(writer.repo.dir, [...pushArgs, '--json']);
      assert.equal(final.code, 0, final.stderr);
      const report = JSON.parse(final.stdout);
      assert.equal(report.ok, true);
      const { lines, heads } = await localLog(writer);
      assert.equal(lines.length, ROUNDS * 3 * 2600);
      assert.equal(report.writers[0].local, lines.length);
      const held = await serverEntries(server.url, ingest, id);
      assert.equal(held.length, lines.length, 'every entry on the server');
      assert.equal(
        held.findIndex((line, i) => line !== lines[i]),
        -1,
        'every entry once, in order',
      );
      const rows = await server.db.query<{ n: number; seqs: number; heads: number }>(
        `SELECT (SELECT count(*) FROM ledger_entries WHERE writer_id = $1) AS n,
           (SELECT count(DISTINCT seq) FROM ledger_entries WHERE writer_id = $1) AS seqs,
           (SELECT count(*) FROM tree_heads WHERE writer_id = $1) AS heads`,
        [id],
      );
      assert.deepEqual(
        [Number(rows.rows[0]!.n), Number(rows.rows[0]!.seqs), Number(rows.rows[0]!.heads)],
        [lines.length, lines.length, heads.length],
        'one row per entry and per signed head',
      );
      assert.deepEqual(await alerts(server.url, auditor), [], 'no alert: a killed push is not a rewrite');

      const verify = await runTrail(writer.repo.dir, ['verify']);
      assert.equal(verify.code, 0, verify.stderr);

      // A second clone pulls the log back from the server and verifies it.
      assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
      trustKey(await findRepo(clone.dir), writer.key.publicKey, 'writer');
      const pulled = await runTrail(clone.dir, [
        'pull',
        '--server',
        server.url,
        '--token',
        ingest,
        '--repo',
        REPO,
        '--json',
      ]);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal(JSON.parse(pulled.stdout).writers[0].fetched, lines.length);
      const cloneVerify = await runTrail(clone.dir, ['verify']);
      assert.equal(cloneVerify.code, 0, cloneVerify.stderr);
      assert.match(cloneVerify.stderr, new RegExp(`verified ${lines.length} records`));
    } finally {
      await server.close();
      await database.cleanup();
      writer.repo.cleanup();
      clone.cleanup();
    }
  });

  for (const backend of ['pglite', 'postgres'] as const) {
    test(`trail serve (${backend}) killed mid-ingest and restarted on its data: nothing acknowledged lost, nothing twice`, {
      timeout: 300_000,
    }, async (t) => {
      // Two crashes and restarts, then a last round that completes everything.
      const ROUNDS = 2;
      const dir = tempDir('trail-serve-kill-');
      const database = backend === 'postgres' ? await freshPostgres('trail_serve_kill') : undefined;
      const databaseUrl = database?.url ?? ''; // empty: PGlite in <dir>/.trail-server/pgdata
      const git = await gitWriter();
      const clone = tempRepo();
      const http = [new HttpWriter('bob', 250, 2), new HttpWriter('carol', 250, 2)];
      let server: Served | undefined;
      const children: Proc[] = [];
      try {
        server = await serve(dir, databaseUrl);
        const admin = server.adminToken;
        assert.ok(admin, 'the first start prints the admin token');
        const created = await callOverHttp(server.url, admin, 'POST', '/api/v1/admin/tokens', {
          name: 'ci',
          role: 'ingest',
          orgs: ['acme'],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const ingest: string = created.body.token;

        for (let round = 0; round <= ROUNDS; round++) {
          const last = round === ROUNDS;
          await grow(git, `round ${round}`, 3, 2600);
          for (const w of http) w.grow(8);
          const url: string = server.url;
          const before = (await serverSizes(url, ingest)).get(git.key.keyId) ?? 0;
          const push = startTrail(git.repo.dir, ['push', '--server', url, '--token', ingest, '--repo', REPO]);
          children.push(push);
          if (last) {
            // After the crashes, everything goes through.
            const pushing = Promise.all(http.map((w) => w.push(url, ingest)));
            const code = await within(
              120_000,
              push.closed,
              () => `the last push did not finish: ${push.err()}`,
            );
            assert.equal(code, 0, push.err());
            const done = await within(120_000, pushing, () => 'the last HTTP pushes did not finish');
            assert.deepEqual(done, [true, true], http.flatMap((w) => w.refusals).join('\n'));
            break;
          }
          // Kill the server when it is certainly ingesting from all sides: `trail push` has had
          // a first batch of this round stored (batches of 2,600 entries: the next is on its
          // way), then the HTTP writers start and one of them has an answer (more follow).
          const deadline = Date.now() + 60_000;
          while (running(server) && running(push)) {
            if (((await serverSizes(url, ingest)).get(git.key.keyId) ?? 0) > before) break;
            assert.ok(Date.now() < deadline, `round ${round}: trail push made no progress: ${push.err()}`);
            await sleep(10);
          }
          const acked = http.map((w) => w.acked);
          let settled = false;
          const pushing = Promise.all(http.map((w) => w.push(url, ingest))).finally(() => {
            settled = true;
          });
          while (!settled && http.every((w, i) => w.acked === acked[i])) {
            assert.ok(Date.now() < deadline, `round ${round}: the HTTP writers made no progress`);
            await sleep(5);
          }
          const delay = random() * 200;
          await sleep(delay);
          const ackedAtKill = http.map((w) => w.acked);
          const pushDone = !running(push);
          await kill9(server);
          t.diagnostic(
            `round ${round}: server killed ${Math.round(delay)} ms after the first HTTP answer; ` +
              `HTTP writers acknowledged ${ackedAtKill.join(', ')} of ${http.map((w) => w.log.lines.length).join(', ')}; ` +
              `trail push ${pushDone ? 'had finished' : 'was running'}`,
          );
          // The clients see a failed connection and stop; none of them may hang.
          await within(60_000, pushing, () => 'HTTP pushes did not end after the server died');
          await within(
            60_000,
            push.exited,
            () => `trail push did not end after the server died: ${push.err()}`,
          );
          await kill9(push);

          // Restart on the same data. If the database cannot be reopened, this throws with
          // the server's own error output.
          server = await serve(dir, databaseUrl);
          assert.equal(server.adminToken, null, 'a restart creates no new admin token');
          const when = `after the kill in round ${round}`;
          const kept: number[] = [];
          for (const w of http) {
            kept.push(
              await assertSignedPrefix(server.url, admin, w.id, w.log.lines, w.headSizes, w.acked, when),
            );
          }
          const { lines } = await localLog(git);
          const gitKept = await assertSignedPrefix(
            server.url,
            admin,
            git.key.keyId,
            lines,
            git.headSizes,
            0,
            when,
          );
          // More kept than acknowledged: the kill fell between a commit and its answer.
          t.diagnostic(
            `round ${round}: after the restart the server holds ${kept.join(', ')} (acknowledged ` +
              `${http.map((w) => w.acked).join(', ')}) and ${gitKept} of ${lines.length} pushed by trail push`,
          );
          assert.deepEqual(await alerts(server.url, admin), [], `${when}: a crash raises no alert`);
        }

        // Everything is on the server, once, in order.
        const url = server.url;
        const { lines } = await localLog(git);
        const expected = new Map<string, string[]>([
          [git.key.keyId, lines],
          ...http.map((w): [string, string[]] => [w.id, w.log.lines]),
        ]);
        for (const [writerId, own] of expected) {
          const held = await serverEntries(url, admin, writerId);
          assert.equal(held.length, own.length, `writer ${writerId.slice(0, 8)}: every entry on the server`);
          assert.equal(
            held.findIndex((line, i) => line !== own[i]),
            -1,
            `writer ${writerId.slice(0, 8)}: every entry once, in order`,
          );
        }
        assert.deepEqual(await alerts(url, admin), [], 'no alert: a crash is not tampering');

        // The server's own view: its stored leaves hash to the root it holds, which is the
        // root of the newest signed head, for every writer; the read model has each
        // checkpoint once.
        const ledger = await callOverHttp(
          url,
          admin,
          'GET',
          `/api/v1/ledger?repo=${encodeURIComponent(REPO)}`,
        );
        assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
        const [status] = ledger.body.repos;
        assert.equal(status.status, 'consistent');
        assert.equal(status.alerts, 0);
        const total = [...expected.values()].reduce((n, own) => n + own.length, 0);
        assert.equal(status.entries, total);
        assert.equal(status.writers.length, expected.size, 'three writers');
        for (const w of status.writers) {
          assert.equal(w.size, expected.get(w.writerId)?.length, `writer ${w.writerId.slice(0, 8)}: size`);
          assert.equal(w.latestHead.size, w.size, 'the newest signed head covers the whole log');
          assert.equal(w.latestHead.root, w.root, "the newest signed head's root is the server's root");
          const proof = await callOverHttp(
            url,
            admin,
            'GET',
            `${repoPath('writers', w.writerId, 'consistency')}?from=0&to=${w.size}`,
          );
          assert.equal(proof.status, 200, JSON.stringify(proof.body));
          assert.equal(proof.body.toRoot, w.root, 'the stored leaves hash to the root the server holds');
        }
        const stats = await callOverHttp(url, admin, 'GET', `/api/v1/stats?repo=${encodeURIComponent(REPO)}`);
        assert.equal(stats.status, 200, JSON.stringify(stats.body));
        assert.equal(
          stats.body.total.checkpoints,
          http.reduce((n, w) => n + w.log.lines.length, 0),
          'each checkpoint once in the read model',
        );

        // A clone that trusts the three writers pulls everything and verifies it.
        assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
        const cloneLedger = await findRepo(clone.dir);
        trustKey(cloneLedger, git.key.publicKey, 'git writer');
        for (const w of http) trustKey(cloneLedger, w.log.key.publicKey, w.name);
        const pulled = await runTrail(clone.dir, [
          'pull',
          '--server',
          url,
          '--token',
          ingest,
          '--repo',
          REPO,
        ]);
        assert.equal(pulled.code, 0, pulled.stderr);
        const verify = await runTrail(clone.dir, ['verify']);
        assert.equal(verify.code, 0, verify.stderr);
        assert.match(verify.stderr, new RegExp(`verified ${total} records in 3 logs`));
        const own = await runTrail(git.repo.dir, ['verify']);
        assert.equal(own.code, 0, own.stderr);

        // And after all that, the server still stops cleanly on SIGTERM.
        server.child.kill('SIGTERM');
        assert.equal(await within(30_000, server.exited, () => 'trail serve ignored SIGTERM'), 0);
        t.diagnostic(
          `re-sent entries accepted as no-ops: ${http.map((w) => `${w.name} ${w.duplicates}`).join(', ')}`,
        );
      } finally {
        for (const p of children) await kill9(p);
        if (server) await kill9(server);
        await database?.cleanup();
        git.repo.cleanup();
        clone.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
