/**
 * Running a check and recording it (`trail exec`, the SDK's `run`). The command's output goes
 * to the person live, chunk by chunk, while a bounded tail (the last 4 KiB) is kept for the
 * record; the tail is redacted before it is written, like everything else Trail captures.
 *
 * A run becomes two events in the session: the `command` that ran and the `validation` it
 * stands for (check name, passed or failed by exit code, which attempt). Sealing derives a
 * validation from every command with an exit code that matches a check pattern, so for such a
 * command the command event leaves its exit code to the validation beside it: otherwise one
 * run would count as two attempts.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CUT_MARGIN, tailCut } from '../core/cut.js';
import { TrailError } from '../core/errors.js';
import type { EventBody, Provenance } from '../core/records.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES } from '../core/redact.js';
import type { CheckPattern } from '../core/validations.js';
import { checkNameOf, compileChecks } from '../core/validations.js';
import { loadConfig } from '../ledger/config.js';
import type { SessionHandle } from './manual-session.js';
import { appendEvents, sessionLines } from './manual-session.js';

export const TAIL_BYTES = 4096;
/** Exit status of a command that could not be started, as shells use it. */
export const NOT_STARTED_EXIT = 127;

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/**
 * The last `limit` bytes of a stream of chunks, without holding more than that and CUT_MARGIN
 * bytes before it: the text there is scanned so the cut goes through no secret (core/cut.ts).
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;

  constructor(private readonly limit = TAIL_BYTES) {}

  push(chunk: Buffer): void {
    const held = this.limit + CUT_MARGIN;
    this.total += chunk.length;
    this.chunks.push(chunk.length > held ? chunk.subarray(chunk.length - held) : chunk);
    this.size += Math.min(chunk.length, held);
    while (this.size - this.chunks[0]!.length >= held) this.size -= this.chunks.shift()!.length;
  }

  /**
   * The tail as text: terminal colour codes removed, a character cut in two dropped, a cut
   * marked, and a secret the cut would go through (as `rules` find it) left out whole.
   */
  text(rules: readonly RedactionRule[] = BUILTIN_RULES): string {
    const bytes = Buffer.concat(this.chunks);
    if (this.total <= this.limit) return stripTerminalCodes(bytes.toString('utf8'));
    const held = bytes.toString('utf8').replace(/^\uFFFD+/, '');
    const kept = bytes
      .subarray(Math.max(0, bytes.length - this.limit))
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    return stripTerminalCodes(`…${held.slice(tailCut(held, held.length - kept.length, rules))}`);
  }
}

export function stripTerminalCodes(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .split('\n')
    .map((line) => {
      // A progress line redrawn with \r: what the person saw last is what stays.
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      return text.slice(text.lastIndexOf('\r') + 1);
    })
    .join('\n');
}

/** An argv as one shell-readable line, for the record. */
export function commandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export interface RunResult {
  exitCode: number;
  signal?: string;
  durationMs: number;
  /** The redaction-free tail of the combined output; redact before writing it anywhere. */
  tail: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the command's output goes as it arrives; omitted, it is only kept in the tail. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Give the command this terminal's stdin (true for `trail exec`). */
  inheritStdin?: boolean;
}

/**
 * Runs `argv` (one argument with spaces is a shell line: `trail exec -- "npm test && npm run
 * lint"`). Rejects with exit status 127 when the command cannot be started at all.
 */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  if (argv.length === 0) throw new TrailError('USAGE', 'name a command to run after --');
  const shellLine = argv.length === 1 && /\s/.test(argv[0]!.trim());
  const useShell = shellLine || process.platform === 'win32';
  const started = Date.now();
  const tail = new OutputTail();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, shellLine ? [] : argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      shell: useShell,
      stdio: [options.inheritStdin ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    });
    let spawned = false;
    // A Ctrl-C reaches the whole foreground group: the command decides what to do with it,
    // and Trail stays to record how it ended. A SIGTERM or SIGHUP sent to Trail alone is
    // passed on, so stopping `trail exec` stops the command.
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal !== 'SIGINT') child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const restore = () => {
      for (const s of signals) process.removeListener(s, onSignal);
    };
    child.on('spawn', () => {
      spawned = true;
      for (const s of signals) process.on(s, onSignal);
    });
    const pipe = (stream: NodeJS.ReadableStream | null, write?: (text: string) => void) => {
      if (!stream) return;
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => {
        tail.push(chunk);
        if (write) write(decoder.write(chunk));
      });
      stream.on('end', () => {
        const rest = decoder.end();
        if (write && rest) write(rest);
      });
    };
    pipe(child.stdout, options.stdout);
    pipe(child.stderr, options.stderr);
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (spawned) return; // reported through close
      restore();
      const why =
        error.code === 'ENOENT'
          ? 'command not found'
          : error.code === 'EACCES'
            ? 'permission denied'
            : (error.code ?? error.message);
      reject(
        new TrailError('NOT_FOUND', `cannot run ${argv[0]}: ${why}`, {
          cause: error,
          exitCode: NOT_STARTED_EXIT,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (!spawned) return;
      restore();
      resolvePromise({
        exitCode: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0),
        ...(signal ? { signal } : {}),
        durationMs: Date.now() - started,
        tail: tail.text(),
      });
    });
  });
}

export function checksOf(handle: SessionHandle): CheckPattern[] {
  return compileChecks(loadConfig(handle.repo).checks.patterns);
}

/** The check a command stands for: the name given, else its check pattern, else its program. */
export function checkFor(argv: readonly string[], checks: readonly CheckPattern[], given?: string): string {
  if (given?.trim()) return given.trim().slice(0, 256);
  const line = argv.length === 1 ? argv[0]! : commandLine(argv);
  const matched = checkNameOf(line, checks);
  if (matched) return matched;
  const program = basename((argv.length === 1 ? argv[0]!.trim().split(/\s+/)[0] : argv[0]) ?? 'command');
  return program.slice(0, 256) || 'command';
}

/**
 * How many times the check already ran in this session, counted the way sealing counts:
 * recorded validations that were not skipped, and commands with an exit code that match it.
 */
export function previousAttempts(
  handle: SessionHandle,
  check: string,
  checks: readonly CheckPattern[],
): number {
  let attempts = 0;
  for (const line of sessionLines(handle)) {
    if (line.type !== 'event') continue;
    const e = line.event;
    if (e.type === 'validation' && e.check === check && e.status !== 'skipped') attempts++;
    else if (e.type === 'command' && e.exitCode !== undefined && checkNameOf(e.command, checks) === check)
      attempts++;
  }
  return attempts;
}

export interface RecordedRun {
  check: string;
  status: 'passed' | 'failed';
  attempt: number;
  events: EventBody[];
}

/** Appends the command and validation events of one run to the session's spool. */
export function recordRun(
  handle: SessionHandle,
  run: { argv: readonly string[]; result: RunResult; check?: string; provenance?: Provenance; hook?: string },
): RecordedRun {
  const checks = checksOf(handle);
  const command = run.argv.length === 1 ? run.argv[0]! : commandLine(run.argv);
  const check = checkFor(run.argv, checks, run.check);
  const attempt = previousAttempts(handle, check, checks) + 1;
  const status = run.result.exitCode === 0 ? 'passed' : 'failed';
  const sealWouldDerive = checkNameOf(command, checks) !== undefined;
  const tail = run.result.tail.length > 0 ? { outputTail: run.result.tail } : {};
  const provenance = run.provenance ?? 'observed';
  const events = appendEvents(
    handle,
    [
      {
        event: {
          type: 'command',
          command,
          ...(sealWouldDerive ? {} : { exitCode: run.result.exitCode }),
          durationMs: run.result.durationMs,
        },
        provenance,
      },
      {
        event: {
          type: 'validation',
          check,
          status,
          attempt,
          command,
          exitCode: run.result.exitCode,
          durationMs: run.result.durationMs,
          ...(run.result.signal ? { reason: `ended by ${run.result.signal}` } : {}),
          ...tail,
        },
        provenance,
      },
    ],
    run.hook ?? 'exec',
  );
  return { check, status, attempt, events };
}
