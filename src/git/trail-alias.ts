/**
 * `git trail`: the name that files committed to the repository call Trail by.
 *
 * Agent settings (`.claude/settings.json`, `.mcp.json`, `.gemini/settings.json`,
 * `.cursor/hooks.json`, `.cursor/mcp.json`) and Husky's scripts are shared through git. If
 * they named one person's Node binary and Trail checkout, every teammate's agent would run a
 * path that does not exist on their machine, and each teammate's `trail init` would rewrite
 * the shared files with their own paths. So those files run `git trail …`, and each clone's
 * `trail init` points the alias, in the clone's own `.git/config` (never committed), at its
 * own Node and `bin/trail`. Files that stay on one machine (`.git/hooks/*`, Codex's per-user
 * `config.toml`) keep the absolute command: it saves starting git and a shell on each call.
 */
import { shellQuote } from './hooks.js';
import { runGit } from './run.js';

const ALIAS_KEY = 'alias.trail';

/** The command committed files run, once the alias is Trail's. */
export const PORTABLE_COMMAND: readonly string[] = ['git', 'trail'];

/**
 * git runs a `!` alias from the top of the work tree and names the folder it was called from
 * in GIT_PREFIX. Going back there first keeps relative paths meaning what they meant
 * (`git trail blame src/a.ts` from a subfolder); git appends the arguments as `"$@"`.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
const ALIAS_PREFIX = '!cd -- "${GIT_PREFIX:-.}" && ';

export function trailAliasValue(command: readonly string[]): string {
  // exec: the shell git started becomes Trail instead of waiting for it, one process less.
  return `${ALIAS_PREFIX}exec ${command.map(shellQuote).join(' ')}`;
}

/** Trail's own alias: written by trailAliasValue, for some Node and some `bin/trail`. */
export function isTrailAlias(value: string): boolean {
  return value.startsWith(ALIAS_PREFIX) && /[/\\]trail'?$/.test(value.trimEnd());
}

/**
 * The alias as git resolves it; by default from any scope, since a user's own `trail` alias
 * in ~/.gitconfig is theirs as much as a local one.
 */
async function currentAlias(workTree: string, scope: readonly string[] = []): Promise<string | undefined> {
  const result = await runGit(workTree, ['config', ...scope, '--get', ALIAS_KEY], { allow: [1] });
  return result.code === 0 ? result.stdout.toString('utf8').replace(/\n$/, '') : undefined;
}

/**
 * Whether `git trail` runs this Trail (`command`), another Trail (Node or the checkout moved
 * since `trail init`), a user's own alias, or nothing.
 */
export async function trailAliasState(
  workTree: string,
  command: readonly string[],
): Promise<'this' | 'other' | 'theirs' | 'missing'> {
  const current = await currentAlias(workTree);
  if (current === undefined) return 'missing';
  if (!isTrailAlias(current)) return 'theirs';
  return current === trailAliasValue(command) ? 'this' : 'other';
}

export type AliasOutcome = 'set' | 'unchanged' | 'theirs';

/**
 * Points `git trail` at this clone's Trail. An alias of the user's under that name is left
 * alone ('theirs'): the caller then writes the absolute command instead.
 */
export async function installTrailAlias(workTree: string, command: readonly string[]): Promise<AliasOutcome> {
  const wanted = trailAliasValue(command);
  const current = await currentAlias(workTree);
  if (current === wanted) return 'unchanged';
  if (current !== undefined && !isTrailAlias(current)) return 'theirs';
  await runGit(workTree, ['config', '--local', ALIAS_KEY, wanted]);
  return 'set';
}

/** Removes the alias from this clone's config when it is Trail's; true when it did. */
export async function uninstallTrailAlias(workTree: string): Promise<boolean> {
  const local = await currentAlias(workTree, ['--local']);
  if (local === undefined || !isTrailAlias(local)) return false;
  await runGit(workTree, ['config', '--local', '--unset', ALIAS_KEY]);
  return true;
}
