/** `trail init`: the writer key, the trust store, the config folder, refspecs and git hooks. */

import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { installGitHooks } from '../../git/hooks.js';
import { localIdentity } from '../../git/identity.js';
import { addTrailRefspecs } from '../../git/remote-config.js';
import { writeDefaultConfig } from '../../ledger/config.js';
import { createWriterKey, trustKey } from '../../ledger/keys.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';
import { trailCommand } from '../trail-command.js';

export interface InitResult {
  writerId: string;
  configCreated: boolean;
  refspecsAdded: string[];
  hooks: { dir: string; installed: string[]; chained: string[] };
}

export async function runInit(ctx: CommandContext): Promise<InitResult> {
  const repo = await findRepo(ctx.cwd);
  mkdirSync(repo.stateDir, { recursive: true });
  const key = createWriterKey(repo);
  const me = await localIdentity(repo.workTree);
  trustKey(repo, key.publicKey, `${me.email} on ${me.host}`);
  const configCreated = writeDefaultConfig(repo);
  const refspecsAdded = await addTrailRefspecs(repo.workTree);
  const hooks = await installGitHooks(repo.workTree, trailCommand());
  return { writerId: key.keyId, configCreated, refspecsAdded, hooks };
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('init')
    .description('set up Trail in this repository: writer key, trusted keys, refspecs, git hooks')
    .option('-y, --yes', 'do not ask; accept the defaults')
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const result = await runInit(ctx);
      if (options.json) return printJson(ctx.io, result);
      say(ctx.io, `Trail is set up. Writer key ${result.writerId}.`);
      say(ctx.io, `Commit .trail/ so clones can verify this writer (its public key is in .trail/keys/).`);
      if (result.refspecsAdded.length > 0)
        say(ctx.io, `git fetch now carries Trail's refs from: ${result.refspecsAdded.join(', ')}`);
      say(ctx.io, `Git hooks in ${result.hooks.dir}: ${result.hooks.installed.join(', ')}`);
      if (result.hooks.chained.length > 0)
        say(ctx.io, `Your existing hooks still run first: ${result.hooks.chained.join(', ')}`);
    });
}
