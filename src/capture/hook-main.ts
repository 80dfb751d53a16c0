/**
 * Entry point for agent hooks, loaded by bin/trail without the rest of the CLI so a hook
 * costs little more than starting Node. Whatever happens it exits 0 within its time budget,
 * and what it could not capture becomes a capture gap.
 */
import { isUtf8 } from 'node:buffer';
import { fstatSync, read, writeSync } from 'node:fs';
import { TrailError } from '../core/errors.js';
import { recordGap } from './gaps.js';
import type { HookInput } from './hook-runner.js';
import { isSetUp, MAX_PAYLOAD_BYTES, repoForPayload, runAgentHook } from './hook-runner.js';
import { PayloadShrinker } from './payload-shrink.js';

/** Hooks that wait longer than this for their payload or their work give up (and record why). */
export const HOOK_BUDGET_MS = 4000;

interface StdinPayload {
  /** The payload's text; shortened when it was over the limit, undefined if it could not be. */
  text: string | undefined;
  /** Bytes the agent sent, all of them. */
  size: number;
  /** Bytes that are not UTF-8 were replaced. */
  lossy: boolean;
  /** Long texts were cut to fit the limit. */
  shortened?: boolean;
}

/**
 * The payload from standard input. Read with fs.read on descriptor 0 rather than through
 * process.stdin: setting up that stream costs more than the rest of a typical hook. Up to
 * MAX_PAYLOAD_BYTES it is kept as sent; past that it streams through a PayloadShrinker, so
 * memory stays bounded and the few fields a hook needs survive a huge Write.
 */
function readStdin(timeoutMs: number): Promise<StdinPayload> {
  return new Promise((resolve, reject) => {
    if (isTerminal(0)) return resolve({ text: '', size: 0, lossy: false });
    const chunks: Buffer[] = [];
    let size = 0;
    let shrinker: PayloadShrinker | undefined;
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) return reject(error);
      if (shrinker) return resolve({ text: shrinker.end(), size, lossy: false, shortened: true });
      const bytes = Buffer.concat(chunks);
      resolve({ text: bytes.toString('utf8'), size, lossy: !isUtf8(bytes) });
    };
    const timer = setTimeout(() => settle(new Error(`no end of input after ${timeoutMs} ms`)), timeoutMs);
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const next = (): void =>
      read(0, buffer, 0, buffer.length, null, (error, n) => {
        if (settled) return;
        // A non-blocking pipe has nothing yet: try again shortly.
        if (error && (error as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(next, 2);
        // No standard input at all reads as an empty payload.
        if (error && (error as NodeJS.ErrnoException).code === 'EBADF') return settle(undefined);
        if (error) return settle(error);
        if (n === 0) return settle(undefined);
        size += n;
        const piece = Buffer.from(buffer.subarray(0, n));
        if (shrinker) shrinker.write(piece);
        else if (size <= MAX_PAYLOAD_BYTES) chunks.push(piece);
        else {
          shrinker = new PayloadShrinker(MAX_PAYLOAD_BYTES);
          for (const chunk of chunks) shrinker.write(chunk);
          chunks.length = 0;
          shrinker.write(piece);
        }
        next();
      });
    next();
  });
}

/**
 * Whether a descriptor is a terminal, by its file type: node:tty's isatty would load node:net
 * and its streams, a tenth of a hook's own time. Other character devices (/dev/null) count
 * too, and read as nothing either way.
 */
function isTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

export async function hookMain(args: readonly string[]): Promise<void> {
  const [agent = '', event = '', ...rest] = args;
  const input: HookInput = { agent, event, payload: '', cwd: process.cwd(), env: process.env };
  const budget = setTimeout(() => {
    gap(input, `hook did not finish within ${HOOK_BUDGET_MS} ms`);
    finish(agent);
    process.exit(0);
  }, HOOK_BUDGET_MS);
  budget.unref();
  try {
    // Codex's notify program gets its JSON as the last argument; everyone else on stdin.
    let lossy = false;
    let shortenedFrom: number | undefined;
    if (agent === 'codex' && rest.length > 0) input.payload = rest[rest.length - 1]!;
    else {
      const stdin = await readStdin(HOOK_BUDGET_MS - 500);
      lossy = stdin.lossy;
      if (stdin.shortened) shortenedFrom = stdin.size;
      if (stdin.text === undefined) {
        throw new TrailError(
          'INPUT_INVALID',
          `payload of ${stdin.size} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit even with its long texts shortened: nothing was recorded from it`,
        );
      }
      input.payload = stdin.text;
    }
    await runAgentHook(input);
    // Agents send UTF-8; other bytes were replaced by U+FFFD, so what was kept is not exact.
    if (lossy) gap(input, 'payload is not valid UTF-8: invalid bytes were replaced before recording');
    // What a hook records from a payload survives the cut (ids, paths, heads and tails of
    // texts); the gap says the payload was not read whole, and how large it was.
    if (shortenedFrom !== undefined)
      gap(
        input,
        `payload of ${shortenedFrom} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit: its long texts were shortened before recording`,
      );
  } catch (error) {
    gap(input, (error as Error)?.message ?? String(error));
  }
  clearTimeout(budget);
  finish(agent);
  process.exitCode = 0;
}

function gap(input: HookInput, why: string): void {
  const repo = input.recordedIn ?? repoForPayload(undefined, input);
  // Codex's notify is per user and runs in every repository: one without Trail gets nothing.
  if (repo && isSetUp(repo))
    recordGap(repo, {
      what: [input.agent, input.event, 'hook'].filter(Boolean).join(' '),
      why,
      agent: input.agent,
      hook: input.event,
      ...(input.sessionId ? { sessionId: input.sessionId } : {}),
    });
}

/** Agents that parse a hook's stdout as JSON get an empty object: "no opinion, carry on". */
function finish(agent: string): void {
  if (agent === 'cursor' || agent === 'gemini-cli') {
    try {
      writeSync(1, '{}\n');
    } catch {
      // The agent closed our output; it gets no opinion, which is the same answer.
    }
  }
}
