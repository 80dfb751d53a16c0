/**
 * Loads every record in the repository for the read side: for each writer, the longest
 * copy of its log (this clone's or a fetched one), decoded. Verification is `trail verify`'s
 * job; readers report what is there.
 *
 * Decoding (hashing and parsing every record) is most of what a read costs. So a reader that
 * shows no event skips events (`skipKinds`), and one that shows a few checkpoints decodes
 * checkpoints first, then only what names them and their sessions' events
 * (`loadCheckpointsFirst`). Those, and readers of checkpoints alone, also read out of git only
 * the chunks the read memo cannot answer for (read-memo.ts, docs/ledger.md "The read memo").
 */
import { tmpdir } from 'node:os';
import type { ChunkDigest } from '../core/chunk-digest.js';
import { digestChunk, forEachLine, KEPT_KINDS, mayInclude, NAMING_KEYS } from '../core/chunk-digest.js';
import type { EntryList } from '../core/entry-list.js';
import { sha256Hex } from '../core/hash.js';
import { entrySpan, recordKindAt, sessionFilter, stringValuesAt } from '../core/log-entry.js';
import type { RecordKind, RecordOf, TrailRecord } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import { streamObjects } from '../git/cat-file.js';
import type { ChunkRef, LogSnapshot } from './log-store.js';
import { listLogRefs, longestSnapshots, readLogs, shownChunks } from './log-store.js';
import type { WriterMemo } from './read-memo.js';
import { loadWriterMemo, saveWriterMemo } from './read-memo.js';
import type { Repo } from './repo.js';

export interface LoadOptions {
  /**
   * Kinds the caller never reads (`trail log` reads no events): their entries are recognised
   * by a byte search for their kind and left out, neither hashed nor parsed.
   */
  skipKinds?: readonly RecordKind[];
  /**
   * The only kinds the caller reads (`trail stats` reads checkpoints alone): the others are
   * left out as `skipKinds` leaves its kinds out.
   */
  onlyKinds?: readonly RecordKind[];
  /**
   * The only sessions the caller reads (`trail import` of one transcript): records that do not
   * name one of them as their `sessionId` are left out, found by a byte search (sessionFilter)
   * and, for those it lets through, by the parsed record.
   */
  onlySessions?: ReadonlySet<string>;
}

type Visit = (writerId: string, bytes: Buffer, span: EntrySpan, known?: KnownEntry) => void;

/**
 * What a pass over a log before the read (verify's approval pass) already worked out about
 * some of its entries, by position, so decoding does not hash or parse them again: the
 * record's id, and the record as JSON.parse gave it (never a schema's output).
 */
export interface DecodedEntries {
  ids: Array<string | undefined>;
  records: Array<unknown | undefined>;
}

interface KnownEntry {
  id?: string;
  record?: unknown;
}

/** A visitor of entries that may arrive in pieces: each call visits those not yet visited. */
function entryVisitor(
  visit: Visit,
  decoded?: ReadonlyMap<EntryList, DecodedEntries>,
): (snapshot: LogSnapshot) => void {
  const visitedUpTo = new Map<LogSnapshot, number>();
  return (snapshot) => {
    const { entries, writerId } = snapshot;
    const known = decoded?.get(snapshot.entries);
    for (let position = visitedUpTo.get(snapshot) ?? 0; position < entries.length; position++) {
      const bytes = entries.lineBytes(position);
      const span = entrySpan(bytes);
      // A malformed entry is verify's to report; readers skip it.
      if (!span) continue;
      const id = known?.ids[position];
      visit(writerId, bytes, span, id === undefined ? undefined : { id, record: known!.records[position] });
    }
    visitedUpTo.set(snapshot, entries.length);
  };
}

/** Calls `visit` with each entry's bytes and its span, as the entries arrive from git. */
async function forEachEntry(repo: Repo, visit: Visit): Promise<void> {
  // Entries are visited as they arrive, while git is still inflating the rest of the log.
  const visitArrived = entryVisitor(visit);
  const snapshots = await readLogs(repo, await listLogRefs(repo), {
    onePerWriter: true,
    reader: { grew: visitArrived },
  });
  for (const snapshot of snapshots) visitArrived(snapshot);
}

type EntrySpan = NonNullable<ReturnType<typeof entrySpan>>;

/** A chunk of a shown log with its digest and, once a reader needed them, its bytes. */
interface ShownChunk extends ChunkRef {
  digest: ChunkDigest;
  /** Whether the digest was made in this run (the memo had none). */
  fresh?: boolean;
  bytes?: Buffer;
}

/**
 * The chunks of the logs the read side shows, in order, each with its digest: the read memo's
 * where it holds one (read-memo.ts), otherwise read out of git, all with one cat-file, and
 * filed in the memo. A chunk git does not hold and the memo has no digest of is left out, as
 * readLogs leaves it out.
 */
async function readShownChunks(repo: Repo): Promise<ShownChunk[]> {
  const refs = await shownChunks(repo);
  const memos = new Map<string, WriterMemo>();
  const memoOf = (writerId: string) => {
    let memo = memos.get(writerId);
    if (!memo) {
      memo = loadWriterMemo(repo, writerId);
      memos.set(writerId, memo);
    }
    return memo;
  };
  const chunks: Array<ShownChunk | undefined> = refs.map((ref) => {
    const digest = memoOf(ref.writerId).digests.get(ref.oid);
    return digest ? { ...ref, digest } : undefined;
  });
  const unknown = refs.flatMap((_, i) => (chunks[i] ? [] : [i]));
  // Each chunk is digested as it arrives, while git is still inflating the next ones. Its
  // bytes are not kept: a reader needs those of a few chunks, and reads them again (a second
  // cat-file of a few objects), so a first read holds the digests, not the whole ledger.
  await readBlobs(
    repo,
    unknown.map((i) => refs[i]!.oid),
    (k, bytes) => {
      const position = unknown[k]!;
      chunks[position] = { ...refs[position]!, digest: digestChunk(bytes), fresh: true };
    },
  );
  const shown = chunks.filter((c): c is ShownChunk => c !== undefined);
  for (const [writerId, memo] of memos) {
    const ofWriter = shown.filter((c) => c.writerId === writerId);
    const fresh = ofWriter.filter((c) => c.fresh);
    saveWriterMemo(repo, writerId, memo, fresh, ofWriter);
  }
  return shown;
}

/**
 * The bytes of these blobs, read with one cat-file: `arrived` is called with each as soon as
 * git has sent it whole, and not for one git does not hold.
 */
async function readBlobs(
  repo: Repo,
  oids: readonly string[],
  arrived: (index: number, bytes: Buffer) => void,
): Promise<void> {
  let blob = Buffer.alloc(0);
  let filled = 0;
  await streamObjects(
    repo.workTree,
    oids,
    {
      begin: (_, { size }) => {
        blob = Buffer.allocUnsafe(size);
        filled = 0;
      },
      data: (_, piece) => {
        piece.copy(blob, filled);
        filled += piece.length;
      },
      end: (index) => arrived(index, blob),
      missing: () => {},
    },
    { spoolDir: tmpdir() },
  );
}

/** Reads the bytes of those of `chunks` not read yet in this run; says how many that was. */
async function readBytesOf(repo: Repo, chunks: readonly ShownChunk[]): Promise<number> {
  const unread = chunks.filter((c) => c.bytes === undefined);
  // A chunk git no longer holds reads as empty: its kept entries came from the memo.
  for (const chunk of unread) chunk.bytes = Buffer.alloc(0);
  await readBlobs(
    repo,
    unread.map((c) => c.oid),
    (i, bytes) => {
      unread[i]!.bytes = bytes;
    },
  );
  return unread.length;
}

/** Calls `visit` with each entry of these lines (a chunk's, or a digest's kept ones). */
function visitLines(writerId: string, bytes: Buffer, visit: Visit): void {
  forEachLine(bytes, (line) => {
    const span = entrySpan(line);
    if (span) visit(writerId, line, span);
  });
}

function recordCollector(options: LoadOptions): { visit: Visit; records: StoredRecord[] } {
  const skip =
    options.skipKinds && options.skipKinds.length > 0 ? new Set<string>(options.skipKinds) : undefined;
  const only = options.onlyKinds ? new Set<string>(options.onlyKinds) : undefined;
  const sessions = options.onlySessions;
  const mayNameSession = sessions && sessionFilter(sessions);
  const records: StoredRecord[] = [];
  const visit: Visit = (writerId, bytes, span, known) => {
    if (skip || only) {
      const kind = recordKindAt(bytes, span.recordStart, span.recordEnd);
      if (kind !== undefined && (skip?.has(kind) || (only && !only.has(kind)))) return;
    }
    if (mayNameSession && !mayNameSession(bytes, span.recordStart, span.recordEnd)) return;
    const stored = decode(writerId, bytes, span, known);
    if (!stored) return;
    if (sessions && !sessions.has((stored.record as { sessionId?: unknown }).sessionId as string)) return;
    records.push(stored);
  };
  return { visit, records };
}

export async function loadRecords(repo: Repo, options: LoadOptions = {}): Promise<StoredRecord[]> {
  const { visit, records } = recordCollector(options);
  // A reader of checkpoints, gaps or purges alone (stats, relink, tests attach) finds all of
  // them in the chunks' digests, and reads out of git only chunks it has no digest of.
  if (options.onlyKinds?.every((kind) => KEPT_KINDS.has(kind)) && !options.onlySessions) {
    for (const chunk of await readShownChunks(repo)) visitLines(chunk.writerId, chunk.digest.kept, visit);
  } else await forEachEntry(repo, visit);
  return records;
}

/**
 * The records of logs already read out of git, as `trail verify` reads them (every copy of
 * every log): the same records loadRecords gives, without reading the ledger a second time.
 */
export function recordsOfSnapshots(
  snapshots: readonly LogSnapshot[],
  options: LoadOptions = {},
  decoded?: ReadonlyMap<EntryList, DecodedEntries>,
): StoredRecord[] {
  const { visit, records } = recordCollector(options);
  const visitAll = entryVisitor(visit, decoded);
  for (const snapshot of longestSnapshots(snapshots)) visitAll(snapshot);
  return records;
}

/** One stored entry as a record, hashed and parsed from its bytes without a line string. */
function decode(
  writerId: string,
  bytes: Buffer,
  span: EntrySpan,
  known?: KnownEntry,
): StoredRecord | undefined {
  try {
    return {
      id: known?.id ?? sha256Hex(bytes.subarray(span.recordStart, span.recordEnd)),
      writerId,
      seq: span.seq,
      record: (known?.record ??
        JSON.parse(bytes.toString('utf8', span.recordStart, span.recordEnd))) as TrailRecord,
    };
  } catch {
    return undefined;
  }
}

export async function loadIndex(repo: Repo, options: LoadOptions = {}): Promise<TrailIndex> {
  return buildIndex(await loadRecords(repo, options));
}

/** What a set of checkpoints needs of the events: their sessions and the events they list. */
export function eventsNeededBy(checkpoints: ReadonlyArray<StoredRecord<RecordOf<'checkpoint'>>>): {
  sessionIds: string[];
  eventIds: string[];
} {
  return {
    sessionIds: checkpoints.flatMap((c) => c.record.sessions.map((s) => s.sessionId)),
    eventIds: checkpoints.flatMap((c) => c.record.events),
  };
}

/** An entry kept undecoded, as git gave it, until a reader knows whether it needs it. */
interface Undecoded {
  writerId: string;
  bytes: Buffer;
  span: EntrySpan;
}

/**
 * Of undecoded events, those of these sessions (a byte search for `"sessionId":"<id>"`), plus
 * any of these event ids from another session (found by hashing the rest, only if needed).
 */
function eventsOf(
  events: readonly Undecoded[],
  sessionIds: Iterable<string>,
  eventIds: Iterable<string>,
): StoredRecord[] {
  const wanted = new Set(sessionIds);
  const mayBeWanted = sessionFilter(wanted);
  const chosen: StoredRecord[] = [];
  const passedOver: Undecoded[] = [];
  for (const event of events) {
    const { writerId, bytes, span } = event;
    const stored = mayBeWanted(bytes, span.recordStart, span.recordEnd)
      ? decode(writerId, bytes, span)
      : undefined;
    if (stored?.record.kind === 'event' && wanted.has(stored.record.sessionId)) chosen.push(stored);
    else passedOver.push(event);
  }
  const found = new Set(chosen.map((c) => c.id));
  const missing = new Set([...eventIds].filter((id) => !found.has(id)));
  for (const { writerId, bytes, span } of missing.size > 0 ? passedOver : []) {
    if (!missing.has(sha256Hex(bytes.subarray(span.recordStart, span.recordEnd)))) continue;
    const stored = decode(writerId, bytes, span);
    if (stored) chosen.push(stored);
  }
  return chosen;
}

/**
 * Whether a record's canonical bytes give one of `keys` a value among `names`
 * (stringValuesAt). A value only parsing can read counts as a match, so a record is at worst
 * decoded for nothing, never missed.
 */
function namesOneOf(
  bytes: Buffer,
  span: EntrySpan,
  keys: readonly Buffer[],
  names: ReadonlySet<string>,
): boolean {
  return keys.some((key) => {
    const values = stringValuesAt(bytes, span.recordStart, span.recordEnd, key);
    return values === undefined || values.some((value) => names.has(value));
  });
}

/** The ledger read checkpoints first, for a reader that shows a few of them. */
export interface CheckpointsFirst {
  /**
   * Every checkpoint, every capture gap (few, and shown by what was sealed when rather than
   * by name: pr-summary) and every retention purge (few; they tell a purged checkpoint from
   * one never written): enough to find the ones to show.
   */
  checkpoints: TrailIndex;
  /**
   * Every checkpoint, and what views of `chosen` show (buildCheckpointView): their sessions'
   * events, and the sessions, reviews, test results, deployments, rollbacks and corrections
   * that name one of their commits, ids or sessions, or one of `commits` (those with no
   * checkpoint have reviews and test results too). Any other record is left out, so views of
   * other checkpoints built from it are not whole. Only the chunks whose digests may hold
   * such records are read out of git.
   */
  indexFor(
    chosen: ReadonlyArray<StoredRecord<RecordOf<'checkpoint'>>>,
    commits?: Iterable<string>,
  ): Promise<TrailIndex>;
  /**
   * Every record of these kinds (not kinds kept whole, which `checkpoints` holds), in ledger
   * order: only the chunks whose digests list one of them are read.
   */
  recordsOfKinds(kinds: readonly RecordKind[]): Promise<StoredRecord[]>;
  /** How many chunks were read out of git so far: what the read memo could not spare. */
  readonly chunksRead: () => number;
}

/**
 * Reads the ledger decoding only checkpoints, and later only the records that name the chosen
 * ones (namesOneOf, NAMING_KEYS) and their sessions' events: `trail show`, `trail log -n`,
 * `trail check`, `trail pr-summary`, `trail blame`. On a ledger of many checkpoints and few
 * events, decoding and indexing everything but events was most of their time; on one of many
 * appends, reading every chunk out of git was. So the checkpoints come from the chunks'
 * digests (readShownChunks), and the chunks that may hold what names the chosen ones, or
 * their events, are read when they are chosen.
 */
export async function loadCheckpointsFirst(
  repo: Repo,
  /** Whether the index is to hold the chosen sessions' events (`trail log` shows none). */
  options: { events?: boolean } = {},
): Promise<CheckpointsFirst> {
  const withEvents = options.events !== false;
  const chunks = await readShownChunks(repo);
  let chunksRead = chunks.filter((c) => c.fresh).length;
  const readAgain = async (needed: readonly ShownChunk[]) => {
    chunksRead += await readBytesOf(repo, needed);
  };
  const checkpoints: StoredRecord[] = [];
  for (const chunk of chunks) {
    visitLines(chunk.writerId, chunk.digest.kept, (writerId, bytes, span) => {
      const kind = recordKindAt(bytes, span.recordStart, span.recordEnd);
      if (kind === undefined || !KEPT_KINDS.has(kind)) return;
      const stored = decode(writerId, bytes, span);
      if (stored) checkpoints.push(stored);
    });
  }
  // Records a retention purge removed: a checkpoint still lists its purged events by id, and
  // no chunk holds them any more, so looking for them in every chunk would find nothing.
  const purged = new Set(
    checkpoints.flatMap((c) =>
      c.record.kind === 'retention-purge' ? (c.record as RecordOf<'retention-purge'>).purged : [],
    ),
  );
  return {
    checkpoints: buildIndex(checkpoints),
    chunksRead: () => chunksRead,
    recordsOfKinds: async (kinds) => {
      const wanted = new Set<string>(kinds);
      const read = chunks.filter((c) => c.digest.kinds.some((kind) => wanted.has(kind)));
      await readAgain(read);
      const found: StoredRecord[] = [];
      for (const chunk of read) {
        visitLines(chunk.writerId, chunk.bytes!, (writerId, bytes, span) => {
          const kind = recordKindAt(bytes, span.recordStart, span.recordEnd);
          if (kind === undefined || !wanted.has(kind)) return;
          const stored = decode(writerId, bytes, span);
          if (stored) found.push(stored);
        });
      }
      return found;
    },
    indexFor: async (chosen, commits = []) => {
      const names = new Set([
        ...commits,
        ...chosen.flatMap((c) => [c.id, c.record.commit, ...c.record.sessions.map((s) => s.sessionId)]),
      ]);
      const { sessionIds, eventIds } = eventsNeededBy(chosen);
      const sessions = new Set(sessionIds);
      const mayHoldEvents = (c: ShownChunk) =>
        withEvents && c.digest.hasEvents && mayInclude(c.digest.eventSessions, sessions);
      let read = chunks.filter((c) => mayInclude(c.digest.names, names) || mayHoldEvents(c));
      await readAgain(read);
      const { named, events } = namedAndEvents(read, names, withEvents);
      let found = eventsOf(events, sessionIds, eventIds);
      // An event listed by id from another session may be in any chunk: all of them are read,
      // and the events chosen again in ledger order, as from a read of every chunk.
      const ids = new Set(found.map((e) => e.id));
      if (withEvents && eventIds.some((id) => !ids.has(id) && !purged.has(id))) {
        const already = new Set(read);
        read = chunks.filter((c) => already.has(c) || c.digest.hasEvents);
        await readAgain(read);
        found = eventsOf(namedAndEvents(read, new Set(), true).events, sessionIds, eventIds);
      }
      return buildIndex([...checkpoints, ...named, ...found]);
    },
  };
}

/**
 * Of these chunks' entries, the records of a kind in NAMING_KEYS that name one of `names`,
 * decoded, and (with `withEvents`) every event, undecoded: in ledger order.
 */
function namedAndEvents(
  chunks: readonly ShownChunk[],
  names: ReadonlySet<string>,
  withEvents: boolean,
): { named: StoredRecord[]; events: Undecoded[] } {
  const named: StoredRecord[] = [];
  const events: Undecoded[] = [];
  for (const chunk of chunks) {
    visitLines(chunk.writerId, chunk.bytes!, (writerId, bytes, span) => {
      const kind = recordKindAt(bytes, span.recordStart, span.recordEnd);
      if (kind === 'event') {
        if (withEvents) events.push({ writerId, bytes, span });
      } else if (
        kind !== undefined &&
        NAMING_KEYS[kind] &&
        namesOneOf(bytes, span, NAMING_KEYS[kind]!, names)
      ) {
        const stored = decode(writerId, bytes, span);
        if (stored) named.push(stored);
      }
    });
  }
  return { named, events };
}

/** The index for these commits and their checkpoints, for views and facts of them. */
export function indexForCommits(ledger: CheckpointsFirst, commits: Iterable<string>): Promise<TrailIndex> {
  const unique = [...new Set(commits)];
  const checkpoints = unique.flatMap((commit) => {
    const found = ledger.checkpoints.checkpointByCommit.get(commit);
    return found ? [found] : [];
  });
  return ledger.indexFor(checkpoints, unique);
}
