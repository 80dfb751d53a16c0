/**
 * `trail hook <agent|git> <event>`: called by agents' and git's hooks. Whatever happens it
 * exits 0 quickly; a failure is written down as a capture gap instead of surfacing.
 */
import type { Command } from 'commander';
import { recordGap } from '../../capture/gaps.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { runGitHook } from './git-hook.js';

export type AgentHookRunner = (
  repo: Repo,
  agent: string,
  event: string,
  ctx: CommandContext,
) => Promise<void>;

let agentHookRunner: AgentHookRunner | undefined;

/** The capture module registers itself here, so this command stays small to load. */
export function setAgentHookRunner(runner: AgentHookRunner): void {
  agentHookRunner = runner;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('hook')
    .description('entry point for agent and git hooks (always exits 0; failures become capture gaps)')
    .argument('<source>', 'git, claude-code, codex, gemini-cli or cursor')
    .argument('<event>', "the hook's event name")
    .argument('[args...]', 'arguments git or the agent passed')
    .allowUnknownOption(true)
    .action(async (source: string, event: string, args: string[]) => {
      const ctx = context();
      let repo: Repo | undefined;
      try {
        repo = await findRepo(ctx.cwd);
        if (source === 'git') await runGitHook(repo, event, args);
        else if (agentHookRunner) await agentHookRunner(repo, source, event, ctx);
        else throw new Error(`no capture for ${source}`);
      } catch (error) {
        if (repo)
          recordGap(repo.stateDir, {
            what: `${source} ${event} hook`,
            why: (error as Error).message,
            hook: event,
            agent: source,
          });
      }
    });
}
