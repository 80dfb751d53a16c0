/**
 * What an agent adapter makes of one hook payload: a list of observations in Trail's own
 * terms, independent of the agent. Adapters are pure (payload in, observations out); the
 * hook runner does the I/O (reading files around edits, the spool, redaction).
 */
import type { EventBody, Provenance } from '../core/records.js';
import { tail } from './cut-rules.js';

export type AgentName = 'claude-code' | 'codex' | 'gemini-cli' | 'cursor' | 'generic';

export interface SessionInfo {
  model?: string;
  /**
   * Where `model` was read (set by the hook runner, not by adapters): a hook's own payload, or
   * the agent's transcript. The session record's `sources` says so.
   */
  modelFrom?: 'observed' | 'transcript';
  agentVersion?: string;
  cwd?: string;
  transcriptPath?: string;
  permissionMode?: string;
  allowedTools?: string[];
  sandbox?: string;
  network?: string;
  /** How the session began: startup, resume, clear, compact... */
  source?: string;
  userEmail?: string;
}

/**
 * How a change reaches the files: an edit tool names them; a shell command or an MCP tool (a
 * server's write tool, say) may write any file, so the runner compares every dirty file's size
 * and mtime around it.
 */
export type ChangeVia = 'edit-tool' | 'shell' | 'mcp-tool';

export type Observation =
  /** Session metadata learned from this payload (merged into the session as it arrives). */
  | { type: 'session'; info: SessionInfo; ended?: boolean; reason?: string }
  /** A finished fact: prompt, tool call, command with exit code, context source, usage... */
  | { type: 'event'; event: EventBody; provenance?: Provenance }
  /**
   * The agent is about to change files (a write/edit tool or a shell command). The runner
   * snapshots the named files (or, with no paths, the working tree's changed files) so the
   * lines changed by the agent can be told apart from lines changed by a person.
   */
  | {
      type: 'before-change';
      toolUseId?: string;
      paths: string[];
      via: ChangeVia;
      /**
       * What an edit tool is about to write to its one file, where the payload says (Claude
       * Code's Write `content`, Edit and MultiEdit `old_string`/`new_string`): the runner keeps
       * the digests of the lines it will change, so a parallel call's before-hook can tell them
       * from a person's. Never written anywhere.
       */
      intended?: IntendedEdit;
    }
  /** The agent changed files; the runner diffs them against the snapshot taken before. */
  | {
      type: 'after-change';
      toolUseId?: string;
      paths: string[];
      via: ChangeVia;
      tool?: string;
      /** A shell command that made the change, for formatter detection and the record. */
      command?: string;
      /**
       * For an agent with no hook before its edits (Cursor): what the edit of its one file
       * replaced and wrote, `new` undefined where the payload does not say. There is then no
       * snapshot to diff against: only the lines this text wrote are the agent's, and other
       * lines changed since Trail's last look are of unknown origin. Never written anywhere.
       */
      written?: Array<{ old: string; new: string | undefined }>;
    }
  /**
   * A call whose before-hook ran was denied and will not run (Claude Code's PermissionDenied):
   * the runner takes its marker, so its files no longer count as in flight. Its before-change's
   * toolUseId, paths and via, to find the marker by.
   */
  | { type: 'call-denied'; toolUseId?: string; paths: string[]; via: ChangeVia }
  /**
   * The agent's turn ended: the runner may read the transcript for model, usage, reasoning.
   * `ifCallsHeld`: a turn that may have ended with no hook (Claude Code fires no Stop when the
   * person interrupts, and a rejection in the permission dialog interrupts; a Codex turn aborted
   * at an approval prompt), told by the next prompt: read only while the session's before-hooks
   * still hold markers.
   */
  | { type: 'turn-end'; transcriptPath?: string; ifCallsHeld?: true }
  /**
   * A shell command went on in the background: its after-hook came as it started. The runner
   * keeps the command by call id for its end (background-tasks.ts).
   */
  | { type: 'background-start'; toolUseId: string; command: string }
  /**
   * The agent was told a background task ended (Claude Code's `<task-notification>`): the
   * command it started is recorded again with its exit code, or, where its start is not known,
   * the task's end as a tool call.
   */
  | {
      type: 'background-end';
      toolUseId?: string;
      taskId?: string;
      /** As the notification says it: `completed`, `failed`, `killed`... */
      status?: string;
      exitCode?: number;
      summary?: string;
      /** Where the task's output was written, as the notification says. */
      outputFile?: string;
    };

/** An edit tool's input, as its before-hook sees it: a whole new text, or replacements. */
export type IntendedEdit = { content: string } | { edits: Array<{ old: string; new: string; all: boolean }> };

export interface NormalizedPayload {
  agent: AgentName;
  sessionId: string;
  /** The hook's event name as the agent sent it. */
  hook: string;
  /** ISO time from the payload when present, else undefined (the runner uses its clock). */
  at?: string;
  cwd?: string;
  observations: Observation[];
  /**
   * What this payload says of its session whatever the event (Cursor puts `model` and its
   * version on every payload): the session's first line when no start hook was seen (hooks
   * installed mid-conversation, cloud agents).
   */
  sessionInfo?: SessionInfo;
}

/** An adapter turns one hook payload into observations, or throws a TrailError('INPUT_INVALID'). */
export type HookAdapter = (payload: unknown, hookEvent: string) => NormalizedPayload;

/** What a transcript or rollout file yields, all with provenance `transcript`. */
export interface TranscriptSummary {
  sessionId?: string;
  model?: string;
  models: string[];
  agentVersion?: string;
  cwd?: string;
  gitBranch?: string;
  startedAt?: string;
  endedAt?: string;
  /** Ordered events: prompts, reasoning, tool calls, commands with exit codes, edits, usage. */
  events: Array<{
    at?: string;
    event: EventBody;
    /**
     * A file edit's text as the agent wrote it (a Codex patch's hunks), to place its lines in
     * the file: what changed elsewhere is not taken for the agent's. Never written anywhere.
     */
    writes?: PatchWrite[];
  }>;
  /** Totals per model, token usage deduplicated by message id. */
  usage: Array<{
    model: string;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
  }>;
  /** Lines that could not be parsed (counted, never fatal). */
  skippedLines: number;
  /**
   * Tool calls the transcript answers with an error, and why (Claude Code's; Codex's rollout
   * lists the calls it declined and the patches it did not apply). A call that never ran fires
   * no after-hook when the person says no at the permission prompt, a permission rule or mode
   * denies it, or another PreToolUse hook blocks it, so its before-hook marker would count as
   * in flight for its 15 minutes: the turn end takes it (hook-runner, `endedCalls`).
   */
  failedCalls?: FailedCall[];
}

/** One hunk an edit wrote: the text it found and the text it left in its place. */
export interface PatchWrite {
  old: string;
  new: string;
}

/**
 * A call the transcript answers with an error (TranscriptSummary.failedCalls). `cause` says who
 * stopped it: the person in the permission dialog, Claude Code's permission settings, a
 * PreToolUse hook (each before it ran), or the tool itself (`error`: it may have run).
 */
export interface FailedCall {
  toolUseId: string;
  tool?: string;
  cause: 'person' | 'permission' | 'hook' | 'error';
  /** The answer's first line, for every cause but the person's (whose answer is fixed). */
  reason?: string;
}

/** How a failed call is recorded: its `tool-call` event's summary. */
export function failedCallSummary(call: Pick<FailedCall, 'cause' | 'reason'>): string {
  if (call.cause === 'person') return 'denied: the person rejected it';
  const verb = call.cause === 'error' ? 'failed' : 'denied';
  return call.reason ? `${verb}: ${call.reason}` : verb;
}

/** One model's token usage in a transcript (TranscriptSummary.usage). */
export type ModelUsage = TranscriptSummary['usage'][number];

/**
 * A background task's end where no command can be recorded again with its exit code (its
 * start is not known, or the notification names no exit code): the end as a tool call, ok as
 * its exit code or status says.
 */
export function backgroundEndCall(
  end: Omit<Extract<Observation, { type: 'background-end' }>, 'type'>,
): Extract<EventBody, { type: 'tool-call' }> {
  const ok =
    end.exitCode === undefined
      ? okByStatus(end.status, 'completed', ['failed', 'killed'])
      : end.exitCode === 0;
  const toolUseId = end.toolUseId ?? end.taskId;
  return {
    type: 'tool-call',
    tool: 'background-task',
    ...(toolUseId !== undefined ? { toolUseId } : {}),
    ...(end.summary !== undefined ? { summary: end.summary } : {}),
    ...(ok !== undefined ? { ok } : {}),
  };
}

/**
 * Whether a call went well, as an agent's status word for it says: true for `succeeded`, false
 * for one of `failed`, undefined for any other (a state still in flight, a word not known).
 */
export function okByStatus(
  status: unknown,
  succeeded: string,
  failed: readonly string[],
): boolean | undefined {
  if (status === succeeded) return true;
  return typeof status === 'string' && failed.includes(status) ? false : undefined;
}

/** How much of a command's output its record keeps: the end, where failures are told. */
export const OUTPUT_TAIL_CHARS = 2000;

/**
 * The last `OUTPUT_TAIL_CHARS` characters of a command's output, or undefined when empty; a cut
 * is marked, and leaves a secret it would go through out whole (cut-rules.ts).
 */
export function outputTail(...parts: Array<string | undefined>): string | undefined {
  const joined = parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n');
  if (joined.length === 0) return undefined;
  return tail(joined, OUTPUT_TAIL_CHARS);
}

/** Usage summed per model, in the order the models first appear. */
export function sumUsageByModel(usages: Iterable<ModelUsage>): ModelUsage[] {
  const byModel = new Map<string, ModelUsage>();
  for (const u of usages) {
    const total = byModel.get(u.model);
    if (total === undefined) {
      byModel.set(u.model, { ...u });
      continue;
    }
    total.inputTokens += u.inputTokens;
    total.outputTokens += u.outputTokens;
    total.cacheReadTokens += u.cacheReadTokens;
    total.cacheWriteTokens += u.cacheWriteTokens;
  }
  return [...byModel.values()];
}
