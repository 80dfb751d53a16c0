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
import type { Origin } from '../core/line-origin.js';
import { carryOrigins } from '../core/line-origin.js';
import type { Repo } from '../ledger/repo.js';
import type { IntendedEdit } from './observation.js';
import { digestText } from './shadow.js';
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
const IN_FLIGHT_TTL_MS = 15 * 60 * 1000;

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

/** Removes a marker: its call has reported (or been denied). Whether it was there to take. */
export function takeMarker(repo: Repo, name: string): boolean {
  try {
    unlinkSync(join(spoolDir(repo.stateDir), name));
    return true;
  } catch {
    // Taken already, by a denial or a retry of the same after-hook.
    return false;
  }
}

/**
 * When the oldest marker a before-hook of the session `key` left, and no after-hook took yet,
 * was written (however old it is); undefined when there is none. One readdir, and a stat of
 * each of the session's markers.
 */
export function heldSince(repo: Repo, key: string): number | undefined {
  const dir = join(spoolDir(repo.stateDir), markerDir(repo));
  let oldest: number | undefined;
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(`${key}-`)) continue;
      try {
        const written = statSync(join(dir, name)).mtimeMs;
        if (oldest === undefined || written < oldest) oldest = written;
      } catch {
        // Taken since the readdir.
      }
    }
  } catch {
    // No marker was ever written here.
  }
  return oldest;
}

/**
 * Removes the files of `dir` as old as an abandoned marker (ABANDONED_MS): for markers kept
 * outside the in-flight listing (one per Cursor conversation, say), which nothing else takes.
 */
export function removeAbandoned(dir: string, now = Date.now()): void {
  try {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (now - statSync(file).mtimeMs > ABANDONED_MS) unlinkSync(file);
    }
  } catch {
    // Best effort: a marker left behind costs an empty file.
  }
}

/** An edit in flight on one file: its session's key, and the lines it will write, if known. */
export interface EditHolder {
  session: string;
  /** Digests of the (non-trivial) lines the edit will change; undefined when not known. */
  writes?: ReadonlySet<string>;
}

/** What an edit's marker holds: the files it names and, where known, the lines it will write. */
export interface EditMarkerBody {
  paths: string[];
  writes?: Record<string, string[]>;
}

/**
 * The digests of the lines an edit will change in `text` (the file as it is before the edit),
 * trivial ones left out (a `}` typed by a person must not be taken for the edit's): undefined
 * where the edit cannot be applied as given (its old text is not there), and the tool will fail.
 */
export function intendedDigests(text: string | undefined, intended: IntendedEdit): string[] | undefined {
  let after: string;
  if ('content' in intended) after = intended.content;
  else {
    after = text ?? '';
    for (const edit of intended.edits) {
      if (edit.old === '') after = edit.new;
      else if (!after.includes(edit.old)) return undefined;
      else after = edit.all ? after.split(edit.old).join(edit.new) : after.replace(edit.old, () => edit.new);
    }
  }
  const before = digestText(text).digests.map((digest) => ({ digest, origin: { kind: 'base' } as const }));
  const changed = carryOrigins(before, digestText(after).digests, { kind: 'ai', session: '' });
  return [...new Set(changed.filter((l) => l.origin.kind === 'ai').map((l) => l.digest))];
}

export interface InFlight {
  /** Files that edits of other calls are about to write, or wrote and have not reported. */
  editing: Map<string, EditHolder[]>;
  /** Whether another call's shell command or MCP tool is running: it may write any file. */
  shell: boolean;
}

/**
 * Whose a new line in `path` is, when no hook explains it: the session of an edit in flight
 * that said it writes the line; `unknown` while a shell command or MCP tool runs, or an edit
 * in flight on the file did not say what it writes (nothing tells the two apart); else a
 * person's (docs/attribution.md, "parallel tool calls").
 */
export function unexplainedLineOrigin(inFlight: InFlight, path: string, digest: string): Origin {
  const holders = inFlight.editing.get(path);
  const holder = holders?.find((h) => h.writes?.has(digest));
  if (holder) return { kind: 'ai', session: holder.session };
  if (inFlight.shell || holders?.some((h) => !h.writes)) return { kind: 'unknown' };
  return { kind: 'human' };
}

/**
 * The calls in flight in the repository's worktree other than `own` (the marker the current
 * hook wrote): one readdir, a stat of each marker and a read of each edit's. Markers older
 * than IN_FLIGHT_TTL_MS do not count.
 */
export function callsInFlight(repo: Repo, own: string, now = Date.now()): InFlight {
  const found: InFlight = { editing: new Map(), shell: false };
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
      const body: unknown = JSON.parse(readFileSync(file, 'utf8'));
      // A marker written before the lines were kept is a bare list of paths.
      const { paths, writes } = (Array.isArray(body) ? { paths: body } : body) as Partial<EditMarkerBody>;
      const session = name.slice(0, name.indexOf('-'));
      for (const p of Array.isArray(paths) ? paths : []) {
        if (typeof p !== 'string') continue;
        const lines = writes?.[p];
        const holder: EditHolder = Array.isArray(lines) ? { session, writes: new Set(lines) } : { session };
        found.editing.set(p, [...(found.editing.get(p) ?? []), holder]);
      }
    } catch {
      // Taken since the stat (markers are written whole, by a rename).
    }
  }
  return found;
}
