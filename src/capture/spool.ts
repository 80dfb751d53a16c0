/**
 * The spool: what hooks capture, redacted, before it is sealed into the ledger at commit.
 * One JSON Lines file per session under `.git/trail/spool/sessions/`. Each hook appends its
 * lines with a single O_APPEND write, so parallel hooks never interleave inside a line; a
 * reader skips a torn last line (a crash mid-write) instead of failing.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { EventBody, Provenance } from '../core/records.js';
import type { RedactionRule } from '../core/redact.js';
import { redactValue } from '../core/redact.js';
import { isIsoTime } from '../core/redact-record.js';
import { byteAt, readRange } from '../io/read-range.js';
import type { Repo } from '../ledger/repo.js';
import type { AgentName, SessionInfo } from './observation.js';
import { isWorktreeId, linkedWorktree } from './worktree.js';

export interface SpoolHeader {
  v: 1;
  at: string;
  agent: AgentName | string;
  sessionId: string;
  hook: string;
  /**
   * The worktree the line was recorded in (worktree.ts, worktreeId): a commit carries a
   * session for the files it edited in the committing worktree only. Lines written before
   * 2026-12-06 name none, and their edits count in any worktree, as they did then.
   */
  worktree?: string;
}

export type SpoolLine =
  | (SpoolHeader & {
      type: 'session';
      info: SessionInfo & {
        credentialNames?: string[];
        host?: string;
        user?: string;
        branch?: string;
        mode?: 'local' | 'ci' | 'cloud';
        request?: Record<string, unknown>;
      };
      ended?: boolean;
      reason?: string;
    })
  | (SpoolHeader & {
      type: 'event';
      event: EventBody;
      provenance: Provenance;
      redactions?: Array<{ field: string; rule: string; count: number }>;
    });

export function sessionKey(agent: string, sessionId: string): string {
  return sha256Hex(`${agent}:${sessionId}`).slice(0, 16);
}

export function spoolDir(stateDir: string): string {
  return join(stateDir, 'spool');
}

/** The spool file of one session (it may not exist). */
export function sessionFile(stateDir: string, key: string): string {
  return join(spoolDir(stateDir), 'sessions', `${key}.jsonl`);
}

export function hasSpool(stateDir: string, key: string): boolean {
  return existsSync(sessionFile(stateDir, key));
}

/**
 * The time a spool line is ordered by, and the worktree it names, which a user pattern matching
 * digits must not take: neither holds anything of the user's.
 */
const keepOwn = (path: string, value: string) =>
  (path === 'at' && isIsoTime(value)) || (path === 'worktree' && isWorktreeId(value));

/**
 * A spool line with every string in it redacted, and every member name: the header (an agent
 * or event name, a session id, the payload's own), a session's reason for ending, not only
 * the event or session facts each writer redacts for its findings. A rule over the whole line,
 * so no field of a line written tomorrow escapes it. What it finds in an event line is added
 * to the line's `redactions`.
 */
export function redactSpoolLine(line: SpoolLine, rules: readonly RedactionRule[]): SpoolLine {
  const { value, findings } = redactValue(line, rules, { keep: keepOwn, keys: true });
  if (findings.length === 0 || value.type !== 'event') return value;
  return { ...value, redactions: [...(value.redactions ?? []), ...findings] };
}

/**
 * Appends lines to a session's spool, each redacted whole with `rules` (the repository's:
 * the spool is on disk, and secrets are redacted before anything is written).
 */
export function appendSpool(
  stateDir: string,
  key: string,
  lines: readonly SpoolLine[],
  rules: readonly RedactionRule[],
): void {
  if (lines.length === 0) return;
  const redacted = lines.map((line) => redactSpoolLine(line, rules));
  const file = sessionFile(stateDir, key);
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a+');
  try {
    // After a crash mid-write the file ends inside a line; starting on a new line keeps this
    // write whole instead of gluing it to the torn one (the empty line between is skipped).
    const size = fstatSync(fd).size;
    const torn = size > 0 && byteAt(fd, size - 1) !== 0x0a;
    const bytes = Buffer.from(`${torn ? '\n' : ''}${redacted.map((l) => JSON.stringify(l)).join('\n')}\n`);
    // One write for the whole batch (O_APPEND): parallel hooks never interleave inside a line.
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } finally {
    closeSync(fd);
  }
}

export function listSpoolSessions(stateDir: string): string[] {
  const dir = join(spoolDir(stateDir), 'sessions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(0, -'.jsonl'.length))
    .sort();
}

/** What a session's first spool line says of it: when it began, its agent and its id. */
export interface SpoolHead {
  at?: string;
  agent?: string;
  sessionId?: string;
}

/**
 * A session's first spool line, read from the file's first bytes alone (a session's first
 * line is its start, a few hundred bytes). Undefined when the spool is gone or its first line
 * cannot be read; a field the line lacks, or holds in another shape, is left out.
 */
export function spoolHead(stateDir: string, key: string): SpoolHead | undefined {
  let fd: number;
  try {
    fd = openSync(sessionFile(stateDir, key), 'r');
  } catch {
    return undefined;
  }
  try {
    const head = readRange(fd, 0, 64 * 1024);
    const newline = head.indexOf(0x0a);
    if (newline < 0) return undefined;
    const line = JSON.parse(head.toString('utf8', 0, newline)) as Record<string, unknown>;
    const { at, agent, sessionId } = line;
    return {
      ...(typeof at === 'string' && isIsoTime(at) ? { at } : {}),
      ...(typeof agent === 'string' ? { agent } : {}),
      ...(typeof sessionId === 'string' ? { sessionId } : {}),
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** When the session's spool began: the time of its first line (spoolHead). */
export function spoolStartedAt(stateDir: string, key: string): string | undefined {
  return spoolHead(stateDir, key)?.at;
}

/** Lines from a byte offset on, and the offset after the last complete line. */
export function readSpool(
  stateDir: string,
  key: string,
  fromOffset = 0,
): { lines: SpoolLine[]; end: number } {
  const file = sessionFile(stateDir, key);
  // Only the bytes past `fromOffset` are read: sealing looks at every pending session on each
  // commit, and most have nothing new, so its cost must not grow with their length. One stat
  // tells most of them apart without opening the file.
  let sizeNow: number | undefined;
  try {
    sizeNow = statSync(file, { throwIfNoEntry: false })?.size;
  } catch {
    // Unreadable: treated like a missing file, as the open below would be.
  }
  if (sizeNow === undefined || sizeNow <= fromOffset) return { lines: [], end: fromOffset };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { lines: [], end: fromOffset };
  }
  let bytes: Buffer;
  try {
    // Up to the size the stat saw: lines appended since are read next time, and a file that
    // shrank in between (replaced) just reads short.
    bytes = readRange(fd, fromOffset, sizeNow - fromOffset);
  } finally {
    closeSync(fd);
  }
  const lastNewline = bytes.lastIndexOf(0x0a);
  const end = lastNewline < 0 ? fromOffset : fromOffset + lastNewline + 1;
  const lines: SpoolLine[] = [];
  for (const text of bytes.toString('utf8', 0, end - fromOffset).split('\n')) {
    if (!text) continue;
    try {
      lines.push(JSON.parse(text) as SpoolLine);
    } catch {
      // A line torn by a crash or a full disk: skipped, and counted by the caller as a gap.
    }
  }
  return { lines, end };
}

/** The session `trail session start` made current: agents without hooks record into it. */
export interface CurrentSession {
  agent: string;
  sessionId: string;
  key: string;
  startedAt: string;
}

/**
 * Where this worktree's current session is kept: each worktree has its own (two agents in two
 * worktrees are two sessions), the main worktree under the name it always had.
 */
export function currentSessionState(repo: Repo): string {
  return currentSessionStateOf(linkedWorktree(repo));
}

/** The same name for a worktree given by its real path (undefined: the main worktree). */
export function currentSessionStateOf(linkedTree: string | undefined): string {
  return linkedTree === undefined
    ? 'current-session.json'
    : `current-session-${sha256Hex(linkedTree).slice(0, 16)}.json`;
}

/** What names a current-session file of any worktree (currentSessionStateOf). */
export const CURRENT_SESSION_STATE = /^current-session(-[0-9a-f]{16})?\.json$/;

/** This worktree's current session, if `trail session start` made one current. */
export function currentSession(repo: Repo): CurrentSession | undefined {
  return readCurrentSession(repo.stateDir, currentSessionState(repo));
}

/** The current session kept in the state file `name` (any worktree's), if it holds one. */
export function readCurrentSession(stateDir: string, name: string): CurrentSession | undefined {
  const state = readState<Partial<CurrentSession> | undefined>(stateDir, name, undefined);
  if (typeof state?.sessionId !== 'string' || typeof state.agent !== 'string') return undefined;
  return {
    agent: state.agent,
    sessionId: state.sessionId,
    startedAt: String(state.startedAt ?? ''),
    key: sessionKey(state.agent, state.sessionId),
  };
}

/**
 * A session `trail session end` ended before any commit carried it, with the files changed in
 * the work tree since it started: an agent without hooks whose work the person commits after
 * the session (review, then commit). The next commit in this worktree that holds one of
 * `paths` carries it, as a commit made while it was current would (seal.ts).
 */
export interface SessionAwaitingCommit {
  key: string;
  sessionId: string;
  agent: string;
  paths: string[];
}

/** Where this worktree's session awaiting its commit is kept, beside its current session. */
function awaitingCommitState(repo: Repo): string {
  return currentSessionState(repo).replace(/^current-session/, 'awaiting-commit');
}

export function rememberAwaitingCommit(repo: Repo, awaiting: SessionAwaitingCommit): void {
  writeState(repo.stateDir, awaitingCommitState(repo), awaiting);
}

export function forgetAwaitingCommit(repo: Repo): void {
  rmSync(join(spoolDir(repo.stateDir), awaitingCommitState(repo)), { force: true });
}

export function sessionAwaitingCommit(repo: Repo): SessionAwaitingCommit | undefined {
  const state = readState<Partial<SessionAwaitingCommit> | undefined>(
    repo.stateDir,
    awaitingCommitState(repo),
    undefined,
  );
  if (typeof state?.key !== 'string' || !Array.isArray(state.paths)) return undefined;
  return {
    key: state.key,
    sessionId: String(state.sessionId ?? ''),
    agent: String(state.agent ?? ''),
    paths: state.paths.filter((p): p is string => typeof p === 'string'),
  };
}

/** Small JSON state files, replaced atomically (write then rename). */
export function readState<T>(stateDir: string, name: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(join(spoolDir(stateDir), name), 'utf8')) as T;
  } catch {
    return fallback;
  }
}

export function writeState(stateDir: string, name: string, value: unknown): void {
  const file = join(spoolDir(stateDir), name);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, JSON.stringify(value));
  renameSync(temp, file);
}
