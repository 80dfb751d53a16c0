/**
 * What each session in the spool holds beyond its last seal: the files it edited (by
 * worktree), whether it ended, whether it recorded events. Seals decide from this which
 * sessions a commit carries; `trail session list` and `trail status` read it to say what each
 * pending session waits for.
 */
import type { Repo } from '../ledger/repo.js';
import type { SealState } from './seal-state.js';
import { listSpoolSessions, readSpool, readState } from './spool.js';

/**
 * Per session in the spool, what its lines from `from` (where it was last sealed) up to
 * `offset` hold: the files they edited, by the worktree they were edited in, whether the
 * session ended, and whether any line is an event rather than the session's own start or end.
 * That decides whether a commit involves the session. A cache, kept apart from the seal state
 * so that writing it can never undo a seal: an entry whose `from` is not the session's sealed
 * offset any more is ignored.
 */
export type ScanCache = Record<
  string,
  { from: number; offset: number; edited: EditedPaths; ended?: boolean; events?: boolean }
>;

/**
 * Paths edited, by the worktree they were edited in (worktreeId). Two worktrees hold two copies
 * of a path: a session's edit in one says nothing about a commit in the other, which must not
 * carry the session (its prompts, its checks) because a file of the same name changed there.
 * Edits on lines that name no worktree (written before lines did) are under ANY_WORKTREE and
 * match a commit in any of them, as every edit once did.
 */
export type EditedPaths = Record<string, string[]>;
export const ANY_WORKTREE = '*';

/** Whether a session edited, in the worktree `here` (or in one not recorded), any of `paths`. */
export function editedIn(edited: EditedPaths, here: string, paths: ReadonlySet<string>): boolean {
  return [here, ANY_WORKTREE].some((tree) => edited[tree]?.some((path) => paths.has(path)));
}

export const SCAN_CACHE = 'scanned.json';

/**
 * What each pending session edited since it was last sealed, and whether it ended since.
 * Most have nothing new on a given commit: the scan cache lets a seal read only what each
 * spool gained since the last look, so sessions that never touch a commit cost a stat each,
 * not a read. Sessions first seen here enter the seal state.
 */
export function scanSpools(repo: Repo, state: SealState): { scanned: ScanCache; moved: boolean } {
  const cache = readState<ScanCache>(repo.stateDir, SCAN_CACHE, {});
  const scanned: ScanCache = {};
  let moved = false;
  for (const key of listSpoolSessions(repo.stateDir)) {
    const sealedAt = state.offsets[key] ?? 0;
    const cached = cache[key];
    // An entry from before `ended` or `events` was kept, or before edits were kept by
    // worktree (a list), says nothing about them: read again from the seal.
    const usable =
      cached?.from === sealedAt &&
      cached.ended !== undefined &&
      cached.events !== undefined &&
      typeof cached.edited === 'object' &&
      cached.edited !== null &&
      !Array.isArray(cached.edited);
    const before = usable
      ? cached
      : { from: sealedAt, offset: sealedAt, edited: {}, ended: false, events: false };
    const read = readSpool(repo.stateDir, key, before.offset);
    const edited = new Map(Object.entries(before.edited).map(([tree, paths]) => [tree, new Set(paths)]));
    let ended = before.ended === true;
    let events = before.events === true;
    for (const l of read.lines) {
      if (l.type === 'event') {
        events = true;
        if (l.event.type === 'file-edit') {
          const tree = typeof l.worktree === 'string' ? l.worktree : ANY_WORKTREE;
          const paths = edited.get(tree) ?? new Set<string>();
          edited.set(tree, paths.add(l.event.path));
        }
      }
      // A resumed session writes a new session line after its end: the latest one decides.
      if (l.type === 'session') ended = l.ended === true;
    }
    scanned[key] = {
      from: sealedAt,
      offset: read.end,
      edited: Object.fromEntries([...edited].map(([tree, paths]) => [tree, [...paths]])),
      ended,
      events,
    };
    if (!usable || read.end !== cached.offset) moved = true;
    const first = read.lines[0];
    if (first && !state.sessions[key])
      state.sessions[key] = { agent: String(first.agent), sessionId: first.sessionId };
  }
  return { scanned, moved };
}
