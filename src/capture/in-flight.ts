/**
 * Agent tool calls in flight. The before-hook of every change leaves a marker in the spool's
 * `pre/` folder and its after-hook takes it: an edit's (`<key>-edit-<hash>.json`) lists the
 * files it is about to write, a shell command's or an MCP tool call's (`<key>-<hash>.json`,
 * `<key>-shell.json` for agents that send no call id) holds the size and mtime of each dirty
 * file, the snapshot its after-hook compares with. A call denied after its before-hook ran has
 * its marker taken by the denial's hook instead (Claude Code's PermissionDenied). A linked
 * worktree's markers are kept in a folder of its own (`pre/<tag>/`), as its shadows are:
 * another worktree's calls change other files.
 *
 * Agents run tool calls side by side (Claude Code's parallel tool use and subagents), so a
 * before-hook may find a file changed by another call whose after-hook has not run yet: the
 * markers name those calls, so the change is not taken for a person's.
 */
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { Repo } from '../ledger/repo.js';
import { spoolDir } from './spool.js';
import { worktreeTag } from './worktree.js';

/**
 * How long a marker whose after-hook has not come counts as a call in flight. A call that
 * never reports (a tool the person denied in the permission dialog after its before-hook ran,
 * which no hook reports; an agent killed mid-call) must not hold its files, or keep a person's
 * changes `unknown`, for ever. Claude Code stops a Bash command after 10 minutes at most unless
 * `BASH_MAX_TIMEOUT_MS` allows it more, and an edit is written moments after it is allowed:
 * 15 minutes leaves room for both.
 */
export const IN_FLIGHT_TTL_MS = 15 * 60 * 1000;

/**
 * A marker this old belongs to a call that will never report: it is removed when seen, so
 * listing stays one readdir over a handful of files. An after-hook that comes later still
 * (a permission prompt left open for a day) finds no marker, as if its before-hook had not
 * run: its lines are `unknown`, never a person's.
 */
const ABANDONED_MS = 24 * 60 * 60 * 1000;

const EDIT_MARKER = /^[0-9a-f]{16}-edit-[0-9a-f]{16}\.json$/;
const SHELL_MARKER = /^[0-9a-f]{16}-(?:[0-9a-f]{12}|shell)\.json$/;

function markerDir(repo: Repo): string {
  const tag = worktreeTag(repo);
  return tag === undefined ? 'pre' : join('pre', tag);
}

/** The marker of a shell command's before-hook, as a name in the spool (spool.ts, readState). */
export function shellMarker(repo: Repo, key: string, toolUseId: string | undefined): string {
  return join(markerDir(repo), `${key}-${toolUseId ? sha256Hex(toolUseId).slice(0, 12) : 'shell'}.json`);
}

/**
 * The marker of an edit's before-hook. Agents that send no tool call id (Gemini CLI) have
 * their edits paired by the files named.
 */
export function editMarker(
  repo: Repo,
  key: string,
  toolUseId: string | undefined,
  paths: readonly string[],
): string {
  const id = toolUseId ? `id\n${toolUseId}` : `paths\n${[...paths].sort().join('\n')}`;
  return join(markerDir(repo), `${key}-edit-${sha256Hex(id).slice(0, 16)}.json`);
}

/** Removes a marker (its call has reported); whether it was there. */
export function takeMarker(repo: Repo, name: string): boolean {
  try {
    unlinkSync(join(spoolDir(repo.stateDir), name));
    return true;
  } catch {
    return false;
  }
}

export interface InFlight {
  /** Files that edits of other calls are about to write, or wrote and have not reported. */
  editing: Set<string>;
  /** Whether another call's shell command or MCP tool is running: it may write any file. */
  shell: boolean;
}

/**
 * The calls in flight in the repository's worktree other than `own` (the marker the current
 * hook wrote): one readdir, a stat of each marker and a read of each edit's. Markers older
 * than IN_FLIGHT_TTL_MS do not count.
 */
export function callsInFlight(repo: Repo, own: string, now = Date.now()): InFlight {
  const found: InFlight = { editing: new Set(), shell: false };
  const dir = join(spoolDir(repo.stateDir), markerDir(repo));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  const ownName = basename(own);
  for (const name of names) {
    const edit = EDIT_MARKER.test(name);
    if (name === ownName || (!edit && !SHELL_MARKER.test(name))) continue;
    const file = join(dir, name);
    let age: number;
    try {
      age = now - statSync(file).mtimeMs;
    } catch {
      continue; // taken by its after-hook since the readdir
    }
    if (age > ABANDONED_MS) {
      try {
        unlinkSync(file);
      } catch {
        // Taken meanwhile, or the spool is read-only: it is ignored either way.
      }
      continue;
    }
    if (age > IN_FLIGHT_TTL_MS) continue;
    if (!edit) {
      found.shell = true;
      continue;
    }
    try {
      const paths: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (Array.isArray(paths)) for (const p of paths) if (typeof p === 'string') found.editing.add(p);
    } catch {
      // Taken since the stat (markers are written whole, by a rename).
    }
  }
  return found;
}
