/**
 * Entry point for agent hooks, loaded by bin/trail without the rest of the CLI so a hook
 * costs little more than starting Node. Whatever happens it exits 0 within its time budget,
 * and what it could not capture becomes a capture gap.
 */
import { isUtf8 } from 'node:buffer';
import { read, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { recordGap } from './gaps.js';
import { gapRules } from './hook-rules.js';
import type { HookInput } from './hook-runner.js';
import { isSetUp, repoForPayload, runAgentHook } from './hook-runner.js';

/** Hooks that wait longer than this for their payload or their work give up (and record why). */
export const HOOK_BUDGET_MS = 4000;

/**
 * The payload from standard input. Read with fs.read on descriptor 0 rather than through
 * process.stdin: setting up that stream costs more than the rest of a typical hook.
 */
function readStdin(timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (isatty(0)) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
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
        // Keep reading to drain the pipe, but stop storing past the limit (+1 byte to detect it).
        if (size - n <= 4 * 1024 * 1024 + 1) chunks.push(Buffer.from(buffer.subarray(0, n)));
        next();
      });
    next();
  });
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
    if (agent === 'codex' && rest.length > 0) input.payload = rest[rest.length - 1]!;
    else {
      const bytes = await readStdin(HOOK_BUDGET_MS - 500);
      lossy = !isUtf8(bytes);
      input.payload = bytes.toString('utf8');
    }
    await runAgentHook(input);
    // Agents send UTF-8; other bytes were replaced by U+FFFD, so what was kept is not exact.
    if (lossy) gap(input, 'payload is not valid UTF-8: invalid bytes were replaced before recording');
  } catch (error) {
    gap(input, (error as Error)?.message ?? String(error));
  }
  clearTimeout(budget);
  finish(agent);
  process.exitCode = 0;
}

function gap(input: HookInput, why: string): void {
  const repo = repoForPayload(undefined, input);
  // Codex's notify is per user and runs in every repository: one without Trail gets nothing.
  if (repo && isSetUp(repo))
    recordGap(
      repo.stateDir,
      {
        what: [input.agent, input.event, 'hook'].filter(Boolean).join(' '),
        why,
        agent: input.agent,
        hook: input.event,
      },
      gapRules(repo),
    );
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
