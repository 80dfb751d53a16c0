/**
 * `trail init`: the writer key, the trust store, the config folder, refspecs and git hooks;
 * with `--agents`, also each agent's hooks, the `trail` MCP server and its rules-file note.
 */

import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { AgentInstallResult, TrailCommands } from '../../capture/install-agents.js';
import {
  agentName,
  installAgents,
  parseAgentList,
  preflightAgents,
  REPO_AGENTS,
} from '../../capture/install-agents.js';
import { trackedSinceText } from '../../core/before-tracking.js';
import type { HookManager } from '../../git/hook-managers.js';
import { detectHookManager, installHusky, installLefthook } from '../../git/hook-managers.js';
import { installGitHooks } from '../../git/hooks.js';
import { localIdentity } from '../../git/identity.js';
import { addTrailRefspecs } from '../../git/remote-config.js';
import { gitTextOrUndefined } from '../../git/run.js';
import type { AliasOutcome } from '../../git/trail-alias.js';
import { installTrailAlias, PORTABLE_COMMAND } from '../../git/trail-alias.js';
import { loadConfig, writeDefaultConfig } from '../../ledger/config.js';
import { createWriterKey, trustKey } from '../../ledger/keys.js';
import { loadPolicy } from '../../ledger/policy-file.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';
import { trailCommand } from '../trail-command.js';

export interface InitResult {
  writerId: string;
  configCreated: boolean;
  refspecsAdded: string[];
  /**
   * `git trail` in this clone's config: what committed files (agent settings, Husky's
   * scripts) call Trail by. 'theirs' when the user has an alias of that name: those files then
   * get this clone's absolute command.
   */
  alias: AliasOutcome;
  hooks: {
    dir: string;
    installed: string[];
    chained: string[];
    manager: HookManager;
    managerInstalled?: boolean;
  };
  agents?: AgentInstallResult;
  /**
   * Commits made before Trail: no hook recorded them. Unless the policy's
   * `requireCheckpointsFrom` leaves them out, they show as commits without a checkpoint.
   */
  history: { commits: number; requireCheckpointsFrom: string | null; suggestedFrom: string };
}

export interface InitOptions {
  /** The `--agents` list as typed: `claude-code,codex,gemini-cli,cursor` or `all`. */
  agents?: string;
}

export async function runInit(ctx: CommandContext, options: InitOptions = {}): Promise<InitResult> {
  // Read the list first: a typo should stop init before it changes anything.
  const agentList = options.agents === undefined ? undefined : parseAgentList(options.agents);
  const repo = await findRepo(ctx.cwd);
  // So are agent settings Trail cannot edit: checked with the commands it would write.
  if (agentList)
    preflightAgents(repo, agentList, { shared: PORTABLE_COMMAND, local: trailCommand() }, ctx.env);
  mkdirSync(repo.stateDir, { recursive: true });
  const key = createWriterKey(repo);
  const me = await localIdentity(repo.workTree);
  trustKey(repo, key.publicKey, `${me.email} on ${me.host}`);
  const configCreated = writeDefaultConfig(repo);
  const refspecsAdded = await addTrailRefspecs(repo.workTree);
  const local = trailCommand();
  const alias = await installTrailAlias(repo.workTree, local);
  const commands: TrailCommands = { shared: alias === 'theirs' ? local : PORTABLE_COMMAND, local };
  const hooks = await installHooks(repo.workTree, commands);
  const agents = agentList ? installAgents(repo, agentList, commands, ctx.env) : undefined;
  if (agents && options.agents?.split(',').some((w) => w.trim() === 'all') && !agentList?.includes('codex')) {
    agents.notes.push(
      'Codex keeps its settings per user (~/.codex/config.toml), so `all` leaves it out: ' +
        'run `trail init --agents codex` to add Trail there too.',
    );
  }
  if (agents && alias === 'theirs')
    agents.notes.push(
      'Your git config already has an alias named "trail", so the agent settings name this ' +
        "clone's Node and Trail by absolute path: teammates' clones will need their own paths.",
    );
  return {
    writerId: key.keyId,
    configCreated,
    refspecsAdded,
    alias,
    hooks,
    ...(agents ? { agents } : {}),
    history: await historyBeforeTrail(repo),
  };
}

async function historyBeforeTrail(repo: Repo): Promise<InitResult['history']> {
  const count = await gitTextOrUndefined(repo.workTree, ['rev-list', '--count', 'HEAD']);
  let from: string | null = null;
  try {
    from = loadPolicy(repo).policy.requireCheckpointsFrom ?? null;
  } catch {
    // A policy that does not parse is trail check's to report, not init's.
  }
  return {
    commits: count === undefined ? 0 : Number(count),
    requireCheckpointsFrom: from,
    // The moment the gaps report names for the same commits: when Trail began tracking.
    suggestedFrom:
      trackedSinceText(configuredTrackedSince(repo)) ?? trackedSinceText(new Date().toISOString())!,
  };
}

function configuredTrackedSince(repo: Repo): string | undefined {
  try {
    return loadConfig(repo).trackedSince;
  } catch {
    // A configuration that does not parse is trail status's to report, not init's.
    return undefined;
  }
}

/**
 * Husky and Lefthook rewrite their hook files: Trail goes into their configuration instead.
 * Husky's scripts are committed, so they call Trail by the shared command; lefthook-local.yml
 * and .git/hooks stay in this clone and use its own.
 */
async function installHooks(workTree: string, commands: TrailCommands): Promise<InitResult['hooks']> {
  const manager = await detectHookManager(workTree);
  if (manager === 'husky')
    return { dir: '.husky', installed: installHusky(workTree, commands.shared), chained: [], manager };
  if (manager === 'lefthook') {
    const result = installLefthook(workTree, commands.local);
    return {
      dir: 'lefthook-local.yml',
      installed: result.changed,
      chained: [],
      manager,
      managerInstalled: result.installed,
    };
  }
  return { ...(await installGitHooks(workTree, commands.local)), manager };
}

function reportAgents(ctx: CommandContext, result: AgentInstallResult): void {
  for (const agent of result.agents) {
    const files = result.files.filter((f) => f.agents.includes(agent) && f.status !== 'skipped');
    if (files.length === 0) continue;
    const changed = files.filter((f) => f.status !== 'unchanged').map((f) => f.display);
    say(
      ctx.io,
      changed.length > 0
        ? `${agentName(agent)}: Trail added to ${changed.join(', ')}`
        : `${agentName(agent)}: already set up (${files.map((f) => f.display).join(', ')})`,
    );
  }
  for (const note of result.notes) say(ctx.io, note);
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('init')
    .description('set up Trail in this repository: writer key, trusted keys, refspecs, git hooks')
    .option('-y, --yes', 'do not ask; accept the defaults')
    .option(
      '--agents <list>',
      `also install capture for these agents: claude-code, codex, gemini-cli, cursor, or all (= ${REPO_AGENTS.join(', ')})`,
    )
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean; agents?: string }) => {
      const ctx = context();
      const result = await runInit(ctx, { agents: options.agents });
      if (options.json) return printJson(ctx.io, result);
      say(ctx.io, `Trail is set up. Writer key ${result.writerId}.`);
      say(ctx.io, `Commit .trail/ so clones can verify this writer (its public key is in .trail/keys/).`);
      if (result.refspecsAdded.length > 0)
        say(ctx.io, `git fetch now carries Trail's refs from: ${result.refspecsAdded.join(', ')}`);
      if (result.hooks.manager === 'git')
        say(ctx.io, `Git hooks in ${result.hooks.dir}: ${result.hooks.installed.join(', ')}`);
      else say(ctx.io, `${result.hooks.manager} detected: Trail added itself to ${result.hooks.dir}`);
      if (result.hooks.managerInstalled === false)
        say(ctx.io, 'run `lefthook install` to activate the new lefthook commands');
      if (result.hooks.chained.length > 0)
        say(ctx.io, `Your existing hooks still run first: ${result.hooks.chained.join(', ')}`);
      if (result.agents) reportAgents(ctx, result.agents);
      const { history } = result;
      // Said when Trail is first set up in the repository: later commits are Trail's.
      if (result.configCreated && history.commits > 0 && history.requireCheckpointsFrom === null)
        say(
          ctx.io,
          `${history.commits === 1 ? '1 commit' : `${history.commits} commits`} from before Trail ${history.commits === 1 ? 'has' : 'have'} no checkpoint: to leave ${history.commits === 1 ? 'it' : 'them'} out of trail check and the gaps report, add "requireCheckpointsFrom: ${history.suggestedFrom}" to .trail/policy.yml (docs/policy.md)`,
        );
    });
}
