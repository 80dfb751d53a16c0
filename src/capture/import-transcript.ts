/**
 * `trail import`: the records a session would have had, built after the fact from the agent's
 * own log (a Claude Code transcript, a Codex rollout, a Gemini CLI session file), for work
 * done before `trail init`. Everything carries provenance `transcript`: it is what the file
 * says, not what Trail saw. The session's boundary holds only what the file states (cwd,
 * branch, Codex's sandbox and approval policy); host, user and credentials are not guessed.
 *
 * The records go straight to the ledger (there is no commit to seal them with), all in one
 * append. Record times come from the file, never the clock, so importing the same file again
 * builds the same records and adds none of them twice; a file that grew adds what is new.
 */
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { canonicalize } from '../core/canonical-json.js';
import { countLabel } from '../core/count-label.js';
import { fileError, TrailError } from '../core/errors.js';
import { estimateCost } from '../core/pricing.js';
import type { EventBody, TrailRecord } from '../core/records.js';
import { recordIdOf, validateRecord } from '../core/records.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES, redactValue } from '../core/redact.js';
import { findTickets } from '../core/tickets.js';
import type { UsageCounts } from '../core/usage-share.js';
import { sessionTotals } from '../core/usage-share.js';
import { compileChecks, deriveValidations } from '../core/validations.js';
import { readFileCapped } from '../io/read-capped.js';
import { loadConfig } from '../ledger/config.js';
import { loadIndex } from '../ledger/read.js';
import { redactionRules } from '../ledger/redaction-rules.js';
import type { Repo } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import { parseClaudeTranscript } from './agents/claude-code.js';
import type { CodexRolloutSummary } from './agents/codex.js';
import { parseCodexRollout } from './agents/codex.js';
import { parseGeminiTranscript } from './agents/gemini-cli.js';
import { contextNamedInRepo } from './context-ref.js';
import { withCutRules } from './cut-rules.js';
import { prepareEvent } from './manual-session.js';
import type { TranscriptSummary } from './observation.js';

export const IMPORT_AGENTS = {
  claude: { name: 'claude-code', label: 'Claude Code transcript', parse: parseClaudeTranscript },
  codex: { name: 'codex', label: 'Codex rollout', parse: parseCodexRollout },
  gemini: { name: 'gemini-cli', label: 'Gemini CLI session file', parse: parseGeminiTranscript },
} as const;
export type ImportAgent = keyof typeof IMPORT_AGENTS;

/** The same files parse hook by hook; a whole file is bounded so one import stays in memory. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const PRICE_TABLE = 'trail-default-2026-11-01';

export function importAgentOf(name: string): ImportAgent {
  const aliases: Record<string, ImportAgent> = {
    claude: 'claude',
    'claude-code': 'claude',
    codex: 'codex',
    gemini: 'gemini',
    'gemini-cli': 'gemini',
  };
  const agent = aliases[name.toLowerCase()];
  if (!agent)
    throw new TrailError(
      'USAGE',
      `unknown kind ${name}: use claude, codex or gemini (or github-review, gitlab-approval for code host reviews)`,
    );
  return agent;
}

/** Reads and parses the file; any problem is one line naming the file. */
/** `rules` place the cuts of long texts outside secrets (cut-rules.ts): the repository's. */
export function readTranscript(
  agent: ImportAgent,
  path: string,
  rules: readonly RedactionRule[] = BUILTIN_RULES,
): TranscriptSummary {
  const { label, parse } = IMPORT_AGENTS[agent];
  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new TrailError('INPUT_INVALID', `${path} is a folder: name one ${label}`);
    text = readFileCapped(path, MAX_FILE_BYTES).toString('utf8');
  } catch (error) {
    if (error instanceof TrailError) throw error;
    throw fileError('read', path, error);
  }
  let summary: TranscriptSummary;
  try {
    summary = withCutRules(rules, () => parse(text));
  } catch (error) {
    const why = firstLine((error as Error).message);
    throw new TrailError(
      'INPUT_INVALID',
      `${path}: ${/^not an? /.test(why) ? why : `not a ${label}: ${why}`}`,
    );
  }
  if (summary.events.length === 0 && summary.usage.length === 0) {
    throw new TrailError(
      'INPUT_INVALID',
      `${path}: not a ${label}: no prompts, tool calls or messages in it${summary.skippedLines ? ` (${countLabel(summary.skippedLines, 'unreadable line')})` : ''}`,
    );
  }
  return summary;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.slice(0, 300);
}

/** A path under the session's cwd is recorded relative to it, as the repository names it. */
function relativeTo(cwd: string | undefined, path: string): string {
  if (!cwd) return path;
  const base = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/**
 * The events as the ledger will hold them: the file's own events (usage dropped: the totals
 * come once per model, priced), file edits from Claude Code's edit tools, and the checks
 * the commands stand for, as sealing derives them.
 */
function eventsOf(
  summary: TranscriptSummary,
  checks: ReturnType<typeof compileChecks>,
): Array<{ at?: string; event: EventBody }> {
  const out: Array<{ at?: string; event: EventBody }> = [];
  for (const item of summary.events) {
    const e = item.event;
    if (e.type === 'usage') continue;
    if (e.type === 'file-edit') {
      out.push({ ...item, event: { ...e, path: relativeTo(summary.cwd, e.path) } });
      continue;
    }
    out.push(item);
    // Claude Code's transcript names an edit only as a tool call on a file.
    if (e.type === 'tool-call' && EDIT_TOOLS.has(e.tool) && e.summary && e.ok !== false) {
      out.push({
        ...item,
        event: {
          type: 'file-edit',
          path: relativeTo(summary.cwd, e.summary),
          change: 'modified',
          ranges: [],
          tool: e.tool,
          via: 'edit-tool',
        },
      });
    }
  }
  // Each derived check goes right after the command it stands for, at its time.
  const derived = deriveValidations(
    out.map((o) => o.event),
    checks,
  );
  const withChecks: Array<{ at?: string; event: EventBody }> = [];
  let next = 0;
  for (const item of out) {
    withChecks.push(item);
    if (item.event.type !== 'command' || item.event.exitCode === undefined) continue;
    // deriveValidations gives, per check run, an optional repair and then the validation.
    const group = derived[next]?.type === 'repair' ? 2 : 1;
    const validation = derived[next + group - 1];
    if (validation?.type !== 'validation' || validation.command !== item.event.command) continue;
    for (const event of derived.slice(next, next + group)) {
      withChecks.push({ ...(item.at ? { at: item.at } : {}), event });
    }
    next += group;
  }
  for (const event of derived.slice(next)) withChecks.push({ event });
  const endAt = summary.endedAt ?? summary.startedAt;
  for (const usage of summary.usage) {
    const cost = estimateCost(usage);
    withChecks.push({
      ...(endAt ? { at: endAt } : {}),
      event: {
        type: 'usage',
        ...usage,
        ...(cost !== undefined ? { costUsd: cost, priceTable: PRICE_TABLE } : {}),
      },
    });
  }
  return withChecks;
}

export interface ImportResult {
  agent: string;
  sessionId: string;
  /** Records built from the file. */
  built: number;
  /** Ids of the records appended now (empty when everything was already in the ledger). */
  added: string[];
  events: number;
  skippedLines: number;
}

/** Builds the session's records from the file (no I/O besides reading it). */
export function buildImportRecords(
  agent: ImportAgent,
  path: string,
  summary: TranscriptSummary,
  rules: readonly RedactionRule[],
  checks: ReturnType<typeof compileChecks>,
  workTree?: string,
): TrailRecord[] {
  const name = IMPORT_AGENTS[agent].name;
  const sessionId = summary.sessionId ?? basename(path, extname(path));
  // Files read are named as the hooks name them, so an import after the hooks adds no copy.
  const events = eventsOf(summary, checks).map(({ at, event }) => ({
    at,
    event: workTree === undefined ? event : contextNamedInRepo(workTree, event),
  }));
  const fallbackTime = summary.startedAt ?? summary.endedAt ?? statSync(path).mtime.toISOString();
  const prompts = events.flatMap((e) => (e.event.type === 'prompt' ? [e.event.text] : []));
  const tickets = new Map<string, ReturnType<typeof findTickets>[number]>();
  for (const t of [...findTickets(summary.gitBranch ?? ''), ...prompts.flatMap((p) => findTickets(p))]) {
    if (!tickets.has(t.id)) tickets.set(t.id, t);
  }
  const boundary = (summary as CodexRolloutSummary).boundary ?? {};
  const actor = { type: 'agent' as const, id: name };
  const firstPrompt = prompts[0]?.split('\n').find((l) => l.trim());
  const session = redactValue(
    {
      kind: 'session',
      v: 1,
      time: fallbackTime,
      actor,
      provenance: 'transcript',
      sessionId,
      agent: { name, ...(summary.agentVersion ? { version: summary.agentVersion } : {}) },
      ...(summary.model ? { model: summary.model } : {}),
      request: {
        tickets: [...tickets.values()],
        acceptanceCriteria: [],
        ...(firstPrompt ? { summary: firstPrompt.slice(0, 300) } : {}),
      },
      boundary: {
        mode: 'local',
        ...(summary.gitBranch ? { branch: summary.gitBranch } : {}),
        ...(summary.cwd ? { cwd: summary.cwd } : {}),
        ...(boundary.permissionMode ? { permissionMode: boundary.permissionMode } : {}),
        ...(boundary.sandbox ? { sandbox: boundary.sandbox } : {}),
        ...(boundary.network ? { network: boundary.network } : {}),
        credentialNames: [],
      },
      startedAt: fallbackTime,
      ...(summary.endedAt ? { endedAt: summary.endedAt } : {}),
    },
    rules,
  ).value;
  const records: TrailRecord[] = [validateRecord(session)];
  for (const { at, event } of events) {
    const { event: value, findings } = prepareEvent(event, rules);
    records.push(
      validateRecord({
        kind: 'event',
        v: 1,
        time: at ?? fallbackTime,
        actor,
        provenance: 'transcript',
        ...(findings.length > 0 ? { redactions: findings } : {}),
        sessionId,
        event: value,
      }),
    );
  }
  return records;
}

type UsageEvent = Extract<EventBody, { type: 'usage' }>;
const USAGE_COUNTS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'] as const;

/**
 * The running total to record for `usage` (the file's, for one model) where it goes beyond
 * the session's `recorded` total, each count the larger of the two, priced; undefined when
 * the file counts nothing more. Readers take what each record adds (usage-share.ts).
 */
function usageBeyond(usage: UsageEvent, recorded: UsageCounts | undefined): UsageEvent | undefined {
  if (!recorded) return usage;
  if (USAGE_COUNTS.every((k) => usage[k] <= recorded[k])) return undefined;
  const { costUsd: _cost, priceTable: _table, ...counts } = usage;
  for (const k of USAGE_COUNTS) counts[k] = Math.max(usage[k], recorded[k]);
  const cost = estimateCost(counts);
  return { ...counts, ...(cost !== undefined ? { costUsd: cost, priceTable: PRICE_TABLE } : {}) };
}

/** Whether `whole` says everything `part` says: each of its fields, equal (objects in depth). */
function holds(whole: unknown, part: unknown): boolean {
  if (whole === undefined) return false;
  if (part === null || typeof part !== 'object' || Array.isArray(part)) {
    return canonicalize(whole) === canonicalize(part);
  }
  if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) return false;
  return Object.entries(part).every(([k, v]) => holds((whole as Record<string, unknown>)[k], v));
}

function endsLater(
  session: Extract<TrailRecord, { kind: 'session' }>,
  recorded: Extract<TrailRecord, { kind: 'session' }>,
): boolean {
  const end = (s: { endedAt?: string }) => (s.endedAt ? Date.parse(s.endedAt) : Number.NEGATIVE_INFINITY);
  return end(session) > end(recorded);
}

/** Imports one file into the ledger; returns what was added (nothing when it was already there). */
export async function importTranscript(repo: Repo, agentName: string, path: string): Promise<ImportResult> {
  const agent = importAgentOf(agentName);
  const rules = redactionRules(repo);
  const summary = readTranscript(agent, path, rules);
  const config = loadConfig(repo);
  const records = buildImportRecords(
    agent,
    path,
    summary,
    rules,
    compileChecks(config.checks.patterns),
    repo.workTree,
  );
  const session = records[0] as Extract<TrailRecord, { kind: 'session' }>;
  // Every record built here names this session, so only that session's records can match.
  const index = await loadIndex(repo, { onlySessions: new Set([session.sessionId]) });
  // The same fact at the same time is already recorded, whoever recorded it.
  const known = new Set(
    (index.eventsBySession.get(session.sessionId) ?? []).map(
      (s) => `${s.record.time}\u0000${canonicalize(s.record.event)}`,
    ),
  );
  const recorded = index.sessions.get(session.sessionId)?.record;
  const recordedAt = new Map<string, EventBody[]>();
  for (const { record } of index.eventsBySession.get(session.sessionId) ?? []) {
    recordedAt.set(record.time, [...(recordedAt.get(record.time) ?? []), record.event]);
  }
  const usageSoFar = sessionTotals(index.eventsBySession.get(session.sessionId) ?? []);
  const fresh = records.flatMap((r): TrailRecord[] => {
    if (index.byId.has(recordIdOf(r))) return [];
    // An older or cut-short copy of the file must not re-state the session as ending earlier.
    if (r.kind === 'session' && recorded && !endsLater(r, recorded)) return [];
    if (r.kind !== 'event') return [r];
    const key = `${r.time}\u0000${canonicalize(r.event)}`;
    if (known.has(key)) return [];
    known.add(key);
    // A cut-short copy knows less of an event (a command whose result had not come yet).
    if (recordedAt.get(r.time)?.some((e) => holds(e, r.event))) return [];
    if (r.event.type !== 'usage') return [r];
    // Usage is the file's running total per model, as sealing records it: it goes in only
    // where it is beyond the session's recorded total, so no copy is counted twice.
    const beyond = usageBeyond(r.event, usageSoFar.get(r.event.model ?? ''));
    return beyond ? [validateRecord({ ...r, event: beyond })] : [];
  });
  // A grown file re-states its session (new end time); an unchanged one adds nothing at all.
  const added = fresh.length === 0 ? [] : (await appendAsThisClone(repo, fresh)).ids;
  return {
    agent: IMPORT_AGENTS[agent].name,
    sessionId: session.sessionId,
    built: records.length,
    added,
    events: records.length - 1,
    skippedLines: summary.skippedLines,
  };
}
