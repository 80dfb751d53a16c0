/**
 * Gemini CLI: hook payloads, saved sessions, and Trail's entries in `.gemini/settings.json`.
 *
 * Formats, as read from google-gemini/gemini-cli:
 * - hooks: docs/hooks/reference.md; packages/core/src/hooks/types.ts (input per event),
 *   hookEventHandler.ts (base fields: `transcript_path` is the chat recording's file, '' when
 *   recording is off), hookTranslator.ts (the `llm_request` / `llm_response` shapes);
 * - tools: packages/core/src/tools/definitions (names, parameters), tools/shell.ts (result text);
 * - sessions: packages/core/src/services/chatRecordingService.ts and chatRecordingTypes.ts
 *   (`~/.gemini/tmp/<project>/chats/session-*.json`, a single ConversationRecord, later JSON
 *   lines of metadata, messages re-appended by id, `$set` and `$rewindTo` records);
 *   core/logger.ts (`/chat save` checkpoints: `{ history: Content[] }` or a bare `Content[]`).
 */

import { sha256Hex } from '../../core/hash.js';
import type { EventBody } from '../../core/records.js';
import type {
  HookAdapter,
  IntendedEdit,
  ModelUsage,
  Observation,
  SessionInfo,
  TranscriptSummary,
} from '../observation.js';
import { okByStatus, sumUsageByModel } from '../observation.js';
import { jsonObjectLines } from './json-lines.js';
import type { Obj } from './payload-fields.js';
import { clip, drop, event, invalid, isObj, obj, str, tail } from './payload-fields.js';

/** Field limits of the event schema (src/core/records.ts), so a long value is cut, not refused. */
const TEXT_MAX = 64 * 1024;
const SHORT_MAX = 4096;
const COMMAND_MAX = 8192;
/** Enough of a command's output to see why it failed; the rest is noise (DESIGN.md principle 5). */
const OUTPUT_TAIL = 2000;
const SUMMARY_MAX = 300;

/** Tools that write files: `write_file` and `replace` (tools/definitions), `edit` in some releases. */
const EDIT_TOOLS = new Set(['write_file', 'replace', 'edit']);
const SHELL_TOOL = 'run_shell_command';

/** The events Trail installs. AfterModel is left out on purpose: it fires once per streamed chunk. */
export const GEMINI_HOOK_EVENTS = [
  'SessionStart',
  'SessionEnd',
  'BeforeAgent',
  'AfterAgent',
  'BeforeModel',
  'BeforeTool',
  'AfterTool',
] as const;
const HOOK_NAME = 'trail';
/** Milliseconds (docs/hooks/reference.md: `timeout` is in ms, default 60000). */
const HOOK_TIMEOUT_MS = 15_000;

export const normalizeGeminiCli: HookAdapter = (payload, hookEvent) => {
  if (!isObj(payload)) invalid('Gemini CLI hook payload must be a JSON object');
  const what = `Gemini CLI ${hookEvent} payload`;
  const sessionId = str(payload, 'session_id', what);
  if (!sessionId) invalid(`${what} has no session_id`);
  const hook = str(payload, 'hook_event_name', what) || hookEvent;
  const cwd = str(payload, 'cwd', what) || undefined;
  const transcriptPath = str(payload, 'transcript_path', what) || undefined;
  const at = isoTime(str(payload, 'timestamp', what));
  const observations = observe(hook, payload, what, { cwd, transcriptPath });
  return drop({ agent: 'gemini-cli' as const, sessionId, hook, at, cwd, observations });
};

function observe(hook: string, p: Obj, what: string, base: SessionInfo): Observation[] {
  switch (hook) {
    case 'SessionStart': {
      // types.ts names it `source`; some docs call it `trigger`.
      const source = str(p, 'source', what) || str(p, 'trigger', what) || undefined;
      return [{ type: 'session', info: drop({ ...base, source }) }];
    }
    case 'SessionEnd': {
      const reason = str(p, 'reason', what) || str(p, 'trigger', what) || undefined;
      return [drop({ type: 'session' as const, info: drop(base), ended: true, reason })];
    }
    case 'BeforeAgent': {
      const prompt = str(p, 'prompt', what);
      if (prompt === undefined) invalid(`${what} has no prompt`);
      return prompt.trim() ? [event({ type: 'prompt', text: clip(prompt, TEXT_MAX) })] : [];
    }
    case 'AfterAgent':
      return [drop({ type: 'turn-end' as const, transcriptPath: base.transcriptPath })];
    case 'BeforeModel':
      return modelObservations(p, what, false);
    case 'AfterModel':
      return modelObservations(p, what, true);
    case 'BeforeTool':
      return beforeTool(p, what);
    case 'AfterTool':
      return afterTool(p, what);
    default:
      // Notification, PreCompress, BeforeToolSelection and events added later: nothing to record.
      return [];
  }
}

function modelObservations(p: Obj, what: string, after: boolean): Observation[] {
  const request = obj(p, 'llm_request', what);
  const model = (request && str(request, 'model', `${what} llm_request`)) || undefined;
  const out: Observation[] = model ? [{ type: 'session', info: { model } }] : [];
  const response = after ? obj(p, 'llm_response', what) : undefined;
  const usage = response && finalChunkUsage(response);
  if (usage) out.push(event(drop({ type: 'usage' as const, model, ...usage })));
  return out;
}

/**
 * AfterModel fires for every streamed chunk, so only the chunk that carries a finish reason is
 * counted. The hook's usageMetadata lists prompt, candidates and total tokens only
 * (hookTranslator.ts); total minus prompt also covers thinking tokens, which it does not list.
 */
function finalChunkUsage(response: Obj) {
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  const finished = candidates.some(
    (c) =>
      isObj(c) &&
      typeof c.finishReason === 'string' &&
      c.finishReason !== '' &&
      c.finishReason !== 'FINISH_REASON_UNSPECIFIED',
  );
  const meta = response.usageMetadata;
  if (!finished || !isObj(meta)) return undefined;
  const prompt = tokenCount(meta.promptTokenCount);
  const candidatesTokens = tokenCount(meta.candidatesTokenCount);
  const total = tokenCount(meta.totalTokenCount);
  if (prompt === undefined && candidatesTokens === undefined && total === undefined) return undefined;
  const output =
    total !== undefined && prompt !== undefined
      ? Math.max(candidatesTokens ?? 0, total - prompt)
      : (candidatesTokens ?? 0);
  return { inputTokens: prompt ?? 0, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

function toolCall(p: Obj, what: string): { name: string; input: Obj } {
  const name = str(p, 'tool_name', what);
  if (!name) invalid(`${what} has no tool_name`);
  return { name, input: obj(p, 'tool_input', what) ?? {} };
}

function beforeTool(p: Obj, what: string): Observation[] {
  const { name, input } = toolCall(p, what);
  if (EDIT_TOOLS.has(name))
    return [
      drop({
        type: 'before-change' as const,
        paths: pathsOf(input),
        via: 'edit-tool' as const,
        intended: intendedEdit(name, input),
      }),
    ];
  if (name === SHELL_TOOL) return [{ type: 'before-change', paths: [], via: 'shell' }];
  return [];
}

/**
 * What a `write_file` or `replace` is about to write, from the call's own arguments
 * (tools/write-file.ts `content`; tools/edit.ts `old_string`, `new_string`). A replace
 * changes every occurrence of its old text: the tool refuses the call when their number is
 * not `expected_replacements`, so counting them is not ours to do. Undefined for anything
 * malformed: the runner then cannot tell the call's lines from a person's.
 */
function intendedEdit(name: string, input: Obj): IntendedEdit | undefined {
  if (name === 'write_file')
    return typeof input.content === 'string' ? { content: input.content } : undefined;
  return typeof input.old_string === 'string' && typeof input.new_string === 'string'
    ? { edits: [{ old: input.old_string, new: input.new_string, all: true }] }
    : undefined;
}

function afterTool(p: Obj, what: string): Observation[] {
  const { name, input } = toolCall(p, what);
  // tool_response is { llmContent, returnDisplay, error? } (coreToolHookTriggers.ts).
  const response = obj(p, 'tool_response', what) ?? {};
  const failed = response.error !== undefined && response.error !== null;
  if (EDIT_TOOLS.has(name))
    return [{ type: 'after-change', paths: pathsOf(input), via: 'edit-tool', tool: name }];
  if (name === SHELL_TOOL) {
    const command = typeof input.command === 'string' && input.command ? input.command : undefined;
    const out: Observation[] = [
      drop({
        type: 'after-change' as const,
        paths: [],
        via: 'shell' as const,
        tool: name,
        command: command && clip(command, COMMAND_MAX),
      }),
    ];
    const ran = shellCommandEvent(command, textOf(response.llmContent), response.returnDisplay, failed);
    if (ran) out.push(event(ran));
    return out;
  }
  const mcp = mcpServer(name, obj(p, 'mcp_context', what));
  return toolEvents(name, input, { ok: !failed, mcp }).map(event);
}

interface ToolOutcome {
  ok?: boolean;
  id?: string;
  mcp?: { server: string; note?: string };
}

/** What a finished tool call tells the record, unless it is an edit or a shell run that worked. */
function toolEvents(name: string, args: Obj, outcome: ToolOutcome): EventBody[] {
  const call = (ok: boolean | undefined): EventBody =>
    drop({
      type: 'tool-call' as const,
      tool: clip(name, 256),
      toolUseId: outcome.id,
      summary: summarize(args),
      ok,
    });
  if (outcome.mcp) {
    const { server, note } = outcome.mcp;
    return [
      call(outcome.ok),
      drop({ type: 'context' as const, source: 'mcp-server' as const, ref: clip(server, SHORT_MAX), note }),
    ];
  }
  const context = contextEvents(name, args);
  if (!context || context.length === 0 || outcome.ok === false) return [call(outcome.ok)];
  return context;
}

/** Sources the agent read: files, URLs, searches. Undefined for a tool that reads none. */
function contextEvents(name: string, args: Obj): EventBody[] | undefined {
  const refs = (source: 'file-read' | 'url' | 'search', values: string[]): EventBody[] =>
    [...new Set(values.filter((v) => v.trim()))].map((ref) => {
      const note = source === 'file-read' && /[*?[{]/.test(ref) ? 'glob pattern' : undefined;
      return drop({ type: 'context' as const, source, ref: clip(ref, SHORT_MAX), note });
    });
  switch (name) {
    case 'read_file':
      return refs('file-read', pathsOf(args));
    case 'read_many_files':
      // `include` today; `paths` in early releases.
      return refs('file-read', [...strings(args.include), ...strings(args.paths)]);
    case 'web_fetch':
      // The URLs travel inside the prompt (tools/definitions: "up to 20 URLs ... in the prompt").
      return refs('url', [
        ...strings(args.url),
        ...(typeof args.prompt === 'string'
          ? (args.prompt.match(/https?:\/\/[^\s<>"'`)\]]+/g) ?? [])
          : []
        ).map(
          (url) => url.replace(/[.,;:!?]+$/, ''), // the sentence's punctuation, not the URL's
        ),
      ]);
    case 'google_web_search':
      return refs('search', strings(args.query));
    default:
      return undefined;
  }
}

/** MCP tools are named `mcp__<server>__<tool>` and carry `mcp_context` (hooks/types.ts). */
function mcpServer(name: string, context: Obj | undefined): ToolOutcome['mcp'] {
  if (context && typeof context.server_name === 'string' && context.server_name) {
    // Connection info without arguments: a stdio server's args may hold credentials.
    const where = [context.url, context.tcp].find((v) => typeof v === 'string' && v);
    const command =
      typeof context.command === 'string' && context.command ? `stdio: ${context.command}` : undefined;
    return drop({ server: context.server_name, note: (where as string | undefined) ?? command });
  }
  const parts = name.split('__');
  if (parts[0] === 'mcp' && parts.length >= 3 && parts[1]) return { server: parts[1] };
  return undefined;
}

/** A shell run: the command, its exit code when the result says, and the tail of its output. */
function shellCommandEvent(
  command: string | undefined,
  resultText: string | undefined,
  display: unknown,
  failed: boolean,
): EventBody | undefined {
  if (!command) return undefined;
  const output = typeof display === 'string' && display.trim() ? display : resultText;
  return drop({
    type: 'command' as const,
    command: clip(command, COMMAND_MAX),
    exitCode: shellExitCode(resultText, failed),
    outputTail: output?.trim() ? tail(output, OUTPUT_TAIL) : undefined,
  });
}

/**
 * tools/shell.ts writes "Output: …" and then "Exit Code: N" only when N is not 0 (its tool
 * description says so), so a result in that form with no exit, error or signal line exited 0.
 * Older releases always wrote "Exit Code: …" after "Command: …"; "(none)" stays unknown.
 */
function shellExitCode(text: string | undefined, failed: boolean): number | undefined {
  if (!text) return undefined;
  const codes = [...text.matchAll(/^Exit Code: (-?\d+)\s*$/gm)];
  const last = codes.at(-1);
  if (last) return Number(last[1]);
  if (!failed && text.startsWith('Output: ') && !/^(Error|Signal): /m.test(text)) return 0;
  return undefined;
}

// --- Saved sessions ------------------------------------------------------------------------

/**
 * Reads a Gemini CLI session file: the JSON-lines recording, the older single-JSON
 * ConversationRecord, or a `/chat save` checkpoint. Rewound turns are kept: they happened.
 */
export function parseGeminiTranscript(text: string): TranscriptSummary {
  const summary: TranscriptSummary = { models: [], events: [], usage: [], skippedLines: 0 };
  if (!text.trim()) return summary;
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return fromRecords(jsonLines(text, summary), summary);
  }
  if (Array.isArray(whole)) return fromCheckpoint(whole, summary);
  if (isObj(whole) && Array.isArray(whole.history)) return fromCheckpoint(whole.history, summary);
  if (!isObj(whole)) invalid('Gemini CLI session file must hold a JSON object or JSON lines');
  return fromRecords([whole], summary);
}

function jsonLines(text: string, summary: TranscriptSummary): Obj[] {
  const records = [...jsonObjectLines(text, summary)].map(({ line }) => line);
  if (records.length === 0) invalid('not a Gemini CLI session file: no line holds a JSON object');
  return records;
}

function fromRecords(records: Obj[], summary: TranscriptSummary): TranscriptSummary {
  const { messages, meta } = gather(records, summary);
  if (typeof meta.sessionId !== 'string' && messages.size === 0) {
    invalid('not a Gemini CLI session file: no session metadata and no messages');
  }
  const totals = new Map<string, TranscriptSummary['usage'][number]>();
  for (const message of messages.values()) readMessage(message, summary, totals);
  return finish(summary, totals, metaFacts(meta));
}

/** A recording's messages, the last copy of each, and its session metadata merged in order. */
function gather(records: Obj[], summary: TranscriptSummary): { messages: Map<string, Obj>; meta: Obj } {
  // A message is re-appended whole each time it changes (tokens, tool results), so the last copy
  // of an id wins and keeps the place of the first.
  const messages = new Map<string, Obj>();
  const upsert = (m: unknown) => {
    if (isObj(m) && typeof m.id === 'string') messages.set(m.id, m);
  };
  const meta: Obj = {};
  for (const record of records) {
    if (typeof record.$rewindTo === 'string') continue;
    if (isObj(record.$set)) {
      Object.assign(meta, record.$set);
      if (Array.isArray(record.$set.messages)) record.$set.messages.forEach(upsert);
    } else if (typeof record.id === 'string' && typeof record.type === 'string') {
      upsert(record);
    } else if (typeof record.sessionId === 'string') {
      Object.assign(meta, record);
      if (Array.isArray(record.messages)) record.messages.forEach(upsert);
    } else {
      summary.skippedLines++;
    }
  }
  return { messages, meta };
}

function metaFacts(meta: Obj): Pick<TranscriptSummary, 'sessionId' | 'startedAt' | 'endedAt'> {
  return {
    sessionId: typeof meta.sessionId === 'string' ? meta.sessionId : undefined,
    startedAt: isoTime(meta.startTime),
    endedAt: isoTime(meta.lastUpdated),
  };
}

/**
 * What reading a JSON-lines recording from where the last read stopped needs of the lines
 * before (hook-runner.ts, turnEnd). A message is written again each time it changes, so the
 * latest messages are kept one by one: the usage of the copy read last, and a digest of each
 * event taken from it, so that a later copy adds only what is new. Older messages are summed
 * up in `settled`.
 */
export interface GeminiRecordingCarry {
  session: Pick<TranscriptSummary, 'sessionId' | 'startedAt' | 'endedAt'>;
  models: string[];
  /** The usage of every message no longer kept in `recent`, per model. */
  settled: ModelUsage[];
  recent: Array<{ id: string; usage: ModelUsage[]; taken: string[] }>;
}

/**
 * How many of the latest messages a carry keeps one by one. Gemini CLI writes a message again
 * while it is being made (its tokens, its tool calls' results), not once others follow it: a
 * copy of an older one would have its events taken again.
 */
const RECENT_MESSAGES = 64;

/**
 * Reads the recording lines that follow those `carry` sums up (all of them without it). The
 * summary's events are those new since the carry; its usage, models and session facts are the
 * whole recording's. Undefined for a recording that is not in JSON lines (an older release's
 * single JSON document, or a `/chat save` checkpoint): such a file is rewritten whole, so it
 * is read whole.
 */
export function parseGeminiTranscriptFrom(
  text: string,
  carry: GeminiRecordingCarry | undefined,
): { summary: TranscriptSummary; carry: GeminiRecordingCarry } | undefined {
  if (carry === undefined && !isLinesRecording(text)) return undefined;
  const summary: TranscriptSummary = {
    models: [...(carry?.models ?? [])],
    events: [],
    usage: [],
    skippedLines: 0,
  };
  const { messages, meta } = gather(
    [...jsonObjectLines(text, summary)].map(({ line }) => line),
    summary,
  );
  const recent = new Map((carry?.recent ?? []).map((m) => [m.id, m]));
  for (const [id, message] of messages) {
    // The message's events as a whole read makes them, less those taken from an earlier copy.
    const read: TranscriptSummary = { models: summary.models, events: [], usage: [], skippedLines: 0 };
    const totals = new Map<string, TranscriptSummary['usage'][number]>();
    readMessage(message, read, totals);
    const taken = new Set(recent.get(id)?.taken);
    for (const item of read.events) {
      const key = sha256Hex(JSON.stringify(item.event)).slice(0, 32);
      if (taken.has(key)) continue;
      taken.add(key);
      summary.events.push(item);
    }
    recent.delete(id);
    recent.set(id, { id, usage: [...totals.values()], taken: [...taken] });
  }
  const kept = [...recent.values()];
  const settling = kept.slice(0, Math.max(0, kept.length - RECENT_MESSAGES));
  const settled = sumUsageByModel([...(carry?.settled ?? []), ...settling.flatMap((m) => m.usage)]);
  const latest = kept.slice(settling.length);
  const session = { ...carry?.session, ...drop(metaFacts(meta)) };
  const usage = sumUsageByModel([...settled, ...latest.flatMap((m) => m.usage)]);
  return {
    summary: drop({ ...summary, ...session, model: summary.models.at(-1), usage }),
    carry: { session, models: summary.models, settled, recent: latest },
  };
}

/**
 * Whether a recording is Gemini CLI's JSON lines: its first line a whole JSON object that is
 * not a session holding its messages (a one-line document).
 */
function isLinesRecording(text: string): boolean {
  const first = /^[ \t\r]*\S[^\n]*/m.exec(text)?.[0];
  if (first === undefined) return false;
  try {
    const line: unknown = JSON.parse(first);
    return isObj(line) && !Array.isArray(line.messages) && !Array.isArray(line.history);
  } catch {
    return false;
  }
}

function readMessage(
  m: Obj,
  summary: TranscriptSummary,
  totals: Map<string, TranscriptSummary['usage'][number]>,
): void {
  const at = isoTime(m.timestamp);
  const push = (e: EventBody, when = at) => summary.events.push(drop({ at: when, event: e }));
  if (m.type === 'user') {
    // displayContent is what the person typed; content may hold expanded @file text.
    const typed = typedText(m.displayContent).trim() ? typedText(m.displayContent) : typedText(m.content);
    if (typed.trim()) push({ type: 'prompt', text: clip(typed, TEXT_MAX) });
    return;
  }
  if (m.type !== 'gemini') return; // info, error and warning lines are the CLI's own messages
  const model = typeof m.model === 'string' && m.model ? m.model : undefined;
  if (model && !summary.models.includes(model)) summary.models.push(model);
  for (const thought of Array.isArray(m.thoughts) ? m.thoughts : []) {
    if (!isObj(thought)) continue;
    const words = [thought.subject, thought.description]
      .filter((v) => typeof v === 'string' && v.trim())
      .join(': ');
    if (words) push({ type: 'reasoning', text: clip(words, TEXT_MAX) }, isoTime(thought.timestamp) ?? at);
  }
  const reply = textOf(m.content);
  if (reply?.trim()) push({ type: 'reasoning', text: clip(reply, TEXT_MAX) });
  for (const call of Array.isArray(m.toolCalls) ? m.toolCalls : []) {
    if (!isObj(call)) continue;
    for (const e of recordedToolEvents(call)) push(e, isoTime(call.timestamp) ?? at);
  }
  const usage = isObj(m.tokens) ? recordedUsage(m.tokens) : undefined;
  if (usage) {
    push(drop({ type: 'usage' as const, model, ...usage }));
    const key = model ?? 'unknown';
    const total = totals.get(key) ?? {
      model: key,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.cacheReadTokens += usage.cacheReadTokens;
    totals.set(key, total);
  }
}

/**
 * A message's `tokens` come from the API's usageMetadata (chatRecordingService.ts): `input` is
 * promptTokenCount, which includes the `cached` tokens; `thoughts` and `tool` are counted apart
 * from `output` and `input` and are billed as output and input.
 */
function recordedUsage(tokens: Obj) {
  const input = tokenCount(tokens.input) ?? 0;
  const cached = tokenCount(tokens.cached) ?? 0;
  const usage = {
    inputTokens: Math.max(0, input - cached) + (tokenCount(tokens.tool) ?? 0),
    outputTokens: (tokenCount(tokens.output) ?? 0) + (tokenCount(tokens.thoughts) ?? 0),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens > 0 ? usage : undefined;
}

/** A ToolCallRecord: { id, name, args, result (function response parts), status, resultDisplay }. */
function recordedToolEvents(call: Obj): EventBody[] {
  if (typeof call.name !== 'string' || !call.name) return [];
  const name = call.name;
  const args = isObj(call.args) ? call.args : {};
  const id = typeof call.id === 'string' && call.id ? call.id : undefined;
  // Status (scheduler/types.ts): success | error | cancelled, or a state still in flight.
  const ok = okByStatus(call.status, 'success', ['error', 'cancelled']);
  if (name === SHELL_TOOL && ok) {
    const command = typeof args.command === 'string' ? args.command : undefined;
    const ran = shellCommandEvent(command, textOf(call.result), call.resultDisplay, false);
    if (ran) return [ran];
  }
  if (EDIT_TOOLS.has(name) && ok) {
    const display = isObj(call.resultDisplay) ? call.resultDisplay : {};
    const path = pathsOf(args)[0] ?? (typeof display.filePath === 'string' ? display.filePath : undefined);
    // FileDiff (tools/tools.ts) marks a new file with isNewFile or a null originalContent.
    const created = display.isNewFile === true || display.originalContent === null;
    if (path) {
      return [
        {
          type: 'file-edit',
          path: clip(path, SHORT_MAX),
          change: created ? 'created' : 'modified',
          ranges: [],
          tool: name,
          via: 'edit-tool',
        },
      ];
    }
  }
  return toolEvents(name, args, { ok, id, mcp: mcpServer(name, undefined) });
}

/**
 * A `/chat save` checkpoint is the model history itself: `{ role, parts }` contents where the
 * model's parts hold text, thoughts (`thought: true`) and function calls, and the next user
 * content holds the function responses. It has no times, ids of its own, or token counts.
 */
function fromCheckpoint(history: unknown[], summary: TranscriptSummary): TranscriptSummary {
  const contents = history.filter((c): c is Obj & { parts: unknown[] } => isObj(c) && Array.isArray(c.parts));
  summary.skippedLines += history.length - contents.length;
  if (history.length > 0 && contents.length === 0)
    invalid('not a Gemini CLI checkpoint: no content has parts');
  const byId = new Map<string, Obj>();
  const byName = new Map<string, Obj[]>();
  for (const content of contents) {
    for (const part of content.parts) {
      const response = isObj(part) && isObj(part.functionResponse) ? part.functionResponse : undefined;
      if (!response) continue;
      if (typeof response.id === 'string' && response.id) byId.set(response.id, response);
      else if (typeof response.name === 'string')
        byName.set(response.name, [...(byName.get(response.name) ?? []), response]);
    }
  }
  const push = (e: EventBody) => summary.events.push({ event: e });
  for (const content of contents) {
    if (content.role === 'user') {
      // A user content may hold only function responses: tool output, not a prompt.
      const typed = typedText(content.parts);
      if (typed.trim()) push({ type: 'prompt', text: clip(typed, TEXT_MAX) });
      continue;
    }
    if (content.role !== 'model') continue;
    for (const part of content.parts) {
      if (!isObj(part)) continue;
      if (typeof part.text === 'string' && part.text.trim())
        push({ type: 'reasoning', text: clip(part.text, TEXT_MAX) });
      const fc = isObj(part.functionCall) ? part.functionCall : undefined;
      if (!fc || typeof fc.name !== 'string') continue;
      const id = typeof fc.id === 'string' && fc.id ? fc.id : undefined;
      const response = (id && byId.get(id)) || byName.get(fc.name)?.shift();
      const body = response && isObj(response.response) ? response.response : undefined;
      const status = body ? (body.error !== undefined ? 'error' : 'success') : undefined;
      const call = {
        id,
        name: fc.name,
        args: fc.args,
        status,
        result: response ? [{ functionResponse: response }] : undefined,
      };
      for (const e of recordedToolEvents(call)) push(e);
    }
  }
  return finish(summary, new Map(), {});
}

function finish(
  summary: TranscriptSummary,
  totals: Map<string, TranscriptSummary['usage'][number]>,
  meta: Pick<TranscriptSummary, 'sessionId' | 'startedAt' | 'endedAt'>,
): TranscriptSummary {
  return drop({ ...summary, ...meta, model: summary.models.at(-1), usage: [...totals.values()] });
}

// --- .gemini/settings.json -------------------------------------------------------------------

/**
 * Adds Trail's hooks to the settings' `hooks` object (event → [{ matcher?, hooks: [...] }],
 * docs/hooks/reference.md). Trail's earlier entries are replaced, the user's are left alone.
 * No matcher: tool hooks then run for every tool.
 */
export function installGeminiHooks(settingsText: string | undefined, command: string): string {
  const settings = parseSettings(settingsText);
  const hooks = hooksObject(settings) ?? {};
  removeTrailHooks(hooks);
  for (const event of GEMINI_HOOK_EVENTS) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups)) invalid(`"hooks.${event}" in .gemini/settings.json must be an array`);
    groups.push({
      hooks: [
        {
          type: 'command',
          command: `${command} hook gemini-cli ${event}`,
          name: HOOK_NAME,
          timeout: HOOK_TIMEOUT_MS,
        },
      ],
    });
    hooks[event] = groups;
  }
  settings.hooks = hooks;
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/** Removes Trail's hooks; undefined when nothing else is left in the file. */
export function uninstallGeminiHooks(text: string): string | undefined {
  const settings = parseSettings(text);
  const hooks = hooksObject(settings);
  const removed = hooks !== undefined && removeTrailHooks(hooks);
  if (removed && Object.keys(hooks).length === 0) delete settings.hooks;
  if (Object.keys(settings).length === 0) return undefined;
  return removed ? `${JSON.stringify(settings, null, 2)}\n` : text;
}

function isTrailHook(hook: unknown): boolean {
  return (
    isObj(hook) &&
    hook.name === HOOK_NAME &&
    typeof hook.command === 'string' &&
    / hook gemini-cli \S+$/.test(hook.command)
  );
}

/** Drops Trail's hooks, then any group or event list that held only those. */
function removeTrailHooks(hooks: Obj): boolean {
  let removed = false;
  for (const [event, groups] of Object.entries(hooks)) {
    // `enabled`, `disabled` and `notifications` share the object and are not event lists.
    if (!Array.isArray(groups)) continue;
    let changed = false;
    const kept: unknown[] = [];
    for (const group of groups) {
      if (isObj(group) && Array.isArray(group.hooks) && group.hooks.some(isTrailHook)) {
        changed = true;
        const rest = group.hooks.filter((h) => !isTrailHook(h));
        if (rest.length > 0) kept.push({ ...group, hooks: rest });
      } else {
        kept.push(group);
      }
    }
    if (!changed) continue;
    removed = true;
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  return removed;
}

function parseSettings(text: string | undefined): Obj {
  if (text === undefined || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Gemini tolerates comments in settings.json; rewriting would lose them, so stop instead.
    const why = error instanceof Error ? error.message : String(error);
    invalid(`.gemini/settings.json is not plain JSON (${why}): remove comments or fix it, then try again`);
  }
  if (!isObj(parsed)) invalid('.gemini/settings.json must hold a JSON object');
  return parsed;
}

function hooksObject(settings: Obj): Obj | undefined {
  if (settings.hooks === undefined) return undefined;
  if (!isObj(settings.hooks)) invalid('"hooks" in .gemini/settings.json must be an object');
  return settings.hooks;
}

// --- Small helpers -----------------------------------------------------------------------------

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The file a tool names: `file_path` today, `absolute_path` or `path` in older releases. */
function pathsOf(input: Obj): string[] {
  const path = [input.file_path, input.absolute_path, input.path].find((v) => typeof v === 'string' && v);
  return typeof path === 'string' ? [path] : [];
}

/** The text in a PartListUnion: a string, text parts, or a function response's output. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts = content.map(textOf).filter((t): t is string => t !== undefined);
    return texts.length > 0 ? texts.join('') : undefined;
  }
  if (!isObj(content)) return undefined;
  if (typeof content.text === 'string') return content.text;
  const response = isObj(content.functionResponse) ? content.functionResponse.response : undefined;
  if (isObj(response)) {
    const value = response.output ?? response.error;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** What a person wrote: strings and text parts, never function responses or thoughts. */
function typedText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(typedText).join('');
  return isObj(content) && typeof content.text === 'string' && content.thought !== true ? content.text : '';
}

function summarize(args: Obj): string | undefined {
  if (typeof args.description === 'string' && args.description.trim())
    return clip(args.description, SUMMARY_MAX);
  const json = JSON.stringify(args);
  return json === '{}' ? undefined : clip(json, SUMMARY_MAX);
}

function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
