/**
 * Husky and Lefthook own their hook files and rewrite them (husky on every `npm install`,
 * `lefthook install` whenever run), so Trail does not put its hooks where they would be
 * overwritten. Instead it adds itself to each tool's own configuration:
 * - Husky (core.hooksPath = .husky/_): a marked block at the end of `.husky/<hook>`, the
 *   user-level scripts husky runs and never regenerates;
 * - Lefthook: commands named `trail` in `lefthook-local.yml` (the per-clone override file,
 *   not committed), then `lefthook install` so lefthook's own hook scripts exist for them.
 * Both survive the tools rewriting their generated files; uninstall removes exactly what
 * was added.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { GitHookName } from './hooks.js';
import { GIT_HOOKS, STDIN_HOOKS, shellQuote } from './hooks.js';
import { gitTextOrUndefined } from './run.js';

export type HookManager = 'husky' | 'lefthook' | 'git';

const BEGIN = '# >>> trail: managed by Trail (`trail uninstall` removes this block)';
const END = '# <<< trail';

const LEFTHOOK_CONFIGS = [
  'lefthook.yml',
  '.lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yaml',
  'lefthook.toml',
  'lefthook.json',
];

export async function detectHookManager(workTree: string): Promise<HookManager> {
  const hooksPath = await gitTextOrUndefined(workTree, ['config', '--get', 'core.hooksPath']);
  if (hooksPath && /(^|\/)\.husky(\/_)?\/?$/.test(hooksPath) && existsSync(join(workTree, '.husky')))
    return 'husky';
  if (LEFTHOOK_CONFIGS.some((f) => existsSync(join(workTree, f)))) return 'lefthook';
  return 'git';
}

function huskyBlock(name: string, command: readonly string[]): string {
  const trail = command.map(shellQuote).join(' ');
  const call = STDIN_HOOKS.has(name)
    ? `${trail} hook git ${name} "$@" >/dev/null 2>&1 || true`
    : `${trail} hook git ${name} "$@" </dev/null >/dev/null 2>&1 || true`;
  return `${BEGIN}\n${call}\n${END}\n`;
}

function stripBlock(text: string): string {
  const start = text.indexOf(BEGIN);
  if (start < 0) return text;
  const end = text.indexOf(END, start);
  if (end < 0) return text;
  let after = end + END.length;
  if (text[after] === '\n') after++;
  return text.slice(0, start) + text.slice(after);
}

export function installHusky(
  workTree: string,
  command: readonly string[],
  names: readonly GitHookName[] = GIT_HOOKS,
): string[] {
  const changed: string[] = [];
  for (const name of names) {
    const path = join(workTree, '.husky', name);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const base = stripBlock(before);
    const next = `${base}${base && !base.endsWith('\n') ? '\n' : ''}${huskyBlock(name, command)}`;
    if (next !== before) {
      writeFileSync(path, next);
      chmodSync(path, 0o755);
      changed.push(`.husky/${name}`);
    }
  }
  return changed;
}

export function uninstallHusky(workTree: string): string[] {
  const changed: string[] = [];
  for (const name of GIT_HOOKS) {
    const path = join(workTree, '.husky', name);
    if (!existsSync(path)) continue;
    const before = readFileSync(path, 'utf8');
    const after = stripBlock(before);
    if (after === before) continue;
    if (after.trim() === '') rmSync(path);
    else writeFileSync(path, after);
    changed.push(`.husky/${name}`);
  }
  return changed;
}

const LEFTHOOK_LOCAL = 'lefthook-local.yml';

function lefthookBinary(workTree: string): string | undefined {
  const local = join(workTree, 'node_modules', '.bin', 'lefthook');
  if (existsSync(local)) return local;
  const onPath = spawnSync('lefthook', ['version'], { stdio: 'ignore' });
  return onPath.status === 0 ? 'lefthook' : undefined;
}

function runLefthookInstall(workTree: string): boolean {
  const bin = lefthookBinary(workTree);
  if (!bin) return false;
  return spawnSync(bin, ['install'], { cwd: workTree, stdio: 'ignore', timeout: 30_000 }).status === 0;
}

export function installLefthook(
  workTree: string,
  command: readonly string[],
  names: readonly GitHookName[] = GIT_HOOKS,
): { changed: string[]; installed: boolean } {
  const path = join(workTree, LEFTHOOK_LOCAL);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = parseDocument(text || '{}');
  const trail = command.map(shellQuote).join(' ');
  for (const name of names) {
    const args =
      name === 'prepare-commit-msg'
        ? ' {1} {2} {3}'
        : name === 'pre-push'
          ? ' {1} {2}'
          : name === 'post-rewrite'
            ? ' {1}'
            : '';
    doc.setIn([name, 'commands', 'trail'], {
      run: `${trail} hook git ${name}${args} >/dev/null 2>&1 || true`,
      ...(STDIN_HOOKS.has(name) ? { use_stdin: true } : {}),
    });
  }
  const next = doc.toString();
  const changed: string[] = [];
  if (next !== text) {
    writeFileSync(path, next);
    changed.push(LEFTHOOK_LOCAL);
  }
  return { changed, installed: runLefthookInstall(workTree) };
}

export function uninstallLefthook(workTree: string): string[] {
  const path = join(workTree, LEFTHOOK_LOCAL);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  for (const name of GIT_HOOKS) {
    if (!doc.hasIn([name, 'commands', 'trail'])) continue;
    doc.deleteIn([name, 'commands', 'trail']);
    const commands = doc.getIn([name, 'commands']) as { items?: unknown[] } | undefined;
    if (commands && Array.isArray(commands.items) && commands.items.length === 0)
      doc.deleteIn([name, 'commands']);
    const hook = doc.getIn([name]) as { items?: unknown[] } | undefined;
    if (hook && Array.isArray(hook.items) && hook.items.length === 0) doc.deleteIn([name]);
  }
  const next = doc.toString();
  const contents = doc.contents as { items?: unknown[] } | null;
  if (!contents || (Array.isArray(contents.items) && contents.items.length === 0)) rmSync(path);
  else if (next !== text) writeFileSync(path, next);
  else return [];
  runLefthookInstall(workTree);
  return [LEFTHOOK_LOCAL];
}

/** Makes sure the directory for a file exists (tools may not have created .husky yet). */
export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}
