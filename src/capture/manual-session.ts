/**
 * Sessions for agents without hooks: anything that reaches Trail through `trail session`,
 * `trail exec`, the MCP tool or the SDK. They write the same spool lines as the hook runner
 * (one JSON Lines file per session, redacted before it touches the disk), so sealing at
 * commit treats them exactly like a Claude Code or Codex session.
 *
 * Which session a fact belongs to is decided in one place, `resolveSession`, in this order:
 * a session named on the command line; `TRAIL_SESSION_ID`; the worktree's current session (the
 * one `trail session start` made current, kept per worktree by currentSessionState); for the MCP
 * tool, the most recently active open session in the spool; and last a day session
 * (`exec-2026-03-02`, see day-session.ts), which the next commit made in the clone carries.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DaySessionKind } from '../core/day-session.js';
import { daySessionId, GENERIC_AGENT, parseDaySessionId } from '../core/day-session.js';
import { TrailError } from '../core/errors.js';
import type { EventBody, Provenance } from '../core/records.js';
import { eventBodySchema, ticketSchema } from '../core/records.js';
import type { RedactionRule, ValueFinding } from '../core/redact.js';
import { redactValue } from '../core/redact.js';
import { findTickets } from '../core/tickets.js';
import { dirtyFilesSince } from '../git/dirty-files.js';
import { redactionRules } from '../ledger/redaction-rules.js';
import type { Repo } from '../ledger/repo.js';
import { isInitialised } from '../ledger/repo.js';
import { truncateText } from './agents/claude-code.js';
import { boundaryFacts } from './boundary.js';
import { contextNamedInRepo } from './context-ref.js';
import { knownBySessionId } from './known-sessions.js';
import type { CurrentSession, SpoolLine } from './spool.js';
import {
  appendSpool,
  currentSession,
  currentSessionState,
  forgetAwaitingCommit,
  listSpoolSessions,
  readSpool,
  readState,
  rememberAwaitingCommit,
  sessionKey,
  spoolDir,
  writeState,
} from './spool.js';
import { worktreeId, worktreeTag } from './worktree.js';
import { forgetCurrentSession } from './worktree-sessions.js';

// Read where sealing can read it too, without this module's schemas.
export { currentSession, GENERIC_AGENT };

export type Ticket = ReturnType<typeof ticketSchema.parse>;
export type ApprovalState = 'approved' | 'pending' | 'rejected' | 'unknown';
export const APPROVAL_STATES: readonly ApprovalState[] = ['approved', 'pending', 'rejected', 'unknown'];

/** One session's spool, addressed the way the hook runner addresses it. */
export interface SessionHandle {
  repo: Repo;
  agent: string;
  sessionId: string;
  key: string;
}

/** Everything a session line may say about the request behind the work. */
export interface SessionRequest {
  tickets?: Ticket[];
  requester?: string;
  approvalState?: ApprovalState;
  acceptanceCriteria?: string[];
}

export function handleFor(repo: Repo, agent: string, sessionId: string): SessionHandle {
  return { repo, agent, sessionId, key: sessionKey(agent, sessionId) };
}

/** Whether this clone can record (a writer key exists); capture never writes otherwise. */
export function captureReady(repo: Repo): boolean {
  return isInitialised(repo);
}

/** A ticket from what a person typed: a known URL or key keeps its system, anything else its text. */
export function ticketRef(input: string): Ticket {
  const value = input.trim();
  if (value.length === 0) throw new TrailError('USAGE', 'a ticket must not be empty');
  const found = findTickets(value)[0];
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  if (isUrl) {
    return ticketSchema.parse({
      id: found?.url === value ? found.id : value.slice(0, 512),
      url: value.slice(0, 2048),
      system: found?.url === value ? found.system : 'other',
    });
  }
  if (found && found.id === value) return ticketSchema.parse({ id: found.id, system: found.system });
  return ticketSchema.parse({ id: value.slice(0, 512) });
}

type ContextSource = Extract<EventBody, { type: 'context' }>['source'];

/** What an agent may call a context source, and how the record names it. */
export const CONTEXT_KINDS = ['file', 'url', 'doc', 'ticket', 'other'] as const;
export type ContextKind = (typeof CONTEXT_KINDS)[number];

/** The record's source for a kind; kinds the record has no word for keep their name in the note. */
export function contextEvent(kind: string, ref: string, note?: string): EventBody {
  const direct: Record<string, ContextSource> = {
    file: 'file-read',
    'file-read': 'file-read',
    url: 'url',
    search: 'search',
    'rule-file': 'rule-file',
    'mcp-server': 'mcp-server',
    'referenced-missing': 'referenced-missing',
    other: 'other',
  };
  const source = direct[kind] ?? 'other';
  const label = direct[kind] ? undefined : kind;
  const text = [label, note].filter((p): p is string => !!p && p.trim().length > 0).join(': ');
  return { type: 'context', source, ref, ...(text ? { note: text } : {}) };
}

// ---------------------------------------------------------------------------------------
// Spool lines

/** Schema bounds (records.ts) per field name, applied after redaction so no secret is cut in two. */
const FIELD_LIMITS: Record<string, number> = {
  text: 64 * 1024,
  approach: 4096,
  rejectedBecause: 4096,
  note: 4096,
  reason: 4096,
  summary: 4096,
  ref: 4096,
  path: 4096,
  command: 8192,
  outputTail: 8192,
  check: 256,
  tool: 256,
  model: 256,
};

function fitToSchema(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event)) {
    const limit = FIELD_LIMITS[field];
    out[field] = typeof value === 'string' && limit !== undefined ? truncateText(value, limit) : value;
  }
  return out;
}

/**
 * Redacts, bounds and validates one event. A malformed event is refused here, with the field
 * named, rather than later at commit, where it would stop a seal.
 */
export function prepareEvent(
  event: unknown,
  rules: readonly RedactionRule[],
): { event: EventBody; findings: ValueFinding[] } {
  const { value, findings } = redactValue(event, rules);
  const fitted =
    value && typeof value === 'object' && !Array.isArray(value)
      ? fitToSchema(value as Record<string, unknown>)
      : value;
  const parsed = eventBodySchema.safeParse(fitted);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : 'type';
    throw new TrailError('INPUT_INVALID', `invalid event: field "${field}": ${issue.message}`);
  }
  return { event: parsed.data, findings };
}

/** One event as a spool line of the session. */
export function eventLine(
  handle: SessionHandle,
  event: unknown,
  provenance: Provenance,
  hook: string,
  rules: readonly RedactionRule[],
  at = new Date().toISOString(),
): SpoolLine {
  const prepared = prepareEvent(event, rules);
  return {
    v: 1,
    at,
    agent: handle.agent,
    sessionId: handle.sessionId,
    hook,
    worktree: worktreeId(handle.repo),
    type: 'event',
    event: contextNamedInRepo(handle.repo.workTree, prepared.event),
    provenance,
    ...(prepared.findings.length > 0 ? { redactions: prepared.findings } : {}),
  };
}

/** Appends events to a session's spool in one write (all validated first: all or nothing). */
export function appendEvents(
  handle: SessionHandle,
  events: ReadonlyArray<{ event: unknown; provenance: Provenance }>,
  hook: string,
  rules: readonly RedactionRule[] = redactionRules(handle.repo),
): EventBody[] {
  const at = new Date().toISOString();
  const lines = events.map((e) => eventLine(handle, e.event, e.provenance, hook, rules, at));
  appendSpool(handle.repo.stateDir, handle.key, lines, rules);
  return lines.map((l) => (l as Extract<SpoolLine, { type: 'event' }>).event);
}

function sessionLine(
  handle: SessionHandle,
  hook: string,
  info: Extract<SpoolLine, { type: 'session' }>['info'],
  rules: readonly RedactionRule[],
  extra: { ended?: boolean; reason?: string } = {},
): SpoolLine {
  const { value } = redactValue(info, rules);
  return {
    v: 1,
    at: new Date().toISOString(),
    agent: handle.agent,
    sessionId: handle.sessionId,
    hook,
    worktree: worktreeId(handle.repo),
    type: 'session',
    info: value,
    ...(extra.ended ? { ended: true } : {}),
    ...(extra.reason ? { reason: truncateText(extra.reason, 256) } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Starting and ending

export interface StartSessionOptions {
  agent?: string;
  agentVersion?: string;
  model?: string;
  /** Continue a session with this id instead of starting a new one. */
  sessionId?: string;
  request?: SessionRequest;
  /** The person's request, recorded as the session's first prompt. */
  prompt?: string;
  promptProvenance?: Provenance;
  cwd?: string;
  /** Make it the clone's current session (what `trail session start` does). */
  makeCurrent?: boolean;
  hook?: string;
  env?: NodeJS.ProcessEnv;
}

export function startSession(repo: Repo, options: StartSessionOptions = {}): SessionHandle {
  const env = options.env ?? process.env;
  const agent = cleanName(options.agent ?? env.TRAIL_AGENT ?? GENERIC_AGENT, 'agent');
  const sessionId = cleanName(options.sessionId ?? randomUUID(), 'session id');
  const handle = handleFor(repo, agent, sessionId);
  const rules = redactionRules(repo);
  const hook = options.hook ?? 'session start';
  // Session lines merge at seal, later ones winning: only what is said here is written, so
  // continuing a session (the SDK with a sessionId) keeps the request it started with.
  const request = options.request ?? {};
  const stated = {
    ...(request.tickets?.length ? { tickets: request.tickets } : {}),
    ...(request.requester ? { requester: request.requester } : {}),
    ...(request.approvalState ? { approvalState: request.approvalState } : {}),
    ...(request.acceptanceCriteria?.length ? { acceptanceCriteria: request.acceptanceCriteria } : {}),
  };
  const info = {
    ...(options.model ? { model: options.model } : {}),
    ...(options.agentVersion ? { agentVersion: options.agentVersion } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    source: 'manual',
    ...boundaryFacts(repo, env),
    ...(Object.keys(stated).length > 0 ? { request: stated } : {}),
  };
  const lines: SpoolLine[] = [sessionLine(handle, hook, info, rules)];
  if (options.prompt?.trim()) {
    lines.push(
      eventLine(
        handle,
        { type: 'prompt', text: options.prompt },
        options.promptProvenance ?? 'human',
        hook,
        rules,
      ),
    );
  }
  appendSpool(repo.stateDir, handle.key, lines, rules);
  if (options.makeCurrent) {
    const current: CurrentSession = { agent, sessionId, key: handle.key, startedAt: lines[0]!.at };
    writeState(repo.stateDir, currentSessionState(repo), current);
  }
  return handle;
}

/** Records the session's end; it stops being current anywhere, and leaves the spool once sealed. */
export function endSession(handle: SessionHandle, reason?: string, hook = 'session end'): void {
  const rules = redactionRules(handle.repo);
  appendSpool(
    handle.repo.stateDir,
    handle.key,
    [sessionLine(handle, hook, {}, rules, { ended: true, reason })],
    rules,
  );
  // Whichever worktree it is current in stops recording into it.
  forgetCurrentSession(handle.repo, handle.key);
}

/**
 * After `trail session end` of a session no commit carried yet: the files changed in the work
 * tree since it started are taken as possibly its work (an agent without hooks says nothing of
 * what it wrote), and the next commit here that holds one of them carries the session, its
 * lines `unknown` (sessionAwaitingCommit). A person's change to one of those files made in
 * the same time goes with it: nothing tells them apart, as while the session was current.
 * Returns those files; none, and nothing awaits.
 */
export function awaitCommit(
  repo: Repo,
  session: Pick<SessionHandle, 'key' | 'sessionId' | 'agent'>,
  startedAt: string,
): string[] {
  const since = Date.parse(startedAt);
  const paths = dirtyFilesSince(repo.workTree, Number.isNaN(since) ? undefined : since);
  if (paths.length === 0) forgetAwaitingCommit(repo);
  else
    rememberAwaitingCommit(repo, {
      key: session.key,
      sessionId: session.sessionId,
      agent: session.agent,
      paths,
    });
  return paths;
}

function cleanName(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 128 || /[\r\n]/.test(trimmed)) {
    throw new TrailError('USAGE', `the ${what} must be one line of 1-128 characters`);
  }
  return trimmed;
}

// ---------------------------------------------------------------------------------------
// Finding sessions

export interface SpoolSessionSummary {
  key: string;
  agent: string;
  sessionId: string;
  ended: boolean;
  /** Last write to the session's spool file, in ms. */
  touchedMs: number;
}

/** The sessions waiting in the spool, each from its own lines. */
export function spoolSessions(repo: Repo): SpoolSessionSummary[] {
  const out: SpoolSessionSummary[] = [];
  for (const key of listSpoolSessions(repo.stateDir)) {
    const { lines } = readSpool(repo.stateDir, key);
    const first = lines[0];
    if (!first) continue;
    let touchedMs = 0;
    try {
      touchedMs = statSync(join(spoolDir(repo.stateDir), 'sessions', `${key}.jsonl`)).mtimeMs;
    } catch {
      // Pruned by a seal between listing and reading.
    }
    out.push({
      key,
      agent: String(first.agent),
      sessionId: first.sessionId,
      ended: lines.some((l) => l.type === 'session' && l.ended === true),
      touchedMs,
    });
  }
  return out;
}

/** A session by its id: in the spool, known to the seal state, or retired after it left the spool. */
export function findSession(repo: Repo, sessionId: string): SessionHandle | undefined {
  const current = currentSession(repo);
  if (current?.sessionId === sessionId) return handleFor(repo, current.agent, sessionId);
  const inSpool = spoolSessions(repo).filter((s) => s.sessionId === sessionId);
  inSpool.sort((a, b) => b.touchedMs - a.touchedMs);
  if (inSpool[0]) return handleFor(repo, inSpool[0].agent, sessionId);
  const sealed = readState<{ sessions?: Record<string, { agent: string; sessionId: string }> }>(
    repo.stateDir,
    'sealed.json',
    {},
  );
  const known =
    Object.values(sealed.sessions ?? {}).find((s) => s.sessionId === sessionId) ??
    knownBySessionId(repo.stateDir, sessionId);
  return known ? handleFor(repo, known.agent, sessionId) : undefined;
}

export interface ResolveOptions {
  /** A session id given on the command line. */
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  /** Which day session to record into when no other applies (see day-session.ts). */
  autoPrefix: DaySessionKind;
  /** Agent of a session that has to be made (an unknown id, or the automatic one). */
  agent?: string;
  agentVersion?: string;
  /** Fall back on the most recently active open session before making one (the MCP tool). */
  recent?: boolean;
  hook: string;
}

export interface ResolvedSession extends SessionHandle {
  /** How it was chosen, for messages. */
  via: 'explicit' | 'env' | 'current' | 'recent' | 'auto';
  created: boolean;
}

/** The session a fact belongs to (see the file comment for the order), made if it must be. */
export function resolveSession(repo: Repo, options: ResolveOptions): ResolvedSession {
  const env = options.env ?? process.env;
  const named = options.explicit?.trim() || undefined;
  const fromEnv = env.TRAIL_SESSION_ID?.trim() || undefined;
  const wanted = named ?? fromEnv;
  if (wanted) {
    const via = named ? 'explicit' : 'env';
    const found = findSession(repo, wanted);
    if (found) return { ...found, via, created: false };
    const handle = startSession(repo, {
      agent: options.agent ?? env.TRAIL_AGENT ?? GENERIC_AGENT,
      sessionId: wanted,
      hook: options.hook,
      env,
      ...(options.agentVersion ? { agentVersion: options.agentVersion } : {}),
    });
    return { ...handle, via, created: true };
  }
  const current = currentSession(repo);
  if (current)
    return { ...handleFor(repo, current.agent, current.sessionId), via: 'current', created: false };
  const open = options.recent ? spoolSessions(repo).filter((s) => !s.ended) : [];
  if (open.length > 0) {
    open.sort((a, b) => b.touchedMs - a.touchedMs);
    return { ...handleFor(repo, open[0]!.agent, open[0]!.sessionId), via: 'recent', created: false };
  }
  return autoSession(repo, options, env);
}

function autoSession(repo: Repo, options: ResolveOptions, env: NodeJS.ProcessEnv): ResolvedSession {
  const agent = options.agent ?? env.TRAIL_AGENT ?? GENERIC_AGENT;
  const tag = worktreeTag(repo);
  const sessionId = daySessionId(options.autoPrefix, tag);
  const handle = handleFor(repo, agent, sessionId);
  if (existsSync(join(spoolDir(repo.stateDir), 'sessions', `${handle.key}.jsonl`))) {
    return { ...handle, via: 'auto', created: false };
  }
  // Yesterday's automatic session ends when today's begins, so it can leave the spool once sealed.
  for (const s of spoolSessions(repo)) {
    const day = parseDaySessionId(s.sessionId);
    if (!s.ended && day?.kind === options.autoPrefix && day.tag === tag && s.key !== handle.key) {
      endSession(handleFor(repo, s.agent, s.sessionId), 'a new day began', options.hook);
    }
  }
  startSession(repo, {
    agent,
    sessionId,
    hook: options.hook,
    env,
    ...(options.agentVersion ? { agentVersion: options.agentVersion } : {}),
  });
  return { ...handle, via: 'auto', created: true };
}

/** Every line of a session's spool (sealed or not), for counts such as check attempts. */
export function sessionLines(handle: SessionHandle): SpoolLine[] {
  return readSpool(handle.repo.stateDir, handle.key).lines;
}
