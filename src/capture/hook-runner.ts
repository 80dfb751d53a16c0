/**
 * What `trail hook <agent> <event>` does: payload in, redacted facts into the spool, edits
 * tracked line by line. It never throws to its caller's caller: the entry point turns any
 * failure into a capture gap and exits 0, so a broken Trail never blocks an agent.
 * It deliberately avoids loading zod, commander or the ledger: it runs on every tool call.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TrailError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Origin } from '../core/line-origin.js';
import type { EventBody, Provenance } from '../core/records.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES, compileRules, credentialNames, redactValue } from '../core/redact.js';
import type { Repo } from '../ledger/repo.js';
import type { HookAdapter, NormalizedPayload, Observation, TranscriptSummary } from './observation.js';
import { findRepoFast } from './repo-fast.js';
import { advanceShadow, digestText, readWorkingFile, saveShadow, shadowsFor } from './shadow.js';
import type { SpoolLine } from './spool.js';
import { appendSpool, readState, sessionKey, writeState } from './spool.js';

export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

interface AgentModule {
  adapter: HookAdapter;
  transcript?: (text: string) => TranscriptSummary;
}

/** Each agent's code loads only when its hook runs: a hook pays for one adapter, not four. */
const AGENTS: Record<string, () => Promise<AgentModule>> = {
  'claude-code': async () => {
    const m = await import('./agents/claude-code.js');
    return { adapter: m.normalizeClaudeCode, transcript: m.parseClaudeTranscript };
  },
  codex: async () => {
    const m = await import('./agents/codex.js');
    return { adapter: m.normalizeCodexNotify, transcript: m.parseCodexRollout };
  },
  'gemini-cli': async () => {
    const m = await import('./agents/gemini-cli.js');
    return { adapter: m.normalizeGeminiCli, transcript: m.parseGeminiTranscript };
  },
  cursor: async () => ({ adapter: (await import('./agents/cursor.js')).normalizeCursor }),
};

/** Formatters change lines mechanically; their edits are tagged so reviewers can tell. */
const FORMATTER =
  /\b(prettier|biome (format|check --write)|eslint --fix|black|ruff format|gofmt|go fmt|rustfmt|cargo fmt|clang-format|isort)\b/;

interface RawConfig {
  redact?: { patterns?: Array<{ id: string; pattern: string }> };
  capture?: { keepTranscripts?: boolean; transcriptMaxBytes?: number };
}

export interface HookInput {
  agent: string;
  event: string;
  /** The payload text (stdin, or the last argument for Codex's notify). */
  payload: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface HookContext {
  agent: AgentModule;
  repo: Repo;
  key: string;
  normalized: NormalizedPayload;
  rules: RedactionRule[];
  at: string;
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

function loadRawConfig(repo: Repo): RawConfig {
  try {
    return JSON.parse(readFileSync(join(repo.configDir, 'config.json'), 'utf8')) as RawConfig;
  } catch {
    return {};
  }
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
    throw new TrailError('INPUT_INVALID', `payload is not JSON: ${(error as Error).message.slice(0, 120)}`);
  }
}

/**
 * Runs one hook. Returns the repository it wrote to (for gap recording by the caller), or
 * undefined when there is nothing to do (no repository, or Trail not set up in it).
 */
export async function runAgentHook(input: HookInput): Promise<Repo | undefined> {
  const load = AGENTS[input.agent];
  let repo = repoForPayload(undefined, input);
  if (!load) throw new TrailError('USAGE', `unknown agent ${input.agent}`);
  const payload = parsePayload(input.payload);
  const agent = await load();
  const normalized = agent.adapter(payload, input.event);
  repo = repoForPayload(normalized.cwd, input) ?? repo;
  if (!repo || !isSetUp(repo)) return undefined;
  const config = loadRawConfig(repo);
  const rules = config.redact?.patterns?.length
    ? [...BUILTIN_RULES, ...compileRules(config.redact.patterns)]
    : BUILTIN_RULES;
  const ctx: HookContext = {
    agent,
    repo,
    key: sessionKey(normalized.agent, normalized.sessionId),
    normalized,
    rules,
    at: normalized.at ?? new Date().toISOString(),
  };
  const lines: SpoolLine[] = [];
  for (const observation of normalized.observations) {
    lines.push(...(await observe(ctx, observation, input, config)));
  }
  appendSpool(repo.stateDir, ctx.key, lines);
  return repo;
}

function isSetUp(repo: Repo): boolean {
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
  };
}

function eventLine(ctx: HookContext, event: EventBody, provenance: Provenance): SpoolLine {
  const { value, findings } = redactValue(event, ctx.rules);
  return {
    ...header(ctx),
    type: 'event',
    event: value,
    provenance,
    ...(findings.length > 0 ? { redactions: findings } : {}),
  };
}

async function observe(
  ctx: HookContext,
  observation: Observation,
  input: HookInput,
  config: RawConfig,
): Promise<SpoolLine[]> {
  switch (observation.type) {
    case 'session': {
      const first =
        observation.info.source !== undefined || ctx.normalized.hook.toLowerCase().includes('start');
      const info = { ...observation.info, ...(first ? boundaryFacts(ctx.repo, input.env) : {}) };
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
    case 'turn-end':
      return turnEnd(ctx, observation.transcriptPath, config);
  }
}

/** Facts about where the agent runs, taken once at session start. */
function boundaryFacts(repo: Repo, env: NodeJS.ProcessEnv) {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry in some containers.
  }
  const mode: 'local' | 'ci' | 'cloud' = env.CI
    ? 'ci'
    : env.CODESPACES || env.GITPOD_WORKSPACE_ID
      ? 'cloud'
      : 'local';
  return {
    credentialNames: credentialNames(env),
    host: hostname(),
    user,
    branch: currentBranch(repo),
    mode,
  };
}

function currentBranch(repo: Repo): string | undefined {
  try {
    const head = readFileSync(join(repo.gitDir, 'HEAD'), 'utf8').trim();
    return head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
  } catch {
    return undefined;
  }
}

function repoPath(repo: Repo, path: string, cwd: string | undefined): string | undefined {
  const absolute = isAbsolute(path) ? path : resolve(cwd ?? repo.workTree, path);
  const rel = relative(repo.workTree, absolute);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split('\\').join('/');
}

/** Files changed in the working tree (tracked or not), as git sees them. */
function dirtyFiles(repo: Repo): string[] {
  const result = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
    cwd: repo.workTree,
    encoding: 'utf8',
    timeout: 5000,
  });
  if (result.status !== 0) return [];
  const out: string[] = [];
  const parts = result.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    out.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename source follows
  }
  return out.filter((p) => !p.startsWith('.trail/'));
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
  const paths =
    obs.via === 'shell'
      ? dirtyFiles(ctx.repo)
      : obs.paths.map((p) => repoPath(ctx.repo, p, ctx.normalized.cwd)).filter((p): p is string => !!p);
  if (obs.via === 'shell') {
    const stats = Object.fromEntries(paths.map((p) => [p, statKey(ctx.repo, p)]));
    writeState(ctx.repo.stateDir, preName(ctx.key, obs.toolUseId), stats);
  }
  // Whatever changed since Trail last looked was a person's doing.
  const shadows = await shadowsFor(ctx.repo, paths);
  for (const shadow of shadows) {
    const { digests, trivial } = digestText(readWorkingFile(ctx.repo, shadow.path));
    advanceShadow(shadow, digests, { kind: 'human' }, trivial);
    saveShadow(ctx.repo, shadow);
  }
  return [];
}

function preName(key: string, toolUseId: string | undefined): string {
  return join('pre', `${key}-${toolUseId ? sha256Hex(toolUseId).slice(0, 12) : 'shell'}.json`);
}

async function afterChange(
  ctx: HookContext,
  obs: Extract<Observation, { type: 'after-change' }>,
): Promise<SpoolLine[]> {
  let paths: string[];
  if (obs.via === 'shell') {
    const before = readState<Record<string, string>>(ctx.repo.stateDir, preName(ctx.key, obs.toolUseId), {});
    const now = dirtyFiles(ctx.repo);
    const candidates = new Set([...Object.keys(before), ...now]);
    paths = [...candidates].filter((p) => before[p] !== statKey(ctx.repo, p));
  } else {
    paths = obs.paths.map((p) => repoPath(ctx.repo, p, ctx.normalized.cwd)).filter((p): p is string => !!p);
  }
  if (paths.length === 0) return [];
  const via = obs.via === 'shell' && obs.command && FORMATTER.test(obs.command) ? 'formatter' : obs.via;
  const agentOrigin: Origin = { kind: 'ai', session: ctx.key };
  const shadows = await shadowsFor(ctx.repo, paths);
  const lines: SpoolLine[] = [];
  for (const shadow of shadows) {
    const text = readWorkingFile(ctx.repo, shadow.path);
    const before = new Set(shadow.lines.map((l) => l.digest));
    const existed = shadow.lines.length > 0;
    const { digests, trivial } = digestText(text);
    const next = advanceShadow(shadow, digests, agentOrigin, trivial);
    saveShadow(ctx.repo, shadow);
    const ranges: Array<{ start: number; end: number }> = [];
    next.forEach((line, i) => {
      if (line.origin.kind !== 'ai' || line.origin.session !== ctx.key || before.has(line.digest)) return;
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
          via,
          ...(obs.tool ? { tool: obs.tool } : {}),
        },
        'observed',
      ),
    );
  }
  return lines;
}

interface TranscriptState {
  reasoning: number;
  models: string[];
}

async function turnEnd(
  ctx: HookContext,
  transcriptPath: string | undefined,
  config: RawConfig,
): Promise<SpoolLine[]> {
  const parse = ctx.agent.transcript;
  if (!transcriptPath || !parse) return [];
  const size = statSync(transcriptPath).size;
  const limit = 64 * 1024 * 1024;
  if (size > limit)
    throw new TrailError('INPUT_INVALID', `transcript ${transcriptPath} is over ${limit} bytes`);
  const summary = parse(readFileSync(transcriptPath, 'utf8'));
  const stateName = join('transcripts', `${ctx.key}.json`);
  const state = readState<TranscriptState>(ctx.repo.stateDir, stateName, { reasoning: 0, models: [] });
  const lines: SpoolLine[] = [];
  const model = summary.model;
  if (model || summary.agentVersion) {
    lines.push({
      ...header(ctx),
      type: 'session',
      info: {
        ...(model ? { model } : {}),
        ...(summary.agentVersion ? { agentVersion: summary.agentVersion } : {}),
      },
    });
  }
  // Reasoning is taken from the transcript only (hooks do not carry it); prompts and
  // commands already came through the hooks, so they are not duplicated here.
  const reasoning = summary.events.filter((e) => e.event.type === 'reasoning');
  for (const item of reasoning.slice(state.reasoning)) lines.push(eventLine(ctx, item.event, 'transcript'));
  // Usage is cumulative per model; sealing keeps the latest figure for each model.
  for (const usage of summary.usage) {
    lines.push(eventLine(ctx, { type: 'usage', ...usage }, 'transcript'));
  }
  writeState(ctx.repo.stateDir, stateName, { reasoning: reasoning.length, models: summary.models });
  void config;
  return lines;
}
