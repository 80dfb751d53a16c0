/**
 * What `trail hook <agent> <event>` does: payload in, redacted facts into the spool, edits
 * tracked line by line. It never throws to its caller's caller: the entry point turns any
 * failure into a capture gap and exits 0, so a broken Trail never blocks an agent.
 * It deliberately avoids loading zod, commander or the ledger: it runs on every tool call.
 */

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { TrailError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Origin, TrackedLine } from '../core/line-origin.js';
import { carryOrigins, digestLines } from '../core/line-origin.js';
import type { EventBody, Provenance } from '../core/records.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES, redactValue } from '../core/redact.js';
import { dirtyFiles, dirtyFilesSince } from '../git/dirty-files.js';
import { workTreePathOnDisk } from '../git/work-tree-path.js';
import { byteAt, readRange } from '../io/read-range.js';
import type { Repo } from '../ledger/repo.js';
import type { TranscriptCarry } from './agents/claude-code.js';
import type { CodexRolloutCarry } from './agents/codex.js';
import type { GeminiRecordingCarry } from './agents/gemini-cli.js';
import { backgroundOutputTail, noteBackgroundStart, takeBackgroundStart } from './background-tasks.js';
import { boundaryFacts } from './boundary.js';
import { contextNamedInRepo } from './context-ref.js';
import { cutCount, withCutRules } from './cut-rules.js';
import { hookRules } from './hook-rules.js';
import type { EditMarkerBody, InFlight } from './in-flight.js';
import {
  callsInFlight,
  editMarker,
  heldSince,
  intendedDigests,
  removeAbandoned,
  shellMarker,
  takeMarker,
  unexplainedLineOrigin,
} from './in-flight.js';
import type {
  FailedCall,
  HookAdapter,
  ModelUsage,
  NormalizedPayload,
  Observation,
  PatchWrite,
  TranscriptSummary,
} from './observation.js';
import { backgroundEndCall, failedCallSummary, sumUsageByModel } from './observation.js';
import { findRepoFast } from './repo-fast.js';
import { loadSealState } from './seal-state.js';

import { advanceShadow, digestText, readWorkingFile, saveShadow, shadowsFor } from './shadow.js';
import type { SpoolLine } from './spool.js';
import { appendSpool, hasSpool, readState, sessionKey, spoolDir, writeState } from './spool.js';
import { worktreeId } from './worktree.js';

export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

interface AgentModule {
  adapter: HookAdapter;
  transcript?: (text: string) => TranscriptSummary;
  /**
   * Reads only the lines after those `carry` sums up: the transcript is read a turn at a time.
   * The carry is the agent parser's own, kept as JSON between turn ends.
   */
  transcriptFrom?: (
    text: string,
    carry: unknown,
  ) => { summary: TranscriptSummary; carry: unknown } | undefined;
  /** Whether Cursor, not this agent, sent a payload to this agent's hook. */
  fromCursor?: (payload: unknown) => boolean;
}

/** Each agent's code loads only when its hook runs: a hook pays for one adapter, not four. */
const AGENTS: Record<string, () => Promise<AgentModule>> = {
  'claude-code': async () => {
    const m = await import('./agents/claude-code.js');
    return {
      adapter: m.normalizeClaudeCode,
      transcript: m.parseClaudeTranscript,
      transcriptFrom: (text, carry) =>
        m.parseClaudeTranscriptFrom(text, carry as TranscriptCarry | undefined),
      fromCursor: m.isCursorCall,
    };
  },
  codex: async () => {
    const m = await import('./agents/codex.js');
    return {
      adapter: m.normalizeCodexNotify,
      transcript: m.parseCodexRollout,
      transcriptFrom: (text, carry) => m.parseCodexRolloutFrom(text, carry as CodexRolloutCarry | undefined),
    };
  },
  'gemini-cli': async () => {
    const m = await import('./agents/gemini-cli.js');
    return {
      adapter: m.normalizeGeminiCli,
      transcript: m.parseGeminiTranscript,
      transcriptFrom: (text, carry) =>
        m.parseGeminiTranscriptFrom(text, carry as GeminiRecordingCarry | undefined),
    };
  },
  cursor: async () => ({ adapter: (await import('./agents/cursor.js')).normalizeCursor }),
};

/**
 * The events each agent documents (FORMATS.md §4; for Codex's notify, its payload `type`). A
 * hook for any other event is a misconfigured hook or a payload meant for another agent:
 * nothing can be read from it, so it is a capture gap rather than a silent no-op.
 */
const KNOWN_EVENTS: Record<string, ReadonlySet<string>> = {
  'claude-code': new Set([
    'SessionStart',
    'SessionEnd',
    'UserPromptSubmit',
    'UserPromptExpansion',
    'Stop',
    'StopFailure',
    'SubagentStart',
    'SubagentStop',
    'PreToolUse',
    'PostToolUse',
    'PostToolUseFailure',
    'PostToolBatch',
    'PermissionRequest',
    'PermissionDenied',
    'PreCompact',
    'PostCompact',
    'Notification',
    'TaskCreated',
    'TaskCompleted',
    'TeammateIdle',
    'Elicitation',
    'Setup',
  ]),
  codex: new Set([
    'agent-turn-complete',
    'SessionStart',
    'UserPromptSubmit',
    'PreToolUse',
    'PostToolUse',
    'PermissionRequest',
    'PreCompact',
    'PostCompact',
    'SubagentStop',
    'Stop',
  ]),
  'gemini-cli': new Set([
    'SessionStart',
    'SessionEnd',
    'BeforeAgent',
    'AfterAgent',
    'BeforeModel',
    'AfterModel',
    'BeforeToolSelection',
    'BeforeTool',
    'AfterTool',
    'PreCompress',
    'Notification',
  ]),
  cursor: new Set([
    'sessionStart',
    'sessionEnd',
    'beforeSubmitPrompt',
    'beforeShellExecution',
    'afterShellExecution',
    'beforeMCPExecution',
    'afterMCPExecution',
    'beforeReadFile',
    'afterFileEdit',
    'afterAgentResponse',
    'afterAgentThought',
    'preToolUse',
    'postToolUse',
    'postToolUseFailure',
    'preCompact',
    'subagentStart',
    'subagentStop',
    'stop',
    'beforeTabFileRead',
    'afterTabFileEdit',
  ]),
};

/** Formatters change lines mechanically; their edits are tagged so reviewers can tell. */
const FORMATTER =
  /\b(prettier|biome (format|check --write)|eslint --fix|black|ruff format|gofmt|go fmt|rustfmt|cargo fmt|clang-format|isort)\b/;

export interface HookInput {
  agent: string;
  event: string;
  /** The payload text (stdin, or the last argument for Codex's notify). */
  payload: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The repository this hook records in, once known: its gaps go there too. */
  recordedIn?: Repo;
  /** The session the payload names, once known: its gaps name it, so a reader can tie them to it. */
  sessionId?: string;
}

export interface HookContext {
  agent: AgentModule;
  repo: Repo;
  key: string;
  normalized: NormalizedPayload;
  rules: RedactionRule[];
  at: string;
  /** Nothing of this session is in the spool yet: its boundary is taken now. */
  fresh: boolean;
  /** What could not be captured while the rest was: a gap, once the rest is written. */
  missing: string[];
  /** The repository's redaction rules are unknown: edits are followed, nothing is written. */
  withheld?: boolean;
}

/** Resolves the repository a payload is about: its cwd, the agent's project dir, or ours. */
export function repoForPayload(payloadCwd: string | undefined, input: HookInput): Repo | undefined {
  for (const dir of [payloadCwd, input.env.CLAUDE_PROJECT_DIR, input.env.CURSOR_PROJECT_DIR, input.cwd]) {
    if (!dir) continue;
    const repo = findRepoFast(dir);
    if (repo) return repo;
  }
  return undefined;
}

/**
 * The repository a hook records in. An edit names its file: the Trail repository holding it
 * wins, so a session whose shell moved to another folder (`cd ../lib`) still has its edits
 * recorded where they were made. Otherwise the payload's cwd, then the agent's project dir.
 * When none is set up for Trail nothing is recorded, but a session whose own project is set
 * up and whose cwd points elsewhere gets a gap there: its work outside is not in the trail.
 */
function chooseRepo(normalized: NormalizedPayload, input: HookInput): Repo | undefined {
  // The first that is set up wins, so each folder is walked up only until one is.
  for (const path of editedPaths(normalized.observations)) {
    const holding = isAbsolute(path) ? findRepoFast(dirname(path)) : undefined;
    if (holding && isSetUp(holding)) return holding;
  }
  const found = repoForPayload(normalized.cwd, input);
  if (found && isSetUp(found)) return found;
  const own = repoForPayload(undefined, input);
  if (own && isSetUp(own) && found && found.workTree !== own.workTree) {
    throw new TrailError(
      'NOT_FOUND',
      `the session worked in ${found.workTree.slice(0, 300)}, a repository where Trail is not set up: nothing of this hook was recorded`,
    );
  }
  return undefined;
}

function editedPaths(observations: readonly Observation[]): string[] {
  return observations.flatMap((o) =>
    o.type === 'before-change' || o.type === 'after-change' || o.type === 'call-denied' ? o.paths : [],
  );
}

export function parsePayload(text: string): unknown {
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new TrailError(
      'INPUT_INVALID',
      `payload of ${Buffer.byteLength(text)} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`,
    );
  }
  if (text.trim() === '') throw new TrailError('INPUT_INVALID', 'empty payload');
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 quotes the text it could not parse (`Unexpected token 'x', "{"a": x_secr"... is not
    // valid JSON`), and a quote cut short can hold part of a secret that redaction no longer
    // recognises: only the message before any quote goes into the capture gap.
    const reason = (error as Error).message.split('"', 1)[0]!.replace(/,\s*$/, '').slice(0, 120);
    throw new TrailError('INPUT_INVALID', `payload is not JSON: ${reason}`);
  }
}

/**
 * Runs one hook. Returns the repository it wrote to (for gap recording by the caller), or
 * undefined when there is nothing to do (no repository, or Trail not set up in it).
 */
export async function runAgentHook(input: HookInput): Promise<Repo | undefined> {
  const load = AGENTS[input.agent];
  if (!load) throw new TrailError('USAGE', `unknown agent ${input.agent}`);
  const payload = parsePayload(input.payload);
  const agent = await load();
  if (agent.fromCursor?.(payload)) return cursorCall(payload, input);
  const cutsBefore = cutCount();
  let normalized = agent.adapter(payload, input.event);
  const repo = chooseRepo(normalized, input);
  if (!repo) return undefined;
  input.recordedIn = repo;
  if (normalized.sessionId) input.sessionId = normalized.sessionId;
  if (!KNOWN_EVENTS[input.agent]?.has(normalized.hook)) {
    throw new TrailError(
      'INPUT_INVALID',
      `"${normalized.hook.slice(0, 80)}" is not a ${input.agent} event Trail knows: nothing was recorded from it`,
    );
  }
  // Without the repository's own rules (a config that cannot be read, a pattern that does not
  // compile) nothing the agent sent is written: not with fewer rules, and not with the rules
  // last seen, since a config is most often broken by the edit that adds a pattern. Edits are
  // still followed, as lines of unknown origin, so they are not taken for a person's later;
  // the shadow holds digests of lines, never their text. The hook then records a gap.
  let rules: RedactionRule[] = BUILTIN_RULES;
  let withheld: string | undefined;
  try {
    rules = hookRules(repo);
  } catch (error) {
    withheld = (error as Error).message;
  }
  // The adapter cut long texts around the secrets the built-in rules find; where the
  // repository has rules of its own, the payload is read again with them, so a cut goes
  // through none of its secrets either (cut-rules.ts). Only when a text was cut at all.
  if (withheld === undefined && rules !== BUILTIN_RULES && cutCount() !== cutsBefore) {
    normalized = withCutRules(rules, () => agent.adapter(payload, input.event));
  }
  const key = sessionKey(normalized.agent, normalized.sessionId);
  const ctx: HookContext = {
    agent,
    repo,
    key,
    normalized,
    rules,
    at: normalized.at ?? new Date().toISOString(),
    fresh: !hasSpool(repo.stateDir, key),
    missing: [],
    withheld: withheld !== undefined,
  };
  if (withheld !== undefined) {
    for (const observation of normalized.observations) {
      if (
        observation.type === 'before-change' ||
        observation.type === 'after-change' ||
        observation.type === 'call-denied'
      )
        await observe(ctx, observation, input);
    }
    throw new TrailError(
      'INPUT_INVALID',
      `nothing of this hook was recorded (the lines it changed count as of unknown origin): ${withheld}`,
    );
  }
  const observations = normalized.observations;
  // A session seen for the first time states where it runs even when no start hook came
  // (hooks installed mid-session, Cursor's cloud agents, Codex's notify, which has no start).
  if (ctx.fresh && !observations.some((o) => o.type === 'session'))
    observations.unshift({ type: 'session', info: normalized.sessionInfo ?? {} });
  const lines: SpoolLine[] = [];
  for (const observation of observations) {
    lines.push(...(await observe(ctx, observation, input)));
  }
  appendSpool(repo.stateDir, ctx.key, lines, rules);
  // A session that ends after a commit carried it is closed as it ends, not at the next commit;
  // one that ends having changed nothing is sealed alone, as no commit will ever carry it.
  if (lines.some((l) => l.type === 'session' && l.ended)) {
    await closeEndedSessions(repo, loadSealState(repo).sessions[key]?.record ? undefined : key);
  }
  if (ctx.missing.length > 0) throw new TrailError('NOT_FOUND', ctx.missing.join('; '));
  return repo;
}

/** "the one edit", "both edits", "2 of the 3 edits": which of a tool call's edits a gap is about. */
function unplacedEdits(unplaced: number, of: number): string {
  if (unplaced === of) return of === 1 ? 'the one edit' : of === 2 ? 'both edits' : `all ${of} edits`;
  return `${unplaced} of the ${of} edits`;
}

/**
 * Cursor runs Claude Code's project hooks as well as its own (claude-code.ts, isCursorCall), so
 * each of its calls reaches Trail's Claude Code hook too. Where Trail's Cursor hooks are
 * installed they capture the session: the call is skipped, with no record and no gap (a
 * `claude-code` session of Cursor's work would count it twice, and claim it for the wrong
 * agent). Where they are not, nothing of the session is captured, and the gap says so.
 */
async function cursorCall(payload: unknown, input: HookInput): Promise<Repo | undefined> {
  const roots = (payload as { workspace_roots?: unknown }).workspace_roots;
  const root = Array.isArray(roots) && typeof roots[0] === 'string' ? roots[0] : undefined;
  const repo = repoForPayload(root, input);
  if (!repo || !isSetUp(repo)) return undefined;
  let hooksJson: string | undefined;
  try {
    hooksJson = readFileSync(join(repo.workTree, '.cursor', 'hooks.json'), 'utf8');
  } catch {
    // No hooks file: Trail's Cursor hooks are not installed.
  }
  const { hasTrailCursorHooks } = await import('./agents/cursor.js');
  if (hasTrailCursorHooks(hooksJson)) return undefined;
  // One gap per conversation, not one per call: every tool call of the session would
  // otherwise add the same line. The marker is taken with an exclusive create, so two calls
  // at once still make one gap; markers a day old are removed as a new one is made.
  const fields = payload as { conversation_id?: unknown; session_id?: unknown };
  const conversation = String(fields.conversation_id ?? fields.session_id ?? '');
  const dir = join(spoolDir(repo.stateDir), 'cursor-calls');
  const marker = join(dir, `${input.agent}-${sha256Hex(conversation).slice(0, 16)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(marker, '', { flag: 'wx' });
  } catch (error) {
    // Told already; any other failure still records the gap.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
  }
  removeAbandoned(dir);
  input.recordedIn = repo;
  throw new TrailError(
    'NOT_FOUND',
    `Cursor ran Trail's ${input.agent} hook (it runs Claude Code's hooks): nothing of this Cursor conversation is recorded by it, as Trail records Cursor through its own hooks, not installed here; run \`trail init --agents cursor\``,
  );
}

/**
 * Seals the end (and what the session did since its last commit) now, or, for a session no
 * commit carried (`neverCarried`, its key), the whole session if it changed nothing
 * (sealSessionIfIdle). Best effort, and brief: the end is in the spool already, so if the
 * seal lock stays held (a commit being sealed) or anything fails, the next commit closes a
 * carried session instead, and nothing is lost.
 */
async function closeEndedSessions(repo: Repo, neverCarried: string | undefined): Promise<void> {
  try {
    const { sealEndedSessions, sealSessionIfIdle } = await import('./seal.js');
    if (neverCarried === undefined) await sealEndedSessions(repo, { lockTimeoutMs: 1000 });
    else await sealSessionIfIdle(repo, neverCarried, { lockTimeoutMs: 1000 });
  } catch {
    // Left for the next commit's seal, which closes every ended session it finds.
  }
}

export function isSetUp(repo: Repo): boolean {
  try {
    return statSync(join(repo.stateDir, 'keys', 'writer.pem')).isFile();
  } catch {
    return false;
  }
}

function header(ctx: HookContext) {
  return {
    v: 1 as const,
    at: ctx.at,
    agent: ctx.normalized.agent,
    sessionId: ctx.normalized.sessionId,
    hook: ctx.normalized.hook,
    // The worktree of the payload's cwd, whose shadows the line's edits moved: the one whose
    // commits carry them.
    worktree: worktreeId(ctx.repo),
  };
}

function eventLine(ctx: HookContext, event: EventBody, provenance: Provenance): SpoolLine {
  const { value, findings } = redactValue(contextNamedInRepo(ctx.repo.workTree, event), ctx.rules);
  return {
    ...header(ctx),
    type: 'event',
    event: value,
    provenance,
    ...(findings.length > 0 ? { redactions: findings } : {}),
  };
}

async function observe(ctx: HookContext, observation: Observation, input: HookInput): Promise<SpoolLine[]> {
  switch (observation.type) {
    case 'session': {
      const first =
        ctx.fresh ||
        observation.info.source !== undefined ||
        ctx.normalized.hook.toLowerCase().includes('start');
      const info = {
        ...observation.info,
        ...(observation.info.model ? { modelFrom: 'observed' as const } : {}),
        ...(first ? boundaryFacts(ctx.repo, input.env) : {}),
      };
      const { value } = redactValue(info, ctx.rules);
      return [
        {
          ...header(ctx),
          type: 'session',
          info: value,
          ended: observation.ended,
          reason: observation.reason,
        },
      ];
    }
    case 'event':
      return [eventLine(ctx, observation.event, observation.provenance ?? 'observed')];
    case 'before-change':
      return beforeChange(ctx, observation);
    case 'after-change':
      return afterChange(ctx, observation);
    case 'call-denied':
      return callDenied(ctx, observation);
    case 'turn-end':
      if (observation.ifCallsHeld) return turnEndIfCallsHeld(ctx, observation.transcriptPath, input.env);
      return turnEnd(ctx, observation.transcriptPath, input.env);
    case 'background-start': {
      const command = redactValue(observation.command, ctx.rules).value;
      noteBackgroundStart(ctx.repo.stateDir, ctx.key, observation.toolUseId, { command, startedAt: ctx.at });
      return [];
    }
    case 'background-end':
      return [backgroundEnd(ctx, observation)];
  }
}

/**
 * A background task's end: the command that started it recorded again with the exit code it
 * ended with (so the check it ran counts, with its result), where its start was noted and the
 * code is known; otherwise the end itself, as a tool call with the notification's summary.
 */
function backgroundEnd(ctx: HookContext, end: Extract<Observation, { type: 'background-end' }>): SpoolLine {
  const start =
    end.toolUseId === undefined ? undefined : takeBackgroundStart(ctx.repo.stateDir, ctx.key, end.toolUseId);
  if (start !== undefined && end.exitCode !== undefined) {
    const ms = Date.parse(ctx.at) - Date.parse(start.startedAt);
    const outputTail = withCutRules(ctx.rules, () => backgroundOutputTail(end.outputFile, end.taskId));
    const command: EventBody = {
      type: 'command',
      command: start.command,
      exitCode: end.exitCode,
      ...(ms >= 0 ? { durationMs: ms } : {}),
      ...(outputTail !== undefined ? { outputTail } : {}),
    };
    return eventLine(ctx, command, 'observed');
  }
  return eventLine(ctx, backgroundEndCall(end), 'observed');
}

function repoPath(repo: Repo, path: string, cwd: string | undefined): string | undefined {
  return workTreePathOnDisk(repo.workTree, path, cwd) || undefined;
}

function statKey(repo: Repo, path: string): string {
  try {
    const s = statSync(join(repo.workTree, path));
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

async function beforeChange(
  ctx: HookContext,
  obs: Extract<Observation, { type: 'before-change' }>,
): Promise<SpoolLine[]> {
  const paths = obs.via === 'edit-tool' ? repoPaths(ctx, obs.paths) : dirtyFiles(ctx.repo.workTree);
  // The files are read before this call's marker is written, and so before the markers are
  // listed: an edit whose marker the listing misses had not run when they were read (its
  // before-hook writes the marker before the tool runs), or has reported (its after-hook
  // takes the marker once the shadows are saved).
  const texts = new Map(paths.map((p) => [p, readWorkingFile(ctx.repo, p)]));
  let own: string;
  if (obs.via !== 'edit-tool') {
    // A shell command or an MCP tool: the size and mtime of every dirty file, to compare after.
    own = shellMarker(ctx.repo, ctx.key, obs.toolUseId);
    const stats = Object.fromEntries(paths.map((p) => [p, statKey(ctx.repo, p)]));
    writeState(ctx.repo.stateDir, own, stats);
  } else {
    // The after-hook's proof that this hook ran (without it, the lines that changed may be a
    // person's as well as the agent's), and the lines this edit will write, where the agent
    // says: a parallel call's before-hook credits them to this call, not to a person.
    own = editMarker(ctx.repo, ctx.key, obs.toolUseId, paths);
    const [path] = paths;
    const lines =
      obs.intended && path !== undefined && paths.length === 1
        ? intendedDigests(texts.get(path), obs.intended)
        : undefined;
    const body: EditMarkerBody = { paths, ...(lines ? { writes: { [path!]: lines } } : {}) };
    writeState(ctx.repo.stateDir, own, body);
  }
  if (paths.length === 0) return [];
  const inFlight = callsInFlight(ctx.repo, own);
  // Whatever changed since Trail last looked was a person's doing, unless another tool call of
  // the agent may have done it (docs/attribution.md, "Rules"). While another shell command or
  // MCP tool runs, a change is the call's as much as a person's: `unknown`.
  const changedBy: Origin = inFlight.shell ? { kind: 'unknown' } : { kind: 'human' };
  for (const shadow of await shadowsFor(ctx.repo, paths)) {
    const { digests, trivial } = digestText(texts.get(shadow.path));
    const earlier = new Set(shadow.lines);
    const next = advanceShadow(shadow, digests, changedBy, trivial);
    // A file another edit in flight is writing: the lines that edit said it would write are
    // its session's (a line the graveyard gave back to a session stays that session's).
    if (inFlight.editing.has(shadow.path)) {
      next.forEach((line, i) => {
        if (earlier.has(line) || line.origin.kind === 'ai') return;
        next[i] = { digest: line.digest, origin: unexplainedLineOrigin(inFlight, shadow.path, line.digest) };
      });
    }
    saveShadow(ctx.repo, shadow);
  }
  return [];
}

/** The repository paths of the files an edit names (those outside the repository are dropped). */
function repoPaths(ctx: HookContext, paths: readonly string[]): string[] {
  return paths.map((p) => repoPath(ctx.repo, p, ctx.normalized.cwd)).filter((p): p is string => !!p);
}

/**
 * A call denied after its before-hook ran (Claude Code's PermissionDenied) will not run, and no
 * after-hook comes: its marker is taken, so its files are no longer held for it (a person's
 * change to them is a person's again) and a shell command's no longer makes changes `unknown`.
 * Nothing else: the before-hook changed no shadow on the call's behalf.
 */
function callDenied(ctx: HookContext, obs: Extract<Observation, { type: 'call-denied' }>): SpoolLine[] {
  const marker =
    obs.via === 'edit-tool'
      ? editMarker(ctx.repo, ctx.key, obs.toolUseId, repoPaths(ctx, obs.paths))
      : shellMarker(ctx.repo, ctx.key, obs.toolUseId);
  takeMarker(ctx.repo, marker);
  return [];
}

/**
 * Cursor's edits (which say what they wrote instead) and Codex's notify-only edits have no
 * before-hook by design (docs/capture.md, "Limits"), so no marker is expected of them.
 */
function expectsMarker(ctx: HookContext, obs: Extract<Observation, { type: 'after-change' }>): boolean {
  return !(
    obs.written !== undefined ||
    (obs.tool === 'apply_patch' && ctx.normalized.hook === 'agent-turn-complete')
  );
}

/** Claude Code and Cursor name a failed tool call's hook; nothing else reports one. */
function toolFailed(ctx: HookContext): boolean {
  return ctx.normalized.hook === 'PostToolUseFailure' || ctx.normalized.hook === 'postToolUseFailure';
}

async function afterChange(
  ctx: HookContext,
  obs: Extract<Observation, { type: 'after-change' }>,
): Promise<SpoolLine[]> {
  let paths: string[];
  // Without the snapshot taken before the change (its before-hook never ran, timed out, or
  // was for another tool call), the changes in the working tree cannot be told apart from a
  // person's: they are tracked as `unknown`, never credited to the agent.
  let snapshotMissing = false;
  // The before-hook's marker, taken once the shadows are saved (in-flight.ts).
  let marker: string | undefined;
  // The lines this edit said it would write: a parallel call's before-hook may have credited
  // them to it already, and they are still this edit's to record.
  let said: { lines: ReadonlySet<string>; others: InFlight } | undefined;
  if (obs.via !== 'edit-tool') {
    marker = shellMarker(ctx.repo, ctx.key, obs.toolUseId);
    const before = readState<Record<string, string> | undefined>(ctx.repo.stateDir, marker, undefined);
    // Settings installed before MCP tools had a before-hook (`trail init` not run again since)
    // send no PreToolUse for them: every MCP call would find no snapshot and take every dirty
    // file's pending changes for `unknown`. Such a call is not compared, as before.
    if (before === undefined && obs.via === 'mcp-tool') return [];
    snapshotMissing = before === undefined;
    const now = dirtyFiles(ctx.repo.workTree);
    const candidates = new Set([...Object.keys(before ?? {}), ...now]);
    paths = [...candidates].filter((p) => before?.[p] !== statKey(ctx.repo, p));
  } else {
    paths = repoPaths(ctx, obs.paths);
    if (expectsMarker(ctx, obs)) {
      marker = editMarker(ctx.repo, ctx.key, obs.toolUseId, paths);
      const body = readState<EditMarkerBody | string[] | undefined>(ctx.repo.stateDir, marker, undefined);
      snapshotMissing = paths.length > 0 && body === undefined;
      const writes = body && !Array.isArray(body) ? body.writes : undefined;
      if (writes && marker)
        said = { lines: new Set(Object.values(writes).flat()), others: callsInFlight(ctx.repo, marker) };
    }
  }
  try {
    return await creditChange(ctx, obs, paths, snapshotMissing, said);
  } finally {
    // Only now is the call no longer in flight: a before-hook that ran meanwhile left this
    // call's files to it, and finds them credited once the marker is gone.
    if (marker) takeMarker(ctx.repo, marker);
  }
}

/** The most line digests one file-edit event carries (16 characters each). */
const MAX_LINE_DIGESTS = 2000;

/**
 * An edit that said what it writes (Claude Code's Write, Edit and MultiEdit; Gemini CLI's
 * write_file and replace) wrote those lines and no others. A new line it did not name came
 * while the call was in flight, between its before-hook (which runs before the permission
 * prompt) and its after-hook: another call's, or a person's (unexplainedLineOrigin). Trivial
 * lines (a `}`) are left out of what an edit says, so they stay the edit's.
 */
function creditUnsaid(
  next: TrackedLine[],
  path: string,
  before: ReadonlySet<string>,
  trivial: ReadonlySet<string>,
  said: { lines: ReadonlySet<string>; others: InFlight },
  ctx: HookContext,
): void {
  next.forEach((line, i) => {
    const { digest, origin } = line;
    if (origin.kind !== 'ai' || origin.session !== ctx.key) return;
    if (before.has(digest) || trivial.has(digest) || said.lines.has(digest)) return;
    next[i] = { digest, origin: unexplainedLineOrigin(said.others, path, digest) };
  });
}

/** Advances the shadows of the files a change touched, crediting the agent where it can. */
async function creditChange(
  ctx: HookContext,
  obs: Extract<Observation, { type: 'after-change' }>,
  paths: string[],
  snapshotMissing: boolean,
  said?: { lines: ReadonlySet<string>; others: InFlight },
  onlyChanged = false,
): Promise<SpoolLine[]> {
  if (paths.length === 0) return [];
  const via = obs.via === 'shell' && obs.command && FORMATTER.test(obs.command) ? 'formatter' : obs.via;
  const agentOrigin: Origin =
    snapshotMissing || ctx.withheld ? { kind: 'unknown' } : { kind: 'ai', session: ctx.key };
  // An edit that says what it wrote, with no snapshot from before it (Cursor): the lines that
  // changed since Trail's last look are of unknown origin, save those its text wrote. Not a
  // person's: they may be, but they may as well be this agent's own earlier edit whose hook
  // failed or has not run yet, another chat's, or Tab's; nothing tells them apart.
  const written = obs.written;
  let unplaced = 0;
  const failed = toolFailed(ctx);
  const shadows = await shadowsFor(ctx.repo, paths);
  const lines: SpoolLine[] = [];
  for (const shadow of shadows) {
    const text = readWorkingFile(ctx.repo, shadow.path);
    const previous = shadow.lines.map((l) => l.digest);
    const before = new Set(previous);
    const existed = shadow.lines.length > 0;
    const { digests, trivial } = digestText(text);
    // A failed tool that left the file as it was did nothing to it: recording an edit would
    // make the next commit of the file, a person's, name the session.
    // Nor did a swept file whose lines are as Trail last saw them.
    if ((failed || onlyChanged) && sameLines(previous, digests)) continue;
    const next = advanceShadow(shadow, digests, written ? { kind: 'unknown' } : agentOrigin, trivial);
    if (said && agentOrigin.kind === 'ai') creditUnsaid(next, shadow.path, before, trivial, said, ctx);
    if (written && agentOrigin.kind === 'ai') {
      const placed = linesWritten(text, written);
      unplaced += placed.unplaced;
      for (const i of placed.lines) next[i] = { digest: next[i]!.digest, origin: agentOrigin };
    }
    saveShadow(ctx.repo, shadow);
    const ranges: Array<{ start: number; end: number }> = [];
    const wrote: string[] = [];
    next.forEach((line, i) => {
      if (line.origin.kind !== 'ai' || line.origin.session !== ctx.key) return;
      if (before.has(line.digest) && !said?.lines.has(line.digest)) return;
      wrote.push(line.digest);
      const last = ranges[ranges.length - 1];
      if (last && last.end === i) last.end = i + 1;
      else ranges.push({ start: i + 1, end: i + 1 });
    });
    const change = text === undefined ? 'deleted' : existed ? 'modified' : 'created';
    lines.push(
      eventLine(
        ctx,
        {
          type: 'file-edit',
          path: shadow.path,
          change,
          ranges,
          ...(text !== undefined ? { afterDigest: `sha256:${sha256Hex(text)}` } : {}),
          // Which turn wrote a line, for blame (attribution/line-turn.ts): past the cap, a
          // generated file say, the edit leaves its lines' turn unknown rather than grow the record.
          ...(wrote.length <= MAX_LINE_DIGESTS ? { lineDigests: [...new Set(wrote)] } : {}),
          via,
          ...(obs.tool ? { tool: obs.tool } : {}),
        },
        'observed',
      ),
    );
  }
  if (snapshotMissing && obs.via === 'edit-tool' && lines.length > 0)
    ctx.missing.push(
      `no before-hook was seen for the ${obs.tool ?? 'edit'} of ${paths.join(', ').slice(0, 300)}: the lines it changed count as of unknown origin`,
    );
  // A Codex turn often patches a file more than once, and a later hunk rewrites an earlier
  // one's text: not a gap in what was captured, and the lines stay `unknown` either way.
  const codexPatch = ctx.normalized.agent === 'codex';
  if (written && !codexPatch && !ctx.withheld && lines.length > 0 && (unplaced > 0 || written.length === 0))
    ctx.missing.push(
      written.length === 0
        ? `the ${obs.tool ?? 'edit'} of ${paths.join(', ').slice(0, 300)} came without its edits: the lines that changed count as of unknown origin`
        : `${unplacedEdits(unplaced, written.length)} to ${paths.join(', ').slice(0, 300)} (${obs.tool ?? 'edit'}) ${unplaced === 1 ? 'is' : 'are'} not in the file once (changed again since, or ${unplaced === 1 ? 'its text is' : 'their text is'} there more than once): the lines ${unplaced === 1 ? 'it' : 'they'} changed count as of unknown origin`,
    );
  return lines;
}

/**
 * The lines (0-based) of `text` that edits wrote, each edit placed where its new text is in the
 * file, once: the lines that text spans, less those its old text already held there (context
 * the edit kept, matched as carryOrigins matches lines, so whitespace alone is no change). An
 * edit whose new text is not in the file once cannot be placed (`unplaced`); one that wrote
 * nothing (a deletion) has no lines to place.
 */
function linesWritten(
  text: string | undefined,
  written: NonNullable<Extract<Observation, { type: 'after-change' }>['written']>,
): { lines: Set<number>; unplaced: number } {
  const lines = new Set<number>();
  let unplaced = 0;
  for (const edit of written) {
    if (edit.new === '') continue;
    const at = text !== undefined && edit.new !== undefined ? text.indexOf(edit.new) : -1;
    if (text === undefined || edit.new === undefined || at < 0 || text.includes(edit.new, at + 1)) {
      unplaced++;
      continue;
    }
    const end = at + edit.new.length;
    // Whole lines: a new text that starts or ends inside a line changed all of that line.
    const from = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
    const newline = text[end - 1] === '\n' ? end : text.indexOf('\n', end);
    const to = newline < 0 ? text.length : newline;
    const first = text.slice(0, from).split('\n').length - 1;
    const old = digestLines(text.slice(from, at) + edit.old + text.slice(end, to));
    const wrote = carryOrigins(
      old.map((digest) => ({ digest, origin: { kind: 'base' } })),
      digestLines(text.slice(from, to)),
      { kind: 'ai', session: '' },
    );
    wrote.forEach((line, k) => {
      if (line.origin.kind === 'ai') lines.add(first + k);
    });
  }
  return { lines, unplaced };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((digest, i) => digest === b[i]);
}

/**
 * The repository path of a file a Codex patch names, or a capture gap: a file outside the
 * repository, or one added or updated that is not there after the turn (its lines cannot be
 * read, and recording it as deleted would be false).
 */
function patchedPath(ctx: HookContext, path: string, change: string): string | undefined {
  const inRepo = repoPath(ctx.repo, path, ctx.normalized.cwd);
  if (inRepo === undefined) ctx.missing.push(`Codex patched ${path.slice(0, 300)}, outside the repository`);
  else if (change !== 'deleted' && !existsSync(join(ctx.repo.workTree, inRepo)))
    ctx.missing.push(
      `Codex patched ${inRepo.slice(0, 300)}, which is not there after the turn: its lines are not recorded`,
    );
  else return inRepo;
  return undefined;
}

interface TranscriptState {
  /** Reasoning events spooled from the transcript so far. */
  reasoning: number;
  models: string[];
  /** Where the next read starts: just past the last complete line read (transcriptFrom). */
  offset?: number;
  /** What the lines before `offset` leave to the next read (the agent parser's own). */
  carry?: unknown;
  /** The last line read had no newline yet (a whole JSON object at the end of the file). */
  openLine?: boolean;
  /** The transcript's first bytes as read, to tell a replaced transcript from a grown one. */
  head?: TranscriptHead;
  /** Rollout events taken as the record of notify-only Codex turns (counted as `reasoning` is). */
  acts?: number;
  /** Rollout prompts seen by notify-only Codex turns (counted as `reasoning` is). */
  prompts?: number;
  /** Where the transcript was found when the hook did not say. */
  path?: string;
  /** When this thread's last notify-only Codex turn ended (the hook's time). */
  turnEndAt?: string;
}

/** What a rollout records that Codex's notify payload does not carry. */
const ROLLOUT_ACTS = new Set(['command', 'context', 'tool-call', 'file-edit']);

/**
 * Codex's notify payload names no rollout file: it is
 * `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl` (FORMATS.md §4.3), found
 * by walking the day folders newest first (a resumed thread may have begun days ago).
 */
export function findCodexRollout(env: NodeJS.ProcessEnv, threadId: string): string | undefined {
  const home = env.CODEX_HOME || join(env.HOME || homedir(), '.codex');
  const suffix = `-${threadId}.jsonl`;
  const newestFirst = (dir: string) => {
    try {
      return readdirSync(dir)
        .filter((name) => /^\d+$/.test(name))
        .sort()
        .reverse();
    } catch {
      return [];
    }
  };
  const sessions = join(home, 'sessions');
  for (const year of newestFirst(sessions))
    for (const month of newestFirst(join(sessions, year)))
      for (const day of newestFirst(join(sessions, year, month))) {
        const dir = join(sessions, year, month, day);
        const name = readdirSync(dir).find((n) => n.startsWith('rollout-') && n.endsWith(suffix));
        if (name) return join(dir, name);
      }
  return undefined;
}

/** A turn-end naming another transcript than the session's own (Claude Code's SubagentStop). */
function isSubagentTranscript(ctx: HookContext, transcriptPath: string | undefined): boolean {
  if (transcriptPath === undefined) return false;
  const main = ctx.normalized.observations.find((o) => o.type === 'session' && o.info.transcriptPath);
  return main?.type === 'session' && main.info.transcriptPath !== transcriptPath;
}

/**
 * The session's usage per model, summed over its transcripts (its own and each subagent's):
 * each transcript's latest totals are kept, so reading one again replaces, never adds.
 */
function sessionUsage(ctx: HookContext, path: string, usage: ModelUsage[]): ModelUsage[] {
  const name = join('transcripts', `${ctx.key}-usage.json`);
  const byTranscript = readState<Record<string, ModelUsage[]>>(ctx.repo.stateDir, name, {});
  byTranscript[sha256Hex(path).slice(0, 16)] = usage;
  writeState(ctx.repo.stateDir, name, byTranscript);
  return sumUsageByModel(Object.values(byTranscript).flat());
}

/** The most of a transcript one turn end reads. */
const TRANSCRIPT_LIMIT = 64 * 1024 * 1024;

/** What a turn end reads of a transcript: its unread lines, and where the next read starts. */
interface UnreadLines {
  text: string;
  from: number;
  to: number;
  openLine: boolean;
  head?: TranscriptHead;
  /**
   * Bytes passed over unread: over TRANSCRIPT_LIMIT was appended since the last read (or the
   * transcript was that long when Trail first read it), and only its last lines are read.
   */
  skipped: number;
}

/**
 * The transcript's lines from `offset` to its last complete line. A last line without its
 * newline is taken when it is a whole JSON object (a writer that ends the file so), and
 * otherwise waits for the next read (a line still being written). A transcript shorter than
 * `offset`, or without a line ending just before it, is another file than the one read
 * before: it is read from the start. Of more than TRANSCRIPT_LIMIT unread bytes, the lines
 * that start in the last TRANSCRIPT_LIMIT are read and the rest passed over: refusing them
 * instead left the offset where it was, so every later turn end was refused too.
 */
function unreadLines(
  path: string,
  size: number,
  read: Pick<TranscriptState, 'offset' | 'openLine' | 'head'>,
): UnreadLines {
  const fd = openSync(path, 'r');
  try {
    let from = read.offset ?? 0;
    // After a last line taken without its newline, the newline may follow now.
    const lineEnded = read.openLine === true || byteAt(fd, from - 1) === 0x0a;
    // A transcript only grows: one whose first line is not the one read before was replaced.
    const sameHead = read.head === undefined || headDigest(fd, read.head.length) === read.head.digest;
    if (from > size || (from > 0 && (!lineEnded || !sameHead))) from = 0;
    // Read from the start: its first line (or what of it there is) is what later reads check.
    const head = from === 0 ? firstLineHead(fd) : read.head;
    const start = Math.max(from, size - TRANSCRIPT_LIMIT);
    let bytes = readRange(fd, start, size - start);
    if (start > from && byteAt(fd, start - 1) !== 0x0a) {
      // Cut inside a line: the next line is the first read (none, in a line of over the limit).
      const next = bytes.indexOf(0x0a) + 1;
      bytes = bytes.subarray(next > 0 ? next : bytes.length);
    }
    const at = size - bytes.length;
    const skipped = at - from;
    const filled = bytes.length;
    const end = bytes.lastIndexOf(0x0a) + 1;
    const rest = bytes.toString('utf8', end, filled);
    if (rest.trim().length > 0 && isWholeJsonObject(rest)) {
      return {
        text: `${bytes.toString('utf8', 0, filled)}\n`,
        from: at,
        to: at + filled,
        openLine: true,
        head,
        skipped,
      };
    }
    return { text: bytes.toString('utf8', 0, end), from: at, to: at + end, openLine: false, head, skipped };
  } finally {
    closeSync(fd);
  }
}

function isWholeJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** How much of a transcript's first line is kept as its fingerprint. */
const HEAD_BYTES = 4096;

interface TranscriptHead {
  length: number;
  /** SHA-256 of the transcript's first `length` bytes. */
  digest: string;
}

function headDigest(fd: number, length: number): string | undefined {
  const bytes = readRange(fd, 0, length);
  return bytes.length === length ? sha256Hex(bytes) : undefined;
}

/** The fingerprint of a transcript's first line, or of what of it there is. */
function firstLineHead(fd: number): TranscriptHead | undefined {
  const bytes = readRange(fd, 0, HEAD_BYTES);
  const length = bytes.indexOf(0x0a) + 1 || bytes.length;
  return length > 0 ? { length, digest: sha256Hex(bytes.subarray(0, length)) } : undefined;
}

/**
 * The agent parser over the unread lines, given the carry of the last read. A carry it cannot
 * use (damaged, or written by a release of Trail that kept another shape) would fail every
 * later turn end of the session the same way: the lines are read without it instead, and the
 * loss (cumulative token usage counts again from these lines) is recorded as a capture gap.
 */
function parseOn(
  ctx: HookContext,
  path: string,
  parseFrom: NonNullable<AgentModule['transcriptFrom']>,
  text: string,
  carry: unknown,
): ReturnType<typeof parseFrom> {
  try {
    return withCutRules(ctx.rules, () => parseFrom(text, carry));
  } catch (error) {
    if (carry === undefined) throw error;
    const parsed = withCutRules(ctx.rules, () => parseFrom(text, undefined));
    ctx.missing.push(
      `transcript ${path.slice(0, 300)}: what earlier turn ends kept of it could not be used (${(error as Error).message.slice(0, 200)}): token usage counts again from here`,
    );
    return parsed;
  }
}

/**
 * Calls the transcript answers with an error that no after-hook reported: a denial in Claude
 * Code's permission dialog, by its permission settings or by another PreToolUse hook fires no
 * PostToolUse, and PermissionDenied comes only for some, so the marker of the call's
 * before-hook still held its files (edits credited to it, a person's changes `unknown`). A
 * marker still there is taken, and the call recorded; with none, an after-hook or
 * PermissionDenied came and said it already.
 *
 * A call the tool itself failed may have run. Only an edit tool's marker is taken for it (a
 * failed edit wrote nothing); a command's stays, since what it changed cannot be told from a
 * person's change without its after-hook, so those changes stay `unknown` until it expires.
 */
function endedCalls(ctx: HookContext, failed: readonly FailedCall[]): SpoolLine[] {
  const lines: SpoolLine[] = [];
  for (const call of failed) {
    const names = [editMarker(ctx.repo, ctx.key, call.toolUseId, [])];
    if (call.cause !== 'error') names.push(shellMarker(ctx.repo, ctx.key, call.toolUseId));
    const held = names.map((name) => takeMarker(ctx.repo, name)).includes(true);
    if (!held) continue;
    const ended: EventBody = {
      type: 'tool-call',
      tool: call.tool ?? 'unknown',
      toolUseId: call.toolUseId,
      summary: failedCallSummary(call),
      ok: false,
    };
    lines.push(eventLine(ctx, ended, 'transcript'));
  }
  return lines;
}

/**
 * The end of a turn no hook may have reported (Claude Code runs no Stop or SubagentStop for a
 * turn the person interrupted), read at the next prompt while the session's before-hooks still
 * hold markers: the main transcript, and each subagent's written to since the oldest marker
 * (Claude Code keeps them in `<session>/subagents/` beside the session's own), each from its
 * own cursor, as its Stop or SubagentStop would have read it.
 */
async function turnEndIfCallsHeld(
  ctx: HookContext,
  transcriptPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SpoolLine[]> {
  const since = heldSince(ctx.repo, ctx.key);
  if (since === undefined) return [];
  // What this prompt hook is for comes first: a transcript it cannot read is a gap, and the
  // prompt is still recorded.
  const lines: SpoolLine[] = [];
  const read = async (path: string | undefined) => {
    try {
      lines.push(...(await turnEnd(ctx, path, env)));
    } catch (error) {
      ctx.missing.push(
        `transcript ${String(path).slice(0, 300)} could not be read at the next prompt (${(error as Error).message.slice(0, 200)}): a call it denied may count as in flight until the turn ends`,
      );
    }
  };
  await read(transcriptPath);
  if (transcriptPath === undefined || !transcriptPath.endsWith('.jsonl')) return lines;
  const subagents = join(transcriptPath.slice(0, -'.jsonl'.length), 'subagents');
  let names: string[];
  try {
    names = readdirSync(subagents).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return lines; // No subagent ran in this session.
  }
  for (const name of names.sort()) {
    const path = join(subagents, name);
    try {
      if (statSync(path).mtimeMs < since) continue;
    } catch {
      continue;
    }
    await read(path);
  }
  return lines;
}

async function turnEnd(
  ctx: HookContext,
  transcriptPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SpoolLine[]> {
  const parse = ctx.agent.transcript;
  if (!parse) return [];
  // A subagent's transcript is read from a cursor of its own: sharing the session's would
  // list the main reasoning again, and skip the subagent's.
  const subagent = isSubagentTranscript(ctx, transcriptPath);
  const stateName = join(
    'transcripts',
    subagent ? `${ctx.key}-${sha256Hex(transcriptPath!).slice(0, 16)}.json` : `${ctx.key}.json`,
  );
  const state = readState<TranscriptState>(ctx.repo.stateDir, stateName, { reasoning: 0, models: [] });
  // Codex's notify is the only hook its integration has: the rollout is the record of the turn.
  const notifyOnly = ctx.normalized.agent === 'codex' && ctx.normalized.hook === 'agent-turn-complete';
  const path =
    transcriptPath ??
    (notifyOnly ? (state.path ?? findCodexRollout(env, ctx.normalized.sessionId)) : undefined);
  if (!path) {
    // The prompt and the last message still go to the spool; the rest of the turn is a gap.
    if (!notifyOnly) return [];
    const gap = `no Codex rollout for thread ${ctx.normalized.sessionId.slice(0, 80)}: model, commands, edits and usage of this turn are missing`;
    // What the turn changed is not known: the files changed since it may have started are
    // its or a person's, `unknown` either way (docs/attribution.md, "Rules").
    const start = codexTurnStart(ctx, state, undefined);
    const swept = await sweepCodexTurn(ctx, start.since, new Set());
    ctx.missing.push(
      swept.paths.length > 0
        ? `${gap}; the files changed ${start.how} count as of unknown origin: ${swept.paths.join(', ').slice(0, 300)}`
        : gap,
    );
    writeState(ctx.repo.stateDir, stateName, { ...state, turnEndAt: ctx.at });
    return swept.lines;
  }
  const size = statSync(path).size;
  // A turn at a time where the agent's parser can (JSON lines), else whole.
  const parseFrom = ctx.agent.transcriptFrom;
  let summary: TranscriptSummary & {
    boundary?: { permissionMode?: string; sandbox?: string; network?: string };
  };
  let next: Pick<TranscriptState, 'offset' | 'carry' | 'openLine' | 'head'> = {};
  // What was taken before (reasoning, and a notify-only turn's acts and prompts) is counted:
  // `among` of them are in what is read now (a whole read), the rest came before it.
  let taken = (count: number | undefined) => ({ among: count ?? 0, before: 0 });
  const unread = parseFrom ? unreadLines(path, size, state) : undefined;
  // Read on from lines read before, or from lines passed over: what was taken before is not
  // among what is read now.
  const continued =
    unread !== undefined && unread.from > 0 && (state.offset !== undefined || unread.skipped > 0);
  // Undefined where the parser reads this file only whole (a Gemini CLI recording that is one
  // JSON document, rewritten at each change).
  const parsed =
    unread && parseFrom && parseOn(ctx, path, parseFrom, unread.text, continued ? state.carry : undefined);
  if (unread && parsed) {
    summary = parsed.summary;
    next = {
      offset: unread.to,
      carry: parsed.carry,
      ...(unread.openLine ? { openLine: true } : {}),
      ...(unread.head ? { head: unread.head } : {}),
    };
    if (unread.skipped > 0)
      ctx.missing.push(
        `transcript ${path.slice(0, 300)}: ${(unread.skipped / 2 ** 20).toFixed(1)} MiB not read before were passed over, as a turn end reads at most the last ${TRANSCRIPT_LIMIT / 2 ** 20} MiB: what the turns in them did is not recorded (reasoning, token usage, and a Codex rollout's commands and edits)`,
      );
    // Only a state from before offsets, read from the start, counts what was taken among what
    // is read now; a transcript replaced since holds only new words and acts.
    const fromOldState = state.offset === undefined && !continued;
    taken = (count) => ({ among: fromOldState ? (count ?? 0) : 0, before: continued ? (count ?? 0) : 0 });
  } else {
    if (size > TRANSCRIPT_LIMIT)
      throw new TrailError('INPUT_INVALID', `transcript ${path} is over ${TRANSCRIPT_LIMIT} bytes`);
    summary = withCutRules(ctx.rules, () => parse(readFileSync(path, 'utf8')));
  }
  const lines: SpoolLine[] = [];
  // The session's model is its main loop's: a subagent may run a smaller one.
  const model = subagent ? undefined : summary.model;
  const boundary = notifyOnly ? summary.boundary : undefined;
  if (model || summary.agentVersion || boundary) {
    lines.push({
      ...header(ctx),
      type: 'session',
      info: {
        ...(model ? { model, modelFrom: 'transcript' as const } : {}),
        ...(summary.agentVersion ? { agentVersion: summary.agentVersion } : {}),
        ...boundary,
      },
    });
  }
  // Reasoning is taken from the transcript (hooks seldom carry it); prompts and commands
  // already came through the hooks, so they are not duplicated here. A payload that carried
  // a message itself (Codex's notify, its `last-assistant-message`) recorded it already.
  const reasoning = summary.events.filter((e) => e.event.type === 'reasoning');
  const reasoningTaken = taken(state.reasoning);
  const carriedReasoning = carriedBy(ctx, 'reasoning');
  for (const item of reasoning.slice(reasoningTaken.among))
    if (!takeCarried(carriedReasoning, item.event)) lines.push(eventLine(ctx, item.event, 'transcript'));
  lines.push(...endedCalls(ctx, summary.failedCalls ?? []));
  let acts = state.acts;
  let prompts = state.prompts;
  if (notifyOnly) {
    // No hook saw Codex's commands, reads and patches: they come from the rollout, and the
    // files its patches name are diffed against Trail's shadow for their lines.
    const all = summary.events.filter((e) => ROLLOUT_ACTS.has(e.event.type));
    const actsTaken = taken(state.acts);
    const edited = new Map<string, string>();
    // What the turn's patches wrote to each file, where each of them says (null where one
    // does not): only those lines are the agent's, as no snapshot was taken before them.
    const wrote = new Map<string, PatchWrite[] | null>();
    const fresh = all.slice(actsTaken.among);
    for (const item of fresh) {
      if (item.event.type === 'file-edit') {
        const { path, change } = item.event;
        edited.set(path, change);
        const known = wrote.get(path);
        wrote.set(
          path,
          known === null || item.writes === undefined ? null : [...(known ?? []), ...item.writes],
        );
      } else lines.push(eventLine(ctx, item.event, 'transcript'));
    }
    // Files no hunk places lines in (a deletion): compared whole, every change the agent's.
    const compared: string[] = [];
    const explained = new Set<string>();
    for (const [path, change] of edited) {
      const inRepo = patchedPath(ctx, path, change);
      if (inRepo === undefined) continue;
      explained.add(inRepo);
      const written = change === 'deleted' ? null : wrote.get(path);
      if (!written) compared.push(inRepo);
      else
        lines.push(
          ...(await afterChange(ctx, {
            type: 'after-change',
            paths: [inRepo],
            via: 'edit-tool',
            tool: 'apply_patch',
            written,
          })),
        );
    }
    if (compared.length > 0)
      lines.push(
        ...(await afterChange(ctx, {
          type: 'after-change',
          paths: compared,
          via: 'edit-tool',
          tool: 'apply_patch',
        })),
      );
    acts = actsTaken.before + all.length;
    // A notify payload over Linux's 128 KiB argument limit never reaches Trail: a turn's prompts
    // are taken from the rollout too, once, skipping those this notify carried.
    const notified = carriedBy(ctx, 'prompt');
    const rolloutPrompts = summary.events.filter((e) => e.event.type === 'prompt');
    const promptsTaken = taken(state.prompts);
    for (const { event } of rolloutPrompts.slice(promptsTaken.among))
      if (!takeCarried(notified, event)) lines.push(eventLine(ctx, event, 'transcript'));
    prompts = promptsTaken.before + rolloutPrompts.length;
    // Trail sees a command, not what it wrote: the files the turn's commands may have changed
    // (changed since the turn started, and no patch of it explains) are linked to the session,
    // their changes since Trail last looked of unknown origin (docs/attribution.md, "Rules").
    if (fresh.some(({ event }) => mayWriteFiles(event))) {
      const began = earliestAt([...fresh, ...rolloutPrompts.slice(promptsTaken.among)]);
      const start = codexTurnStart(ctx, state, began);
      const swept = await sweepCodexTurn(ctx, start.since, explained);
      lines.push(...swept.lines);
      if (swept.paths.length > 0)
        ctx.missing.push(
          `Codex's commands in this turn may have written ${swept.paths.join(', ').slice(0, 300)}, changed ${start.how}: Trail does not see what a command writes, so the lines changed there since its last look count as of unknown origin`,
        );
    }
  }
  // Usage is cumulative per model; sealing keeps the latest figure for each model.
  for (const usage of sessionUsage(ctx, path, summary.usage)) {
    lines.push(eventLine(ctx, { type: 'usage', ...usage }, 'transcript'));
  }
  writeState(ctx.repo.stateDir, stateName, {
    reasoning: reasoningTaken.before + reasoning.length,
    ...next,
    models: summary.models,
    ...(acts !== undefined ? { acts } : {}),
    ...(prompts !== undefined ? { prompts } : {}),
    ...(notifyOnly ? { path, turnEndAt: ctx.at } : {}),
  });
  return lines;
}

/** The texts of `type` the hook's own payload carried (Codex's notify: prompts, final message). */
function carriedBy(ctx: HookContext, type: 'prompt' | 'reasoning'): string[] {
  return ctx.normalized.observations.flatMap((o) =>
    o.type === 'event' && o.event.type === type ? [o.event.text] : [],
  );
}

/**
 * Whether the payload carried `event`'s text already (recorded as the payload gave it): the
 * text is then taken from `carried`, so a transcript that says the same words twice (two turns
 * ending alike) still records the second.
 */
function takeCarried(carried: string[], event: EventBody): boolean {
  const at = event.type === 'prompt' || event.type === 'reasoning' ? carried.indexOf(event.text) : -1;
  if (at >= 0) carried.splice(at, 1);
  return at >= 0;
}

/** Rollout calls that ran and may have written files: a command, a poll of one, an MCP tool. */
function mayWriteFiles(event: EventBody): boolean {
  if (event.type === 'command') return true;
  if (event.type !== 'tool-call' || event.tool === 'apply_patch') return false;
  // A call Codex declined, or a patch it did not apply, wrote nothing (codex.ts, callNotRun).
  return !/^(denied|failed)(:|$)/.test(event.summary ?? '');
}

function earliestAt(items: ReadonlyArray<{ at?: string }>): number | undefined {
  let earliest: number | undefined;
  for (const { at } of items) {
    const ms = at === undefined ? Number.NaN : Date.parse(at);
    if (Number.isFinite(ms) && (earliest === undefined || ms < earliest)) earliest = ms;
  }
  return earliest;
}

/**
 * When a Codex turn may have started, to tell the files it may have changed from a person's
 * earlier work: the rollout's first line of the turn; else the previous turn end this thread's
 * notify saw; else when the thread was made, where its id is a UUIDv7 (Codex's thread ids are:
 * their first 48 bits are its time in ms). `since` is undefined where none is known.
 */
function codexTurnStart(
  ctx: HookContext,
  state: TranscriptState,
  fromRollout: number | undefined,
): { since?: number; how: string } {
  if (fromRollout !== undefined)
    return { since: fromRollout, how: `since the turn started (${new Date(fromRollout).toISOString()})` };
  const previous = state.turnEndAt === undefined ? Number.NaN : Date.parse(state.turnEndAt);
  if (Number.isFinite(previous))
    return { since: previous, how: `since the thread's previous turn ended (${state.turnEndAt})` };
  const id = ctx.normalized.sessionId.toLowerCase();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) {
    const made = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    if (made <= Date.parse(ctx.at))
      return { since: made, how: `since the thread was made (${new Date(made).toISOString()})` };
  }
  return {
    how: 'since Trail last looked (no start is known for this turn, nor an earlier turn end of its thread, so a person’s earlier pending change counts too)',
  };
}

/**
 * The files changed in the work tree (tracked, or untracked and not ignored: one `git status`)
 * since `since`, less those the turn's patches explain, each whose lines changed since Trail
 * last looked: those lines become `unknown` and the file is linked to the session, as an edit
 * that came without its edits. A file deleted is passed over (no time says when it went).
 */
async function sweepCodexTurn(
  ctx: HookContext,
  since: number | undefined,
  explained: ReadonlySet<string>,
): Promise<{ lines: SpoolLine[]; paths: string[] }> {
  const paths = dirtyFilesSince(ctx.repo.workTree, since).filter((p) => !explained.has(p));
  const lines = await creditChange(
    ctx,
    { type: 'after-change', paths, via: 'shell', written: [] },
    paths,
    false,
    undefined,
    true,
  );
  return {
    lines,
    paths: lines.flatMap((l) => (l.type === 'event' && l.event.type === 'file-edit' ? [l.event.path] : [])),
  };
}
