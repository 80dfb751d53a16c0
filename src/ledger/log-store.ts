/**
 * The ledger's storage in git. Each writer's log is the ref `refs/trail/logs/<writerId>`,
 * a commit whose tree holds:
 *
 *   writer.json                       who the writer is (public key, name)
 *   log/<a>/<b>/<firstSeq>.jsonl      the entries of one append, one canonical line each
 *   heads/<a>/<b>/<size>.json         the signed tree head written by that append
 *   state.json                        size, last leaf hash and Merkle frontier (a cache for
 *                                     appending; verify recomputes it and never trusts it)
 *   stamps/<a>/<b>/<size>.tsr         an RFC 3161 timestamp token over the head of that size,
 *                                     added by `trail timestamp` (optional)
 *
 * with <a>/<b> sharding by sequence number so no tree grows past 256 entries and an append
 * rewrites only a few small trees. One append is one commit made by one `git fast-import`
 * and moved into place by a compare-and-swap; reading a log is one `ls-tree` plus one
 * `cat-file --batch`, whatever the number of records.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canonicalize, parseJson } from '../core/canonical-json.js';
import { EntryList } from '../core/entry-list.js';
import { isTrailError, TrailError } from '../core/errors.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { encodeEntry, entryLeafHash, GENESIS_PREV, recordIdOfLine, signTreeHead } from '../core/log-entry.js';
import { MerkleFrontier } from '../core/merkle.js';
import type { TrailRecord } from '../core/records.js';
import type { KeyPair } from '../core/signature.js';
import type { TreeEntry } from '../git/cat-file.js';
import { listTree, readObjects, streamObjects } from '../git/cat-file.js';
import type { CommitFile } from '../git/fast-import.js';
import { commitFiles, RefMovedError } from '../git/fast-import.js';
import { runGit } from '../git/run.js';
import { withLock } from './lock.js';
import type { Repo } from './repo.js';
import { LOG_REF_PREFIX, REMOTE_LOG_REF_PREFIX } from './repo.js';
import { witnessPath } from './witness.js';

export interface WriterInfo {
  writerId: string;
  publicKey: string;
  name: string;
  createdAt: string;
}

interface LogState {
  size: number;
  last: string;
  frontier: { size: number; roots: string[] };
}

export interface LogRef {
  ref: string;
  writerId: string;
  oid: string;
  /** The remote this copy was fetched from, or undefined for this clone's own refs. */
  remote?: string;
  /** The type of the object the ref points at (a log is a commit), where it was listed. */
  type?: string;
}

export interface LogSnapshot extends LogRef {
  /** The stored entries, as bytes straight from git. */
  entries: EntryList;
  heads: SignedTreeHead[];
  writer?: WriterInfo;
  /** RFC 3161 timestamp tokens over some of its heads (DER), by the size of the head. */
  stamps: LogStamp[];
  /**
   * Another copy of this writer's log whose first chunks are all of this copy's chunks, the
   * same git objects: this clone's own log a few appends ahead of the copy fetched from its
   * remote, say. This copy's entries are that copy's first entries, read out of git once and
   * shared; they are filled in when the read ends.
   */
  prefixOf?: LogSnapshot;
}

export interface LogStamp {
  size: number;
  token: Buffer;
}

function shard(n: number): string {
  return `${String(Math.floor(n / 65536)).padStart(4, '0')}/${String(Math.floor(n / 256) % 256).padStart(3, '0')}`;
}

function seqName(n: number): string {
  return String(n).padStart(12, '0');
}

/** Where the timestamp token over the head of `size` is stored in a log's tree. */
export function stampPath(size: number): string {
  return `stamps/${shard(size)}/${seqName(size)}.tsr`;
}

/** Where the entries of the append that starts at `firstSeq` are stored in a log's tree. */
export function chunkPath(firstSeq: number): string {
  return `log/${shard(firstSeq)}/${seqName(firstSeq)}.jsonl`;
}

export function logRef(writerId: string): string {
  return `${LOG_REF_PREFIX}${writerId}`;
}

/** Every log copy in the repository: this clone's own and those fetched from remotes. */
export async function listLogRefs(repo: Repo): Promise<LogRef[]> {
  const { stdout } = await runGit(repo.workTree, [
    'for-each-ref',
    '--format=%(objectname) %(objecttype) %(refname)',
    LOG_REF_PREFIX,
    REMOTE_LOG_REF_PREFIX,
  ]);
  const refs: LogRef[] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    if (!line) continue;
    const [oid, type, ref] = line.split(' ') as [string, string, string];
    if (ref.startsWith(LOG_REF_PREFIX)) {
      refs.push({ ref, oid, type, writerId: ref.slice(LOG_REF_PREFIX.length) });
    } else {
      const match = /^refs\/trail\/remotes\/([^/]+)\/logs\/([^/]+)$/.exec(ref);
      if (match) refs.push({ ref, oid, type, remote: match[1]!, writerId: match[2]! });
    }
  }
  return refs;
}

/**
 * Told about each log while readLogs streams it in, for work that can start before the rest
 * arrives. A copy whose entries are another copy's first ones (`prefixOf`) is not streamed,
 * and the reader is told nothing of it.
 */
export interface LogReader {
  /** A log's heads and writer are known; its entries, still empty, follow. */
  opened?(snapshot: LogSnapshot): void;
  /** More of a log's entries have arrived in `snapshot.entries`. */
  grew?(snapshot: LogSnapshot): void;
}

function parseJsonBlob<T>(bytes: Buffer | undefined): T | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

const SPOOL_DIR = tmpdir();

export interface ReadLogsOptions {
  reader?: LogReader;
  /**
   * Read one copy of each writer's log, the one with the largest signed tree head (this
   * clone's own on a tie), and skip the rest: the read side shows the longest copy, and a
   * fetched copy of this clone's own log would otherwise be read, and decoded, twice.
   */
  onePerWriter?: boolean;
  /**
   * Told of each ref that holds no log (logListing says why); it is left out of what is
   * read. Anyone who can push refs/trail/logs/* can make one, so it must not stop the read
   * of every other log: readers skip it, and verify reports it.
   */
  unreadable?: (ref: LogRef, why: string) => void;
}

/** A signed tree head's file in a log's tree; the number is the head's size. */
const HEAD_PATH = /^heads\/\d+\/\d+\/(\d+)\.json$/;
/** A chunk's file in a log's tree; the number is the sequence number of its first entry. */
const CHUNK_PATH = /^log\/\d+\/\d+\/(\d+)\.jsonl$/;
/** A timestamp token's file in a log's tree; the number is the size of the head it stamps. */
const STAMP_PATH = /^stamps\/\d+\/\d+\/(\d+)\.tsr$/;

/**
 * The files of the log a ref points at, or why it holds none: a log is a commit whose tree
 * has at least one chunk or signed tree head (every append writes both). What else a tree
 * that passes holds, or lacks, is the log verifier's to judge.
 */
async function logListing(repo: Repo, ref: LogRef): Promise<TreeEntry[] | string> {
  if (ref.type !== undefined && ref.type !== 'commit') return `it points at a ${ref.type}, not a commit`;
  let entries: TreeEntry[];
  try {
    entries = await listTree(repo.workTree, ref.oid);
  } catch (error) {
    // git could list the refs, so a failure here is this object's (a tree it lacks, say).
    if (!isTrailError(error)) throw error;
    return error.message;
  }
  const isLogFile = (e: TreeEntry) =>
    e.type === 'blob' && (CHUNK_PATH.test(e.path) || HEAD_PATH.test(e.path));
  return entries.some(isLogFile)
    ? entries
    : 'its tree holds no chunk under log/ and no signed tree head under heads/';
}

/** The blobs of a log's tree that readers read: its chunks in order, its heads, its writer. */
interface LogLayout {
  chunks: Array<{ first: number; oid: string }>;
  heads: string[];
  stamps: Array<{ size: number; oid: string }>;
  writer?: string;
}

function layoutOf(entries: readonly TreeEntry[]): LogLayout {
  const layout: LogLayout = { chunks: [], heads: [], stamps: [] };
  for (const entry of entries) {
    if (entry.type !== 'blob') continue;
    const chunk = CHUNK_PATH.exec(entry.path);
    if (chunk) layout.chunks.push({ first: Number(chunk[1]), oid: entry.oid });
    else if (HEAD_PATH.test(entry.path)) layout.heads.push(entry.oid);
    else if (entry.path === 'writer.json') layout.writer = entry.oid;
    else {
      const stamp = STAMP_PATH.exec(entry.path);
      if (stamp) layout.stamps.push({ size: Number(stamp[1]), oid: entry.oid });
    }
  }
  layout.chunks.sort((a, b) => a.first - b.first);
  return layout;
}

/**
 * For each log, another copy of the same writer's log whose first chunks are all of this
 * log's chunks (same places, same git objects), if there is one: the longest such copy that
 * is not itself a prefix of another. Copies at the same commit (`copyOf`) are left out: they
 * share their original's snapshot whole.
 */
function prefixCopies(
  refs: readonly LogRef[],
  layouts: readonly LogLayout[],
  copyOf: ReadonlyArray<number | undefined>,
): Array<number | undefined> {
  const order = refs
    .map((_, i) => i)
    .filter((i) => copyOf[i] === undefined)
    .sort((a, b) => layouts[b]!.chunks.length - layouts[a]!.chunks.length);
  const prefixOf: Array<number | undefined> = refs.map(() => undefined);
  order.forEach((log, rank) => {
    const mine = layouts[log]!.chunks;
    if (mine.length === 0) return;
    // Every copy ranked earlier holds at least as many chunks.
    prefixOf[log] = order.slice(0, rank).find((other) => {
      if (refs[other]!.writerId !== refs[log]!.writerId || prefixOf[other] !== undefined) return false;
      const theirs = layouts[other]!.chunks;
      return mine.every((chunk, k) => chunk.first === theirs[k]!.first && chunk.oid === theirs[k]!.oid);
    });
  });
  return prefixOf;
}

/** The size of the largest tree head in a log's tree listing. */
function signedSize(entries: readonly TreeEntry[]): number {
  let size = 0;
  for (const entry of entries) {
    const head = HEAD_PATH.exec(entry.path);
    if (head && Number(head[1]) > size) size = Number(head[1]);
  }
  return size;
}

/**
 * For each writer, the index of the copy the read side shows: the one with the largest signed
 * head, this clone's own on a tie. `sizes[i]` is the largest signed head of `refs[i]`.
 */
function longestCopies(refs: readonly LogRef[], sizes: readonly number[]): number[] {
  const best = new Map<string, { index: number; size: number }>();
  refs.forEach((ref, index) => {
    const size = sizes[index]!;
    const current = best.get(ref.writerId);
    const better =
      !current ||
      size > current.size ||
      (size === current.size && ref.remote === undefined && refs[current.index]!.remote !== undefined);
    if (better) best.set(ref.writerId, { index, size });
  });
  return [...best.values()].map((b) => b.index).sort((a, b) => a - b);
}

/** Of logs already read (every copy, as verify reads them), the copies the read side shows. */
export function longestSnapshots(snapshots: readonly LogSnapshot[]): LogSnapshot[] {
  const sizes = snapshots.map((s) => s.heads.reduce((max, head) => Math.max(max, head.size), 0));
  return longestCopies(snapshots, sizes).map((i) => snapshots[i]!);
}

/** One chunk of a log, as its tree names it. */
export interface ChunkRef {
  writerId: string;
  oid: string;
}

/**
 * The tree listings of the refs that hold a log, in order (each other ref is told to
 * `unreadable`, with why); with `onePerWriter`, only the copy of each writer's log the read
 * side shows (longestCopies). One ls-tree per commit, however many refs point at it.
 */
async function listedLogs(
  repo: Repo,
  allRefs: readonly LogRef[],
  options: Pick<ReadLogsOptions, 'onePerWriter' | 'unreadable'>,
): Promise<Array<{ ref: LogRef; tree: TreeEntry[] }>> {
  const listingOf = new Map<string, Promise<TreeEntry[] | string>>();
  const listings = await Promise.all(
    allRefs.map((r) => {
      let listing = listingOf.get(r.oid);
      if (!listing) {
        listing = logListing(repo, r);
        listingOf.set(r.oid, listing);
      }
      return listing;
    }),
  );
  const listed: Array<{ ref: LogRef; tree: TreeEntry[] }> = [];
  listings.forEach((listing, i) => {
    if (typeof listing === 'string') options.unreadable?.(allRefs[i]!, listing);
    else listed.push({ ref: allRefs[i]!, tree: listing });
  });
  if (!options.onePerWriter) return listed;
  return longestCopies(
    listed.map((l) => l.ref),
    listed.map((l) => signedSize(l.tree)),
  ).map((i) => listed[i]!);
}

/** This writer's newest signed head and the newest stamped one, as its tree lists them. */
export interface OwnHeads {
  /** The log's commit. */
  oid: string;
  newestHead: number;
  newestStamped: number | undefined;
  /** The blobs of the newest head and of the token beside it, if there is one. */
  headOid?: string;
  tokenOid?: string;
}

/**
 * What this writer's log holds of heads and timestamp tokens, from its tree listing alone:
 * nothing is read out of git, so `trail status` and `trail timestamp` (on every push, where an
 * authority is set) cost the same for a log of ten records or a million. Undefined when this
 * clone has no log. The token is not checked (verify does that).
 */
export function ownHeads(repo: Repo, writerId: string): Promise<OwnHeads | undefined> {
  return logHeads(repo, logRef(writerId));
}

/**
 * The same of any copy of a log under refs/trail/ (`trail pull` adds the tokens the server
 * keeps past the newest stamped head of its copy). Undefined for a ref that is no log commit.
 */
export async function logHeads(repo: Repo, refName: string): Promise<OwnHeads | undefined> {
  const ref = (await listLogRefs(repo)).find((r) => r.ref === refName);
  if (ref?.type !== 'commit') return undefined;
  const tree = await listTree(repo.workTree, ref.oid).catch(() => undefined);
  if (!tree) return undefined;
  const newestHead = signedSize(tree);
  const stamps = layoutOf(tree).stamps;
  let headOid: string | undefined;
  for (const entry of tree) {
    const head = HEAD_PATH.exec(entry.path);
    if (head && Number(head[1]) === newestHead) headOid = entry.oid;
  }
  return {
    oid: ref.oid,
    newestHead,
    newestStamped: stamps.length > 0 ? Math.max(...stamps.map((s) => s.size)) : undefined,
    headOid,
    tokenOid: stamps.find((s) => s.size === newestHead)?.oid,
  };
}

/**
 * Which of these writers have a copy of their log holding a timestamp token, from the tree
 * listings alone: a reader that would verify a log only for what its tokens show asks first.
 */
export async function writersWithStamps(repo: Repo, writerIds: ReadonlySet<string>): Promise<Set<string>> {
  const refs = (await listLogRefs(repo)).filter((r) => writerIds.has(r.writerId));
  const logs = await listedLogs(repo, refs, {});
  return new Set(logs.filter(({ tree }) => layoutOf(tree).stamps.length > 0).map(({ ref }) => ref.writerId));
}

/**
 * The chunks of the copy of each writer's log the read side shows (readLogs' `onePerWriter`
 * choice), in order, from the tree listings alone: nothing is read out of git.
 */
export async function shownChunks(repo: Repo): Promise<ChunkRef[]> {
  const logs = await listedLogs(repo, await listLogRefs(repo), { onePerWriter: true });
  return logs.flatMap(({ ref, tree }) =>
    layoutOf(tree).chunks.map((chunk) => ({ writerId: ref.writerId, oid: chunk.oid })),
  );
}

/**
 * Reads several logs with one ls-tree per log and a single cat-file --batch for all blobs:
 * every log's small blobs (heads, writer) first, then each log's chunks in order, streamed
 * into its EntryList so a `reader` can work on entries while git is still sending the rest.
 * Returns one snapshot per log read, in the order of `allRefs`; a ref that holds no log is
 * left out and told to `options.unreadable`.
 *
 * Two copies of one writer's log at the same commit (this clone's and the remote's, once a
 * push has been fetched back) are one log: it is read once, and both snapshots share its
 * entries, heads and writer, so a reader keyed by `entries` (verify) works on it once.
 * A copy whose chunks are all another copy's first chunks (this clone's log is ahead of the
 * fetched copy between a commit and the next push) has its heads and writer read, and its
 * entries shared with the other copy's first entries (`prefixOf`).
 */
export async function readLogs(
  repo: Repo,
  allRefs: readonly LogRef[],
  options: ReadLogsOptions = {},
): Promise<LogSnapshot[]> {
  const reader = options.reader ?? {};
  const listed = await listedLogs(repo, allRefs, options);
  const refs = listed.map((l) => l.ref);
  const trees = listed.map((l) => l.tree);
  /** For each log, the earlier log it is a copy of (same writer, same commit), if any. */
  const copyOf: Array<number | undefined> = [];
  const firstAt = new Map<string, number>();
  refs.forEach((ref, log) => {
    const key = `${ref.writerId} ${ref.oid}`;
    copyOf.push(firstAt.get(key));
    if (!firstAt.has(key)) firstAt.set(key, log);
  });
  const layouts = trees.map(layoutOf);
  const prefixOf = prefixCopies(refs, layouts, copyOf);
  const small: string[] = [];
  const chunkSpecs: string[] = [];
  /** For each chunk request, the log it belongs to. */
  const chunkLog: number[] = [];
  /** For each log, its chunk requests (indices into chunkSpecs), in order. */
  const chunkRequests: number[][] = refs.map(() => []);
  const plans = layouts.map((layout, log) => {
    // A copy of an earlier log is not read again.
    if (copyOf[log] !== undefined) return { heads: [] as number[], stamps: [], writer: undefined };
    const heads = layout.heads.map((oid) => small.push(oid) - 1);
    const stamps = layout.stamps.map((stamp) => ({ size: stamp.size, blob: small.push(stamp.oid) - 1 }));
    const writer = layout.writer === undefined ? undefined : small.push(layout.writer) - 1;
    // Nor are chunks another copy's request reads.
    for (const chunk of prefixOf[log] === undefined ? layout.chunks : []) {
      chunkRequests[log]!.push(chunkSpecs.push(chunk.oid) - 1);
      chunkLog.push(log);
    }
    return { heads, stamps, writer };
  });
  const missingChunks = new Set<number>();
  const smallBlobs: Array<Buffer | undefined> = new Array(small.length).fill(undefined);
  let snapshots: LogSnapshot[] | undefined;
  const open = () => {
    const opened: LogSnapshot[] = [];
    for (const [i, ref] of refs.entries()) {
      // A copy of an earlier log (copyOf[i] < i) shares what was read for it.
      const original = copyOf[i] === undefined ? undefined : opened[copyOf[i]!]!;
      if (original) {
        const { entries, heads, stamps, writer } = original;
        opened.push({ ...ref, entries, heads, stamps, writer });
        continue;
      }
      const plan = plans[i]!;
      const heads = plan.heads.flatMap((h) => {
        const head = parseJsonBlob<SignedTreeHead>(smallBlobs[h]);
        return head ? [head] : [];
      });
      const writer =
        plan.writer === undefined ? undefined : parseJsonBlob<WriterInfo>(smallBlobs[plan.writer]);
      const stamps = plan.stamps.flatMap(({ size, blob }) => {
        const token = smallBlobs[blob];
        return token ? [{ size, token }] : [];
      });
      opened.push({ ...ref, entries: new EntryList(), heads, stamps, writer });
    }
    opened.forEach((snapshot, i) => {
      const source = prefixOf[copyOf[i] ?? i];
      if (source !== undefined) snapshot.prefixOf = opened[source];
    });
    snapshots = opened;
    for (const snapshot of snapshots) if (!snapshot.prefixOf) reader.opened?.(snapshot);
  };
  if (small.length === 0) open();
  const logOf = (index: number) => snapshots![chunkLog[index - small.length]!]!;
  let filled = 0;
  await streamObjects(
    repo.workTree,
    [...small, ...chunkSpecs],
    {
      begin: (index, { size }) => {
        if (index < small.length) {
          smallBlobs[index] = Buffer.allocUnsafe(size);
          filled = 0;
        } else {
          logOf(index).entries.beginChunk(size);
        }
      },
      data: (index, piece) => {
        if (index < small.length) {
          piece.copy(smallBlobs[index]!, filled);
          filled += piece.length;
          return;
        }
        const snapshot = logOf(index);
        snapshot.entries.write(piece);
        reader.grew?.(snapshot);
      },
      end: (index) => {
        if (index === small.length - 1) open();
        if (index < small.length) return;
        const snapshot = logOf(index);
        snapshot.entries.endChunk();
        reader.grew?.(snapshot);
      },
      missing: (index) => {
        if (index === small.length - 1) open();
        if (index >= small.length) missingChunks.add(index - small.length);
      },
    },
    // Large output: through a file, so git never waits for this process (see runGit).
    { spoolDir: SPOOL_DIR },
  );
  if (!snapshots) open();
  prefixOf.forEach((source, log) => {
    if (source === undefined) return;
    // The source's chunks that git had: a chunk missing there is missing here too.
    const shared = chunkRequests[source]!.slice(0, layouts[log]!.chunks.length);
    const held = shared.filter((request) => !missingChunks.has(request)).length;
    snapshots![log]!.entries.adoptPrefix(snapshots![source]!.entries, held);
  });
  return snapshots!;
}

export interface AppendResult {
  writerId: string;
  firstSeq: number;
  ids: string[];
  head: SignedTreeHead;
}

export interface AppendOptions {
  /**
   * The writer's name, kept in writer.json by the log's first append. A function is called
   * only then: finding the name costs a git process, which later appends need not pay.
   */
  writerName?: string | (() => Promise<string>);
  /**
   * Called under the lock once the append's first sequence number is known, before anything
   * is written, and again if a concurrent append moved the log and the append is retried: a
   * caller that must learn after a crash whether its append landed (sealing) notes it here.
   */
  beforeWrite?: (position: { writerId: string; sizeBefore: number }) => void;
  /** Clock for the tree head and commit; tests pass fixed times. */
  now?: () => string;
}

/**
 * Appends records to this writer's log as one commit: validated first (nothing is written if
 * any record is invalid), then chained, Merkle-hashed and covered by a new signed tree head.
 * Serialised across processes by a lock, and across clones sharing a key by the ref CAS.
 */
export async function appendRecords(
  repo: Repo,
  key: KeyPair,
  inputs: readonly unknown[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  if (inputs.length === 0) throw new TrailError('USAGE', 'nothing to append');
  // Loaded here, not at the top: readers of the ledger (verify above all) never validate.
  const { validateRecord } = await import('../core/records.js');
  const records: TrailRecord[] = inputs.map((input) => validateRecord(input));
  const writerId = key.keyId;
  const ref = logRef(writerId);
  const now = options.now ?? (() => new Date().toISOString());
  return withLock(join(repo.stateDir, 'locks', `${writerId}.lock`), async () => {
    let cached = readTipCache(repo, writerId);
    // fast-import refuses only a commit that does not descend from the ref (commitFiles), and
    // one built on a cached tip still descends from a ref moved back to an ancestor (by hand,
    // or a tool): it would put back what was taken away, as if nothing had happened. So the
    // cache counts only while the loose ref says the same tip; a packed or missing one is read
    // through git, and the append then builds on the ref as it is (which verify's witness judges).
    if (cached && looseRef(repo, ref) !== cached.tip) cached = undefined;
    for (let attempt = 0; ; attempt++) {
      // The cached tip saves a git process per append; the CAS below catches a stale cache.
      const { tip, state } = cached ?? (await readTip(repo, ref));
      cached = undefined;
      const frontier = MerkleFrontier.from(state.frontier);
      let last = state.last;
      const lines: string[] = [];
      const leaves: Buffer[] = [];
      const ids: string[] = [];
      records.forEach((record, i) => {
        const line = encodeEntry({ prev: last, record, seq: state.size + i });
        const leaf = entryLeafHash(line);
        lines.push(line);
        leaves.push(leaf);
        frontier.append(leaf);
        last = leaf.toString('hex');
        ids.push(recordIdOfLine(line));
      });
      const size = state.size + records.length;
      const time = now();
      const head = signTreeHead(
        { log: writerId, size, root: frontier.root().toString('hex'), last, time },
        key,
      );
      const nextState: LogState = { size, last, frontier: frontier.toJSON() };
      const files = [
        { path: chunkPath(state.size), content: `${lines.join('\n')}\n` },
        { path: `heads/${shard(size)}/${seqName(size)}.json`, content: `${canonicalize(head)}\n` },
        { path: 'state.json', content: `${canonicalize(nextState)}\n` },
      ];
      if (tip === undefined) {
        const writer: WriterInfo = {
          writerId,
          publicKey: key.publicKey,
          name:
            (typeof options.writerName === 'function' ? await options.writerName() : options.writerName) ??
            'unknown',
          createdAt: time,
        };
        files.push({ path: 'writer.json', content: `${JSON.stringify(writer, null, 2)}\n` });
      }
      options.beforeWrite?.({ writerId, sizeBefore: state.size });
      let oid: string;
      try {
        oid = await commitFiles(repo.workTree, {
          ref,
          expectedOld: tip,
          message: `trail: append ${state.size}..${size - 1}`,
          files,
          time,
        });
      } catch (error) {
        if (error instanceof RefMovedError && attempt < 5) continue;
        throw (await notALogError(repo, ref)) ?? error;
      }
      writeTipCache(repo, writerId, { tip: oid, state: nextState });
      extendOwnWitness(repo, writerId, state.size, leaves);
      return { writerId, firstSeq: state.size, ids, head };
    }
  });
}

/**
 * Adds timestamp tokens to this writer's log, each beside the head it stamps, as one commit
 * under the append lock and the ref's compare-and-swap. The log's entries, heads and state
 * stay as they are: a token is evidence about a head, not part of the chain.
 */
export async function addStamps(repo: Repo, writerId: string, stamps: readonly LogStamp[]): Promise<void> {
  if (stamps.length === 0) return;
  const ref = logRef(writerId);
  await withLock(join(repo.stateDir, 'locks', `${writerId}.lock`), async () => {
    for (let attempt = 0; ; attempt++) {
      const { tip, state } = await readTip(repo, ref);
      if (tip === undefined) throw new TrailError('NOT_FOUND', `${ref} holds no log to timestamp`);
      let oid: string;
      try {
        oid = await commitFiles(repo.workTree, {
          ref,
          expectedOld: tip,
          message: `trail: timestamp ${stamps.map((s) => `head ${s.size}`).join(', ')}`,
          files: stamps.map((stamp) => ({ path: stampPath(stamp.size), content: stamp.token })),
        });
      } catch (error) {
        if (error instanceof RefMovedError && attempt < 5) continue;
        throw (await notALogError(repo, ref)) ?? error;
      }
      // The next append starts from this commit, not from the one the cache names.
      writeTipCache(repo, writerId, { tip: oid, state });
      return;
    }
  });
}

/**
 * Why an append to `ref` failed when the ref holds something other than a commit (anyone who
 * can push refs/trail/logs/* can put a blob there): git's own words ("Branch … is missing
 * commits") do not say so. Undefined when the ref is a commit or absent.
 */
async function notALogError(repo: Repo, ref: string): Promise<TrailError | undefined> {
  const type = await runGit(repo.workTree, ['cat-file', '-t', ref], { allow: [128] });
  const kind = type.code === 0 ? type.stdout.toString('utf8').trim() : undefined;
  if (kind === undefined || kind === 'commit') return undefined;
  return new TrailError(
    'VERIFY_FAILED',
    `${ref} does not hold a Trail log (it points at a ${kind}), so nothing was appended: trail verify reports it; put the log back (from a remote's copy, git update-ref ${ref} <commit>) and append again`,
  );
}

interface Tip {
  tip: string | undefined;
  state: LogState;
}

const EMPTY_STATE: LogState = { size: 0, last: GENESIS_PREV, frontier: { size: 0, roots: [] } };

async function readTip(repo: Repo, ref: string): Promise<Tip> {
  const [tip, stateBlob] = await readObjects(repo.workTree, [ref, `${ref}:state.json`]);
  const state = stateBlob
    ? (parseJson(stateBlob.content.toString('utf8'), `${ref}:state.json`) as LogState)
    : EMPTY_STATE;
  return { tip: tip?.oid, state };
}

/** The object id a loose ref file holds, or undefined (packed, missing, or not a plain id). */
function looseRef(repo: Repo, ref: string): string | undefined {
  try {
    const value = readFileSync(join(repo.gitDir, ref), 'utf8').trim();
    return /^[0-9a-f]{40,64}$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function tipCachePath(repo: Repo, writerId: string): string {
  return join(repo.stateDir, 'cache', `${writerId}.tip.json`);
}

function readTipCache(repo: Repo, writerId: string): Tip | undefined {
  try {
    return JSON.parse(readFileSync(tipCachePath(repo, writerId), 'utf8')) as Tip;
  } catch {
    return undefined;
  }
}

function writeTipCache(repo: Repo, writerId: string, tip: Tip): void {
  const path = tipCachePath(repo, writerId);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(tip));
  renameSync(temp, path);
}

/**
 * A writer witnesses its own appends: the leaf hashes it wrote are added to its witness, so
 * a later force-push that rewrites this log is caught by this clone's next verify even if
 * verify had not run in between.
 */
function extendOwnWitness(repo: Repo, writerId: string, oldSize: number, leaves: Buffer[]): void {
  const path = witnessPath(repo, writerId);
  const size = existsSync(path) ? statSync(path).size / 32 : 0;
  if (size !== oldSize) return;
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, Buffer.concat(leaves));
}

/**
 * The files of a copy of another writer's log obtained elsewhere (a `trail pull` from a
 * server), in the layout an append writes: the lines from `firstSeq` as one chunk, one file
 * per tree head, and writer.json when given. state.json is left out: it is the owning
 * writer's append cache, and readers and verify never use it.
 */
export function logCopyFiles(
  firstSeq: number,
  lines: readonly string[],
  heads: readonly SignedTreeHead[],
  writer?: WriterInfo,
): CommitFile[] {
  const files: CommitFile[] = [];
  if (lines.length > 0) {
    files.push({
      path: `log/${shard(firstSeq)}/${seqName(firstSeq)}.jsonl`,
      content: `${lines.join('\n')}\n`,
    });
  }
  for (const head of heads) {
    files.push({
      path: `heads/${shard(head.size)}/${seqName(head.size)}.json`,
      content: `${canonicalize(head)}\n`,
    });
  }
  if (writer) files.push({ path: 'writer.json', content: `${JSON.stringify(writer, null, 2)}\n` });
  return files;
}
