/**
 * Entry point for agent hooks, loaded by bin/trail without the rest of the CLI so a hook
 * costs little more than starting Node. Whatever happens it exits 0 within its time budget,
 * and what it could not capture becomes a capture gap.
 */
import { recordGap } from './gaps.js';
import type { HookInput } from './hook-runner.js';
import { repoForPayload, runAgentHook } from './hook-runner.js';

/** Hooks that wait longer than this for their payload or their work give up (and record why). */
export const HOOK_BUDGET_MS = 4000;

function readStdin(timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.isTTY) return resolve('');
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new Error(`no end of input after ${timeoutMs} ms`)), timeoutMs);
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading to drain the pipe, but stop storing past the limit (+1 byte to detect it).
      if (size <= 4 * 1024 * 1024 + 1) chunks.push(chunk);
    });
    process.stdin.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    process.stdin.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
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
    input.payload =
      agent === 'codex' && rest.length > 0 ? rest[rest.length - 1]! : await readStdin(HOOK_BUDGET_MS - 500);
    await runAgentHook(input);
  } catch (error) {
    gap(input, (error as Error)?.message ?? String(error));
  }
  clearTimeout(budget);
  finish(agent);
  process.exitCode = 0;
}

function gap(input: HookInput, why: string): void {
  const repo = repoForPayload(undefined, input);
  if (repo)
    recordGap(repo.stateDir, {
      what: `${input.agent} ${input.event} hook`,
      why,
      agent: input.agent,
      hook: input.event,
    });
}

/** Agents that parse a hook's stdout as JSON get an empty object: "no opinion, carry on". */
function finish(agent: string): void {
  if (agent === 'cursor' || agent === 'gemini-cli') process.stdout.write('{}\n');
}
