/**
 * Capture gaps: when a hook cannot do its job (bad input, full disk, held lock, missing
 * repo) it must still exit 0, so it writes down what was lost instead. Gaps go to the
 * spool as one short JSON line; they are sealed into the ledger as `capture-gap` records by
 * the next commit made in the clone (with its checkpoint if it has one) or the next session
 * closed after its last commit, and shown by `trail status` until then.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withHomeAsTilde } from '../core/home-path.js';
import { redactValue } from '../core/redact.js';
import type { Repo } from '../ledger/repo.js';
import { gapRules } from './hook-rules.js';

export interface CaptureGap {
  at: string;
  what: string;
  why: string;
  agent?: string;
  hook?: string;
  sessionId?: string;
}

export function gapsFile(stateDir: string): string {
  return join(stateDir, 'spool', 'gaps.jsonl');
}

/**
 * A transcript's path names the user's home folder (`/home/alice/.claude/...`): a gap says
 * `~/.claude/...`, so no local user name reaches the ledger through one. Applied as a gap is
 * written, and again as it is sealed, for lines written before gaps were (before 2026-12-07).
 */
export function withoutHomeFolder(text: string): string {
  return withHomeAsTilde(text, [process.env.HOME, homedir()]);
}

/**
 * Best effort by design: if even this write fails there is nowhere left to record it. Every
 * field is redacted, whichever it is: an error message can quote the input that failed (V8's
 * JSON errors quote the text they could not parse), and the agent and event names come from a
 * command line anyone can write. With the repository's own patterns as well as the built-in
 * ones (gapRules), whoever calls: the spool is on disk, so redacting again at the seal would be
 * too late for it.
 */
export function recordGap(repo: Repo, gap: Omit<CaptureGap, 'at'>): void {
  try {
    mkdirSync(join(repo.stateDir, 'spool'), { recursive: true });
    const local = { ...gap, what: withoutHomeFolder(gap.what), why: withoutHomeFolder(gap.why) };
    // Redacted before it is cut: a secret cut in half is no longer recognisable.
    const { value } = redactValue({ ...local, why: local.why.slice(0, 4000) }, gapRules(repo), {
      keys: true,
    });
    const line = JSON.stringify({
      at: new Date().toISOString(),
      ...value,
      what: value.what.slice(0, 500),
      why: value.why.slice(0, 500),
      ...(value.agent !== undefined ? { agent: value.agent.slice(0, 128) } : {}),
      ...(value.hook !== undefined ? { hook: value.hook.slice(0, 128) } : {}),
      ...(value.sessionId !== undefined ? { sessionId: value.sessionId.slice(0, 512) } : {}),
    });
    appendFileSync(gapsFile(repo.stateDir), `${line}\n`);
  } catch {
    // Nothing more can be done without risking the agent or the commit.
  }
}

/** The gaps recorded from byte `fromOffset` on (where the last seal took them up to, say). */
export function readGaps(stateDir: string, fromOffset = 0): CaptureGap[] {
  const file = gapsFile(stateDir);
  if (!existsSync(file)) return [];
  return readFileSync(file)
    .toString('utf8', fromOffset)
    .split('\n')
    .flatMap((line) => {
      if (!line) return [];
      try {
        return [JSON.parse(line) as CaptureGap];
      } catch {
        return [];
      }
    });
}

/** Whether gaps were recorded past `fromOffset` (where the last seal took them up to): a stat. */
export function gapsWaiting(stateDir: string, fromOffset: number): boolean {
  return (statSync(gapsFile(stateDir), { throwIfNoEntry: false })?.size ?? 0) > fromOffset;
}
