/**
 * `trail hook <agent|git> <event>`: called by agents' and git's hooks. Whatever happens it
 * exits 0 quickly; a failure is written down as a capture gap instead of surfacing.
 */

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordGap } from '../../capture/gaps.js';
import { gitHookMain } from '../../capture/git-hook-main.js';
import { TrailError } from '../../core/errors.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo, isInitialised } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('hook')
    .description('entry point for agent and git hooks (always exits 0; failures become capture gaps)')
    // Optional to commander: a hook set up wrongly must not fail the agent or the commit with
    // a usage error (exit 2), so a missing one is the action's to record as a gap.
    .argument('[source]', 'git, claude-code, codex, gemini-cli or cursor')
    .argument('[event]', "the hook's event name")
    .argument('[args...]', 'arguments git or the agent passed')
    .allowUnknownOption(true)
    .action(async (source: string | undefined, event: string | undefined, args: string[]) => {
      let ctx: CommandContext;
      try {
        ctx = context();
      } catch {
        // -C names no folder: there is no repository to record a gap in.
        return;
      }
      // The same entry point bin/trail's short path runs for git's hooks.
      if (source === 'git') return gitHookMain([event ?? '', ...args], ctx.cwd);
      let repo: Repo | undefined;
      try {
        repo = await findRepo(ctx.cwd);
        if (!source) throw new TrailError('USAGE', 'no hook source given: trail hook <agent|git> <event>');
        const { runAgentHook } = await import('../../capture/hook-runner.js');
        const payload =
          source === 'codex' && args.length > 0 ? args[args.length - 1]! : readFileSync(0, 'utf8');
        await runAgentHook({ agent: source, event: event ?? '', payload, cwd: ctx.cwd, env: ctx.env });
      } catch (error) {
        // Only where Trail is set up, as bin/trail's short path does: a hook must not leave
        // Trail's state behind in a repository that does not use it.
        if (repo && isInitialised(repo))
          recordGap(repo, {
            what: [source, event, 'hook'].filter(Boolean).join(' '),
            why: (error as Error).message,
            hook: event,
            agent: source,
          });
      }
    });
}
