/**
 * Day sessions (pure): what `trail exec` and the MCP tool record into when no session applies (no
 * `--session`, no TRAIL_SESSION_ID, no current session), one per kind, day and worktree
 * (`exec-2026-03-02`; in a linked worktree `exec-2026-03-02-<tag>`), so repeated runs of a
 * check on one day count as attempts of one session.
 *
 * The next commit made in the same worktree carries a day session's unsealed work: the checks
 * a person ran before committing (by hand, or from a pre-commit hook) are the evidence of what
 * was checked for that commit, and nothing else would ever take them to the ledger. A check
 * run in another worktree was run on other files, so it waits for a commit made there.
 */
export type DaySessionKind = 'exec' | 'mcp';

/** Agent name for sessions whose agent nobody named. */
export const GENERIC_AGENT = 'generic';

/** What listings name a person's checks in place of an agent (see agentLabel). */
export const PERSONS_CHECKS_LABEL = 'trail exec';

/**
 * Whose work a session is, as listings name it (`trail log`, the dashboard): checks a person
 * ran with `trail exec` outside any session read as that, not as an agent called `generic`.
 */
export function agentLabel(sessionId: string, agent: string): string {
  return isPersonsChecks(sessionId, agent) ? PERSONS_CHECKS_LABEL : agent;
}

/** agentLabel with the model, as `trail log` shows a session: `claude-code/claude-opus-4-6`. */
export function sessionLabel(sessionId: string, agent: string, model?: string): string {
  return isPersonsChecks(sessionId, agent) ? PERSONS_CHECKS_LABEL : `${agent}${model ? `/${model}` : ''}`;
}

/**
 * Whether a session holds only checks a person ran: `trail exec`'s day session, with no agent
 * named. A checkpoint made of such sessions alone records a hand-written commit and the checks
 * run before it, not an agent's work, so the policy and the reports judge it as hand-written.
 */
export function isPersonsChecks(sessionId: string, agent: string): boolean {
  return agent === GENERIC_AGENT && parseDaySessionId(sessionId)?.kind === 'exec';
}

export function daySessionId(kind: DaySessionKind, tag: string | undefined, now = new Date()): string {
  return `${kind}-${now.toISOString().slice(0, 10)}${tag === undefined ? '' : `-${tag}`}`;
}

const DAY_SESSION = /^(exec|mcp)-\d{4}-\d{2}-\d{2}(?:-([0-9a-f]{8}))?$/;

/** The kind and worktree tag of the day session a session id names, if it names one. */
export function parseDaySessionId(sessionId: string): { kind: DaySessionKind; tag?: string } | undefined {
  const match = DAY_SESSION.exec(sessionId);
  if (!match) return undefined;
  return { kind: match[1] as DaySessionKind, ...(match[2] ? { tag: match[2] } : {}) };
}
