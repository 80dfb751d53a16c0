/**
 * `trail uninstall`: takes out what `trail init` put in (hooks, refspecs, agent settings)
 * and puts back what was there. The ledger and `.trail/` are records and stay.
 */
import type { Command } from 'commander';
import { uninstallAgents } from '../../capture/install-agents.js';
import { uninstallHusky, uninstallLefthook } from '../../git/hook-managers.js';
import { uninstallGitHooks } from '../../git/hooks.js';
import { removeTrailRefspecs } from '../../git/remote-config.js';
import { uninstallTrailAlias } from '../../git/trail-alias.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

export type Uninstaller = (repo: Repo) => Promise<string[]>;
const extraUninstallers: Uninstaller[] = [];

export function addUninstaller(uninstaller: Uninstaller): void {
  extraUninstallers.push(uninstaller);
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('uninstall')
    .description("remove Trail's hooks and settings, restoring what was there; records are kept")
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const hooks = [
        ...(await uninstallGitHooks(repo.workTree)),
        ...uninstallHusky(repo.workTree),
        ...uninstallLefthook(repo.workTree),
      ];
      const refspecs = await removeTrailRefspecs(repo.workTree);
      const agents = uninstallAgents(repo);
      const alias = await uninstallTrailAlias(repo.workTree);
      const other: string[] = [];
      for (const u of extraUninstallers) other.push(...(await u(repo)));
      if (options.json) {
        printJson(ctx.io, { hooks, refspecs, alias, agents, other });
        if (agents.failed.length > 0) throw new ExitCode(1);
        return;
      }
      say(
        ctx.io,
        `removed git hooks: ${hooks.join(', ') || 'none'}; refspecs: ${refspecs.join(', ') || 'none'}` +
          (alias ? '; the `git trail` alias' : ''),
      );
      if (agents.restored.length > 0) say(ctx.io, `restored as they were: ${agents.restored.join(', ')}`);
      if (agents.cleaned.length > 0)
        say(ctx.io, `changed since, so only Trail's entries were removed: ${agents.cleaned.join(', ')}`);
      for (const failure of agents.failed) say(ctx.io, `could not restore ${failure} (its backup is kept)`);
      for (const note of agents.notes) say(ctx.io, `note: ${note}`);
      if (other.length > 0) say(ctx.io, `restored: ${other.join(', ')}`);
      say(ctx.io, 'records under refs/trail/ and .trail/ are kept');
      if (agents.failed.length > 0) throw new ExitCode(1);
    });
}
