/**
 * Day sessions: what `trail exec` and the MCP tool record into when no session applies (no
 * `--session`, no TRAIL_SESSION_ID, no current session), one per kind and day
 * (`exec-2026-03-02`), so repeated runs of a check on one day count as attempts of one session.
 *
 * The next commit made in the clone carries a day session's unsealed work: the checks a person
 * ran before committing (by hand, or from a pre-commit hook) are the evidence of what was
 * checked for that commit, and nothing else would ever take them to the ledger.
 */

export type DaySessionKind = 'exec' | 'mcp';

export function daySessionId(kind: DaySessionKind, now = new Date()): string {
  return `${kind}-${now.toISOString().slice(0, 10)}`;
}

const DAY_SESSION = /^(exec|mcp)-\d{4}-\d{2}-\d{2}$/;

/** The kind of day session a session id names, if it names one. */
export function daySessionKind(sessionId: string): DaySessionKind | undefined {
  return DAY_SESSION.exec(sessionId)?.[1] as DaySessionKind | undefined;
}
