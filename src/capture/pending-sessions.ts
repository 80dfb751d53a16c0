/**
 * The sessions waiting in this clone's spool, and what each waits for: `trail session list`
 * names them and `trail status` counts those that wait for nothing. A session leaves the spool
 * when a seal takes its last lines; until then a person should be able to see why it is still
 * here, and end one no commit will ever carry (an agent that ended before its idle end was
 * sealed at once, or one that never ended).
 */
import { statSync } from 'node:fs';
import { parseDaySessionId } from '../core/day-session.js';
import type { Repo } from '../ledger/repo.js';
import type { SealState } from './seal-state.js';
import { loadSealState } from './seal-state.js';
import { currentSession, sessionAwaitingCommit, sessionFile, spoolHead } from './spool.js';
import { scanSpools } from './spool-scan.js';
import { currentSessionsElsewhere } from './worktree-sessions.js';

/**
 * What a pending session waits for:
 * - `current`: this worktree's current session (`trail session start`), until it ends;
 * - `current-elsewhere`: another worktree's current session; a commit made there carries it;
 * - `awaiting-commit`: ended; the next commit of a file changed while it ran carries it;
 * - `edits`: it edited files no commit has carried yet; the commit that holds them carries it;
 * - `next-commit`: a day session of checks (`trail exec`, MCP); the next commit in its worktree;
 * - `end`: carried before and ended since; the next seal (any commit here) takes its end;
 * - `open`: not ended, nothing edited: an agent still at work, or one that left without ending;
 * - `nothing`: ended having changed nothing, and no commit ever carried it; none will.
 */
export type PendingWait =
  | 'current'
  | 'current-elsewhere'
  | 'awaiting-commit'
  | 'edits'
  | 'next-commit'
  | 'end'
  | 'open'
  | 'nothing';

export interface PendingSession {
  key: string;
  sessionId: string;
  agent: string;
  /** When its spool began (its first line), if that line can be read. */
  startedAt?: string;
  /** The last write to its spool. */
  lastActivity: string;
  ended: boolean;
  /** Whether a commit carried it before (its record is in the ledger). */
  carried: boolean;
  /** Files it edited since its last seal, in any worktree. */
  edited: string[];
  waits: PendingWait;
  /** The worktree it is current in, when that is another worktree of this clone. */
  currentIn?: string;
}

/** Sessions with lines no seal has taken, the most recently active first. Reads, writes nothing. */
export function pendingSessions(repo: Repo, state: SealState = loadSealState(repo)): PendingSession[] {
  // The scan may add sessions it meets first to `state`; this copy is never written back.
  const seen: SealState = { ...state, sessions: { ...state.sessions } };
  const { scanned } = scanSpools(repo, seen);
  const current = currentSession(repo)?.key;
  const awaiting = sessionAwaitingCommit(repo)?.key;
  // A worktree that is gone keeps no session current: its pointer is left over.
  const elsewhere = new Map(
    currentSessionsElsewhere(repo).flatMap((c) => (c.worktree ? [[c.session.key, c.worktree] as const] : [])),
  );
  const out: PendingSession[] = [];
  for (const [key, scan] of Object.entries(scanned)) {
    const stats = statSync(sessionFile(repo.stateDir, key), { throwIfNoEntry: false });
    if (!stats || stats.size <= (state.offsets[key] ?? 0)) continue;
    // The seal state names a session once a seal has written it; one a seal only scanned (a
    // commit that took nothing) is named by its spool's first line.
    const known = seen.sessions[key];
    const head = spoolHead(repo.stateDir, key);
    const sessionId = known?.sessionId ?? head?.sessionId ?? key;
    const edited = [...new Set(Object.values(scan.edited).flat())].sort();
    const carried = known?.record !== undefined;
    const ended = scan.ended === true;
    const currentIn = key === current ? undefined : elsewhere.get(key);
    out.push({
      key,
      sessionId,
      agent: known?.agent ?? head?.agent ?? 'unknown',
      ...(head?.at ? { startedAt: head.at } : {}),
      lastActivity: new Date(stats.mtimeMs).toISOString(),
      ended,
      carried,
      edited,
      waits: waitOf({
        key,
        ended,
        carried,
        edited,
        current,
        currentIn,
        awaiting,
        day: parseDaySessionId(sessionId),
      }),
      ...(currentIn === undefined ? {} : { currentIn }),
    });
  }
  return out.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity) || a.key.localeCompare(b.key));
}

function waitOf(s: {
  key: string;
  ended: boolean;
  carried: boolean;
  edited: string[];
  current: string | undefined;
  /** The other worktree it is current in, if any. */
  currentIn: string | undefined;
  awaiting: string | undefined;
  day: unknown;
}): PendingWait {
  if (s.key === s.current) return 'current';
  if (s.currentIn !== undefined) return 'current-elsewhere';
  if (s.key === s.awaiting) return 'awaiting-commit';
  if (s.edited.length > 0) return 'edits';
  if (s.day) return 'next-commit';
  if (!s.ended) return 'open';
  return s.carried ? 'end' : 'nothing';
}
