/**
 * The SDK: an agent written against Trail's library records its session itself.
 *
 *   const r = await Recorder.start({ cwd, agent: 'my-agent', model: 'gpt-5', ticket: 'PROJ-7' });
 *   r.prompt('Add a rate limiter'); r.decision('Token bucket per IP');
 *   await r.writeFile('src/limit.ts', code);  // or edit it yourself, then: await r.fileEdited('src/limit.ts')
 *   await r.run('npm test');                  // runs it, records command + validation
 *   r.end();
 *
 * Everything goes to the same spool as agent hooks, redacted, and is sealed into the ledger
 * with the commit that takes the session's lines. What the agent states is `agent-reported`;
 * what the SDK does or sees itself (a command it runs, a file it writes) is `observed`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { recordRun, runCommand } from '../capture/exec.js';
import type { ApprovalState, SessionHandle } from '../capture/manual-session.js';
import {
  appendEvents,
  CONTEXT_KINDS,
  contextEvent,
  endSession,
  startSession,
  ticketRef,
} from '../capture/manual-session.js';
import { attributeAgentEdit, noteHumanChanges, repoRelativePath } from '../capture/track-edit.js';
import { TrailError } from '../core/errors.js';
import type { EventBody, Provenance } from '../core/records.js';
import { requestSchema, sessionRecordSchema } from '../core/records.js';
import type { Repo } from '../ledger/repo.js';
import { findRepo, requireInitialised } from '../ledger/repo.js';
import { checkArgument, cwdSchema, invalidArgument, nonBlank } from './arguments.js';

export type RiskSeverity = 'low' | 'medium' | 'high' | 'critical';
/**
 * What `context` accepts: the kinds the MCP tool takes, and the record's own sources an
 * agent can name. Any other word would be recorded as `other`, losing what the agent meant.
 */
const CONTEXT_SOURCE_KINDS = [...CONTEXT_KINDS, 'rule-file', 'search', 'mcp-server'] as const;
/** `file`, `url`, `doc`, `ticket`, `other`, or one of the record's own sources (`rule-file`, `search`...). */
export type ContextSourceKind = (typeof CONTEXT_SOURCE_KINDS)[number];

/**
 * A session id is a name others type and pass around (`trail session end --session ID`,
 * `TRAIL_SESSION_ID`, the checkpoint that lists it): no separators, spaces or control
 * characters, and no longer than the spool allows (128, as `trail session start` does).
 */
const SAFE_SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

const session = sessionRecordSchema.shape;
const request = requestSchema.shape;

/** Names kept on one line, as `trail session start` keeps them (the spool's cleanName). */
const oneLine = (schema: z.ZodString) =>
  schema.refine((s) => s.trim().length > 0 && !/[\r\n]/.test(s), 'must be one line, not blank');

/**
 * RecorderOptions at run time. Each fact the session record holds is checked with that
 * record's own field schema (records.ts), so what start accepts the seal can write.
 */
const recorderOptionsSchema = z.strictObject({
  cwd: cwdSchema,
  agent: oneLine(session.agent.shape.name).optional(),
  agentVersion: session.agent.shape.version,
  model: session.model,
  sessionId: session.sessionId
    .regex(
      SAFE_SESSION_ID,
      'must be a safe name: up to 128 letters, digits and . _ : @ + -, starting with a letter or digit',
    )
    .optional(),
  ticket: z
    .union([nonBlank, z.array(nonBlank)], {
      error: 'must be a ticket id or URL (a string that is not blank), or a list of them',
    })
    .optional(),
  requester: request.requester,
  approval: request.approvalState,
  acceptanceCriteria: request.acceptanceCriteria.optional(),
  // Only its type: a prompt is bounded when it is spooled (cut to the record's limit) and
  // then validated as an event, like every prompt.
  prompt: z.string().optional(),
  makeCurrent: z.boolean().optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
});

/**
 * A usage report: the numbers are checked as the usage event they become (same field names);
 * here only what the event cannot say: the report is an object of known fields, and names its
 * model, without which tokens cannot be priced nor kept apart from another model's.
 */
const usageReportSchema = z.strictObject({
  model: oneLine(z.string({ error: 'must name the model the tokens were used by' })),
  inputTokens: z.unknown().optional(),
  outputTokens: z.unknown().optional(),
  cacheReadTokens: z.unknown().optional(),
  cacheWriteTokens: z.unknown().optional(),
  costUsd: z.unknown().optional(),
});

const runOptionsSchema = z.strictObject({ check: nonBlank.optional(), cwd: cwdSchema });
const optionalText = z.string().optional();

export interface RecorderOptions {
  /** A folder inside the repository (default: the process's cwd). */
  cwd?: string;
  /** The agent's name, e.g. `my-review-bot` (default: $TRAIL_AGENT or `generic`). */
  agent?: string;
  agentVersion?: string;
  model?: string;
  /** Continue this session instead of starting a new one. */
  sessionId?: string;
  /** Ticket ids or URLs the work is for. */
  ticket?: string | string[];
  requester?: string;
  approval?: ApprovalState;
  acceptanceCriteria?: string[];
  /** The request given to the agent, recorded as the first prompt. */
  prompt?: string;
  /** Also make it the clone's current session, for `trail exec` and `trail mcp` run beside it. */
  makeCurrent?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface UsageReport {
  /** Which model the tokens were used by: the figures are kept, and priced, per model. */
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd?: number;
}

export interface RunReport {
  exitCode: number;
  durationMs: number;
  /** The last 4 KiB of the combined output, unredacted (it is redacted in the record). */
  outputTail: string;
  check: string;
  status: 'passed' | 'failed';
  attempt: number;
}

export class Recorder {
  private ended = false;

  private constructor(
    private readonly handle: SessionHandle,
    private readonly env: NodeJS.ProcessEnv,
    /** Relative paths and commands are taken from here. */
    private readonly cwd: string,
  ) {}

  /** Starts (or continues, with `sessionId`) a session in the repository around `cwd`. */
  static async start(options: RecorderOptions = {}): Promise<Recorder> {
    checkArgument(recorderOptionsSchema, options, 'Recorder.start', 'options', 'fields');
    const env = options.env ?? process.env;
    // The agent may come from the environment, which the caller did not check either.
    if (options.agent === undefined && env.TRAIL_AGENT !== undefined) {
      checkArgument(oneLine(session.agent.shape.name), env.TRAIL_AGENT, 'Recorder.start', 'env.TRAIL_AGENT');
    }
    const cwd = resolve(options.cwd ?? process.cwd());
    const repo = await findRepo(cwd);
    requireInitialised(repo);
    const tickets = options.ticket === undefined ? [] : [options.ticket].flat();
    const handle = startSession(repo, {
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.agentVersion ? { agentVersion: options.agentVersion } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.sessionId ? { sessionId: options.sessionId } : {}),
      request: {
        tickets: tickets.map(ticketRef),
        ...(options.requester ? { requester: options.requester } : {}),
        ...(options.approval ? { approvalState: options.approval } : {}),
        acceptanceCriteria: options.acceptanceCriteria ?? [],
      },
      ...(options.prompt ? { prompt: options.prompt, promptProvenance: 'agent-reported' as const } : {}),
      cwd,
      makeCurrent: options.makeCurrent ?? false,
      hook: 'sdk',
      env,
    });
    return new Recorder(handle, env, cwd);
  }

  get sessionId(): string {
    return this.handle.sessionId;
  }

  get agent(): string {
    return this.handle.agent;
  }

  get repo(): Repo {
    return this.handle.repo;
  }

  /** Variables that make `trail exec` / `trail mcp` in a child process record into this session. */
  childEnv(): Record<string, string> {
    return { TRAIL_SESSION_ID: this.handle.sessionId, TRAIL_AGENT: this.handle.agent };
  }

  prompt(text: string): void {
    this.record({ type: 'prompt', text });
  }

  reasoning(text: string): void {
    this.record({ type: 'reasoning', text });
  }

  decision(text: string): void {
    this.record({ type: 'decision', text });
  }

  constraint(text: string): void {
    this.record({ type: 'constraint', text });
  }

  alternative(approach: string, rejectedBecause: string): void {
    this.record({ type: 'alternative', approach, rejectedBecause });
  }

  risk(text: string, severity?: RiskSeverity): void {
    this.record({ type: 'risk', text, ...(severity ? { severity } : {}) });
  }

  context(source: ContextSourceKind, ref: string, note?: string): void {
    if (!(CONTEXT_SOURCE_KINDS as readonly unknown[]).includes(source)) {
      throw invalidArgument(
        'Recorder.context',
        'argument "source"',
        `must be one of ${CONTEXT_SOURCE_KINDS.join(', ')}`,
      );
    }
    checkArgument(optionalText, note, 'Recorder.context', 'note');
    this.record(contextEvent(source, ref, note));
  }

  note(text: string): void {
    this.record({ type: 'note', text });
  }

  /** A command the agent ran itself; `output` is kept as a redacted tail. */
  command(command: string, exitCode?: number, durationMs?: number, output?: string): void {
    checkArgument(optionalText, output, 'Recorder.command', 'output');
    this.record({
      type: 'command',
      command,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(output ? { outputTail: output.length > 4096 ? `…${output.slice(-4096)}` : output } : {}),
    });
  }

  /** Token usage so far for a model (cumulative: the latest figure per model is kept at commit). */
  usage(report: UsageReport): void {
    checkArgument(usageReportSchema, report, 'Recorder.usage', 'report', 'fields');
    this.record({
      type: 'usage',
      model: report.model,
      inputTokens: report.inputTokens ?? 0,
      outputTokens: report.outputTokens ?? 0,
      cacheReadTokens: report.cacheReadTokens ?? 0,
      cacheWriteTokens: report.cacheWriteTokens ?? 0,
      ...(report.costUsd !== undefined ? { costUsd: report.costUsd } : {}),
    });
  }

  /**
   * Call before the agent changes files it did not write through `writeFile`: changes made
   * to them since Trail last looked are then a person's, not the agent's. Optional; without
   * it, everything that changed since the last commit (or the agent's last edit) is the agent's.
   */
  async willEdit(...paths: string[]): Promise<void> {
    this.open();
    await noteHumanChanges(this.handle.repo, this.paths(paths, 'Recorder.willEdit'));
  }

  /** Call after the agent changed files: their changed lines are attributed to this session. */
  async fileEdited(...paths: string[]): Promise<void> {
    await this.edited(this.paths(paths, 'Recorder.fileEdited'), 'agent-reported');
  }

  /** Writes a file for the agent and records the edit (observed: the SDK made the change). */
  async writeFile(path: string, content: string): Promise<void> {
    this.open();
    // Checked before the path's shadow moves: a refused call changes nothing.
    checkArgument(z.string(), content, 'Recorder.writeFile', 'content');
    const [rel] = this.paths([path], 'Recorder.writeFile');
    await noteHumanChanges(this.handle.repo, [rel!]);
    const full = join(this.handle.repo.workTree, rel!);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    await this.edited([rel!], 'observed');
  }

  /**
   * Runs a command (a shell line, or argv) in the repository and records it with the check it
   * stands for (observed). The output is not printed; the tail comes back in the report.
   */
  async run(command: string | string[], options: { check?: string; cwd?: string } = {}): Promise<RunReport> {
    this.open();
    const argv = commandArgv(command);
    checkArgument(runOptionsSchema, options, 'Recorder.run', 'options', 'fields');
    const result = await runCommand(argv, {
      cwd: options.cwd ? resolve(this.cwd, options.cwd) : this.cwd,
      env: { ...this.env, ...this.childEnv() },
    });
    const recorded = recordRun(this.handle, {
      argv,
      result,
      ...(options.check ? { check: options.check } : {}),
      provenance: 'observed',
      hook: 'sdk',
    });
    return {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      outputTail: result.tail,
      check: recorded.check,
      status: recorded.status,
      attempt: recorded.attempt,
    };
  }

  /** Ends the session; what it did is sealed with the commit that takes its lines. */
  end(reason?: string): void {
    if (this.ended) return;
    checkArgument(optionalText, reason, 'Recorder.end', 'reason');
    endSession(this.handle, reason, 'sdk');
    this.ended = true;
  }

  private open(): void {
    if (this.ended) throw new TrailError('USAGE', `session ${this.handle.sessionId} has ended`);
  }

  private record(
    event: EventBody | Record<string, unknown>,
    provenance: Provenance = 'agent-reported',
  ): void {
    this.open();
    appendEvents(this.handle, [{ event, provenance }], 'sdk');
  }

  /** Repository paths for the files a caller named, all checked before any is used. */
  private paths(paths: readonly unknown[], where: string): string[] {
    if (paths.length === 0) throw invalidArgument(where, 'argument "paths"', 'name at least one file');
    return paths.map((p, i) => {
      const name = paths.length === 1 ? 'argument "path"' : `argument "paths.${i}"`;
      if (typeof p !== 'string' || p.trim().length === 0) {
        throw invalidArgument(where, name, 'must be the path of a file, as a string');
      }
      const rel = repoRelativePath(this.handle.repo, p, this.cwd);
      if (!rel) throw invalidArgument(where, name, `${p} is not a file inside ${this.handle.repo.workTree}`);
      return rel;
    });
  }

  private async edited(paths: string[], provenance: Provenance): Promise<void> {
    this.open();
    const events = await attributeAgentEdit(this.handle.repo, this.handle.key, paths, {
      via: 'edit-tool',
      tool: 'sdk',
    });
    appendEvents(
      this.handle,
      events.map((event) => ({ event, provenance })),
      'sdk',
    );
  }
}

/**
 * A command as argv: one shell line, or a program and its arguments. A blank one, or
 * anything else, is refused here rather than by the spawn, which throws a bare TypeError.
 */
function commandArgv(command: unknown): string[] {
  const where = 'Recorder.run';
  if (typeof command === 'string') {
    if (command.trim().length === 0) throw invalidArgument(where, 'argument "command"', 'must not be empty');
    return [command];
  }
  if (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string')) {
    if (command[0]!.trim().length === 0) {
      throw invalidArgument(where, 'argument "command.0"', 'must name the program to run');
    }
    return command;
  }
  throw invalidArgument(
    where,
    'argument "command"',
    'must be a shell line (a string) or a program and its arguments (a non-empty array of strings)',
  );
}
