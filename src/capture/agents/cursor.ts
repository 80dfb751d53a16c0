/**
 * Cursor: hook payloads and Trail's entries in `.cursor/hooks.json`.
 *
 * Format: cursor.com/docs/agent/hooks ("Reference": common input, then input per event). Every
 * payload carries `conversation_id`, `generation_id` (one per user message), `hook_event_name`,
 * `workspace_roots`, and when known `model`, `model_id`, `cursor_version`, `user_email`,
 * `transcript_path`. Cursor sends no time, so the runner's clock dates each payload.
 *
 * Cursor has no hook before the agent edits a file, only `afterFileEdit` (and `afterTabFileEdit`),
 * whose `edits[{ old_string, new_string }]` say what each edit replaced and wrote: the runner
 * credits the agent with the lines that text wrote, since there is no snapshot to diff against.
 */

import { jsonSyntaxReason } from '../../core/canonical-json.js';
import { sha256Hex } from '../../core/hash.js';
import type { EventBody } from '../../core/records.js';
import type { HookAdapter, Observation, SessionInfo } from '../observation.js';
import type { Obj } from './payload-fields.js';
import { clip, drop, event, invalid, isObj, number, str, tail } from './payload-fields.js';

const TEXT_MAX = 64 * 1024;
const SHORT_MAX = 4096;
const COMMAND_MAX = 8192;
const OUTPUT_TAIL = 2000;
const SUMMARY_MAX = 300;

/**
 * The events Trail installs. beforeMCPExecution is left out: the call may still be denied, and
 * afterMCPExecution carries everything it has plus the result.
 */
export const CURSOR_HOOK_EVENTS = [
  'sessionStart',
  'sessionEnd',
  'beforeSubmitPrompt',
  'beforeShellExecution',
  'afterShellExecution',
  'afterFileEdit',
  'afterTabFileEdit',
  'beforeReadFile',
  'afterMCPExecution',
  'afterAgentResponse',
  'afterAgentThought',
  'stop',
] as const;

export const normalizeCursor: HookAdapter = (payload, hookEvent) => {
  if (!isObj(payload)) invalid('Cursor hook payload must be a JSON object');
  const what = `Cursor ${hookEvent} payload`;
  // sessionStart/sessionEnd also send session_id, documented as the same as conversation_id.
  const sessionId = str(payload, 'conversation_id', what) || str(payload, 'session_id', what);
  if (!sessionId) invalid(`${what} has no conversation_id or session_id`);
  const hook = str(payload, 'hook_event_name', what) || hookEvent;
  const roots = payload.workspace_roots;
  if (
    roots !== undefined &&
    roots !== null &&
    !(Array.isArray(roots) && roots.every((r) => typeof r === 'string'))
  ) {
    invalid(`${what}: "workspace_roots" must be an array of strings`);
  }
  const cwd =
    str(payload, 'cwd', what) ||
    (Array.isArray(roots) ? (roots[0] as string | undefined) : undefined) ||
    undefined;
  const info: SessionInfo = drop({
    // `model` is the slug the composer used; `model_id` the structured id, when Cursor has one.
    model: str(payload, 'model', what) || str(payload, 'model_id', what) || undefined,
    agentVersion: str(payload, 'cursor_version', what) || undefined,
    userEmail: str(payload, 'user_email', what) || undefined,
    transcriptPath: str(payload, 'transcript_path', what) || undefined,
    cwd,
  });
  const observations = observe(hook, payload, what, info);
  return drop({ agent: 'cursor' as const, sessionId, hook, cwd, observations, sessionInfo: info });
};

function observe(hook: string, p: Obj, what: string, info: SessionInfo): Observation[] {
  switch (hook) {
    case 'sessionStart':
      // composer_mode (agent | ask | edit | plan...) bounds what the agent may do, as a
      // permission mode does for Claude Code.
      return [
        {
          type: 'session',
          info: drop({ ...info, permissionMode: str(p, 'composer_mode', what) || undefined }),
        },
      ];
    case 'sessionEnd': {
      const reason = str(p, 'reason', what) || str(p, 'final_status', what) || undefined;
      return [drop({ type: 'session' as const, info, ended: true, reason })];
    }
    case 'beforeSubmitPrompt':
      return submitPrompt(p, what, info);
    case 'beforeShellExecution':
      return [{ type: 'before-change', paths: [], via: 'shell' }];
    case 'afterShellExecution':
      return shellRan(p, what);
    case 'afterFileEdit':
    case 'afterTabFileEdit': {
      const path = str(p, 'file_path', what);
      if (!path) invalid(`${what} has no file_path`);
      if (p.edits !== undefined && p.edits !== null && !Array.isArray(p.edits))
        invalid(`${what}: "edits" must be an array`);
      const tool = hook === 'afterTabFileEdit' ? 'tab' : str(p, 'tool_name', what) || 'edit';
      const written = (Array.isArray(p.edits) ? p.edits : []).map(editWritten);
      return [{ type: 'after-change', paths: [path], via: 'edit-tool', tool, written }];
    }
    case 'beforeReadFile': {
      const path = str(p, 'file_path', what);
      if (!path) invalid(`${what} has no file_path`);
      // The payload holds the whole file: keep its digest as evidence of what was read, not the text.
      const content = str(p, 'content', what);
      const digest = content === undefined ? undefined : sha256Hex(content);
      return [
        event(
          drop({
            type: 'context' as const,
            source: 'file-read' as const,
            ref: clip(path, SHORT_MAX),
            digest,
          }),
        ),
      ];
    }
    case 'afterMCPExecution':
      return mcpCall(p, what);
    case 'afterAgentResponse':
    case 'afterAgentThought': {
      const text = str(p, 'text', what);
      return text?.trim() ? [event({ type: 'reasoning', text: clip(text, TEXT_MAX) })] : [];
    }
    case 'stop':
      return [drop({ type: 'turn-end' as const, transcriptPath: info.transcriptPath })];
    default:
      // beforeMCPExecution, preToolUse, postToolUse, subagent and compaction hooks, Tab reads,
      // and events added later: nothing Trail records.
      return [];
  }
}

/**
 * One of `edits`: `{ old_string, new_string }` (the hooks reference, "afterFileEdit"; Tab edits
 * add `range`, `old_line`, `new_line`). An entry without both strings says nothing the runner
 * can place, and its lines count as of unknown origin.
 */
function editWritten(edit: unknown): { old: string; new: string | undefined } {
  if (isObj(edit) && typeof edit.old_string === 'string' && typeof edit.new_string === 'string')
    return { old: edit.old_string, new: edit.new_string };
  return { old: '', new: undefined };
}

/** The note on a context entry the person attached to a prompt. */
const ATTACHED = 'attached to the prompt';

/** A prompt, with the files and rules attached to it (`attachments[{ type, file_path }]`). */
function submitPrompt(p: Obj, what: string, info: SessionInfo): Observation[] {
  const prompt = str(p, 'prompt', what);
  if (prompt === undefined) invalid(`${what} has no prompt`);
  const attachments = p.attachments;
  if (attachments !== undefined && attachments !== null && !Array.isArray(attachments)) {
    invalid(`${what}: "attachments" must be an array`);
  }
  const out: Observation[] = [];
  // The model can change between prompts, and cloud agents never send sessionStart.
  if (Object.keys(info).length > 0) out.push({ type: 'session', info });
  if (prompt.trim()) {
    const promptId = str(p, 'generation_id', what) || undefined;
    out.push(event(drop({ type: 'prompt' as const, text: clip(prompt, TEXT_MAX), promptId })));
  }
  const seen = new Set<string>();
  for (const attachment of Array.isArray(attachments) ? attachments : []) {
    if (!isObj(attachment)) continue;
    // `file_path` in the current reference, `filePath` in the first releases.
    const path = [attachment.file_path, attachment.filePath].find((v) => typeof v === 'string' && v);
    if (typeof path !== 'string' || seen.has(path)) continue;
    seen.add(path);
    const source = attachment.type === 'rule' ? 'rule-file' : 'file-read';
    // The person gave the file with the prompt; Cursor's beforeReadFile, when the agent reads
    // it, is another entry (with what it read's digest): the note tells the two apart.
    out.push(event({ type: 'context', source, ref: clip(path, SHORT_MAX), note: ATTACHED }));
  }
  return out;
}

/** afterShellExecution: `command`, `output`, `duration` (ms); no exit code is documented. */
function shellRan(p: Obj, what: string): Observation[] {
  const command = str(p, 'command', what);
  if (!command) invalid(`${what} has no command`);
  const output = str(p, 'output', what);
  const durationMs = number(p, 'duration', what);
  const exitCode = number(p, 'exit_code', what) ?? number(p, 'exitCode', what);
  return [
    { type: 'after-change', paths: [], via: 'shell', tool: 'shell', command: clip(command, COMMAND_MAX) },
    event(
      drop({
        type: 'command' as const,
        command: clip(command, COMMAND_MAX),
        exitCode: exitCode !== undefined && Number.isInteger(exitCode) ? exitCode : undefined,
        durationMs: durationMs !== undefined && durationMs >= 0 ? durationMs : undefined,
        outputTail: output?.trim() ? tail(output, OUTPUT_TAIL) : undefined,
      }),
    ),
  ];
}

/**
 * afterMCPExecution: `tool_name`, `tool_input` and `result_json` (both JSON strings),
 * `mcp_server_name`, and `mcp_server_url`/`url` (HTTP) or `command` (stdio).
 */
function mcpCall(p: Obj, what: string): Observation[] {
  const tool = str(p, 'tool_name', what);
  if (!tool) invalid(`${what} has no tool_name`);
  const server = str(p, 'mcp_server_name', what) || undefined;
  const input = p.tool_input;
  const summary =
    typeof input === 'string'
      ? input
      : input === undefined || input === null
        ? undefined
        : JSON.stringify(input);
  const call: EventBody = drop({
    type: 'tool-call' as const,
    // Named as Claude Code and Gemini CLI name MCP tools, so reports group them alike.
    tool: clip(server ? `mcp__${server}__${tool}` : tool, 256),
    toolUseId: str(p, 'tool_use_id', what) || undefined,
    summary: summary?.trim() ? clip(summary, SUMMARY_MAX) : undefined,
    ok: mcpResultOk(p.result_json),
  });
  if (!server) return [event(call)];
  // Connection info without arguments: a stdio server's arguments may hold credentials.
  const url = [p.mcp_server_url, p.url].find((v) => typeof v === 'string' && v) as string | undefined;
  const launch = typeof p.command === 'string' ? p.command.trim().split(/\s+/)[0] : undefined;
  const note = url ?? (launch ? `stdio: ${launch}` : undefined);
  return [
    event(call),
    event(
      drop({ type: 'context' as const, source: 'mcp-server' as const, ref: clip(server, SHORT_MAX), note }),
    ),
  ];
}

/** An MCP CallToolResult says failure with `isError: true`; unreadable results stay unknown. */
function mcpResultOk(result: unknown): boolean | undefined {
  let value = result;
  if (typeof result === 'string') {
    try {
      value = JSON.parse(result);
    } catch {
      return undefined;
    }
  }
  return isObj(value) ? value.isError !== true : undefined;
}

// --- .cursor/hooks.json ------------------------------------------------------------------------

/**
 * Adds Trail's hooks to `{ "version": 1, "hooks": { "<event>": [{ "command": "..." }] } }`.
 * Trail's earlier entries are replaced, the user's are left alone.
 */
export function installCursorHooks(hooksJsonText: string | undefined, command: string): string {
  const doc = parseHooksJson(hooksJsonText) ?? { version: 1, hooks: {} };
  const hooks = hooksObject(doc) ?? {};
  removeTrailHooks(hooks);
  for (const event of CURSOR_HOOK_EVENTS) {
    const entries = hooks[event] ?? [];
    if (!Array.isArray(entries)) invalid(`"hooks.${event}" in .cursor/hooks.json must be an array`);
    entries.push({ command: `${command} hook cursor ${event}` });
    hooks[event] = entries;
  }
  doc.hooks = hooks;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Removes Trail's hooks; undefined when what is left is an empty shell (`hooks` empty, `version`
 * the only other key), as Trail itself created it.
 */
export function uninstallCursorHooks(text: string): string | undefined {
  const doc = parseHooksJson(text);
  if (!doc) return undefined;
  const hooks = hooksObject(doc);
  const removed = hooks !== undefined && removeTrailHooks(hooks);
  const emptyShell =
    hooks !== undefined &&
    Object.keys(hooks).length === 0 &&
    Object.keys(doc).every((k) => k === 'version' || k === 'hooks');
  if (emptyShell) return undefined;
  return removed ? `${JSON.stringify(doc, null, 2)}\n` : text;
}

/**
 * Whether a `.cursor/hooks.json` holds Trail's hooks: then Cursor's sessions are captured by
 * them, and Cursor's runs of Claude Code's hooks are not needed. A file that cannot be read as
 * hooks holds none.
 */
export function hasTrailCursorHooks(hooksJsonText: string | undefined): boolean {
  let hooks: unknown;
  try {
    hooks = (JSON.parse(hooksJsonText ?? '') as Obj | null)?.hooks;
  } catch {
    return false;
  }
  if (!isObj(hooks)) return false;
  return Object.entries(hooks).some(
    ([event, entries]) => Array.isArray(entries) && entries.some((e) => isTrailEntry(e, event)),
  );
}

/** Trail's entry runs `<trail> hook cursor <event>` under that same event. */
function isTrailEntry(entry: unknown, event: string): boolean {
  return isObj(entry) && typeof entry.command === 'string' && entry.command.endsWith(` hook cursor ${event}`);
}

function removeTrailHooks(hooks: Obj): boolean {
  let removed = false;
  for (const [event, entries] of Object.entries(hooks)) {
    if (!Array.isArray(entries) || !entries.some((e) => isTrailEntry(e, event))) continue;
    removed = true;
    const kept = entries.filter((e) => !isTrailEntry(e, event));
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  return removed;
}

function parseHooksJson(text: string | undefined): Obj | undefined {
  if (text === undefined || !text.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    invalid(`.cursor/hooks.json is not valid JSON (${jsonSyntaxReason(error)}): fix it, then try again`);
  }
  if (!isObj(parsed)) invalid('.cursor/hooks.json must hold a JSON object');
  return parsed;
}

function hooksObject(doc: Obj): Obj | undefined {
  if (doc.hooks === undefined) return undefined;
  if (!isObj(doc.hooks)) invalid('"hooks" in .cursor/hooks.json must be an object');
  return doc.hooks;
}

// --- Small helpers -----------------------------------------------------------------------------
