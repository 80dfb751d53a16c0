/**
 * Installs Trail's git hooks beside whatever is already there. An existing hook file is
 * kept, renamed to `<hook>.pre-trail`, and Trail's script runs it first with the same
 * arguments and standard input, returning its exit status: Trail never changes whether a
 * commit or push succeeds. Trail's own step always ends in `exit 0`-equivalent behaviour.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { gitText } from './run.js';

export const MARKER = '# trail-hook: managed by Trail; `trail uninstall` removes it';
export const GIT_HOOKS = ['prepare-commit-msg', 'post-commit', 'post-rewrite', 'pre-push'] as const;
export type GitHookName = (typeof GIT_HOOKS)[number];

/** Hooks whose input arrives on stdin, which both the chained hook and Trail must see. */
export const STDIN_HOOKS = new Set<string>(['pre-push', 'post-rewrite']);

export async function hooksDir(workTree: string): Promise<string> {
  const path = await gitText(workTree, ['rev-parse', '--git-path', 'hooks']);
  return isAbsolute(path) ? path : resolve(workTree, path);
}

/** Quotes one word for a POSIX shell, always (hook scripts embed absolute paths). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function hookScript(name: string, command: readonly string[]): string {
  const trail = command.map(shellQuote).join(' ');
  const chained = STDIN_HOOKS.has(name)
    ? [
        'input=$(cat)',
        'status=0',
        'if [ -x "$0.pre-trail" ]; then',
        '  printf "%s\\n" "$input" | "$0.pre-trail" "$@"; status=$?',
        'fi',
        `[ "$status" -eq 0 ] && printf "%s\\n" "$input" | ${trail} hook git ${name} "$@" >/dev/null 2>&1`,
        'exit $status',
      ]
    : [
        'status=0',
        'if [ -x "$0.pre-trail" ]; then "$0.pre-trail" "$@"; status=$?; fi',
        `[ "$status" -eq 0 ] && ${trail} hook git ${name} "$@" </dev/null >/dev/null 2>&1`,
        'exit $status',
      ];
  return ['#!/bin/sh', MARKER, ...chained, ''].join('\n');
}

export function isTrailHook(path: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').includes(MARKER);
}

export async function installGitHooks(
  workTree: string,
  command: readonly string[],
  names: readonly GitHookName[] = GIT_HOOKS,
): Promise<{ dir: string; installed: string[]; chained: string[] }> {
  const dir = await hooksDir(workTree);
  mkdirSync(dir, { recursive: true });
  const installed: string[] = [];
  const chained: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path) && !isTrailHook(path)) {
      renameSync(path, `${path}.pre-trail`);
      chained.push(name);
    }
    writeFileSync(path, hookScript(name, command));
    chmodSync(path, 0o755);
    installed.push(name);
  }
  return { dir, installed, chained };
}

/** Removes Trail's hooks and puts back any hook they had chained, unchanged. */
export async function uninstallGitHooks(workTree: string): Promise<string[]> {
  const dir = await hooksDir(workTree);
  const removed: string[] = [];
  for (const name of GIT_HOOKS) {
    const path = join(dir, name);
    if (!isTrailHook(path)) continue;
    rmSync(path);
    if (existsSync(`${path}.pre-trail`)) renameSync(`${path}.pre-trail`, path);
    removed.push(name);
  }
  return removed;
}
