/**
 * Sealing at commit. When a commit lands, the captured work of every session that touched
 * the committed files becomes ledger records in one append: the session (request and
 * execution boundary), its events since the last seal, the checks derived from its
 * commands, capture gaps, and one checkpoint linking it all to the commit, with the origin
 * of every line the commit added. Sessions that did not touch the commit stay pending.
 *
 * Cost is bounded by the commit and the pending sessions, never by history: sealed sessions
 * that have ended leave the spool, their sealed offsets leave the seal state with them, and
 * what they stood for is retired to known-sessions.jsonl.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDaySessionId } from '../core/day-session.js';
import { TrailError } from '../core/errors.js';
import { matchLines } from '../core/line-diff.js';
import type { Origin, TrackedLine } from '../core/line-origin.js';
import { carryOrigins, digestLines, toSpans } from '../core/line-origin.js';
import { recordIdOfLine } from '../core/log-entry.js';
import { estimateCost } from '../core/pricing.js';
import { recordIdOf } from '../core/record-id.js';
import type { EventBody, RecordOf, TrailRecord } from '../core/records.js';
import type { TicketRef } from '../core/tickets.js';
import { findTickets } from '../core/tickets.js';
import { compileChecks, deriveValidations } from '../core/validations.js';
import { readObjects } from '../git/cat-file.js';
import { dirtyFiles, dirtyFilesSince } from '../git/dirty-files.js';
import { currentBranch } from '../git/head.js';
import { withoutHookRepository } from '../git/hook-environment.js';
import { runGit } from '../git/run.js';
import { loadAppendKey } from '../ledger/keys.js';
import { withLock } from '../ledger/lock.js';
import { chunkPath, logRef } from '../ledger/log-store.js';
import type { Repo } from '../ledger/repo.js';
import { findRepo } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import type { CaptureGap } from './gaps.js';
import { gapsFile, gapsWaiting, withoutHomeFolder } from './gaps.js';
import type { KnownSession } from './known-sessions.js';
import { appendKnownSessions, knownByKey } from './known-sessions.js';
import type { SealState, SessionLineInfo, SessionState } from './seal-state.js';
import { loadSealState, SEAL_STATE } from './seal-state.js';
import { loadShadow } from './shadow.js';
import type { SpoolLine } from './spool.js';
import {
  currentSession,
  forgetAwaitingCommit,
  readSpool,
  readState,
  sessionAwaitingCommit,
  sessionFile,
  spoolDir,
  spoolStartedAt,
  writeState,
} from './spool.js';
import type { ScanCache } from './spool-scan.js';
import { editedIn, SCAN_CACHE, scanSpools } from './spool-scan.js';
import { worktreeId, worktreeTag } from './worktree.js';

export const TRAILER = 'Trail-Checkpoint';

let schemas: Promise<[typeof import('../core/records.js'), typeof import('../ledger/config.js')]> | undefined;

/**
 * The record and config schemas, loading from the first call on. They are built with zod, the
 * largest part of what sealing loads: git's post-commit hook starts loading them at once, and
 * they load while the main thread waits for git, instead of before the first git process.
 */
export function loadSealSchemas(): NonNullable<typeof schemas> {
  schemas ??= Promise.all([import('../core/records.js'), import('../ledger/config.js')]);
  return schemas;
}
const TRAILER_PATTERN = /^Trail-Checkpoint:\s*(ckpt_[0-9a-f]{16})\s*$/m;

const SEAL_INTENT = 'seal-intent.json';

/**
 * Written before the ledger append and removed after the state update: if a crash (kill -9,
 * power loss) falls between the two, the next run finds the intent and learns from the log's
 * size whether the append happened, so the work is sealed exactly once.
 */
interface SealIntent {
  writerId: string;
  /** The log size before the append: the append's entries start at this sequence number. */
  sizeBefore: number;
  /** The id of the append's last entry (a checkpoint, or a closed session's last record). */
  lastRecordId: string;
  /** What intents written before closing sessions were sealed named the last entry by. */
  checkpointId?: string;
  next: SealState;
  /** Spools of ended sessions this seal completes: each leaves the spool, at `end` bytes. */
  prune?: Array<{ key: string; end: number }>;
  /** Sessions leaving the seal state for known-sessions.jsonl (those pruned among them). */
  retire?: KnownSession[];
}

async function recoverSealIntent(repo: Repo): Promise<void> {
  const intent = readState<SealIntent | undefined>(repo.stateDir, SEAL_INTENT, undefined);
  if (!intent) return;
  // The append either landed whole at `sizeBefore` (ending with its last record) or not at all.
  const [chunk] = await readObjects(repo.workTree, [
    `${logRef(intent.writerId)}:${chunkPath(intent.sizeBefore)}`,
  ]);
  const last = chunk?.content.toString('utf8').trim().split('\n').pop();
  if (last && recordIdOfLine(last) === (intent.lastRecordId ?? intent.checkpointId)) finishSeal(repo, intent);
  else rmSync(join(spoolDir(repo.stateDir), SEAL_INTENT), { force: true });
}

/**
 * After the append: the new seal state, then the spools of ended sessions leave, then the
 * intent. Run again from the intent after a crash, so every step may find itself done.
 *
 * A pruned session's sealed offset goes with its spool: should the session be resumed (the
 * same agent and session id), its new spool starts at 0 and must be read from there. A spool
 * that grew since the seal (resumed before it could leave) stays, sealed up to `end`.
 */
function finishSeal(repo: Repo, intent: SealIntent): void {
  const { next, prune = [] } = intent;
  let retire = intent.retire ?? [];
  const leaving: string[] = [];
  for (const { key, end } of prune) {
    const size = statSync(sessionFile(repo.stateDir, key), { throwIfNoEntry: false })?.size;
    if (size === undefined || size === end) leaving.push(key);
    else if (size > end) {
      // The session went on in the same spool: it stays, sealed up to `end`, and stays known here.
      next.offsets[key] = end;
      const entry = retire.find((e) => e.key === key);
      if (entry) next.sessions[key] = withoutKey(entry);
      retire = retire.filter((e) => e.key !== key);
    }
    // Shorter: a new spool since, read from 0.
  }
  appendKnownSessions(repo.stateDir, retire);
  writeState(repo.stateDir, SEAL_STATE, next);
  for (const key of leaving) rmSync(sessionFile(repo.stateDir, key), { force: true });
  rmSync(join(spoolDir(repo.stateDir), SEAL_INTENT), { force: true });
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: string;
  authorEmail: string;
  message: string;
  branch?: string;
}

export async function commitInfo(repo: Repo, rev = 'HEAD'): Promise<CommitInfo> {
  const out = (
    await runGit(repo.workTree, ['log', '-1', '--format=%H%x00%T%x00%P%x00%an <%ae>%x00%ae%x00%B', rev])
  ).stdout.toString('utf8');
  const [sha, tree, parents, author, authorEmail, ...message] = out.split('\0');
  const branch = await currentBranch(repo.workTree, repo.headDir);
  return {
    sha: sha!.trim(),
    tree: tree!,
    parents: parents ? parents.split(' ').filter(Boolean) : [],
    author: author!,
    authorEmail: authorEmail!,
    message: message.join('\0').trim(),
    ...(branch ? { branch } : {}),
  };
}

export interface FileChange {
  path: string;
  from?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  /**
   * The object ids of the file before (in the first parent, as `from` when renamed) and after
   * the commit, absent where there is none (added, deleted). Contents are read by id: a name
   * can hold a newline, which cat-file --batch cannot take.
   */
  before?: string;
  after?: string;
}

/** Files a commit changed against its first parent (or everything, for a root commit). */
export async function changedFiles(repo: Repo, commit: CommitInfo): Promise<FileChange[]> {
  const args = commit.parents[0]
    ? ['diff-tree', '-r', '-z', '-M', '--raw', '--no-abbrev', commit.parents[0], commit.sha]
    : ['diff-tree', '-r', '-z', '--root', '--no-commit-id', '--raw', '--no-abbrev', commit.sha];
  // `:<mode> <mode> <id before> <id after> <status>`, then the path (two for a rename or
  // copy), each ended by a NUL. An id of zeros is a side with no file; a submodule's (mode
  // 160000) names a commit, not content.
  const parts = (await runGit(repo.workTree, args)).stdout.toString('utf8').split('\0');
  const out: FileChange[] = [];
  const blob = (mode: string | undefined, oid: string | undefined) =>
    mode !== '160000' && oid !== undefined && !/^0+$/.test(oid);
  for (let i = 0; i + 1 < parts.length; i++) {
    const [beforeMode, afterMode, beforeId, afterId, code = ''] = parts[i]!.slice(1).split(' ');
    const sides = {
      ...(blob(beforeMode, beforeId) ? { before: beforeId } : {}),
      ...(blob(afterMode, afterId) ? { after: afterId } : {}),
    };
    if (code.startsWith('R') || code.startsWith('C')) {
      out.push({ status: 'renamed', from: parts[i + 1]!, path: parts[i + 2]!, ...sides });
      i += 2;
    } else {
      const status = code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified';
      out.push({ status, path: parts[i + 1]!, ...sides });
      i += 1;
    }
  }
  return out.filter((f) => !f.path.startsWith('.trail/'));
}

export interface FileAttribution {
  change: FileChange;
  added: number;
  removed: number;
  /** Origins of the lines this commit added, by line number in the commit's file. */
  addedLines: Array<{ line: number; origin: Origin }>;
}

/**
 * Where each added line came from, given the file's shadow (if an agent touched it).
 * `untracked` is the origin of a line no shadow explains: a person's, unless an agent whose
 * edits Trail cannot see was at work too (then it is not known).
 */
export function attributeFile(
  change: FileChange,
  parentText: string | undefined,
  committedText: string | undefined,
  shadow: TrackedLine[] | undefined,
  untracked: Origin = { kind: 'human' },
): FileAttribution {
  const before = digestLines(parentText ?? '');
  const after = digestLines(committedText ?? '');
  const match = matchLines(before, after);
  const removed = before.length - [...match].filter((m) => m >= 0).length;
  const tracked = shadow
    ? carryOrigins(shadow, after, untracked)
    : after.map((digest) => ({ digest, origin: untracked }));
  const addedLines: FileAttribution['addedLines'] = [];
  for (let i = 0; i < after.length; i++) {
    if (match[i]! >= 0) continue;
    let origin = tracked[i]!.origin;
    // Present before capture began but never committed: who wrote it is not known.
    if (origin.kind === 'base') origin = { kind: 'unknown' };
    addedLines.push({ line: i + 1, origin });
  }
  return { change, added: addedLines.length, removed, addedLines };
}

function firstLine(text: string, max = 300): string {
  const line = text.split('\n').find((l) => l.trim()) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Reduces cumulative usage lines to the latest figure per model, with estimated cost. */
function latestUsage(events: EventBody[]): EventBody[] {
  const latest = new Map<string, Extract<EventBody, { type: 'usage' }>>();
  const rest: EventBody[] = [];
  for (const e of events) {
    if (e.type === 'usage') latest.set(e.model ?? '', e);
    else rest.push(e);
  }
  for (const usage of latest.values()) {
    const cost = estimateCost({ ...usage, model: usage.model });
    rest.push({
      ...usage,
      ...(cost !== undefined ? { costUsd: cost, priceTable: 'trail-default-2026-11-01' } : {}),
    });
  }
  return rest;
}

export interface SealResult {
  checkpointId?: string;
  records: number;
  sessions: string[];
  /** Ended sessions whose end (and any work after their last commit) this seal completed. */
  closed?: string[];
}

/**
 * Seals the pending work that went into `rev`. Returns without writing when no captured
 * session touched the commit: a hand-made commit gets no checkpoint. Sessions that ended
 * after their last commit are closed by it all the same (see sealEndedSessions).
 */
export async function sealCommit(
  repo: Repo,
  rev = 'HEAD',
  options: { rewrittenFrom?: TrailRecord } = {},
): Promise<SealResult> {
  // Linked worktrees share this clone's spool and seal state, and their commits' hooks may
  // run at the same moment: unserialised, both would read one state and seal the same work.
  return withLock(sealLockPath(repo), async () => {
    await sealUnsealed(repo);
    try {
      return await sealLocked(repo, rev, options);
    } catch (error) {
      await rememberUnsealed(repo, rev);
      throw error;
    }
  });
}

/**
 * Commits whose seal failed (a `.trail/config.json` that could not be read, say), oldest
 * first. Their work stays in the spool; the next seal seals them first, so they get the
 * checkpoint they were owed (named by their trailer, if they have one) instead of their work
 * going to whichever later commit touches the same files, or to none.
 */
const UNSEALED = 'unsealed-commits.json';

/**
 * A commit owed a checkpoint, and the working tree it was made in: linked worktrees share the
 * list, and a commit's sessions, shadows and config are those of its own worktree, so it is
 * sealed there whichever worktree's seal comes next. A bare string is a commit listed before
 * worktrees were recorded, sealed where the next seal runs, as it was then.
 */
type OwedCommit = string | { sha: string; workTree: string };

const owedSha = (owed: OwedCommit) => (typeof owed === 'string' ? owed : owed.sha);

async function rememberUnsealed(repo: Repo, rev: string): Promise<void> {
  try {
    const sha = (await runGit(repo.workTree, ['rev-parse', '--verify', `${rev}^{commit}`])).stdout
      .toString('utf8')
      .trim();
    const owed = readState<OwedCommit[]>(repo.stateDir, UNSEALED, []);
    if (!owed.some((o) => owedSha(o) === sha)) {
      writeState(repo.stateDir, UNSEALED, [...owed, { sha, workTree: repo.workTree }].slice(-100));
    }
  } catch {
    // Then only the capture gap the caller records says the commit was not sealed.
  }
}

/**
 * The repository as seen from the worktree a commit was made in, when that is not this one
 * and it is still a worktree of this clone; else this one (a worktree since removed leaves its
 * commits to be sealed wherever the next seal runs, rather than never).
 */
async function repoOfWorktree(repo: Repo, owed: { workTree: string }): Promise<Repo> {
  if (!existsSync(owed.workTree)) return repo;
  try {
    const there = await findRepo(owed.workTree);
    return there.gitDir === repo.gitDir ? there : repo;
  } catch {
    return repo;
  }
}

/**
 * Seals the commits a failed seal left, oldest first; stops at a failure. A commit amended or
 * rebased since is still sealed while git has it (its post-rewrite carried nothing, having no
 * checkpoint, and the work is that commit's); one git no longer has is dropped.
 */
async function sealUnsealed(repo: Repo): Promise<void> {
  const owed = readState<OwedCommit[]>(repo.stateDir, UNSEALED, []);
  if (owed.length === 0) return;
  const left = [...owed];
  while (left.length > 0) {
    const sha = owedSha(left[0]!);
    // Not HEAD's ancestry: the commit may be on another worktree's branch, which shares the spool.
    const kept = await runGit(repo.workTree, ['cat-file', '-e', `${sha}^{commit}`], { allow: [1, 128] });
    if (kept.code === 0) {
      try {
        const next = left[0]!;
        if (typeof next === 'string' || next.workTree === repo.workTree) await sealLocked(repo, sha, {});
        // git's hook environment names this worktree: the other one's git must not inherit it.
        else await withoutHookRepository(async () => sealLocked(await repoOfWorktree(repo, next), sha, {}));
      } catch {
        break; // Whatever stops it likely stops the commit being sealed now too: both wait.
      }
    }
    left.shift();
  }
  if (left.length === 0) rmSync(join(spoolDir(repo.stateDir), UNSEALED), { force: true });
  else writeState(repo.stateDir, UNSEALED, left);
}

/**
 * Closes every session that ended after its last sealed commit: a newer session record with
 * `endedAt`, and the events it had since that commit, appended without a checkpoint since no
 * commit carries them. A session whose unsealed lines edited files is left for the commit
 * that carries those edits, so its events stay linked to that checkpoint. Sessions never
 * sealed are left alone too: they have not touched a commit, and may yet.
 *
 * Every commit does this as part of its seal; `trail session end` and an agent's session-end
 * hook do it at once.
 */
export function sealEndedSessions(repo: Repo, options: { lockTimeoutMs?: number } = {}): Promise<SealResult> {
  return closeSessions(repo, (state, scanned) => endedAfterLastSeal(state, scanned, new Set()), options);
}

/**
 * Seals one ended session now, with no checkpoint: for a session no commit will carry, such
 * as a manual session ended with no file changed since it started. Its record and its events
 * go into the ledger and it leaves the spool, rather than waiting there for a commit that will
 * never name it (an investigation that changed nothing is still work an auditor may ask
 * about). A session not ended, or resumed since its end, is left as it is.
 */
export function sealSessionAlone(
  repo: Repo,
  key: string,
  options: { lockTimeoutMs?: number } = {},
): Promise<SealResult> {
  return closeSessions(repo, (_state, scanned) => (scanned[key]?.ended ? [key] : []), options);
}

/**
 * Seals an agent's session that ended with nothing for a commit to carry, now, with no
 * checkpoint: no commit carried it before, it edited no file, and no file in its worktree
 * changed since it started (`git status`: a shell command's writes are not seen as edits, and
 * a commit of them would carry the session). A session that asked questions, read code or ran
 * tests and changed nothing is otherwise left in the spool for good, waiting for a commit
 * that never names it. Anything else is left for the commits to come, as before; the result
 * names the files changed since it started when they are what kept it.
 */
export async function sealSessionIfIdle(
  repo: Repo,
  key: string,
  options: { lockTimeoutMs?: number } = {},
): Promise<SealResult & { changedSinceStart: string[] }> {
  // The files that kept it waiting, if those were what did: for the caller to name.
  let changedSinceStart: string[] = [];
  const result = await closeSessions(
    repo,
    (state, scanned) => {
      const scan = scanned[key];
      if (!scan?.ended || Object.keys(scan.edited).length > 0 || state.sessions[key]?.record) return [];
      const started = Date.parse(spoolStartedAt(repo.stateDir, key) ?? '');
      if (Number.isNaN(started)) return [];
      changedSinceStart = dirtyFilesSince(repo.workTree, started);
      return changedSinceStart.length > 0 ? [] : [key];
    },
    options,
  );
  return { ...result, changedSinceStart };
}

/** Seals the ended sessions `pick` chooses from the spools, with no checkpoint, under the seal lock. */
function closeSessions(
  repo: Repo,
  pick: (state: SealState, scanned: ScanCache) => string[],
  options: { lockTimeoutMs?: number },
): Promise<SealResult> {
  const locked = async (): Promise<SealResult> => {
    await recoverSealIntent(repo);
    const state = loadSealState(repo);
    const { scanned, moved } = scanSpools(repo, state);
    const closing = pick(state, scanned);
    if (closing.length === 0) {
      if (moved) writeState(repo.stateDir, SCAN_CACHE, scanned);
      return { records: 0, sessions: [], closed: [] };
    }
    return sealWithoutCheckpoint(repo, state, scanned, closing, await sealingContext(repo));
  };
  return withLock(sealLockPath(repo), locked, options.lockTimeoutMs);
}

/**
 * An append with no checkpoint: the ended sessions in `closing`, and the capture gaps waiting.
 * Gap lines that cannot be read make no record; the seal state still moves past them, so they
 * are not read again.
 */
async function sealWithoutCheckpoint(
  repo: Repo,
  state: SealState,
  scanned: ScanCache,
  closing: string[],
  sealing: SealingContext,
): Promise<SealResult> {
  const records = closing.flatMap((key) => sealSession(sealing, state, key).records);
  for (const key of closing) delete scanned[key];
  records.push(...gapRecords(repo, state, sealing));
  if (records.length === 0) {
    writeState(repo.stateDir, SEAL_STATE, state);
    writeState(repo.stateDir, SCAN_CACHE, scanned);
  } else {
    await appendSeal(repo, state, records, scanned, closing);
  }
  return { records: records.length, sessions: [], closed: closing };
}

function sealLockPath(repo: Repo): string {
  return join(repo.stateDir, 'locks', 'seal.lock');
}

/** Sessions sealed before that ended since, without editing a file since: see sealEndedSessions. */
function endedAfterLastSeal(state: SealState, scanned: ScanCache, sealing: ReadonlySet<string>): string[] {
  return Object.entries(scanned)
    .filter(
      ([key, scan]) =>
        scan.ended &&
        Object.keys(scan.edited).length === 0 &&
        !sealing.has(key) &&
        state.sessions[key]?.record,
    )
    .map(([key]) => key)
    .sort();
}

async function sealLocked(
  repo: Repo,
  rev: string,
  options: { rewrittenFrom?: TrailRecord },
): Promise<SealResult> {
  await recoverSealIntent(repo);
  const commit = await commitInfo(repo, rev);
  const state = loadSealState(repo);
  if (state.sealedCommits?.includes(commit.sha) && !options.rewrittenFrom)
    return { records: 0, sessions: [] };
  const files = await changedFiles(repo, commit);

  // Contents before and after, in one cat-file for all files, read while the spool is.
  const reading = readObjects(
    repo.workTree,
    files.flatMap((f) => [f.before, f.after]),
  );
  // Should reading the spool throw, a failure of git's read must not go unhandled as well.
  reading.catch(() => undefined);

  const { scanned, moved: scanMoved } = scanSpools(repo, state);
  const blobs = await reading;
  const text = (i: number) => (blobs[i]?.type === 'blob' ? blobs[i]!.content.toString('utf8') : undefined);

  // An agent without hooks at work here (its session is current, with lines in the spool):
  // the commit is its work too, and a line no shadow explains may be its or a person's.
  const current = currentSession(repo)?.key;
  const involved = new Set<string>(current !== undefined && current in scanned ? [current] : []);
  // Such an agent's session that ended before its work was committed (trail session end): the
  // commit that holds a file changed while it ran carries it, as it would have while current.
  const awaiting = sessionAwaitingCommit(repo);
  if (
    awaiting !== undefined &&
    awaiting.key in scanned &&
    files.some(
      (f) => awaiting.paths.includes(f.path) || (f.from !== undefined && awaiting.paths.includes(f.from)),
    )
  ) {
    involved.add(awaiting.key);
  } else if (awaiting !== undefined) {
    // Its work discarded (git checkout, git stash) rather than committed: a later commit of
    // those files, a person's own, must not carry it. Checked only while a session waits.
    const dirty = new Set(dirtyFiles(repo.workTree));
    if (!(awaiting.key in scanned) || !awaiting.paths.some((p) => dirty.has(p))) forgetAwaitingCommit(repo);
  }
  // This worktree's day sessions with events no seal has taken: checks run and decisions noted
  // here since the last commit, when no session applied. An MCP day session is an agent
  // without hooks at work.
  let unobserved = involved.size > 0;
  const tag = worktreeTag(repo);
  for (const [key, scan] of Object.entries(scanned)) {
    const day = scan.events ? parseDaySessionId(state.sessions[key]?.sessionId ?? '') : undefined;
    if (!day || day.tag !== tag) continue;
    involved.add(key);
    if (day.kind === 'mcp') unobserved = true;
  }
  const attributions: FileAttribution[] = files.map((change, i) => {
    const shadow = loadShadow(repo, change.path);
    const result = attributeFile(
      change,
      text(2 * i),
      change.status === 'deleted' ? undefined : text(2 * i + 1),
      shadow?.lines,
      unobserved ? { kind: 'unknown' } : undefined,
    );
    for (const { origin } of result.addedLines) {
      if (origin.kind === 'ai') involved.add(origin.session);
      if (origin.kind === 'human' && origin.overrode) involved.add(origin.overrode);
    }
    return result;
  });
  // Sessions that edited the committed files, in this worktree: another worktree's session
  // that edited a file of the same name waits for a commit there.
  const committedPaths = new Set(files.flatMap((f) => [f.path, ...(f.from ? [f.from] : [])]));
  const here = worktreeId(repo);
  for (const [key, { edited }] of Object.entries(scanned)) {
    if (editedIn(edited, here, committedPaths)) involved.add(key);
  }
  const closing = endedAfterLastSeal(state, scanned, involved);
  const checkpointed = involved.size > 0 || options.rewrittenFrom !== undefined;
  // Capture gaps wait for nothing else: in a clone where no agent's work is ever committed,
  // any commit takes them to the ledger, where an auditor finds them.
  if (!checkpointed && closing.length === 0 && !gapsWaiting(repo.stateDir, state.gapsOffset)) {
    // Nothing to seal; what was scanned is kept, so the next commit need not read it again.
    if (scanMoved) writeState(repo.stateDir, SCAN_CACHE, scanned);
    return { records: 0, sessions: [] };
  }

  // A session that comes back after leaving the spool: what was sealed of it before.
  const returning = [...involved].filter((key) => !state.sessions[key]?.record);
  for (const [key, entry] of knownByKey(repo.stateDir, returning)) {
    state.sessions[key] = { ...withoutKey(entry), ...state.sessions[key], record: entry.record };
  }

  const sealing = await sealingContext(repo, commit);
  if (!checkpointed) return sealWithoutCheckpoint(repo, state, scanned, closing, sealing);
  // Sessions closed by this commit come first: the checkpoint stays the append's last entry.
  const records: TrailRecord[] = closing.flatMap((key) => sealSession(sealing, state, key).records);
  for (const key of closing) delete scanned[key];

  const sessionRefs: SessionRef[] = [];
  const eventIds: string[] = [];
  let summary: string | undefined;
  for (const key of [...involved].sort()) {
    const sealed = sealSession(sealing, state, key);
    records.push(...sealed.records);
    for (const r of sealed.records) if (r.kind === 'event') eventIds.push(recordIdOf(r));
    sessionRefs.push(sealed.ref);
    summary ??= sealed.firstPrompt;
    delete scanned[key];
  }

  // Capture gaps since the last seal travel with this checkpoint.
  records.push(...gapRecords(repo, state, sealing));

  const keyName = (k: string) => state.sessions[k]?.sessionId ?? k;
  const trailerKey = TRAILER_PATTERN.exec(commit.message)?.[1];
  const checkpoint = sealing.record({
    kind: 'checkpoint',
    v: 1,
    time: new Date().toISOString(),
    actor: { type: 'human' as const, id: commit.authorEmail },
    provenance: 'observed',
    commit: commit.sha,
    ...(trailerKey ? { key: trailerKey } : {}),
    tree: commit.tree,
    parents: commit.parents,
    ...(commit.branch ? { branch: commit.branch } : {}),
    author: commit.author,
    message: firstLine(commit.message, 1000),
    sessions: sessionRefs,
    events: eventIds,
    files: attributions.map((a) => {
      const counts = { ai: 0, human: 0, unknown: 0 };
      for (const l of a.addedLines)
        counts[l.origin.kind === 'ai' ? 'ai' : l.origin.kind === 'human' ? 'human' : 'unknown']++;
      return {
        path: a.change.path,
        status: a.change.status,
        ...(a.change.from ? { from: a.change.from } : {}),
        added: a.added,
        removed: a.removed,
        aiLines: counts.ai,
        humanLines: counts.human,
        unknownLines: counts.unknown,
      };
    }),
    attribution: Object.fromEntries(
      attributions
        .filter((a) => a.addedLines.length > 0)
        .map((a) => [a.change.path, toSpans(a.addedLines, keyName)]),
    ),
    ...(summary ? { summary } : {}),
    ...(options.rewrittenFrom && options.rewrittenFrom.kind === 'checkpoint'
      ? {
          rewrittenFrom: {
            commit: options.rewrittenFrom.commit,
            checkpoint: recordIdOf(options.rewrittenFrom),
            how: 'rewrite',
          },
        }
      : {}),
  });
  records.push(checkpoint);
  state.sealedCommits = [...(state.sealedCommits ?? []), commit.sha].slice(-1000);
  await appendSeal(repo, state, records, scanned, [...closing, ...involved]);
  rmSync(join(spoolDir(repo.stateDir), 'pending-key'), { force: true });
  return {
    checkpointId: recordIdOf(checkpoint),
    records: records.length,
    sessions: [...involved],
    closed: closing,
  };
}

/**
 * Capture gaps recorded since the last seal, as records; moves the seal state past them. They
 * travel with whatever this seal appends: a checkpoint, the sessions it closes, or themselves
 * alone when a commit carries nothing else.
 */
function gapRecords(repo: Repo, state: SealState, sealing: SealingContext): TrailRecord[] {
  const gapFile = gapsFile(repo.stateDir);
  if (!existsSync(gapFile)) return [];
  const records: TrailRecord[] = [];
  const bytes = readFileSync(gapFile);
  const end = bytes.lastIndexOf(0x0a) + 1;
  for (const text of bytes.toString('utf8', state.gapsOffset, end).split('\n')) {
    if (!text) continue;
    try {
      const g = JSON.parse(text) as CaptureGap;
      records.push(
        sealing.record({
          kind: 'capture-gap',
          v: 1,
          time: g.at,
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          what: withoutHomeFolder(g.what).slice(0, 500),
          why: withoutHomeFolder(g.why).slice(0, 4000) || 'unknown',
          ...(g.agent ? { agent: g.agent.slice(0, 128) } : {}),
          ...(g.hook ? { hook: g.hook.slice(0, 128) } : {}),
          ...(g.sessionId ? { sessionId: g.sessionId.slice(0, 512) } : {}),
        }),
      );
    } catch {
      // An unreadable gap line is itself lost; nothing more to record.
    }
  }
  state.gapsOffset = end;
  return records;
}

type SessionRef = { sessionId: string; record?: string; agent: string; model?: string };

/** What sealing any session needs: the record schemas, the check patterns, and the commit if any. */
interface SealingContext {
  /**
   * A record validated and redacted with the rules `.trail/config.json` gives now: the only
   * way sealing makes a record. What the spool holds was redacted with the rules in force when
   * it was captured, which may have been fewer, and the commit's branch, author and message
   * never went through the spool. Redacted here, before the ids that link records (a
   * checkpoint's events, its sessions) are taken, so the append changes nothing they name.
   */
  record: (input: unknown) => TrailRecord;
  /** A value the seal state keeps (`.git/trail/spool/sealed.json`), redacted the same way. */
  redact: <T>(value: T) => T;
  checks: ReturnType<typeof compileChecks>;
  requiredChecks: string[];
  stateDir: string;
  commit?: CommitInfo;
}

/**
 * Throws when `.trail/config.json` cannot be read: sealing then waits for the next commit,
 * since sealing with fewer rules than the repository's would write what they were to redact.
 */
async function sealingContext(repo: Repo, commit?: CommitInfo): Promise<SealingContext> {
  const [[{ validateRecord }, { loadConfig }], { redactValue }, { redactRecord }, { redactionRules }] =
    await Promise.all([
      loadSealSchemas(),
      import('../core/redact.js'),
      import('../core/redact-record.js'),
      import('../ledger/redaction-rules.js'),
    ]);
  const config = loadConfig(repo);
  const rules = redactionRules(repo);
  return {
    record: (input) => {
      const valid = validateRecord(input);
      const { record, findings } = redactRecord(valid, rules);
      if (findings.length === 0) return valid;
      return validateRecord(record);
    },
    redact: (value) => redactValue(value, rules, { keys: true }).value,
    checks: compileChecks(config.checks.patterns),
    requiredChecks: config.checks.required,
    stateDir: repo.stateDir,
    ...(commit ? { commit } : {}),
  };
}

/**
 * One session's records since it was last sealed: a session record when its lines say
 * something new about it (or none was written yet), then its events, usage and the checks
 * derived from its commands. Moves the session's sealed offset and state forward in `state`.
 */
function sealSession(
  sealing: SealingContext,
  state: SealState,
  key: string,
): { records: TrailRecord[]; ref: SessionRef; firstPrompt?: string } {
  const { record, commit } = sealing;
  const records: TrailRecord[] = [];
  const known = state.sessions[key];
  // Everything since the session was last sealed (a spool that is gone reads as empty).
  const read = readSpool(sealing.stateDir, key, state.offsets[key] ?? 0);
  const sessionLines = read.lines.filter(
    (l): l is Extract<SpoolLine, { type: 'session' }> => l.type === 'session',
  );
  const eventLines = read.lines.filter((l): l is Extract<SpoolLine, { type: 'event' }> => l.type === 'event');
  const agent = known?.agent ?? String(read.lines[0]?.agent ?? 'unknown');
  const sessionId = known?.sessionId ?? read.lines[0]?.sessionId ?? key;
  const earlier = known?.sealed;
  const info = Object.assign({}, earlier?.info, ...sessionLines.map((l) => l.info)) as SessionLineInfo;
  const model = info.model ?? known?.model;
  const prompts = eventLines.flatMap((l) => (l.event.type === 'prompt' ? [l.event.text] : []));

  if (sessionLines.length > 0 || !known?.record) {
    const tickets = new Map<string, TicketRef>();
    for (const t of [
      ...(earlier?.tickets ?? []),
      ...findTickets(info.branch ?? commit?.branch ?? ''),
      ...prompts.flatMap((p) => findTickets(p)),
    ]) {
      tickets.set(t.id, t);
    }
    const manual = (info.request ?? {}) as Record<string, unknown>;
    const ended = endLine(read.lines);
    // Tickets given by hand come first; detected ones add only what is new.
    const requestTickets = [
      ...new Map(
        [...((manual.tickets as TicketRef[]) ?? []), ...tickets.values()].map((t) => [t.id, t]),
      ).values(),
    ];
    const requestSummary = earlier?.summary ?? (prompts[0] ? firstLine(prompts[0]) : undefined);
    const startedAt = earlier?.startedAt ?? read.lines[0]?.at ?? new Date().toISOString();
    // Who asked and on which branch are what the first record said: a later commit, or none
    // (a session closed after its last commit), must not change them.
    const requester =
      (manual.requester as string | undefined) ?? info.userEmail ?? earlier?.requester ?? commit?.authorEmail;
    const branch = info.branch ?? earlier?.branch ?? commit?.branch;
    const session = record({
      kind: 'session',
      v: 1,
      time: read.lines[0]?.at ?? new Date().toISOString(),
      actor: { type: 'agent', id: agent },
      provenance: 'observed',
      // The default provenance is `observed`: only a model read from the transcript says so.
      ...(info.model && info.modelFrom === 'transcript' ? { sources: { model: 'transcript' } } : {}),
      sessionId,
      agent: { name: agent, ...(info.agentVersion ? { version: info.agentVersion } : {}) },
      ...(model ? { model } : {}),
      request: {
        tickets: requestTickets,
        ...(requester ? { requester } : {}),
        ...(manual.approvalState ? { approvalState: manual.approvalState } : {}),
        acceptanceCriteria: (manual.acceptanceCriteria as string[]) ?? [],
        ...(requestSummary ? { summary: requestSummary } : {}),
      },
      boundary: {
        mode: info.mode ?? 'local',
        ...(info.host ? { host: info.host } : {}),
        ...(info.user ? { user: info.user } : {}),
        ...(branch ? { branch } : {}),
        ...(info.cwd ? { cwd: info.cwd } : {}),
        ...(info.permissionMode ? { permissionMode: info.permissionMode } : {}),
        ...(info.allowedTools ? { allowedTools: info.allowedTools } : {}),
        ...(info.sandbox ? { sandbox: info.sandbox } : {}),
        ...(info.network ? { network: info.network } : {}),
        credentialNames: info.credentialNames ?? [],
      },
      startedAt,
      ...(ended ? { endedAt: ended.at } : {}),
    });
    records.push(session);
    // What the next record of the session repeats is kept as this one said it: redacted, as
    // the seal state is on disk too (a branch named after a secret came from git, not the spool).
    const said = session as RecordOf<'session'>;
    state.sessions[key] = {
      agent,
      sessionId,
      record: recordIdOf(session),
      ...(model ? { model } : {}),
      sealed: {
        info: sealing.redact(info),
        startedAt,
        tickets: said.request.tickets,
        ...(said.request.summary ? { summary: said.request.summary } : {}),
        ...(said.request.requester ? { requester: said.request.requester } : {}),
        ...(said.boundary?.branch ? { branch: said.boundary.branch } : {}),
      },
    };
  }

  const bodies = latestUsage(eventLines.map((l) => l.event));
  const derived = deriveValidations(bodies, sealing.checks, sealing.requiredChecks);
  const lastAt = eventLines[eventLines.length - 1]?.at ?? new Date().toISOString();
  for (const line of eventLines.filter((l) => l.event.type !== 'usage')) {
    records.push(
      record({
        kind: 'event',
        v: 1,
        time: line.at,
        actor: { type: 'agent', id: agent },
        provenance: line.provenance,
        ...(line.redactions ? { redactions: line.redactions } : {}),
        sessionId,
        event: line.event,
      }),
    );
  }
  for (const event of [...bodies.filter((b) => b.type === 'usage'), ...derived]) {
    records.push(
      record({
        kind: 'event',
        v: 1,
        time: lastAt,
        actor: { type: 'agent', id: agent },
        provenance: event.type === 'usage' ? 'transcript' : 'observed',
        sessionId,
        event,
      }),
    );
  }
  state.offsets[key] = read.end;
  return {
    records,
    ref: { sessionId, record: state.sessions[key]!.record, agent, ...(model ? { model } : {}) },
    ...(prompts[0] ? { firstPrompt: firstLine(prompts[0]) } : {}),
  };
}

/**
 * Appends a seal's records and moves the seal state past them, crash-safely: the sessions
 * sealed here that have ended leave the spool, and sessions no longer in it are retired.
 */
async function appendSeal(
  repo: Repo,
  state: SealState,
  records: TrailRecord[],
  scanned: ScanCache,
  sealedNow: readonly string[],
): Promise<void> {
  const sealed = new Set(sealedNow);
  const prune = endedAndSealed(repo, state, [...sealed]);
  for (const { key } of prune) delete state.offsets[key];
  // Sessions leaving the spool now, and any other the state holds that is no longer in it.
  const leaving = new Set(prune.map((p) => p.key));
  const retire: KnownSession[] = [];
  for (const [key, known] of Object.entries(state.sessions)) {
    if (leaving.has(key) || (!(key in scanned) && !sealed.has(key))) {
      // What its record said stays with the record: known-sessions.jsonl keeps it lean.
      const { sealed: _sealed, ...lean } = known;
      retire.push({ key, ...lean });
      delete state.sessions[key];
    }
  }
  const lastRecordId = recordIdOf(records[records.length - 1]!);
  // The intent is written under the append's lock, where the position it lands at is known.
  let intent: SealIntent | undefined;
  // Every record sealing made went through sealing.record: validated and redacted already.
  await appendAsThisClone(repo, records, {
    redacted: true,
    beforeWrite: ({ writerId, sizeBefore }) => {
      intent = { writerId, sizeBefore, lastRecordId, next: state, prune, retire };
      writeState(repo.stateDir, SEAL_INTENT, intent);
    },
  });
  finishSeal(repo, intent!);
  writeState(repo.stateDir, SCAN_CACHE, scanned);
}

/**
 * The line that ended the session, unless it was resumed since: a resumed session writes a new
 * session line after its end, so the latest session line decides.
 */
function endLine(lines: readonly SpoolLine[]): Extract<SpoolLine, { type: 'session' }> | undefined {
  const latest = lines.findLast((l): l is Extract<SpoolLine, { type: 'session' }> => l.type === 'session');
  return latest?.ended ? latest : undefined;
}

function withoutKey({ key: _key, ...rest }: KnownSession): SessionState {
  return rest;
}

/**
 * Ended sessions whose spool this seal completes, which then leave the spool, keeping commit
 * cost flat. Only the sessions this seal touched can have changed, so only they are looked at.
 */
function endedAndSealed(
  repo: Repo,
  state: SealState,
  keys: readonly string[],
): Array<{ key: string; end: number }> {
  const out: Array<{ key: string; end: number }> = [];
  for (const key of keys) {
    const read = readSpool(repo.stateDir, key, 0);
    const ended = endLine(read.lines) !== undefined;
    const sealedTo = state.offsets[key] ?? 0;
    if (ended && read.end > 0 && sealedTo >= read.end) out.push({ key, end: sealedTo });
  }
  return out;
}

/** prepare-commit-msg: a trailer naming the checkpoint-to-be, when AI work is staged. */
export async function prepareCommitMessage(repo: Repo, messageFile: string): Promise<string | undefined> {
  const staged = (await runGit(repo.workTree, ['diff', '--cached', '--name-only', '-z'])).stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  const aiStaged = staged.some((path) => loadShadow(repo, path)?.lines.some((l) => l.origin.kind === 'ai'));
  if (!aiStaged) return undefined;
  // The trailer promises a checkpoint that post-commit writes. When the seal is bound to fail
  // (a `.trail/config.json` that cannot be read, a writer key that is missing or revoked), the
  // commit must not claim one: the work stays pending for the next commit, and the caller
  // records why as a capture gap.
  try {
    await sealingContext(repo);
    loadAppendKey(repo);
  } catch (error) {
    throw new TrailError(
      'INPUT_INVALID',
      `no ${TRAILER} trailer added, as this commit cannot be sealed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const message = readFileSync(messageFile, 'utf8');
  const existing = TRAILER_PATTERN.exec(message)?.[1];
  if (existing) return existing;
  const key = `ckpt_${randomBytes(8).toString('hex')}`;
  await runGit(repo.workTree, [
    'interpret-trailers',
    '--in-place',
    '--if-exists',
    'replace',
    '--trailer',
    `${TRAILER}: ${key}`,
    messageFile,
  ]);
  writeState(repo.stateDir, 'pending-key', { key });
  return key;
}
