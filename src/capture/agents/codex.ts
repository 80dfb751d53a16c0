/**
 * OpenAI Codex CLI: the `notify` program's payload and Codex's Claude-shaped hook payloads to
 * observations, a rollout file to a summary, and Trail's `notify` entry in `~/.codex/config.toml`.
 *
 * Sources (FORMATS.md §4.3): the notify payload is `UserNotification::AgentTurnComplete` in
 * `codex-rs/hooks/src/legacy_notify.rs` (kebab-case keys, passed as the last argv argument);
 * hook inputs are the `*CommandInput` structs of `codex-rs/hooks/src/schema.rs` plus the
 * developers.openai.com/codex/hooks page; rollout lines are `{timestamp, type, payload}` with the
 * `RolloutItem` / `ResponseItem` / `EventMsg` shapes of `codex-rs/protocol`. Everything is read
 * tolerantly; only a field Trail relies on that has the wrong type is an error.
 */
import { isAbsolute, resolve } from 'node:path';
import { TrailError } from '../../core/errors.js';
import type { EventBody } from '../../core/records.js';
import type {
  FailedCall,
  HookAdapter,
  Observation,
  PatchWrite,
  SessionInfo,
  TranscriptSummary,
} from '../observation.js';
import { failedCallSummary, outputTail } from '../observation.js';
import {
  defined,
  FieldReader,
  firstLine,
  isJsonObject,
  mcpServerOf,
  principalModel,
  truncateText,
  truncateUtf8,
} from './claude-code.js';
import { jsonObjectLines } from './json-lines.js';

type JsonObject = Record<string, unknown>;
type CommandEvent = Extract<EventBody, { type: 'command' }>;
type ToolCallEvent = Extract<EventBody, { type: 'tool-call' }>;
type FileEditEvent = Extract<EventBody, { type: 'file-edit' }>;

const TEXT_MAX = 64 * 1024;
const COMMAND_MAX = 8192;
const SUMMARY_MAX = 512;
const REASONING_MAX_BYTES = 8 * 1024;
const ID_MAX = 512;
const NAME_MAX = 256;
const PATH_MAX = 4096;

/** Function-call names under which Codex has run shell commands, old and new. */
const SHELL_TOOLS = new Set([
  'shell',
  'shell_command',
  'local_shell',
  'container.exec',
  'exec_command',
  'unified_exec',
  'Bash',
  'bash',
]);
const PATCH_TOOL = 'apply_patch';
/**
 * Unified exec's poll of a command that went on running: `exec_command` answers with `Process
 * running with session ID N` once its yield time is up, and the model then calls this with
 * `{session_id: N}` until an answer says `Process exited with code X`.
 */
const POLL_TOOL = 'write_stdin';

// ---------------------------------------------------------------------------------------------
// apply_patch

interface PatchFile {
  path: string;
  change: 'created' | 'modified' | 'deleted';
  /**
   * What the patch writes to the file, a hunk at a time: the text it finds (context and `-`
   * lines) and the text it leaves (context and `+` lines), as a Claude Code Edit's old and new
   * strings. Empty for a deletion.
   */
  writes: PatchWrite[];
}

/**
 * The files an apply_patch envelope touches: `*** Add File:`, `*** Update File:`, `*** Delete
 * File:`, and `*** Move to:` after an update, which is the old path gone and a new one made.
 */
export function patchFiles(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  // The hunk being read: its lines as found and as left.
  let hunk: { old: string[]; new: string[] } | undefined;
  const closeHunk = () => {
    const file = files[files.length - 1];
    if (hunk !== undefined && file !== undefined && hunk.new.length + hunk.old.length > 0)
      file.writes.push({ old: joinLines(hunk.old), new: joinLines(hunk.new) });
    hunk = undefined;
  };
  for (const raw of patch.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const header = /^\*\*\* (Add|Update|Delete) File: (.+)$/.exec(line);
    if (header) {
      closeHunk();
      const change = header[1] === 'Add' ? 'created' : header[1] === 'Delete' ? 'deleted' : 'modified';
      files.push({ path: header[2]!.trim(), change, writes: [] });
      if (change === 'created') hunk = { old: [], new: [] };
      continue;
    }
    const move = /^\*\*\* Move to: (.+)$/.exec(line);
    const last = files[files.length - 1];
    if (move && last !== undefined && last.change === 'modified') {
      last.change = 'deleted';
      files.push({ path: move[1]!.trim(), change: 'created', writes: [] });
      continue;
    }
    if (line.startsWith('***')) {
      // `*** End Patch`, `*** End of File`: no line of a file.
      if (line !== '*** End of File') closeHunk();
      continue;
    }
    if (last === undefined || last.change === 'deleted') continue;
    if (line.startsWith('@@')) {
      closeHunk();
      hunk = { old: [], new: [] };
      continue;
    }
    // An empty line is an empty context line within a hunk, and nothing outside one (the end
    // of the text after `*** End Patch`).
    if (raw === '' && hunk === undefined) continue;
    hunk ??= { old: [], new: [] };
    // The line as the patch holds it (trailing blanks are the file's too), less its mark.
    const mark = raw[0];
    const text = raw.slice(1);
    if (mark === '+') hunk.new.push(text);
    else if (mark === '-') hunk.old.push(text);
    else if (mark === ' ' || raw === '') {
      hunk.old.push(text);
      hunk.new.push(text);
    }
  }
  closeHunk();
  return files.filter((f) => f.path.length > 0 && f.path.length <= PATH_MAX);
}

function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Codex resolves a patch's relative paths against the folder the call ran in (the shell call's
 * `workdir`, else the turn's cwd: `maybe_parse_apply_patch_verified` in
 * `codex-rs/apply-patch/src/invocation.rs`), so Trail does too; without a folder the paths stay
 * as written and the hook runner resolves them against the payload's cwd.
 */
function fileEditEvents(
  files: readonly PatchFile[],
  folder: string | undefined,
  writesOf: WeakMap<FileEditEvent, PatchWrites>,
): FileEditEvent[] {
  return files.flatMap((f) => {
    const path = folder === undefined ? f.path : resolve(folder, f.path);
    if (path.length > PATH_MAX) return [];
    const event = editEvent(path, f.change);
    if (f.writes.length > 0) writesOf.set(event, { named: f.path, writes: f.writes });
    return [event];
  });
}

/** What a patch wrote to one file, and the path the patch named it by. */
interface PatchWrites {
  named: string;
  writes: PatchWrite[];
}

/**
 * Gives the edits Codex named by absolute path (`to`) what Trail read of the same files in the
 * patch text (`from`): a file is the same where the paths are, or where Codex's ends with the
 * relative path the patch named it by, and only one of `from` is.
 */
function carryWrites(
  writesOf: WeakMap<FileEditEvent, PatchWrites>,
  from: readonly FileEditEvent[],
  to: readonly FileEditEvent[],
): void {
  for (const edit of to) {
    if (edit.change === 'deleted' || writesOf.has(edit)) continue;
    const same = from.filter((f) => {
      const named = writesOf.get(f)?.named;
      if (named === undefined) return false;
      const relative = named.replace(/^(?:\.\/)+/, '');
      return f.path === edit.path || (!isAbsolute(named) && edit.path.endsWith(`/${relative}`));
    });
    if (same.length === 1) writesOf.set(edit, writesOf.get(same[0]!)!);
  }
}

function editEvent(path: string, change: FileEditEvent['change']): FileEditEvent {
  return { type: 'file-edit', path, change, ranges: [], tool: PATCH_TOOL, via: 'edit-tool' };
}

/**
 * The files a `patch_apply_begin` / `patch_apply_end` event names: its `changes` map, keyed by
 * the absolute paths Codex wrote (the hunks resolved against the call's folder), valued by a
 * `FileChange`, `{"type": "add"}` in current versions and `{"add": {...}}` in older ones; an
 * update with a `move_path` is a rename. Undefined unless every key is absolute, since a
 * relative key would name a folder Trail cannot know.
 */
function appliedChanges(changes: unknown): FileEditEvent[] | undefined {
  if (!isJsonObject(changes)) return undefined;
  const keys = Object.keys(changes);
  if (keys.length === 0 || !keys.every((k) => isAbsolute(k) && k.length <= PATH_MAX)) return undefined;
  const edits: FileEditEvent[] = [];
  for (const [path, value] of Object.entries(changes)) {
    const change = isJsonObject(value) ? value : {};
    const kind = typeof change.type === 'string' ? change.type : Object.keys(change)[0];
    const details = kind !== undefined && isJsonObject(change[kind]) ? (change[kind] as JsonObject) : change;
    if (kind === 'add') edits.push(editEvent(path, 'created'));
    else if (kind === 'delete') edits.push(editEvent(path, 'deleted'));
    else {
      const moved = details.move_path;
      if (typeof moved === 'string' && isAbsolute(moved) && moved.length <= PATH_MAX) {
        edits.push(editEvent(path, 'deleted'), editEvent(moved, 'created'));
      } else edits.push(editEvent(path, 'modified'));
    }
  }
  return edits;
}

/** The folder a call runs in: `dir` (a `workdir`, a `cd`) taken from `base`, else `base`. */
function folderOf(base: string | undefined, dir: string | undefined): string | undefined {
  if (dir === undefined) return base;
  if (isAbsolute(dir)) return dir;
  return base === undefined ? undefined : resolve(base, dir);
}

/** `cd <dir> && apply_patch <<'EOF'`, the one shell form Codex accepts with a folder change. */
function heredocFolder(script: string): string | undefined {
  const cd = /^\s*cd\s+('[^']*'|"[^"]*"|[^\s'"&;|]+)\s*&&\s*apply_?patch\b/.exec(script);
  if (cd === null) return undefined;
  const dir = cd[1]!;
  return /^['"]/.test(dir) ? dir.slice(1, -1) : dir;
}

// ---------------------------------------------------------------------------------------------
// Shell commands and their output

/** `["bash", "-lc", "<script>"]` is how Codex wraps a script; the script is the command. */
function commandText(command: unknown): string | undefined {
  if (typeof command === 'string') return command;
  if (!Array.isArray(command) || !command.every((a) => typeof a === 'string')) return undefined;
  const argv = command as string[];
  if (argv.length === 3 && /^(?:\/\S*\/)?(?:ba|z)?sh$/.test(argv[0]!) && /^-l?c$/.test(argv[1]!))
    return argv[2];
  return argv.map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

interface ExecFacts {
  exitCode?: number;
  durationMs?: number;
  outputTail?: string;
  /** Unified exec's session id for a command still running, where its answer says so. */
  runningSession?: string;
}

/**
 * A shell tool's output as the model saw it. Two shapes are in use: a JSON envelope
 * `{"output": "...", "metadata": {"exit_code": 0, "duration_seconds": 1.2}}` and a text header
 * (`Exit code: 0` or `Process exited with code 0`, `Wall time: 1.2 seconds`, then `Output:`).
 */
function execOutputFacts(output: unknown): ExecFacts {
  return execTextFacts(outputText(output));
}

/** execOutputFacts of the output's text (outputText). */
function execTextFacts(text: string | undefined): ExecFacts {
  if (text === undefined) return {};
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isJsonObject(parsed) && (typeof parsed.output === 'string' || isJsonObject(parsed.metadata))) {
        const meta = isJsonObject(parsed.metadata) ? parsed.metadata : {};
        return defined({
          exitCode: Number.isInteger(meta.exit_code) ? (meta.exit_code as number) : undefined,
          durationMs: seconds(meta.duration_seconds),
          outputTail: typeof parsed.output === 'string' ? outputTail(parsed.output) : undefined,
        });
      }
    } catch {
      // Not the envelope: plain output that happens to start with a brace.
    }
  }
  const marker = /(?:^|\n)Output:\n/.exec(text);
  const header = marker === null ? text : text.slice(0, marker.index);
  const runningSession = /^Process running with session ID (\d+)\s*$/m.exec(header)?.[1];
  if (marker === null) return defined({ outputTail: outputTail(text), runningSession });
  const code = /^(?:Exit code:|Process exited with code) (-?\d+)\s*$/m.exec(header);
  const wall = /^Wall time: ([\d.]+) seconds?\s*$/m.exec(header);
  return defined({
    exitCode: code ? Number(code[1]) : undefined,
    durationMs: wall ? seconds(Number(wall[1])) : undefined,
    outputTail: outputTail(text.slice(marker.index + marker[0].length)),
    runningSession,
  });
}

function outputText(output: unknown): string | undefined {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output
      .filter((item): item is JsonObject => isJsonObject(item) && typeof item.text === 'string')
      .map((item) => item.text as string)
      .join('\n');
  }
  // `{content, success}` is how some versions wrote a function call's output.
  if (isJsonObject(output) && (typeof output.content === 'string' || Array.isArray(output.content))) {
    return outputText(output.content);
  }
  return undefined;
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.round(value * 1000)
    : undefined;
}

/** Rust's `Duration` serialises as `{secs, nanos}`; some versions write `"1.2s"` or `"300ms"`. */
function durationMs(value: unknown): number | undefined {
  if (isJsonObject(value) && typeof value.secs === 'number') {
    const nanos = typeof value.nanos === 'number' ? value.nanos : 0;
    return Math.round(value.secs * 1000 + nanos / 1e6);
  }
  if (typeof value === 'string') {
    const match = /^([\d.]+)(ms|s)$/.exec(value.trim());
    if (match) return Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1));
  }
  return undefined;
}

/** A PostToolUse `tool_response` for Bash: the output text, or an object with its parts. */
function hookShellFacts(response: unknown): ExecFacts {
  if (!isJsonObject(response)) return execOutputFacts(response);
  const str = (key: string) => (typeof response[key] === 'string' ? (response[key] as string) : undefined);
  const fromOutput = execOutputFacts(str('output') ?? str('formatted_output'));
  const exitCode = [response.exit_code, response.exitCode].find((v): v is number => Number.isInteger(v));
  const aggregated = str('aggregated_output');
  return defined({
    exitCode: exitCode ?? fromOutput.exitCode,
    durationMs: seconds(response.duration_seconds) ?? durationMs(response.duration) ?? fromOutput.durationMs,
    outputTail:
      aggregated !== undefined
        ? outputTail(aggregated)
        : (outputTail(str('stdout'), str('stderr')) ?? fromOutput.outputTail),
  });
}

function commandEvent(command: string, facts: ExecFacts): CommandEvent {
  return defined({
    type: 'command' as const,
    command: truncateText(command, COMMAND_MAX),
    exitCode: facts.exitCode,
    durationMs: facts.durationMs,
    outputTail: facts.outputTail,
  });
}

// ---------------------------------------------------------------------------------------------
// notify and hook payloads

/**
 * Maps Codex's `notify` payload (`{"type": "agent-turn-complete", "thread-id", "turn-id", "cwd",
 * "input-messages", "last-assistant-message"}`) or one of its hook payloads
 * (`SessionStart`, `UserPromptSubmit`, `PreToolUse`, `PostToolUse`, `Stop`...) to observations.
 */
export const normalizeCodexNotify: HookAdapter = (payload, hookEvent) => {
  if (!isJsonObject(payload)) {
    throw new TrailError('INPUT_INVALID', `codex ${hookEvent || 'notify'} payload: expected a JSON object`);
  }
  if (payload.type !== undefined && payload.hook_event_name === undefined) return notifyPayload(payload);
  return hookPayload(payload, hookEvent);
};

function notifyPayload(payload: JsonObject) {
  const read = new FieldReader(payload, 'codex notify payload');
  const type = read.requiredString('type', NAME_MAX);
  const sessionId = read.requiredString('thread-id', ID_MAX);
  const cwd = read.string('cwd', PATH_MAX);
  // Only agent-turn-complete exists today; a later notification type is not an error.
  if (type !== 'agent-turn-complete')
    return defined({ agent: 'codex' as const, sessionId, hook: type, cwd, observations: [] });
  read.string('turn-id', ID_MAX); // unused, but a malformed id is a malformed payload
  const inputs = payload['input-messages'];
  if (
    inputs !== undefined &&
    inputs !== null &&
    (!Array.isArray(inputs) || !inputs.every((m) => typeof m === 'string'))
  ) {
    read.fail('"input-messages" must be an array of strings');
  }
  const observations: Observation[] = [];
  for (const message of (inputs as string[] | undefined | null) ?? []) {
    if (message.trim().length > 0 && injectedContext(message) !== 'skip') {
      observations.push({ type: 'event', event: { type: 'prompt', text: truncateText(message, TEXT_MAX) } });
    }
  }
  const last = read.text('last-assistant-message');
  if (last !== undefined && last.trim().length > 0) {
    observations.push({
      type: 'event',
      event: { type: 'reasoning', text: truncateUtf8(last, REASONING_MAX_BYTES) },
      provenance: 'agent-reported',
    });
  }
  // notify carries no transcript path; the runner finds the rollout by the thread id.
  observations.push({ type: 'turn-end' });
  return defined({ agent: 'codex' as const, sessionId, hook: type, cwd, observations });
}

function hookPayload(payload: JsonObject, hookEvent: string) {
  const named = payload.hook_event_name;
  if (named !== undefined && (typeof named !== 'string' || named.length > NAME_MAX)) {
    throw new TrailError('INPUT_INVALID', 'codex hook payload: "hook_event_name" must be a short string');
  }
  const hook = (named as string | undefined) || hookEvent;
  if (!hook) throw new TrailError('INPUT_INVALID', 'codex hook payload: "hook_event_name" is missing');
  const read = new FieldReader(payload, `codex ${hook} payload`);
  const sessionId = read.requiredString('session_id', ID_MAX);
  const cwd = read.string('cwd', PATH_MAX);
  const transcriptPath = read.string('transcript_path', PATH_MAX);
  const info = defined<SessionInfo>({
    model: read.string('model', NAME_MAX),
    transcriptPath,
    permissionMode: read.string('permission_mode', NAME_MAX),
    source: hook === 'SessionStart' ? read.string('source', NAME_MAX) : undefined,
    cwd: hook === 'SessionStart' ? cwd : undefined,
  });
  const observations: Observation[] = [];
  if (Object.keys(info).length > 0 || hook === 'SessionStart') observations.push({ type: 'session', info });

  switch (hook) {
    case 'UserPromptSubmit': {
      const prompt = read.text('prompt') ?? read.fail('"prompt" is missing');
      // A turn the person aborted at an approval prompt may have had no Stop: its declined
      // calls are read before the agent acts on this prompt and finds their markers.
      observations.push(defined({ type: 'turn-end' as const, transcriptPath, ifCallsHeld: true as const }));
      observations.push({ type: 'event', event: { type: 'prompt', text: truncateText(prompt, TEXT_MAX) } });
      break;
    }
    case 'PreToolUse':
    case 'PostToolUse':
      observations.push(...toolObservations(read, hook === 'PostToolUse'));
      break;
    case 'Stop': {
      observations.push(defined({ type: 'turn-end' as const, transcriptPath }));
      // Without a rollout to read later, the final message is only here.
      const last = read.text('last_assistant_message');
      if (transcriptPath === undefined && last !== undefined && last.trim().length > 0) {
        observations.push({
          type: 'event',
          event: { type: 'reasoning', text: truncateUtf8(last, REASONING_MAX_BYTES) },
          provenance: 'agent-reported',
        });
      }
      break;
    }
  }
  return defined({ agent: 'codex' as const, sessionId, hook, cwd, observations });
}

function toolObservations(read: FieldReader, after: boolean): Observation[] {
  const tool = read.requiredString('tool_name', NAME_MAX);
  const toolUseId = read.string('tool_use_id', NAME_MAX);
  const input = read.object('tool_input') ?? {};
  const inputRead = new FieldReader(input, `${read.where} tool_input`);
  // Older versions sent the command at the top level as well as in tool_input.
  const command = inputRead.text('command') ?? read.text('command');
  const event = (body: EventBody): Observation => ({ type: 'event', event: body });

  if (tool === PATCH_TOOL) {
    const paths = patchFiles(command ?? '').map((f) => f.path);
    if (!after)
      return [defined({ type: 'before-change' as const, toolUseId, paths, via: 'edit-tool' as const })];
    return [
      defined({ type: 'after-change' as const, toolUseId, paths, via: 'edit-tool' as const, tool }),
      event(
        defined<ToolCallEvent>({
          type: 'tool-call',
          tool,
          toolUseId,
          summary: summaryOf(paths.join(', ')),
          ok: true,
        }),
      ),
    ];
  }
  if (SHELL_TOOLS.has(tool)) {
    if (!after)
      return [defined({ type: 'before-change' as const, toolUseId, paths: [], via: 'shell' as const })];
    const text = command ?? '';
    return [
      defined({
        type: 'after-change' as const,
        toolUseId,
        paths: [],
        via: 'shell' as const,
        tool,
        command: text.length > 0 ? truncateText(text, COMMAND_MAX) : undefined,
      }),
      event(commandEvent(text, hookShellFacts(read.source.tool_response))),
    ];
  }
  if (!after) return [];
  const out: Observation[] = [
    event(defined<ToolCallEvent>({ type: 'tool-call', tool, toolUseId, ok: true })),
  ];
  const server = mcpServerOf(tool);
  if (server !== undefined) out.push(event({ type: 'context', source: 'mcp-server', ref: server }));
  return out;
}

function summaryOf(text: string): string | undefined {
  return text.length > 0 ? truncateText(text, SUMMARY_MAX) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rollout

export interface CodexBoundary {
  permissionMode?: string;
  sandbox?: string;
  network?: string;
}

/** A rollout summary, with what `session_meta` and `turn_context` add beyond the common fields. */
export interface CodexRolloutSummary extends TranscriptSummary {
  /** Approval policy, sandbox policy and network access from the latest `turn_context`. */
  boundary?: CodexBoundary;
  /** The client that started the session (`codex_cli_rs`, `codex_vscode`...). */
  originator?: string;
  modelProvider?: string;
}

interface Tokens {
  input: number;
  cached: number;
  output: number;
}

type Origin = 'item' | 'event';
type Kind = 'prompt' | 'assistant' | 'reasoning';

interface RolloutCall {
  event: CommandEvent | ToolCallEvent;
  /** The function the call named, where it is not the event's own `tool` (a shell call's). */
  tool?: string;
  /** Declined before it ran, or a patch not applied (callNotRun): later lines fill nothing in. */
  notRun?: true;
  /** When the call was written: a command left running measures its duration from here. */
  at?: string;
  /** For a poll of a running command (POLL_TOOL), that command's session id. */
  polls?: string;
  /** Taken as an event by an earlier read: what is read of it now fills nothing in. */
  taken?: boolean;
}

interface RunningProcess {
  event: CommandEvent;
  startedAt?: string;
  /**
   * Taken as an event by an earlier read (a turn end came while it ran): its exit is then
   * recorded as a command event of its own, since the one taken cannot be changed.
   */
  taken?: boolean;
}

interface RolloutState {
  summary: CodexRolloutSummary;
  entries: Array<{ at?: string; event: EventBody; origin?: Origin; kind?: Kind }>;
  calls: Map<string, RolloutCall>;
  /**
   * Commands unified exec left running, by the session id its answer gave them: the polls
   * that name it (POLL_TOOL) bring the rest of their output, then their exit code.
   */
  processes: Map<string, RunningProcess>;
  /** Each patch call's file edits, `exact` once Codex's own absolute paths replaced them. */
  patchEdits: Map<string, { edits: FileEditEvent[]; exact: boolean }>;
  /** What each patch's file edit wrote to its file, where the patch text says (patchFiles). */
  writesOf: WeakMap<FileEditEvent, PatchWrites>;
  /** The cwd of the turn being read: relative paths and workdirs are resolved against it. */
  cwd?: string;
  currentModel?: string;
  lastTotal: Tokens;
  usage: Map<string, Tokens>;
  startedMs: number;
  endedMs: number;
}

/** The first rollout files wrote response items as bare lines, without the `{type, payload}` wrapper. */
const BARE_ITEM_TYPES = new Set([
  'message',
  'reasoning',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'local_shell_call',
  'web_search_call',
]);

/**
 * Reads a Codex rollout (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`). Token usage is
 * cumulative in `event_msg` `token_count` lines, so the last total is the session's total; a
 * model change splits it by the growth seen under each model.
 */
export function parseCodexRollout(text: string): CodexRolloutSummary {
  return parseCodexRolloutFrom(text, undefined).summary;
}

/**
 * What reading a rollout from where the last read stopped needs of the lines before: Codex's
 * turn ends read only what each turn appended (hook-runner.ts, turnEnd), so a long session
 * costs a turn's lines per turn, and is never refused for its size.
 */
export interface CodexRolloutCarry {
  /** The summary's fields that hold for the whole rollout: all but its events and usage. */
  meta: Omit<CodexRolloutSummary, 'events' | 'usage' | 'skippedLines' | 'model'>;
  cwd?: string;
  currentModel?: string;
  lastTotal: Tokens;
  usage: Array<[string, Tokens]>;
  /** Kinds of words read as response items: event messages of these kinds only repeat them. */
  itemKinds: Kind[];
  /**
   * The latest calls and patch calls, already taken as events: an output or a
   * `patch_apply_end` that comes in a later read fills no new event in (the one taken is not
   * read again), and is not mistaken for a call of its own. A poll's third element is the
   * session of the command it polls, so its answer still goes to that command.
   */
  calls: Array<[string, 'command' | 'tool-call'] | [string, 'command' | 'tool-call', string]>;
  /** Per patch call, whether its edits came from Codex's own paths (see setPatchEdits). */
  patches: Array<[string, boolean]>;
  /**
   * Commands unified exec still ran when the read stopped, by session id: a later poll's
   * answer brings their exit code (older carries have none).
   */
  processes?: Array<[string, CarriedProcess]>;
}

interface CarriedProcess {
  command: string;
  startedAt?: string;
  outputTail?: string;
}

/** How many of the latest calls a carry keeps: a call's output follows it within its turn. */
const CARRIED_CALLS = 256;

/**
 * Reads rollout lines that follow those `carry` sums up (all of them without it). The
 * summary's events are those of these lines; its usage, models, boundary and session facts
 * are the whole rollout's.
 */
export function parseCodexRolloutFrom(
  text: string,
  carry: CodexRolloutCarry | undefined,
): { summary: CodexRolloutSummary; carry: CodexRolloutCarry } {
  const state = stateAfter(carry);
  for (const { line } of jsonObjectLines(text, state.summary)) {
    const at = typeof line.timestamp === 'string' ? line.timestamp : undefined;
    noteTime(state, at);
    const payload = isJsonObject(line.payload) ? line.payload : undefined;
    if (payload === undefined) {
      if (typeof line.type === 'string' && BARE_ITEM_TYPES.has(line.type)) readResponseItem(state, line, at);
      else if (typeof line.id === 'string' && line.type === undefined) readSessionMeta(state, line);
      continue;
    }
    if (line.type === 'session_meta') readSessionMeta(state, payload);
    else if (line.type === 'turn_context') readTurnContext(state, payload);
    else if (line.type === 'response_item') readResponseItem(state, payload, at);
    else if (line.type === 'event_msg') readEventMsg(state, payload, at);
  }
  const itemKinds = new Set(carry?.itemKinds);
  for (const entry of state.entries) if (entry.origin === 'item' && entry.kind) itemKinds.add(entry.kind);
  const summary = finish(state, itemKinds);
  const { events: _events, usage: _usage, skippedLines: _skipped, model: _model, ...meta } = summary;
  const latest = <T>(map: Map<string, T>) => [...map].slice(-CARRIED_CALLS);
  return {
    summary,
    carry: defined({
      meta,
      cwd: state.cwd,
      currentModel: state.currentModel,
      lastTotal: state.lastTotal,
      usage: [...state.usage],
      itemKinds: [...itemKinds],
      calls: latest(state.calls).map(([id, call]): CodexRolloutCarry['calls'][number] =>
        call.polls === undefined ? [id, call.event.type] : [id, call.event.type, call.polls],
      ),
      patches: latest(state.patchEdits).map(([id, patch]): [string, boolean] => [id, patch.exact]),
      processes: latest(state.processes).map(([id, { event, startedAt }]): [string, CarriedProcess] => [
        id,
        defined({ command: event.command, startedAt, outputTail: event.outputTail }),
      ]),
    }),
  };
}

/**
 * The reading state where `carry` left off. A call carried over stands for an event taken
 * before: it is kept out of the entries, so what later lines fill into it goes nowhere.
 */
function stateAfter(carry: CodexRolloutCarry | undefined): RolloutState {
  const meta = carry?.meta;
  const at = (time: string | undefined, otherwise: number) => {
    const ms = time === undefined ? Number.NaN : Date.parse(time);
    return Number.isNaN(ms) ? otherwise : ms;
  };
  return {
    summary: {
      ...meta,
      ...(meta?.boundary ? { boundary: { ...meta.boundary } } : {}),
      models: [...(meta?.models ?? [])],
      events: [],
      usage: [],
      skippedLines: 0,
    },
    entries: [],
    calls: new Map(
      (carry?.calls ?? []).map(([id, type, polls]) => [
        id,
        defined({
          event: type === 'command' ? { type, command: '' } : { type: 'tool-call', tool: '' },
          polls,
          taken: true,
        }),
      ]),
    ),
    processes: new Map(
      (carry?.processes ?? []).map(([id, { command, startedAt, outputTail }]) => [
        id,
        defined({
          event: defined({ type: 'command' as const, command, outputTail }),
          startedAt,
          taken: true,
        }),
      ]),
    ),
    patchEdits: new Map((carry?.patches ?? []).map(([id, exact]) => [id, { edits: [], exact }])),
    writesOf: new WeakMap(),
    cwd: carry?.cwd,
    currentModel: carry?.currentModel,
    lastTotal: { ...(carry?.lastTotal ?? { input: 0, cached: 0, output: 0 }) },
    usage: new Map((carry?.usage ?? []).map(([model, tokens]) => [model, { ...tokens }])),
    startedMs: at(meta?.startedAt, Number.POSITIVE_INFINITY),
    endedMs: at(meta?.endedAt, Number.NEGATIVE_INFINITY),
  };
}

function noteTime(state: RolloutState, at: string | undefined): void {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  if (Number.isNaN(ms)) return;
  if (ms < state.startedMs) {
    state.startedMs = ms;
    state.summary.startedAt = at;
  }
  if (ms > state.endedMs) {
    state.endedMs = ms;
    state.summary.endedAt = at;
  }
}

function str(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function readSessionMeta(state: RolloutState, meta: JsonObject): void {
  const s = state.summary;
  s.sessionId ??= str(meta, 'id') ?? str(meta, 'session_id');
  s.cwd ??= str(meta, 'cwd');
  state.cwd ??= str(meta, 'cwd');
  s.agentVersion ??= str(meta, 'cli_version');
  s.originator ??= str(meta, 'originator');
  s.modelProvider ??= str(meta, 'model_provider');
  if (isJsonObject(meta.git)) s.gitBranch ??= str(meta.git, 'branch');
  const at = str(meta, 'timestamp');
  noteTime(state, at);
}

function readTurnContext(state: RolloutState, context: JsonObject): void {
  const model = str(context, 'model');
  if (model !== undefined) {
    state.currentModel = model;
    if (!state.summary.models.includes(model)) state.summary.models.push(model);
  }
  state.summary.cwd ??= str(context, 'cwd');
  state.cwd = str(context, 'cwd') ?? state.cwd;
  // `turn_context` repeats every turn; the latest one states the boundary in force.
  const boundary: CodexBoundary = { ...state.summary.boundary };
  const approval = str(context, 'approval_policy');
  if (approval !== undefined) boundary.permissionMode = approval;
  const sandbox = context.sandbox_policy;
  if (typeof sandbox === 'string') boundary.sandbox = sandbox;
  else if (isJsonObject(sandbox)) {
    const kind = str(sandbox, 'type') ?? str(sandbox, 'mode');
    if (kind !== undefined) boundary.sandbox = kind;
    if (typeof sandbox.network_access === 'boolean')
      boundary.network = sandbox.network_access ? 'enabled' : 'restricted';
    else if (kind === 'danger-full-access') boundary.network = 'enabled';
  }
  if (Object.keys(boundary).length > 0) state.summary.boundary = boundary;
}

function push(
  state: RolloutState,
  at: string | undefined,
  event: EventBody,
  origin?: Origin,
  kind?: Kind,
): void {
  state.entries.push(defined({ at, event, origin, kind }));
}

/**
 * Messages Codex writes on the user's side that are no request: its environment and
 * permissions, the note it adds when the person stopped a turn (`<turn_aborted>`), and a
 * shell command the person ran themselves with `!` (`<user_shell_command>`).
 */
const NOT_A_PROMPT = [
  '<environment_context>',
  '<permissions instructions>',
  '<turn_aborted>',
  '<user_shell_command>',
];

/** Text Codex adds as a user message that the user did not type: skipped, or the context it is. */
function injectedContext(text: string): EventBody | 'skip' | undefined {
  const trimmed = text.trimStart();
  if (NOT_A_PROMPT.some((tag) => trimmed.startsWith(tag))) return 'skip';
  const agents = /^# AGENTS\.md instructions for (\S[^\n]*)/.exec(trimmed);
  if (agents)
    return {
      type: 'context',
      source: 'rule-file',
      ref: truncateText(`${agents[1]!.trim()}/AGENTS.md`, PATH_MAX),
    };
  if (trimmed.startsWith('<user_instructions>'))
    return { type: 'context', source: 'rule-file', ref: 'AGENTS.md' };
  return undefined;
}

function contentText(content: unknown, types: string[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(
      (c): c is JsonObject =>
        isJsonObject(c) && types.includes(c.type as string) && typeof c.text === 'string',
    )
    .map((c) => c.text as string)
    .join('\n');
}

function readResponseItem(state: RolloutState, item: JsonObject, at: string | undefined): void {
  switch (item.type) {
    case 'message': {
      if (item.role === 'user') {
        const text = contentText(item.content, ['input_text']);
        if (text.trim().length === 0) return;
        const injected = injectedContext(text);
        if (injected === 'skip') return;
        if (injected !== undefined) push(state, at, injected);
        else push(state, at, { type: 'prompt', text: truncateText(text, TEXT_MAX) }, 'item', 'prompt');
      } else if (item.role === 'assistant') {
        const text = contentText(item.content, ['output_text']);
        if (text.trim().length > 0) {
          push(
            state,
            at,
            { type: 'reasoning', text: truncateUtf8(text, REASONING_MAX_BYTES) },
            'item',
            'assistant',
          );
        }
      }
      return;
    }
    case 'reasoning': {
      // The summary is what Codex shows; raw `content` exists for some models; encrypted is opaque.
      let text = contentText(item.summary, ['summary_text']);
      if (text.trim().length === 0) text = contentText(item.content, ['reasoning_text', 'text']);
      if (text.trim().length > 0) {
        push(
          state,
          at,
          { type: 'reasoning', text: truncateUtf8(text, REASONING_MAX_BYTES) },
          'item',
          'reasoning',
        );
      }
      return;
    }
    case 'function_call': {
      const name = str(item, 'name');
      if (name === undefined) return;
      let args: unknown = item.arguments;
      if (typeof args === 'string') {
        try {
          args = JSON.parse(args);
        } catch {
          args = { input: args };
        }
      }
      const argObject = isJsonObject(args) ? args : {};
      if (name === PATCH_TOOL) {
        readPatchCall(
          state,
          at,
          str(item, 'call_id'),
          str(argObject, 'input') ?? str(argObject, 'patch') ?? '',
          state.cwd,
        );
      } else if (SHELL_TOOLS.has(name)) {
        // `shell`, `shell_command` and `exec_command` name their folder `workdir`.
        readShellCall(
          state,
          at,
          str(item, 'call_id'),
          commandText(argObject.command ?? argObject.cmd),
          folderOf(state.cwd, str(argObject, 'workdir') ?? str(argObject, 'cwd')),
          name,
        );
      } else {
        readOtherCall(state, at, str(item, 'call_id'), name);
        if (name === POLL_TOOL) notePoll(state, str(item, 'call_id'), argObject.session_id);
      }
      return;
    }
    case 'custom_tool_call': {
      const name = str(item, 'name');
      if (name === PATCH_TOOL)
        readPatchCall(state, at, str(item, 'call_id'), str(item, 'input') ?? '', state.cwd);
      else if (name !== undefined) readOtherCall(state, at, str(item, 'call_id'), name);
      return;
    }
    case 'local_shell_call': {
      const action = isJsonObject(item.action) ? item.action : {};
      readShellCall(
        state,
        at,
        str(item, 'call_id') ?? str(item, 'id'),
        commandText(action.command),
        folderOf(state.cwd, str(action, 'working_directory')),
        'local_shell',
      );
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const callId = str(item, 'call_id');
      const call = callId === undefined ? undefined : state.calls.get(callId);
      if (call === undefined || call.notRun) return;
      const text = outputText(item.output);
      const notRun = declinedBy(text) ?? patchUnapplied(call, text);
      if (notRun !== undefined) {
        callNotRun(state, callId!, call, notRun);
        return;
      }
      const facts = execTextFacts(text);
      if (call.event.type === 'command') {
        const running = facts.exitCode === undefined ? facts.runningSession : undefined;
        if (running === undefined) fillCommand(call.event, facts);
        else if (!call.taken) {
          // Still running: its output so far, and not its duration (the wall time is the
          // yield's). The polls that name the session bring the rest.
          if (facts.outputTail !== undefined) call.event.outputTail = facts.outputTail;
          state.processes.set(running, { event: call.event, startedAt: call.at });
        }
      } else if (call.polls !== undefined) followProcess(state, call.polls, facts, at);
      else if (call.event.ok === undefined && facts.exitCode !== undefined)
        call.event.ok = facts.exitCode === 0;
      else if (
        call.event.ok === undefined &&
        isJsonObject(item.output) &&
        typeof item.output.success === 'boolean'
      ) {
        call.event.ok = item.output.success;
      }
      return;
    }
    case 'web_search_call': {
      const action = isJsonObject(item.action) ? item.action : {};
      const query = str(action, 'query');
      if (query !== undefined)
        push(state, at, { type: 'context', source: 'search', ref: truncateText(query, PATH_MAX) });
      return;
    }
  }
}

/**
 * What Codex answers the model for a call that never ran (codex-rs, core tools): a person's
 * denial at the approval prompt is normalized to `exec command rejected by user` or `patch
 * rejected by user`, and its approval reviewer's (guardian) reads `This action was rejected
 * due to unacceptable risk.` and its rationale.
 */
const DECLINED: ReadonlyArray<[RegExp, FailedCall['cause']]> = [
  [/^(?:exec command|patch) rejected by user/, 'person'],
  [/^This action was rejected due to unacceptable risk/, 'permission'],
];

type NotRun = Pick<FailedCall, 'cause' | 'reason'>;

function declinedBy(text: string | undefined): NotRun | undefined {
  const answer = text?.trimStart();
  if (answer === undefined) return undefined;
  const cause = DECLINED.find(([pattern]) => pattern.test(answer))?.[1];
  if (cause === undefined) return undefined;
  return cause === 'person' ? { cause } : { cause, reason: firstLine(answer) };
}

/**
 * A patch Codex did not apply: its hunks are checked against the files before any is written,
 * and a patch that fails the check is answered `apply_patch verification failed: …`, with no
 * file changed. It is recorded as a call that did not run, its failure the reason.
 */
function patchUnapplied(call: RolloutCall, text: string | undefined): NotRun | undefined {
  const answer = text?.trimStart();
  if (call.event.type !== 'tool-call' || call.event.tool !== PATCH_TOOL) return undefined;
  if (!answer?.startsWith('apply_patch verification failed')) return undefined;
  return { cause: 'error', reason: firstLine(answer) };
}

/**
 * Newer versions end a declined command or patch with an event whose status says so: the call
 * is one that did not run, for the reason its text gives (its approval reviewer's, a hook's)
 * where it is not a person's. Whether it was.
 */
function endedDeclined(
  state: RolloutState,
  callId: string | undefined,
  call: RolloutCall | undefined,
  msg: JsonObject,
  text: string | undefined,
): boolean {
  const declined = typeof msg.status === 'string' && msg.status.toLowerCase() === 'declined';
  if (callId === undefined || call === undefined || !declined) return false;
  const reason = text === undefined ? undefined : firstLine(text) || undefined;
  callNotRun(state, callId, call, declinedBy(text) ?? defined({ cause: 'permission' as const, reason }));
  return true;
}

/**
 * A call declined before it ran, or a patch that failed its check: no command ran and no patch
 * was applied. Its event becomes a failed tool call, and a patch's file edits are dropped, so a
 * notify-only turn end diffs none of its files (a person's change to them stays the person's).
 * It is listed for the turn end, which takes a marker its before-hook left (Codex's hooks,
 * where enabled): no after-hook comes.
 */
function callNotRun(state: RolloutState, callId: string, call: RolloutCall, outcome: NotRun): void {
  call.notRun = true;
  const tool = call.event.type === 'tool-call' ? call.event.tool : call.tool;
  state.summary.failedCalls ??= [];
  state.summary.failedCalls.push(
    defined({ toolUseId: callId.slice(0, NAME_MAX), tool: tool || undefined, ...outcome }),
  );
  // Taken by an earlier read: the event it was taken as stands.
  if (call.taken) return;
  const failed: ToolCallEvent = {
    type: 'tool-call',
    tool: tool || 'shell',
    toolUseId: callId.slice(0, NAME_MAX),
    summary: failedCallSummary(outcome),
    ok: false,
  };
  const entry = state.entries.findLastIndex((e) => e.event === call.event);
  if (entry >= 0) state.entries[entry] = { ...state.entries[entry]!, event: failed };
  call.event = failed;
  if (tool === PATCH_TOOL || state.patchEdits.has(callId)) setPatchEdits(state, undefined, callId, [], true);
}

function readShellCall(
  state: RolloutState,
  at: string | undefined,
  callId: string | undefined,
  command: string | undefined,
  folder: string | undefined,
  tool: string,
): void {
  if (command === undefined) return;
  // Older models ran apply_patch as a shell command (`["apply_patch", "*** Begin Patch..."]`).
  if (command.includes('*** Begin Patch')) {
    readPatchCall(state, at, callId, command, folderOf(folder, heredocFolder(command)));
    return;
  }
  const event = commandEvent(command, {});
  push(state, at, event);
  if (callId !== undefined)
    state.calls.set(callId, defined({ event, at, tool: truncateText(tool, NAME_MAX) }));
}

function readPatchCall(
  state: RolloutState,
  at: string | undefined,
  callId: string | undefined,
  patch: string,
  folder: string | undefined,
): void {
  const files = patchFiles(patch);
  const event = defined<ToolCallEvent>({
    type: 'tool-call',
    tool: PATCH_TOOL,
    toolUseId: callId?.slice(0, NAME_MAX),
    // As the model wrote them: the edits below carry the resolved paths.
    summary: summaryOf(files.map((f) => f.path).join(', ')),
  });
  push(state, at, event);
  setPatchEdits(state, at, callId, fileEditEvents(files, folder, state.writesOf), false);
  if (callId !== undefined) state.calls.set(callId, { event });
}

/**
 * Records a patch call's file edits, or replaces the ones recorded for it where they stood:
 * Codex's own absolute paths (`exact`) win over Trail's reading of the patch text, whichever
 * line comes first, and are never recorded twice.
 */
function setPatchEdits(
  state: RolloutState,
  at: string | undefined,
  callId: string | undefined,
  edits: FileEditEvent[],
  exact: boolean,
): void {
  const known = callId === undefined ? undefined : state.patchEdits.get(callId);
  // Codex's paths, Trail's reading of what the patch wrote to each file.
  if (known !== undefined && known.exact !== exact)
    carryWrites(state.writesOf, exact ? known.edits : edits, exact ? edits : known.edits);
  if (known?.exact === true && !exact) return;
  const entries = edits.map((event) => defined({ at, event }));
  // A call's edits are entered together, so they stand together, most often at the end (its
  // patch_apply_end follows it): found from the end, as a search from the start made reading
  // a rollout of many patches quadratic.
  const firstKnown = known?.edits[0];
  const first = firstKnown === undefined ? -1 : state.entries.findLastIndex((e) => e.event === firstKnown);
  if (first < 0) state.entries.push(...entries);
  else state.entries.splice(first, known!.edits.length, ...entries);
  if (callId !== undefined) state.patchEdits.set(callId, { edits, exact });
}

function readOtherCall(
  state: RolloutState,
  at: string | undefined,
  callId: string | undefined,
  name: string,
): void {
  const tool = truncateText(name, NAME_MAX);
  const event = defined<ToolCallEvent>({ type: 'tool-call', tool, toolUseId: callId?.slice(0, NAME_MAX) });
  push(state, at, event);
  const server = mcpServerOf(tool);
  if (server !== undefined) push(state, at, { type: 'context', source: 'mcp-server', ref: server });
  if (callId !== undefined) state.calls.set(callId, { event });
}

/** A poll call of a command left running, linked to it where its session is known. */
function notePoll(state: RolloutState, callId: string | undefined, session: unknown): void {
  const id = typeof session === 'number' || typeof session === 'string' ? String(session) : undefined;
  const call = callId === undefined ? undefined : state.calls.get(callId);
  if (call !== undefined && id !== undefined && state.processes.has(id)) call.polls = id;
}

/**
 * A poll's answer, given to the command it polls: the output's tail grows by what it brought,
 * and an exit code ends the command, its duration then running from its call to this answer.
 * The poll itself is not marked by that exit code: it did what it was asked. A command an
 * earlier read took is recorded again as it ended: the event taken then stays as it was.
 */
function followProcess(state: RolloutState, session: string, facts: ExecFacts, at: string | undefined): void {
  const running = state.processes.get(session);
  if (running === undefined) return;
  const event = running.taken && facts.exitCode !== undefined ? { ...running.event } : running.event;
  if (event !== running.event) push(state, at, event);
  if (facts.outputTail !== undefined)
    event.outputTail = outputTail(`${event.outputTail ?? ''}${facts.outputTail}`);
  if (facts.exitCode === undefined) return;
  event.exitCode = facts.exitCode;
  const started = running.startedAt === undefined ? Number.NaN : Date.parse(running.startedAt);
  const ended = at === undefined ? Number.NaN : Date.parse(at);
  if (ended >= started) event.durationMs = ended - started;
  state.processes.delete(session);
}

function fillCommand(event: CommandEvent, facts: ExecFacts): void {
  if (facts.exitCode !== undefined) event.exitCode = facts.exitCode;
  if (facts.durationMs !== undefined) event.durationMs = facts.durationMs;
  if (facts.outputTail !== undefined) event.outputTail = facts.outputTail;
}

function readEventMsg(state: RolloutState, msg: JsonObject, at: string | undefined): void {
  switch (msg.type) {
    case 'token_count': {
      const info = isJsonObject(msg.info) ? msg.info : undefined;
      const total = info && isJsonObject(info.total_token_usage) ? info.total_token_usage : undefined;
      if (total !== undefined) noteTokenTotal(state, total);
      return;
    }
    case 'user_message': {
      const text = str(msg, 'message');
      if (text !== undefined && injectedContext(text) === undefined) {
        push(state, at, { type: 'prompt', text: truncateText(text, TEXT_MAX) }, 'event', 'prompt');
      }
      return;
    }
    case 'agent_message': {
      const text = str(msg, 'message');
      if (text !== undefined)
        push(
          state,
          at,
          { type: 'reasoning', text: truncateUtf8(text, REASONING_MAX_BYTES) },
          'event',
          'assistant',
        );
      return;
    }
    case 'agent_reasoning': {
      const text = str(msg, 'text');
      if (text !== undefined)
        push(
          state,
          at,
          { type: 'reasoning', text: truncateUtf8(text, REASONING_MAX_BYTES) },
          'event',
          'reasoning',
        );
      return;
    }
    case 'exec_command_end': {
      // The executor's own record: more exact than the output text the model saw.
      const callId = str(msg, 'call_id');
      const call = callId === undefined ? undefined : state.calls.get(callId);
      if (
        call?.notRun ||
        endedDeclined(state, callId, call, msg, str(msg, 'aggregated_output') ?? str(msg, 'stderr'))
      )
        return;
      const facts: ExecFacts = defined({
        exitCode: Number.isInteger(msg.exit_code) ? (msg.exit_code as number) : undefined,
        durationMs: durationMs(msg.duration),
        outputTail:
          typeof msg.aggregated_output === 'string'
            ? outputTail(msg.aggregated_output)
            : outputTail(str(msg, 'stdout'), str(msg, 'stderr')),
      });
      if (call?.event.type === 'command') fillCommand(call.event, facts);
      else if (call === undefined) {
        const command = commandText(msg.command);
        if (command === undefined) return;
        const event = commandEvent(command, facts);
        push(state, at, event);
        if (callId !== undefined) state.calls.set(callId, { event });
      }
      return;
    }
    case 'patch_apply_begin':
    case 'patch_apply_end': {
      const callId = str(msg, 'call_id');
      const call = callId === undefined ? undefined : state.calls.get(callId);
      if (call?.notRun || endedDeclined(state, callId, call, msg, str(msg, 'stderr'))) return;
      if (
        msg.type === 'patch_apply_end' &&
        call?.event.type === 'tool-call' &&
        typeof msg.success === 'boolean'
      )
        call.event.ok = msg.success;
      const applied = appliedChanges(msg.changes);
      if (applied !== undefined && msg.success !== false) setPatchEdits(state, at, callId, applied, true);
      return;
    }
  }
}

function noteTokenTotal(state: RolloutState, total: JsonObject): void {
  const n = (key: string) =>
    typeof total[key] === 'number' && Number.isFinite(total[key]) ? Math.max(0, total[key] as number) : 0;
  const current: Tokens = {
    input: n('input_tokens'),
    cached: n('cached_input_tokens'),
    output: n('output_tokens'),
  };
  const previous = state.lastTotal;
  // A total lower than the last one means the counter restarted (a resumed session).
  const restarted =
    current.input < previous.input || current.cached < previous.cached || current.output < previous.output;
  const base = restarted ? { input: 0, cached: 0, output: 0 } : previous;
  const model = state.currentModel ?? 'unknown';
  const sum = state.usage.get(model) ?? { input: 0, cached: 0, output: 0 };
  sum.input += current.input - base.input;
  sum.cached += current.cached - base.cached;
  sum.output += current.output - base.output;
  state.usage.set(model, sum);
  state.lastTotal = current;
}

function finish(state: RolloutState, itemKinds: ReadonlySet<Kind>): CodexRolloutSummary {
  // Codex records the same words as a response item and as an event message; the items are
  // kept, and the event messages only where a rollout has no items of that kind.
  state.summary.events = state.entries
    .filter((e) => e.origin !== 'event' || e.kind === undefined || !itemKinds.has(e.kind))
    .map(({ at, event }) =>
      defined({
        at,
        event,
        writes: event.type === 'file-edit' ? state.writesOf.get(event)?.writes : undefined,
      }),
    );
  // OpenAI counts cached input inside input_tokens; Trail's inputTokens are the uncached part.
  state.summary.usage = [...state.usage.entries()].map(([model, t]) => ({
    model,
    inputTokens: Math.max(0, t.input - t.cached),
    outputTokens: t.output,
    cacheReadTokens: t.cached,
    cacheWriteTokens: 0,
  }));
  state.summary.model = principalModel(state.summary.models, state.summary.usage);
  return defined(state.summary);
}

// ---------------------------------------------------------------------------------------------
// config.toml `notify`

interface TomlEntry {
  key: string;
  /** Offsets of the whole statement, from its line start to after its newline. */
  start: number;
  end: number;
  value: string;
}

function tomlError(message: string): TrailError {
  return new TrailError('INPUT_INVALID', `Codex config.toml: ${message}; fix the file and retry`);
}

/** Skips a basic ("...") or literal ('...') single-line string starting at `i`. */
function skipString(text: string, i: number): number {
  const quote = text[i]!;
  for (let k = i + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '\n') break;
    if (quote === '"' && c === '\\') {
      k++;
      continue;
    }
    if (c === quote) return k + 1;
  }
  throw tomlError('a string is not closed on its line');
}

/** Skips a multi-line string (`"""` or `'''`) starting at `i`, with up to two extra closing quotes. */
function skipMultiline(text: string, i: number): number {
  const delimiter = text.slice(i, i + 3);
  for (let k = i + 3; k < text.length; k++) {
    if (delimiter === '"""' && text[k] === '\\') {
      k++;
      continue;
    }
    if (text.startsWith(delimiter, k)) {
      let end = k + 3;
      while (end < text.length && end < k + 5 && text[end] === delimiter[0]) end++;
      return end;
    }
  }
  throw tomlError('a multi-line string is not closed');
}

/** Scans one value from `i` to the newline that ends it outside strings and brackets. */
function scanValue(text: string, i: number): { valueEnd: number; lineEnd: number } {
  let depth = 0;
  let valueEnd = i;
  let k = i;
  while (k < text.length) {
    const c = text[k]!;
    if (text.startsWith('"""', k) || text.startsWith("'''", k)) {
      k = skipMultiline(text, k);
      valueEnd = k;
    } else if (c === '"' || c === "'") {
      k = skipString(text, k);
      valueEnd = k;
    } else if (c === '#') {
      while (k < text.length && text[k] !== '\n') k++;
    } else if (c === '\n') {
      if (depth <= 0) return { valueEnd, lineEnd: k + 1 };
      k++;
    } else {
      if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') depth--;
      if (c !== ' ' && c !== '\t' && c !== '\r') valueEnd = k + 1;
      k++;
    }
  }
  if (depth > 0) throw tomlError('an array or inline table is not closed');
  return { valueEnd, lineEnd: text.length };
}

/**
 * The key/value statements of the root table: everything before the first `[table]` or
 * `[[array]]` header (TOML 1.0, "Table"). Only as much TOML as finding one top-level key needs.
 */
function rootEntries(text: string): TomlEntry[] {
  const entries: TomlEntry[] = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    const c = text[j];
    if (c === undefined) break;
    if (c === '\n' || c === '\r' || c === '#') {
      const newline = text.indexOf('\n', j);
      i = newline < 0 ? text.length : newline + 1;
      continue;
    }
    if (c === '[') break;
    let k = j;
    while (k < text.length && text[k] !== '=' && text[k] !== '\n') {
      k = text[k] === '"' || text[k] === "'" ? skipString(text, k) : k + 1;
    }
    if (text[k] !== '=') throw tomlError(`line "${firstLineOf(text.slice(j))}" is not a key = value pair`);
    const rawKey = text.slice(j, k).trim();
    const key = /^"[^"\\]*"$|^'[^']*'$/.test(rawKey) ? rawKey.slice(1, -1) : rawKey;
    const { valueEnd, lineEnd } = scanValue(text, k + 1);
    entries.push({ key, start: i, end: lineEnd, value: text.slice(k + 1, valueEnd).trim() });
    i = lineEnd;
  }
  return entries;
}

function firstLineOf(text: string): string {
  return truncateText(text.split('\n', 1)[0]!.trim(), 80);
}

/** Parses a TOML array of single-line strings, or returns undefined for anything else. */
function parseStringArray(value: string): string[] | undefined {
  if (!value.startsWith('[')) return undefined;
  const items: string[] = [];
  let i = 1;
  const skipBlank = () => {
    for (;;) {
      while (i < value.length && /\s/.test(value[i]!)) i++;
      if (value[i] !== '#') return;
      while (i < value.length && value[i] !== '\n') i++;
    }
  };
  for (;;) {
    skipBlank();
    if (value[i] === ']') return i === value.length - 1 ? items : undefined;
    const quote = value[i];
    if ((quote !== '"' && quote !== "'") || value.startsWith(quote.repeat(3), i)) return undefined;
    let end: number;
    try {
      end = skipString(value, i);
    } catch {
      return undefined;
    }
    const body = value.slice(i + 1, end - 1);
    if (quote === "'") items.push(body);
    else {
      try {
        // TOML basic-string escapes are JSON's plus \UXXXXXXXX, rare enough to leave out.
        items.push(JSON.parse(`"${body}"`) as string);
      } catch {
        return undefined;
      }
    }
    i = end;
    skipBlank();
    if (value[i] === ',') i++;
    else if (value[i] !== ']') return undefined;
  }
}

/** Splits a command line into argv words, honouring single and double quotes. */
function splitCommand(command: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) {
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3]!));
  }
  return words;
}

function isTrailNotify(argv: string[]): boolean {
  return argv.some((word, i) => word === 'hook' && argv[i + 1] === 'codex');
}

function notifyEntry(text: string): { entry: TomlEntry; argv?: string[] } | undefined {
  const entry = rootEntries(text).find((e) => e.key === 'notify');
  return entry === undefined ? undefined : { entry, argv: parseStringArray(entry.value) };
}

/** The user's own `notify` program, which Trail must not replace; undefined when there is none. */
/** Whether Codex's config runs Trail as its notify program. */
export function hasTrailNotify(text: string): boolean {
  const found = notifyEntry(text);
  return found?.argv !== undefined && isTrailNotify(found.argv);
}

export function codexNotifyConflict(text: string): string | undefined {
  const found = notifyEntry(text);
  if (found === undefined) return undefined;
  if (found.argv === undefined) return found.entry.value;
  return isTrailNotify(found.argv) ? undefined : found.argv.join(' ');
}

/**
 * Sets the top-level `notify = [<command words>, "hook", "codex", "notify"]` in a config.toml
 * text (Codex appends its JSON as the last argument). A `notify` of the user's is left alone
 * and the text is returned unchanged: check `codexNotifyConflict` first to report it.
 */
export function installCodexNotify(configTomlText: string | undefined, command: string): string {
  const words = splitCommand(command);
  if (words.length === 0) throw new TrailError('INPUT_INVALID', 'the notify command is empty');
  const text = configTomlText ?? '';
  const line = `notify = [${[...words, 'hook', 'codex', 'notify'].map((w) => JSON.stringify(w)).join(', ')}]\n`;
  const found = notifyEntry(text);
  if (found !== undefined) {
    if (found.argv === undefined || !isTrailNotify(found.argv)) return text;
    return text.slice(0, found.entry.start) + line + text.slice(found.entry.end);
  }
  // After the last root key, so a comment heading the first table stays with it.
  const entries = rootEntries(text);
  const at = entries.length > 0 ? entries[entries.length - 1]!.end : 0;
  const before = text.slice(0, at);
  const separator = before.length > 0 && !before.endsWith('\n') ? '\n' : '';
  return before + separator + line + text.slice(at);
}

/** Removes Trail's `notify`; undefined when the file is then empty, so a file Trail made can go. */
export function uninstallCodexNotify(text: string): string | undefined {
  const found = notifyEntry(text);
  const result =
    found?.argv !== undefined && isTrailNotify(found.argv)
      ? text.slice(0, found.entry.start) + text.slice(found.entry.end)
      : text;
  return result.trim().length === 0 ? undefined : result;
}
