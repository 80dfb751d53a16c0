/**
 * The seal state: how far each session's spool is sealed, and what each session still in the
 * spool stands for. Apart from sealing itself so that `trail status` can read it without
 * loading what sealing needs.
 */
import type { TicketRef } from '../core/tickets.js';
import type { Repo } from '../ledger/repo.js';
import type { SpoolLine } from './spool.js';
import { readState } from './spool.js';

export interface SealState {
  /** Byte offset up to which each session's spool is sealed. */
  offsets: Record<string, number>;
  /**
   * What each session key still in the spool stands for. Sessions that leave the spool are
   * retired to known-sessions.jsonl, so this state does not grow with history.
   */
  sessions: Record<string, SessionState>;
  gapsOffset: number;
  /** Commits already sealed by this clone (the newest 1,000), so a re-run never seals twice. */
  sealedCommits?: string[];
}

export type SessionLineInfo = Extract<SpoolLine, { type: 'session' }>['info'];

export interface SessionState {
  agent: string;
  sessionId: string;
  record?: string;
  model?: string;
  /**
   * What the session's sealed record said that its later lines may not repeat: a session
   * sealed again (its end, a resume) gets a record built from everything, not only from the
   * lines since, which would lose its start time, its request and its boundary.
   */
  sealed?: {
    info: SessionLineInfo;
    startedAt: string;
    tickets: TicketRef[];
    summary?: string;
    requester?: string;
    branch?: string;
  };
}

export const SEAL_STATE = 'sealed.json';

export function loadSealState(repo: Repo): SealState {
  return readState<SealState>(repo.stateDir, SEAL_STATE, { offsets: {}, sessions: {}, gapsOffset: 0 });
}
