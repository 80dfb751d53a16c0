/**
 * Claude Code: hook payloads to observations, the session transcript to a summary, and Trail's
 * entries in `.claude/settings.json`.
 *
 * Payload shapes follow the hooks reference (code.claude.com/docs/en/hooks: "Common input
 * fields", "PreToolUse input", "PostToolUse input", "PostToolUseFailure input",
 * "PermissionDenied input"); the transcript has no official schema and follows the community
 * notes cited in FORMATS.md §4.2. Both are
 * read tolerantly: unknown fields are ignored and optional ones may be missing, but a field
 * Trail relies on that has the wrong type is an INPUT_INVALID error naming that field.
 */
import { jsonSyntaxReason } from '../../core/canonical-json.js';
import { TrailError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import type { EventBody } from '../../core/records.js';
import { clip, clipUtf8 } from '../cut-rules.js';
import type {
  ChangeVia,
  FailedCall,
  HookAdapter,
  IntendedEdit,
  ModelUsage,
  Observation,
  SessionInfo,
  TranscriptSummary,
} from '../observation.js';
import { backgroundEndCall, outputTail, sumUsageByModel } from '../observation.js';
import { jsonObjectLines } from './json-lines.js';

type JsonObject = Record<string, unknown>;
type CommandEvent = Extract<EventBody, { type: 'command' }>;
type ToolCallEvent = Extract<EventBody, { type: 'tool-call' }>;

const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
/** PowerShell replaces Bash on Windows and has the same input shape (hooks reference, "PowerShell"). */
const SHELL_TOOLS = new Set(['Bash', 'PowerShell']);

/** Bounds from records.ts: event `text` fields, `command`, short texts. */
const TEXT_MAX = 64 * 1024;
const COMMAND_MAX = 8192;
const SUMMARY_MAX = 512;
const REASONING_MAX_BYTES = 8 * 1024;

/** Identifier fields longer than these are not plausible and the payload is rejected. */
const ID_MAX = 512;
const NAME_MAX = 256;
const PATH_MAX = 4096;

// Payload-reading helpers below are exported for codex.ts, whose hooks share Claude's shapes.

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads typed fields of one payload object; a wrong type is an error naming the field. */
export class FieldReader {
  constructor(
    readonly source: JsonObject,
    readonly where: string,
  ) {}

  fail(message: string): never {
    throw new TrailError('INPUT_INVALID', `${this.where}: ${message}`);
  }

  /** An optional string of bounded length (identifiers, paths, names). */
  string(key: string, max: number): string | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(`"${key}" must be a string, got ${typeOf(value)}`);
    if (value.length > max) this.fail(`"${key}" is ${value.length} characters long, the limit is ${max}`);
    return value;
  }

  requiredString(key: string, max: number): string {
    const value = this.string(key, max);
    if (value === undefined || value.length === 0) this.fail(`"${key}" is missing or empty`);
    return value;
  }

  /** An optional free text of any length; callers truncate it to what a record holds. */
  text(key: string): string | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(`"${key}" must be a string, got ${typeOf(value)}`);
    return value;
  }

  object(key: string): JsonObject | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (!isJsonObject(value)) this.fail(`"${key}" must be an object, got ${typeOf(value)}`);
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') this.fail(`"${key}" must be a boolean, got ${typeOf(value)}`);
    return value;
  }

  /** A non-negative duration or count; anything else is a type error. */
  count(key: string): number | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      this.fail(`"${key}" must be a non-negative number`);
    }
    return value;
  }
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/** Drops undefined properties so observations compare and serialise cleanly. */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Keeps the head of a text within `max` characters, marking the cut; a secret the cut would
 * go through is left out whole (cut-rules.ts).
 */
export function truncateText(text: string, max: number): string {
  return clip(text, max);
}

/** Keeps the head of a text within `maxBytes` of UTF-8, never splitting a character or a secret. */
export function truncateUtf8(text: string, maxBytes: number): string {
  return clipUtf8(text, maxBytes);
}

/** A text's first line, cut to a summary's length. */
export function firstLine(text: string, max = SUMMARY_MAX): string {
  const line = text.trimStart().split('\n', 1)[0]!.trimEnd();
  return truncateText(line, max);
}

/** `mcp__<server>__<tool>` (hooks reference, "Match MCP tools"); the server name itself may hold `_`. */
export function mcpServerOf(toolName: string): string | undefined {
  if (!toolName.startsWith('mcp__')) return undefined;
  const rest = toolName.slice('mcp__'.length);
  const cut = rest.indexOf('__');
  const server = cut < 0 ? rest : rest.slice(0, cut);
  return server.length > 0 ? server : undefined;
}

interface CommandFacts {
  exitCode?: number;
  outputTail?: string;
  interrupted: boolean;
}

/**
 * What a successful Bash `tool_response` (`{stdout, stderr, interrupted, isImage,
 * returnCodeInterpretation?, backgroundTaskId?}`) says about the exit code. PostToolUse fires
 * only for commands that succeeded, which is exit 0, except where Claude Code interpreted
 * another code as success (`grep` finding nothing is exit 1, "No matches found"): then the code
 * is known only if the interpretation names it. A command sent to the background has not ended.
 */
function bashResponseFacts(response: unknown): CommandFacts {
  if (typeof response === 'string') return { interrupted: false, outputTail: outputTail(response) };
  if (!isJsonObject(response)) return { interrupted: false };
  const text = (key: string) => (typeof response[key] === 'string' ? (response[key] as string) : undefined);
  const interrupted = response.interrupted === true;
  const background = typeof response.backgroundTaskId === 'string';
  const explicit = [response.exitCode, response.exit_code].find((v): v is number => Number.isInteger(v));
  const interpretation = text('returnCodeInterpretation');
  let exitCode = explicit;
  if (exitCode === undefined && !interrupted && !background) {
    exitCode = interpretation === undefined ? 0 : exitCodeIn(interpretation);
  }
  return defined({ exitCode, interrupted, outputTail: outputTail(text('stdout'), text('stderr')) });
}

/** What a task notification says of the background task that ended. */
export interface TaskNotification {
  taskId?: string;
  toolUseId?: string;
  status?: string;
  exitCode?: number;
  summary?: string;
  outputFile?: string;
}

/**
 * Claude Code's `<task-notification>` message, which it sends the model when a background task
 * ends (a shell command, a subagent, a monitor), as a user message that also reaches the
 * UserPromptSubmit hook: `<task-id>`, `<tool-use-id>` (the call that started it, in recent
 * releases), `<output-file>`, `<status>` and a `<summary>` such as `Background command "Run
 * the tests" completed (exit code 1)`; a subagent's adds its `<result>`, which is not taken.
 * Undefined for any other text.
 */
export function taskNotification(text: string): TaskNotification | undefined {
  const body = /^\s*<task-notification>([\s\S]*?)<\/task-notification>/.exec(text)?.[1];
  if (body === undefined) return undefined;
  const tag = (name: string, max: number) => {
    const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1]?.trim();
    return value ? truncateText(value, max) : undefined;
  };
  const summary = tag('summary', SUMMARY_MAX);
  const code = summary === undefined ? undefined : /\bexit code (-?\d+)/i.exec(summary)?.[1];
  return defined({
    taskId: tag('task-id', NAME_MAX),
    toolUseId: tag('tool-use-id', NAME_MAX),
    status: tag('status', NAME_MAX),
    exitCode: code === undefined ? undefined : Number(code),
    summary,
    outputFile: tag('output-file', PATH_MAX),
  });
}

function exitCodeIn(interpretation: string): number | undefined {
  const match = /exit(?:ed)?(?: with)? code (-?\d+)/i.exec(interpretation);
  return match ? Number(match[1]) : undefined;
}

/**
 * A failed Bash call's error text: "Exit code N" on the first line, then the interleaved output
 * (hooks reference, "PostToolUseFailure input"). The transcript's `toolUseResult` repeats it
 * behind "Error: ". A failure without that line never started the shell.
 */
function bashFailureFacts(error: string): CommandFacts {
  const match = /^(?:Error: )?Exit code (-?\d+)[^\n]*(?:\n|$)/.exec(error);
  if (!match) return defined({ interrupted: false, outputTail: outputTail(error) });
  return defined({
    exitCode: Number(match[1]),
    interrupted: false,
    outputTail: outputTail(error.slice(match[0].length)),
  });
}

function commandEvent(command: string, facts: CommandFacts, durationMs?: number): CommandEvent {
  return defined({
    type: 'command' as const,
    command: truncateText(command, COMMAND_MAX),
    exitCode: facts.exitCode,
    durationMs,
    outputTail: facts.outputTail,
  });
}

/** Input fields that describe a tool call, most telling first (a Grep's pattern before its path). */
const SUMMARY_KEYS = [
  'file_path',
  'notebook_path',
  'pattern',
  'query',
  'url',
  'description',
  'command',
  'path',
];

/** A short description of a tool call from its input, for the record's `summary`. */
function toolSummary(input: JsonObject | undefined): string | undefined {
  if (!input) return undefined;
  for (const key of SUMMARY_KEYS) {
    const value = input[key];
    if (typeof value === 'string' && value.trim().length > 0) return firstLine(value);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hook payloads

/**
 * Whether a payload given to Trail's Claude Code hook was sent by Cursor. Cursor runs the hooks
 * of `.claude/settings.json` too ("Third Party Hooks", cursor.com/docs/reference/third-party-hooks:
 * Claude's event names are mapped to Cursor's, and every matching hook of every source runs),
 * and sends them its own payload: Cursor's event names (`preToolUse`, `sessionStart`...),
 * `conversation_id`, `workspace_roots`, and `cursor_version`, which no Claude Code payload has
 * (Cursor's hooks reference, "Common input"; seen in such calls in herdrdev/herdr#2832,
 * akitaonrails/ai-memory#722). Only the payload decides, not the environment: a Claude Code
 * started from Cursor's terminal may inherit Cursor's variables, and is still Claude Code.
 */
export function isCursorCall(payload: unknown): boolean {
  return isJsonObject(payload) && typeof payload.cursor_version === 'string' && payload.cursor_version !== '';
}

/** Maps one Claude Code hook payload (stdin JSON) to observations. */
export const normalizeClaudeCode: HookAdapter = (payload, hookEvent) => {
  if (!isJsonObject(payload)) {
    throw new TrailError(
      'INPUT_INVALID',
      `claude-code ${hookEvent || 'hook'} payload: expected a JSON object`,
    );
  }
  const named = payload.hook_event_name;
  if (named !== undefined && (typeof named !== 'string' || named.length > NAME_MAX)) {
    throw new TrailError(
      'INPUT_INVALID',
      `claude-code hook payload: "hook_event_name" must be a short string`,
    );
  }
  const hook = (named as string | undefined) || hookEvent;
  if (!hook) throw new TrailError('INPUT_INVALID', 'claude-code hook payload: "hook_event_name" is missing');
  const read = new FieldReader(payload, `claude-code ${hook} payload`);

  const sessionId = read.requiredString('session_id', ID_MAX);
  const cwd = read.string('cwd', PATH_MAX);
  const transcriptPath = read.string('transcript_path', PATH_MAX);
  const permissionMode = read.string('permission_mode', NAME_MAX);
  const observations: Observation[] = [];

  switch (hook) {
    case 'SessionStart':
      observations.push({
        type: 'session',
        info: defined<SessionInfo>({
          source: read.string('source', NAME_MAX),
          model: read.string('model', NAME_MAX),
          transcriptPath,
          cwd,
          permissionMode,
        }),
      });
      break;
    case 'SessionEnd':
      observations.push(
        defined({
          type: 'session' as const,
          info: defined<SessionInfo>({ transcriptPath, permissionMode }),
          ended: true,
          reason: read.string('reason', NAME_MAX),
        }),
      );
      break;
    default:
      if (permissionMode !== undefined || transcriptPath !== undefined) {
        observations.push({
          type: 'session',
          info: defined<SessionInfo>({ permissionMode, transcriptPath }),
        });
      }
  }

  switch (hook) {
    case 'UserPromptSubmit': {
      const prompt = read.text('prompt') ?? read.fail('"prompt" is missing');
      // Claude Code's word that a background task ended, sent as a prompt: no one asked it.
      const notification = taskNotification(prompt);
      if (notification !== undefined) {
        observations.push(defined({ type: 'background-end' as const, ...notification }));
        break;
      }
      // A prompt ends the turn before it, which fired no Stop if the person interrupted it (a
      // rejection in the permission dialog does): its denied calls are read now, before the
      // agent acts on this prompt and finds their markers.
      observations.push(defined({ type: 'turn-end' as const, transcriptPath, ifCallsHeld: true as const }));
      const promptId = read.string('prompt_id', NAME_MAX);
      observations.push({
        type: 'event',
        event: defined({ type: 'prompt' as const, text: truncateText(prompt, TEXT_MAX), promptId }),
      });
      break;
    }
    case 'PreToolUse':
      observations.push(...preToolUse(read));
      break;
    case 'PostToolUse':
    case 'PostToolUseFailure':
      observations.push(...postToolUse(read, hook === 'PostToolUseFailure'));
      break;
    case 'PermissionDenied':
      observations.push(...permissionDenied(read));
      break;
    case 'Stop':
      observations.push(defined({ type: 'turn-end' as const, transcriptPath }));
      break;
    case 'SubagentStop':
      // The subagent writes its own transcript (`<session>/subagents/agent-<id>.jsonl`); its
      // reasoning, tool calls and usage are there, not in the main one.
      observations.push(
        defined({
          type: 'turn-end' as const,
          transcriptPath: read.string('agent_transcript_path', PATH_MAX) ?? transcriptPath,
        }),
      );
      break;
  }

  return defined({ agent: 'claude-code' as const, sessionId, hook, cwd, observations });
};

interface ToolCall {
  tool: string;
  toolUseId?: string;
  input: JsonObject;
  read: FieldReader;
}

function toolCallOf(read: FieldReader): ToolCall {
  const tool = read.requiredString('tool_name', NAME_MAX);
  const toolUseId = read.string('tool_use_id', NAME_MAX);
  const input = read.object('tool_input') ?? {};
  return { tool, toolUseId, input, read: new FieldReader(input, `${read.where} tool_input`) };
}

function editedPath(call: ToolCall): string | undefined {
  return call.read.string('file_path', PATH_MAX) ?? call.read.string('notebook_path', PATH_MAX);
}

/**
 * What a tool call may change, as Trail compares it: an edit tool the file it names; a shell
 * command, or an MCP tool (a filesystem server's `write_file`, say, which Trail cannot read the
 * inputs of), any file, so every dirty file is compared around it. Undefined: it changes none.
 */
function changeOf(call: ToolCall): { via: ChangeVia; paths: string[] } | undefined {
  if (EDIT_TOOLS.has(call.tool)) {
    const path = editedPath(call);
    return { via: 'edit-tool', paths: path ? [path] : [] };
  }
  if (SHELL_TOOLS.has(call.tool)) {
    call.read.text('command'); // not needed before the run, but a malformed one is a malformed payload
    return { via: 'shell', paths: [] };
  }
  if (mcpServerOf(call.tool) !== undefined) return { via: 'mcp-tool', paths: [] };
  return undefined;
}

function preToolUse(read: FieldReader): Observation[] {
  const call = toolCallOf(read);
  const change = changeOf(call);
  if (change === undefined) return [];
  const intended = change.via === 'edit-tool' ? intendedEdit(call) : undefined;
  return [defined({ type: 'before-change' as const, toolUseId: call.toolUseId, ...change, intended })];
}

/**
 * What a Write, Edit or MultiEdit is about to write (hooks reference, "PreToolUse input":
 * Write `content`; Edit `old_string`, `new_string`, `replace_all`; MultiEdit `edits` of the
 * same). Undefined for anything else or anything malformed: the runner then cannot tell this
 * call's lines from a person's, and says `unknown` where that matters.
 */
function intendedEdit(call: ToolCall): IntendedEdit | undefined {
  const input = call.input as Record<string, unknown>;
  if (call.tool === 'Write')
    return typeof input.content === 'string' ? { content: input.content } : undefined;
  const replacement = (e: unknown) => {
    const r = e as Record<string, unknown> | null;
    return r && typeof r.old_string === 'string' && typeof r.new_string === 'string'
      ? { old: r.old_string, new: r.new_string, all: r.replace_all === true }
      : undefined;
  };
  const list = call.tool === 'Edit' ? [input] : call.tool === 'MultiEdit' ? input.edits : undefined;
  if (!Array.isArray(list)) return undefined;
  const edits = list.map(replacement);
  return edits.every((e) => e !== undefined)
    ? { edits: edits as Array<NonNullable<(typeof edits)[number]>> }
    : undefined;
}

/**
 * A call denied after its PreToolUse ran (hooks reference, "PermissionDenied": auto mode denied
 * it; the input is PreToolUse's, `tool_name`, `tool_input`, `tool_use_id`, plus `reason`). It
 * will not run and no PostToolUse comes: its before-hook's marker is taken now, and the call
 * recorded as a failed one, the reason its summary.
 */
function permissionDenied(read: FieldReader): Observation[] {
  const call = toolCallOf(read);
  const reason = read.text('reason')?.trim();
  const change = changeOf(call);
  const out: Observation[] = [];
  if (change !== undefined)
    out.push(defined({ type: 'call-denied' as const, toolUseId: call.toolUseId, ...change }));
  out.push({
    type: 'event',
    event: defined<ToolCallEvent>({
      type: 'tool-call',
      tool: call.tool,
      toolUseId: call.toolUseId,
      summary: firstLine(reason ? `denied: ${reason}` : 'denied'),
      ok: false,
    }),
  });
  return out;
}

function postToolUse(read: FieldReader, failed: boolean): Observation[] {
  const call = toolCallOf(read);
  const durationMs = read.count('duration_ms');
  const error = failed ? read.text('error') : undefined;
  const interrupt = failed ? read.boolean('is_interrupt') === true : false;
  const event = (body: EventBody): Observation => ({ type: 'event', event: body });
  const toolCall = (summary: string | undefined, ok: boolean): Observation =>
    event(
      defined<ToolCallEvent>({ type: 'tool-call', tool: call.tool, toolUseId: call.toolUseId, summary, ok }),
    );
  const failureSummary = interrupt ? 'interrupted' : error ? firstLine(error) : undefined;

  if (SHELL_TOOLS.has(call.tool)) {
    const command = call.read.text('command') ?? '';
    const facts = failed ? bashFailureFacts(error ?? '') : bashResponseFacts(read.source.tool_response);
    const out: Observation[] = [
      defined({
        type: 'after-change' as const,
        toolUseId: call.toolUseId,
        paths: [],
        via: 'shell' as const,
        tool: call.tool,
        command: command.length > 0 ? truncateText(command, COMMAND_MAX) : undefined,
      }),
      event(commandEvent(command, facts, durationMs)),
    ];
    // Sent to the background: its end comes later, in a task notification (taskNotification).
    const background = isJsonObject(read.source.tool_response)
      ? read.source.tool_response.backgroundTaskId
      : undefined;
    if (!failed && typeof background === 'string' && call.toolUseId !== undefined && command.length > 0)
      out.push({
        type: 'background-start',
        toolUseId: call.toolUseId,
        command: truncateText(command, COMMAND_MAX),
      });
    // The command record has no field for an interruption or a shell that never started.
    if (interrupt || facts.interrupted) out.push(toolCall('interrupted', false));
    else if (failed && facts.exitCode === undefined) out.push(toolCall(failureSummary, false));
    return out;
  }

  if (EDIT_TOOLS.has(call.tool)) {
    const path = editedPath(call);
    return [
      defined({
        type: 'after-change' as const,
        toolUseId: call.toolUseId,
        paths: path ? [path] : [],
        via: 'edit-tool' as const,
        tool: call.tool,
      }),
      toolCall(failed ? failureSummary : path, !failed),
    ];
  }

  const server = mcpServerOf(call.tool);
  if (server !== undefined) {
    // Compared like a shell command's: what the server wrote is the agent's (`via: mcp-tool`).
    const change: Observation = defined({
      type: 'after-change' as const,
      toolUseId: call.toolUseId,
      paths: [],
      via: 'mcp-tool' as const,
      tool: call.tool,
    });
    if (failed) return [change, toolCall(failureSummary, false)];
    return [
      change,
      toolCall(toolSummary(call.input), true),
      event({ type: 'context', source: 'mcp-server', ref: server }),
    ];
  }

  if (failed) return [toolCall(failureSummary, false)];
  const context = contextOf(call);
  if (context !== undefined) return [event(context)];
  return [toolCall(toolSummary(call.input), true)];
}

/** Tools that bring outside material into the session, and the input field naming it. */
const CONTEXT_TOOLS: Record<string, { source: 'file-read' | 'url' | 'search'; key: string }> = {
  Read: { source: 'file-read', key: 'file_path' },
  WebFetch: { source: 'url', key: 'url' },
  WebSearch: { source: 'search', key: 'query' },
};

function contextOf(call: ToolCall): EventBody | undefined {
  const tool = CONTEXT_TOOLS[call.tool];
  const ref = tool === undefined ? undefined : call.read.text(tool.key);
  if (tool === undefined || ref === undefined || ref.length === 0) return undefined;
  return { type: 'context', source: tool.source, ref: truncateText(ref, PATH_MAX) };
}

// ---------------------------------------------------------------------------------------------
// Transcript

interface UsageTotals {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Claude Code writes `<synthetic>` as the model of messages it made up itself (API errors...). */
const SYNTHETIC_MODEL = '<synthetic>';

interface TranscriptState {
  summary: TranscriptSummary;
  /** One entry per assistant message id: streaming writes the same message on several lines. */
  usageByMessage: Map<string, UsageTotals>;
  /** Tool calls waiting for their result, by tool_use id. */
  pendingTools: Map<string, { event: CommandEvent | ToolCallEvent; tool: string }>;
  /** Commands sent to the background, by tool_use id, until a task notification ends them. */
  background: Map<string, { event: CommandEvent; at?: string }>;
  seen: Set<string>;
  startedMs: number;
  endedMs: number;
}

/**
 * Reads a Claude Code session transcript (`~/.claude/projects/<dir>/<session>.jsonl`). Lines
 * that are not JSON objects are counted in `skippedLines`; lines of types it does not know
 * (`summary`, `system`, `file-history-snapshot`...) are ignored.
 */
export function parseClaudeTranscript(text: string): TranscriptSummary {
  return parseClaudeTranscriptFrom(text, undefined).summary;
}

/**
 * What reading a transcript from where the last read stopped needs of the lines before:
 * Claude Code's Stop hook reads only what each turn appended (hook-runner.ts, turnEnd), where
 * reading the whole file at every turn end cost a long session about a second a turn.
 */
export interface TranscriptCarry {
  /** Token usage per model of every message before the last one read. */
  usage: ModelUsage[];
  /**
   * The last message read: the next lines may continue it (streaming writes one message on
   * several lines, each with its usage so far), so it is merged rather than counted again.
   */
  last?: { id: string; usage: UsageTotals; seen: string[] };
  models: string[];
  agentVersion?: string;
}

/**
 * Reads transcript lines that follow those `carry` sums up (all of them without it). The
 * summary's events are those of these lines; its usage and model are the whole transcript's.
 * Reading a transcript in pieces, each cut at a line's end, gives what reading it whole does.
 */
export function parseClaudeTranscriptFrom(
  text: string,
  carry: TranscriptCarry | undefined,
): { summary: TranscriptSummary; carry: TranscriptCarry } {
  const state: TranscriptState = {
    summary: { models: [...(carry?.models ?? [])], events: [], usage: [], skippedLines: 0 },
    usageByMessage: new Map(carry?.last ? [[carry.last.id, { ...carry.last.usage }]] : []),
    pendingTools: new Map(),
    background: new Map(),
    seen: new Set(carry?.last?.seen),
    startedMs: Number.POSITIVE_INFINITY,
    endedMs: Number.NEGATIVE_INFINITY,
  };
  for (const { line, lineNumber } of jsonObjectLines(text, state.summary)) {
    noteLineContext(state, line);
    if (line.type === 'assistant') readAssistantLine(state, line, lineNumber);
    else if (line.type === 'user') readUserLine(state, line);
  }

  const messages = [...state.usageByMessage];
  const usage = sumUsageByModel([...(carry?.usage ?? []), ...messages.map(([, totals]) => totals)]);
  state.summary.usage = usage;
  state.summary.model = principalModel(state.summary.models, usage);
  state.summary.agentVersion ??= carry?.agentVersion;
  const last = messages.at(-1);
  const lastSeen =
    last === undefined ? [] : [...state.seen].filter((key) => key.startsWith(`${last[0]}\u0000`));
  return {
    summary: defined(state.summary),
    carry: defined({
      usage: sumUsageByModel([...(carry?.usage ?? []), ...messages.slice(0, -1).map(([, totals]) => totals)]),
      last: last && { id: last[0], usage: last[1], seen: lastSeen },
      models: state.summary.models,
      agentVersion: state.summary.agentVersion,
    }),
  };
}

function noteLineContext(state: TranscriptState, line: JsonObject): void {
  const s = state.summary;
  const str = (key: string) =>
    typeof line[key] === 'string' && (line[key] as string).length > 0 ? (line[key] as string) : undefined;
  s.sessionId ??= str('sessionId');
  s.cwd ??= str('cwd');
  s.gitBranch ??= str('gitBranch');
  s.agentVersion = str('version') ?? s.agentVersion;
  const at = str('timestamp');
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  if (Number.isNaN(ms)) return;
  if (ms < state.startedMs) {
    state.startedMs = ms;
    s.startedAt = at;
  }
  if (ms > state.endedMs) {
    state.endedMs = ms;
    s.endedAt = at;
  }
}

function pushEvent(state: TranscriptState, line: JsonObject, event: EventBody): void {
  const at = typeof line.timestamp === 'string' ? line.timestamp : undefined;
  state.summary.events.push(defined({ at, event }));
}

function readAssistantLine(state: TranscriptState, line: JsonObject, lineNumber: number): void {
  const message = line.message;
  if (!isJsonObject(message)) return;
  // Messages Claude Code made up itself (API errors, interruptions) are neither usage nor reasoning.
  if (message.model === SYNTHETIC_MODEL) return;
  const model = typeof message.model === 'string' ? message.model : undefined;
  const messageId =
    typeof message.id === 'string'
      ? message.id
      : typeof line.requestId === 'string'
        ? line.requestId
        : `line:${lineNumber}`;
  if (model !== undefined) {
    if (!state.summary.models.includes(model)) state.summary.models.push(model);
    if (isJsonObject(message.usage)) noteUsage(state, messageId, model, message.usage);
  }

  const content = Array.isArray(message.content) ? message.content : [];
  for (const block of content) {
    if (!isJsonObject(block)) continue;
    if (block.type === 'thinking' || block.type === 'text') {
      const value = block.type === 'thinking' ? block.thinking : block.text;
      if (typeof value !== 'string' || value.trim().length === 0) continue;
      // Streaming may repeat a block on another line of the same message. The key holds a
      // digest, not the text: the last message's keys are kept on disk between turn ends.
      const key = `${messageId}\u0000${sha256Hex(`${value.length}\u0000${value.slice(0, 200)}`).slice(0, 32)}`;
      if (state.seen.has(key)) continue;
      state.seen.add(key);
      pushEvent(state, line, { type: 'reasoning', text: truncateUtf8(value, REASONING_MAX_BYTES) });
    } else if (block.type === 'tool_use' && typeof block.name === 'string' && block.name.length > 0) {
      const toolUseId = typeof block.id === 'string' ? block.id : undefined;
      if (toolUseId !== undefined) {
        if (state.seen.has(toolUseId)) continue;
        state.seen.add(toolUseId);
      }
      const input = isJsonObject(block.input) ? block.input : undefined;
      const tool = truncateText(block.name, NAME_MAX);
      const event: CommandEvent | ToolCallEvent =
        SHELL_TOOLS.has(tool) && typeof input?.command === 'string'
          ? commandEvent(input.command, { interrupted: false })
          : defined<ToolCallEvent>({
              type: 'tool-call',
              tool,
              toolUseId: toolUseId?.slice(0, NAME_MAX),
              summary: toolSummary(input),
            });
      pushEvent(state, line, event);
      if (toolUseId !== undefined) state.pendingTools.set(toolUseId, { event, tool });
    }
  }
}

function noteUsage(state: TranscriptState, messageId: string, model: string, usage: JsonObject): void {
  const n = (key: string) =>
    typeof usage[key] === 'number' && Number.isFinite(usage[key]) ? Math.max(0, usage[key] as number) : 0;
  const seen = state.usageByMessage.get(messageId);
  const current: UsageTotals = {
    model,
    inputTokens: n('input_tokens'),
    outputTokens: n('output_tokens'),
    cacheReadTokens: n('cache_read_input_tokens'),
    cacheWriteTokens: n('cache_creation_input_tokens'),
  };
  if (seen === undefined) {
    state.usageByMessage.set(messageId, current);
    return;
  }
  // Repeated lines of one message carry the same usage, or a later line a larger count; the
  // message is counted once with the largest value seen for each field.
  seen.inputTokens = Math.max(seen.inputTokens, current.inputTokens);
  seen.outputTokens = Math.max(seen.outputTokens, current.outputTokens);
  seen.cacheReadTokens = Math.max(seen.cacheReadTokens, current.cacheReadTokens);
  seen.cacheWriteTokens = Math.max(seen.cacheWriteTokens, current.cacheWriteTokens);
}

/** The line Claude Code writes as the user's when the person stops a turn: not their words. */
const INTERRUPTED = /^\s*\[Request interrupted by user(?: for tool use)?\]\s*$/;

/**
 * Text Claude Code adds to the user's side of the conversation, each as a block or a message
 * of its own: reminders to the model, and the output of local slash commands. Not the
 * person's words.
 */
const INJECTED =
  /^\s*<(system-reminder|local-command-stdout|local-command-stderr|local-command-caveat)>[\s\S]*<\/\1>\s*$/;

function readUserLine(state: TranscriptState, line: JsonObject): void {
  // Meta lines (caveats Claude Code adds) and compaction summaries are not the user's words.
  if (line.isMeta === true || line.isCompactSummary === true) return;
  const message = line.message;
  if (!isJsonObject(message)) return;
  let texts: string[];
  if (typeof message.content === 'string') texts = [message.content];
  else if (Array.isArray(message.content)) {
    const blocks = message.content.filter(isJsonObject);
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (results.length > 0) {
      // `toolUseResult` describes the line's result when the line holds exactly one.
      const structured = results.length === 1 ? line.toolUseResult : undefined;
      for (const result of results) readToolResult(state, result, structured);
      return;
    }
    texts = blocks.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : []));
  } else return;
  const text = texts.filter((t) => !INJECTED.test(t)).join('\n\n');
  const notification = taskNotification(text);
  if (notification !== undefined) readTaskNotification(state, line, notification);
  else if (text.trim().length > 0 && !INTERRUPTED.test(text)) {
    const promptId = typeof line.promptId === 'string' ? line.promptId.slice(0, NAME_MAX) : undefined;
    pushEvent(
      state,
      line,
      defined({ type: 'prompt' as const, text: truncateText(text, TEXT_MAX), promptId }),
    );
  }
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is JsonObject => isJsonObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/**
 * What Claude Code answers the model for a call that never ran: the person said no in the
 * permission dialog, or stopped the turn while it was shown. (A call stopped while running
 * gets this too, but it also gets its PostToolUseFailure hook.)
 */
const REJECTED = "The user doesn't want to proceed with this tool use.";

/**
 * Answers that come from before a call ran, and who gave them: a denial by the permission
 * settings (a deny rule, or don't-ask mode: `Permission to use Bash has been denied…`) or by a
 * PreToolUse hook (`Hook PreToolUse:Bash denied this tool`, or an exit-2 hook's
 * `PreToolUse:Bash hook error: …`). Only the before-hooks stage names PreToolUse.
 */
const DENIED_BY: ReadonlyArray<[RegExp, FailedCall['cause']]> = [
  [/^Permission to use \S/, 'permission'],
  [/^(?:Hook )?PreToolUse:/, 'hook'],
];

function failedCall(toolUseId: string, tool: string | undefined, text: string): FailedCall {
  const answer = text.trimStart();
  const id = toolUseId.slice(0, NAME_MAX);
  if (answer.startsWith(REJECTED)) return defined({ toolUseId: id, tool, cause: 'person' as const });
  const cause = DENIED_BY.find(([pattern]) => pattern.test(answer))?.[1] ?? 'error';
  return defined({ toolUseId: id, tool, cause, reason: firstLine(answer) || undefined });
}

function readToolResult(state: TranscriptState, block: JsonObject, structured: unknown): void {
  if (typeof block.tool_use_id !== 'string') return;
  const call = state.pendingTools.get(block.tool_use_id);
  if (block.is_error === true) {
    state.summary.failedCalls ??= [];
    state.summary.failedCalls.push(failedCall(block.tool_use_id, call?.tool, toolResultText(block.content)));
  }
  if (call === undefined) return;
  const pending = call.event;
  state.pendingTools.delete(block.tool_use_id);
  const isError = block.is_error === true;
  if (pending.type === 'tool-call') {
    pending.ok = !isError;
    return;
  }
  const content = toolResultText(block.content);
  let facts: CommandFacts;
  if (isError && isJsonObject(structured) && structured.interrupted === true) {
    facts = defined({ interrupted: true, outputTail: outputTail(content) });
  } else if (isError) {
    facts = bashFailureFacts(content.length > 0 ? content : typeof structured === 'string' ? structured : '');
  } else if (isJsonObject(structured)) {
    facts = bashResponseFacts(structured);
  } else {
    facts = defined({ interrupted: false, outputTail: outputTail(content) });
  }
  if (facts.exitCode !== undefined) pending.exitCode = facts.exitCode;
  if (facts.outputTail !== undefined) pending.outputTail = facts.outputTail;
  if (!isError && isJsonObject(structured) && typeof structured.backgroundTaskId === 'string') {
    const at = state.summary.events.findLast((e) => e.event === pending)?.at;
    state.background.set(block.tool_use_id, defined({ event: pending, at }));
  }
}

/**
 * A task notification read in the transcript (taskNotification): not the person's prompt. The
 * command it ends gets its exit code and its duration up to the notification, as the hooks
 * record it again; otherwise the end is a tool call of its own.
 */
function readTaskNotification(state: TranscriptState, line: JsonObject, end: TaskNotification): void {
  const started = end.toolUseId === undefined ? undefined : state.background.get(end.toolUseId);
  if (started === undefined || end.exitCode === undefined) {
    pushEvent(state, line, backgroundEndCall(end));
    return;
  }
  state.background.delete(end.toolUseId!);
  started.event.exitCode = end.exitCode;
  const ms =
    typeof line.timestamp === 'string' && started.at !== undefined
      ? Date.parse(line.timestamp) - Date.parse(started.at)
      : Number.NaN;
  if (ms >= 0) started.event.durationMs = ms;
}

/** The model that wrote the most output, else the first one seen. */
export function principalModel(models: string[], usage: UsageTotals[]): string | undefined {
  let best: UsageTotals | undefined;
  for (const u of usage) if (best === undefined || u.outputTokens > best.outputTokens) best = u;
  return best?.model ?? models[0];
}

// ---------------------------------------------------------------------------------------------
// Settings

/** Trail's own hook entries are recognised by this part of their command, and only by it. */
const TRAIL_MARKER = ' hook claude-code ';
const HOOK_TIMEOUT_SECONDS = 10;

/**
 * The tools that may change files (changeOf): the edit tools, the shell, every MCP tool
 * (`mcp__<server>__<tool>`). A matcher of only letters, digits, `_` and `|` is a list of exact
 * names; anything else is a JavaScript regular expression, unanchored (hooks reference, "Matcher
 * patterns" and "Match MCP tools"), so adding `mcp__.+` to the list would turn it into a regex
 * in which `Write` matches `TodoWrite`. Anchored, it takes these names only, whichever way a
 * version of Claude Code reads it.
 */
const CHANGING_TOOLS = '^(?:Write|Edit|MultiEdit|NotebookEdit|Bash|PowerShell|mcp__.+)$';

/**
 * The events Trail listens to. Tool events carry a matcher (hooks reference, "Matcher
 * patterns"): before a change, and on a denial after it, only the tools that may change files;
 * after, every tool, for context and tool-call records.
 */
const TRAIL_EVENTS: ReadonlyArray<{ event: string; matcher?: string }> = [
  { event: 'SessionStart' },
  { event: 'UserPromptSubmit' },
  { event: 'PreToolUse', matcher: CHANGING_TOOLS },
  { event: 'PostToolUse', matcher: '*' },
  { event: 'PostToolUseFailure', matcher: '*' },
  // Matches on the tool name, as PreToolUse does (hooks reference, "PermissionDenied").
  { event: 'PermissionDenied', matcher: CHANGING_TOOLS },
  { event: 'Stop' },
  { event: 'SubagentStop' },
  { event: 'SessionEnd' },
];

function parseSettings(text: string | undefined): JsonObject {
  if (text === undefined || text.trim().length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TrailError(
      'INPUT_INVALID',
      `Claude Code settings are not valid JSON (${jsonSyntaxReason(error)}); fix the file and retry`,
    );
  }
  if (!isJsonObject(parsed))
    throw new TrailError('INPUT_INVALID', 'Claude Code settings must be a JSON object');
  if (parsed.hooks !== undefined && !isJsonObject(parsed.hooks)) {
    throw new TrailError('INPUT_INVALID', 'Claude Code settings: "hooks" must be an object');
  }
  for (const [event, groups] of Object.entries((parsed.hooks as JsonObject | undefined) ?? {})) {
    if (!Array.isArray(groups))
      throw new TrailError('INPUT_INVALID', `Claude Code settings: "hooks.${event}" must be an array`);
  }
  return parsed;
}

function isTrailHook(hook: unknown): boolean {
  return isJsonObject(hook) && typeof hook.command === 'string' && hook.command.includes(TRAIL_MARKER);
}

/**
 * Removes Trail's hook entries, and the matcher groups that held only them. With
 * `dropEmptied`, an event list or the `hooks` object that this removal left empty goes too;
 * ones that were already empty are the user's and stay.
 */
function removeTrailHooks(settings: JsonObject, dropEmptied: boolean): boolean {
  const hooks = settings.hooks as JsonObject | undefined;
  if (hooks === undefined) return false;
  let removedAny = false;
  for (const [event, value] of Object.entries(hooks)) {
    const groups = value as unknown[];
    let removedHere = false;
    const kept = groups.filter((group) => {
      const entries = isJsonObject(group) && Array.isArray(group.hooks) ? (group.hooks as unknown[]) : [];
      if (!entries.some(isTrailHook)) return true;
      removedHere = true;
      const left = entries.filter((hook) => !isTrailHook(hook));
      (group as JsonObject).hooks = left;
      return left.length > 0;
    });
    if (!removedHere) continue;
    removedAny = true;
    if (dropEmptied && kept.length === 0) delete hooks[event];
    else hooks[event] = kept;
  }
  if (dropEmptied && removedAny && Object.keys(hooks).length === 0) delete settings.hooks;
  return removedAny;
}

function formatSettings(settings: JsonObject): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/**
 * Adds Trail's hooks (`<command> hook claude-code <Event>`) to a `.claude/settings.json` text,
 * keeping every other setting and every hook of the user's. Installing again replaces Trail's
 * entries, so the result is the same.
 */
export function installClaudeHooks(settingsText: string | undefined, command: string): string {
  if (command.trim().length === 0 || /[\r\n]/.test(command)) {
    throw new TrailError('INPUT_INVALID', 'the hook command must be one non-empty line');
  }
  const settings = parseSettings(settingsText);
  removeTrailHooks(settings, false);
  settings.hooks ??= {};
  const hooks = settings.hooks as JsonObject;
  for (const { event, matcher } of TRAIL_EVENTS) {
    const groups = (hooks[event] as unknown[] | undefined) ?? [];
    groups.push({
      ...(matcher === undefined ? {} : { matcher }),
      hooks: [
        { type: 'command', command: `${command}${TRAIL_MARKER}${event}`, timeout: HOOK_TIMEOUT_SECONDS },
      ],
    });
    hooks[event] = groups;
  }
  return formatSettings(settings);
}

/**
 * Removes Trail's hooks from a settings text. Returns undefined when nothing else is left in
 * it, so the caller can delete a file Trail created; returns the text unchanged when it holds
 * no Trail hook.
 */
export function uninstallClaudeHooks(settingsText: string): string | undefined {
  const settings = parseSettings(settingsText);
  if (!removeTrailHooks(settings, true)) return settingsText.trim().length === 0 ? undefined : settingsText;
  return Object.keys(settings).length === 0 ? undefined : formatSettings(settings);
}
