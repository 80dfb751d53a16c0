/**
 * Shared set-up for the server tests: both database backends (PGlite in memory, and a fresh
 * database on the local PostgreSQL server, dropped afterwards), in-memory writers that
 * build signed logs without git, record factories, tokens and a request helper.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sha256Hex } from '../../src/core/hash.js';
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import {
  decodeEntry,
  encodeEntry,
  encodeTombstone,
  entryLeafHash,
  GENESIS_PREV,
  signTreeHead,
} from '../../src/core/log-entry.js';
import { MerkleFrontier } from '../../src/core/merkle.js';
import type { TrailRecord } from '../../src/core/records.js';
import { validateRecord } from '../../src/core/records.js';
import type { KeyPair } from '../../src/core/signature.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { ServerConfig, TrailApp } from '../../src/server/app.js';
import { createApp } from '../../src/server/app.js';
import type { NewToken } from '../../src/server/auth.js';
import { createToken } from '../../src/server/auth.js';
import type { Database } from '../../src/server/db/database.js';
import { openPglite, openPostgres } from '../../src/server/db/database.js';
import { migrate } from '../../src/server/db/migrations.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';

export const POSTGRES_URL = process.env.TRAIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenedDb {
  db: Database;
  cleanup: () => Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  open: () => Promise<OpenedDb>;
}

/** A new, empty database of its own on the local PostgreSQL server, so parallel runs never collide. */
export async function freshPostgres(prefix = 'trail_test'): Promise<OpenedDb & { url: string }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString());
  return {
    db,
    url: url.toString(),
    cleanup: async () => {
      await db.close();
      const drop = new pg.Client({ connectionString: POSTGRES_URL });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}

export const BACKENDS: Backend[] = [
  {
    name: 'pglite',
    open: async () => {
      const db = await openPglite();
      await migrate(db);
      return { db, cleanup: () => db.close() };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const opened = await freshPostgres();
      await migrate(opened.db);
      return opened;
    },
  },
];

/** A writer's log built in memory exactly as appendRecords builds it in git. */
export class MemoryWriter {
  readonly key: KeyPair;
  readonly lines: string[] = [];
  readonly heads: SignedTreeHead[] = [];
  private readonly frontier = new MerkleFrontier();
  private last = GENESIS_PREV;

  constructor(key: KeyPair = generateKeyPair()) {
    this.key = key;
  }

  get id(): string {
    return this.key.keyId;
  }

  /** Appends records as one append (one signed head); returns their record ids. */
  append(records: readonly unknown[], time = new Date().toISOString()): string[] {
    const ids: string[] = [];
    for (const input of records) {
      const record = validateRecord(input);
      const line = encodeEntry({ prev: this.last, record, seq: this.lines.length });
      const leaf = entryLeafHash(line);
      this.lines.push(line);
      this.frontier.append(leaf);
      this.last = leaf.toString('hex');
      const start = line.indexOf('"record":') + '"record":'.length;
      ids.push(sha256Hex(line.slice(start, line.lastIndexOf(',"seq":'))));
    }
    this.heads.push(
      signTreeHead(
        {
          log: this.key.keyId,
          size: this.lines.length,
          root: this.frontier.root().toString('hex'),
          last: this.last,
          time,
        },
        this.key,
      ),
    );
    return ids;
  }

  /** Replaces entry `seq` with a retention tombstone keeping its leaf hash (heads still hold). */
  tombstone(seq: number): void {
    const line = this.lines[seq]!;
    const entry = decodeEntry(line);
    const start = line.indexOf('"record":') + '"record":'.length;
    this.lines[seq] = encodeTombstone({
      prev: entry.prev,
      seq,
      leaf: entryLeafHash(line).toString('hex'),
      recordId: sha256Hex(line.slice(start, line.lastIndexOf(',"seq":'))),
      time: entry.record.time,
    });
  }

  trustedKey(name = 'test writer'): { keyId: string; publicKey: string; name: string } {
    return { keyId: this.key.keyId, publicKey: this.key.publicKey, name };
  }

  /** The push body for entries [from, to) and the heads covering them. */
  push(from = 0, to = this.lines.length): { from: number; entries: string[]; heads: SignedTreeHead[] } {
    return {
      from,
      entries: this.lines.slice(from, to),
      heads: this.heads.filter((h) => h.size > from && h.size <= to),
    };
  }
}

// --- records --------------------------------------------------------------------------------

const HEADER = { v: 1, provenance: 'observed' } as const;

export function sha(n: number | string): string {
  return sha256Hex(`commit ${n}`).slice(0, 40);
}

export function sessionRecord(o: {
  sessionId: string;
  agent?: string;
  model?: string;
  requester?: string;
  summary?: string;
  time?: string;
}): TrailRecord {
  return validateRecord({
    kind: 'session',
    ...HEADER,
    time: o.time ?? '2026-03-01T10:00:00.000Z',
    actor: { type: 'agent', id: o.agent ?? 'claude-code' },
    sessionId: o.sessionId,
    agent: { name: o.agent ?? 'claude-code' },
    ...(o.model ? { model: o.model } : {}),
    request: { tickets: [], acceptanceCriteria: [], requester: o.requester, summary: o.summary },
    startedAt: o.time ?? '2026-03-01T10:00:00.000Z',
  });
}

export function promptRecord(
  sessionId: string,
  text: string,
  time = '2026-03-01T10:01:00.000Z',
): TrailRecord {
  return validateRecord({
    kind: 'event',
    ...HEADER,
    provenance: 'transcript',
    time,
    actor: { type: 'human', id: 'dev@example.com' },
    sessionId,
    event: { type: 'prompt', text },
  });
}

export function commandRecord(
  sessionId: string,
  command: string,
  time = '2026-03-01T10:02:00.000Z',
): TrailRecord {
  return validateRecord({
    kind: 'event',
    ...HEADER,
    time,
    actor: { type: 'agent', id: 'claude-code' },
    sessionId,
    event: { type: 'command', command, exitCode: 0 },
  });
}

export function checkpointRecord(o: {
  commit: string;
  sessions?: Array<{ sessionId: string; agent: string; model?: string }>;
  time?: string;
  author?: string;
  summary?: string;
  path?: string;
  ai?: number;
  human?: number;
}): TrailRecord {
  const ai = o.ai ?? 8;
  const human = o.human ?? 2;
  const path = o.path ?? 'src/app.ts';
  const sessionId = o.sessions?.[0]?.sessionId;
  return validateRecord({
    kind: 'checkpoint',
    ...HEADER,
    time: o.time ?? '2026-03-01T11:00:00.000Z',
    actor: { type: 'service', id: 'trail' },
    commit: o.commit,
    author: o.author ?? 'dev@example.com',
    branch: 'main',
    sessions: o.sessions ?? [],
    files: [
      {
        path,
        status: 'modified',
        added: ai + human,
        removed: 0,
        aiLines: ai,
        humanLines: human,
        unknownLines: 0,
      },
    ],
    attribution: {
      [path]: [
        ...(ai > 0 ? [{ start: 1, end: ai, origin: 'ai', ...(sessionId ? { sessionId } : {}) }] : []),
        ...(human > 0 ? [{ start: ai + 1, end: ai + human, origin: 'human' }] : []),
      ],
    },
    ...(o.summary ? { summary: o.summary } : {}),
  });
}

export function reviewRecord(o: {
  commit: string;
  checkpoint?: string;
  reviewer: string;
  decision: 'approve' | 'request-changes' | 'comment';
  time?: string;
}): TrailRecord {
  return validateRecord({
    kind: 'review',
    ...HEADER,
    provenance: 'human',
    time: o.time ?? '2026-03-01T12:00:00.000Z',
    actor: { type: 'human', id: o.reviewer },
    commit: o.commit,
    ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
    reviewer: o.reviewer,
    decision: o.decision,
  });
}

export function purgeRecord(
  ids: string[],
  cutoff: string,
  time = '2026-06-01T00:00:00.000Z',
  reason?: string,
): TrailRecord {
  return validateRecord({
    kind: 'retention-purge',
    ...HEADER,
    time,
    actor: { type: 'service', id: 'trail retention' },
    cutoff,
    purged: ids,
    ...(reason ? { reason } : {}),
  });
}

export function testRecord(commit: string, failed = 0): TrailRecord {
  return validateRecord({
    kind: 'test-result',
    ...HEADER,
    time: '2026-03-01T11:30:00.000Z',
    actor: { type: 'ci', id: 'ci' },
    commit,
    totals: { tests: 10, passed: 10 - failed, failed, skipped: 0, errored: 0 },
  });
}

export function deploymentRecord(commit: string, env = 'prod'): TrailRecord {
  return validateRecord({
    kind: 'deployment',
    ...HEADER,
    time: '2026-03-02T09:00:00.000Z',
    actor: { type: 'ci', id: 'deploy-bot' },
    env,
    commit,
  });
}

// --- requests -------------------------------------------------------------------------------

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
  body: any;
  headers: Headers;
}

export async function call(
  app: TrailApp,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await app.request(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The same request as `call`, over HTTP to a running server (`trail serve`). */
export async function callOverHttp(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export function repoPath(repo: string, ...rest: string[]): string {
  return ['/api/v1/repos', encodeURIComponent(repo), ...rest].join('/');
}

export async function token(db: Database, spec: NewToken): Promise<string> {
  return (await createToken(db, spec, null)).token;
}

/**
 * A server listening on 127.0.0.1 over a fresh database of `backend` (no rate limit, and
 * `config` for the rest, such as its clock), with an ingest token for the acme organisation
 * and an auditor's token: what a test that pushes real clones and reads what the server says
 * starts from.
 */
export async function serverWithTokens(
  backend: Backend,
  config: ServerConfig = {},
): Promise<{ opened: OpenedDb; server: RunningServer; ingest: string; auditor: string }> {
  const opened = await backend.open();
  const server = await startServer({
    db: opened.db,
    port: 0,
    host: '127.0.0.1',
    config: { rateLimit: false, ...config },
  });
  const ingest = await token(server.db, { name: 'dev', role: 'ingest', orgs: ['acme'] });
  const auditor = await token(server.db, { name: 'auditor', role: 'auditor' });
  return { opened, server, ingest, auditor };
}

/** An app with the rate limit off unless a test asks for one. */
export function appFor(db: Database, config: ServerConfig = {}): TrailApp {
  return createApp(db, { rateLimit: false, ...config });
}

/** Registers a writer's key and pushes its whole log; asserts success. */
export async function pushWriter(
  app: TrailApp,
  ingestToken: string,
  repo: string,
  writer: MemoryWriter,
): Promise<void> {
  const keys = await call(app, 'POST', repoPath(repo, 'keys'), ingestToken, { keys: [writer.trustedKey()] });
  if (keys.status !== 200) throw new Error(`keys: ${keys.status} ${JSON.stringify(keys.body)}`);
  const pushed = await call(
    app,
    'POST',
    repoPath(repo, 'writers', writer.id, 'entries'),
    ingestToken,
    writer.push(),
  );
  if (pushed.status !== 200) throw new Error(`push: ${pushed.status} ${JSON.stringify(pushed.body)}`);
}

export async function count(
  db: Database,
  table: string,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const result = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params);
  return Number(result.rows[0]!.n);
}
