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
import { recordRun, runCommand } from '../capture/exec.js';
import type { ApprovalState, SessionHandle } from '../capture/manual-session.js';
import {
  appendEvents,
  contextEvent,
  endSession,
  startSession,
  ticketRef,
} from '../capture/manual-session.js';
import { attributeAgentEdit, noteHumanChanges, repoRelativePath } from '../capture/track-edit.js';
import { TrailError } from '../core/errors.js';
import type { EventBody, Provenance } from '../core/records.js';
import type { Repo } from '../ledger/repo.js';
import { findRepo, requireInitialised } from '../ledger/repo.js';

export type RiskSeverity = 'low' | 'medium' | 'high' | 'critical';
/** `file`, `url`, `doc`, `ticket`, `other`, or one of the record's own sources (`rule-file`, `search`...). */
export type ContextSourceKind =
  | 'file'
  | 'url'
  | 'doc'
  | 'ticket'
  | 'other'
  | 'rule-file'
  | 'search'
  | 'mcp-server';

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
  model?: string;
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
    const env = options.env ?? process.env;
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
    this.record(contextEvent(source, ref, note));
  }

  note(text: string): void {
    this.record({ type: 'note', text });
  }

  /** A command the agent ran itself; `output` is kept as a redacted tail. */
  command(command: string, exitCode?: number, durationMs?: number, output?: string): void {
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
    this.record({
      type: 'usage',
      ...(report.model ? { model: report.model } : {}),
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
    await noteHumanChanges(this.handle.repo, this.paths(paths));
  }

  /** Call after the agent changed files: their changed lines are attributed to this session. */
  async fileEdited(...paths: string[]): Promise<void> {
    await this.edited(this.paths(paths), 'agent-reported');
  }

  /** Writes a file for the agent and records the edit (observed: the SDK made the change). */
  async writeFile(path: string, content: string): Promise<void> {
    const [rel] = this.paths([path]);
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
    const argv = Array.isArray(command) ? command : [command];
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

  private paths(paths: readonly string[]): string[] {
    if (paths.length === 0) throw new TrailError('USAGE', 'name at least one file');
    return paths.map((p) => {
      const rel = repoRelativePath(this.handle.repo, p, this.cwd);
      if (!rel) throw new TrailError('USAGE', `${p} is not a file inside ${this.handle.repo.workTree}`);
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
