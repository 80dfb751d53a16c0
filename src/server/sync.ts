/**
 * `trail push` and `trail pull`: this repository's ledger to and from a Trail server.
 *
 * Push sends, for each writer (this clone's log and every fetched copy, the longest copy of
 * each), the entries the server does not hold yet and the tree heads covering them, after
 * registering the trusted keys in `.trail/keys/`. It decides what to send from the server's
 * size and last leaf hash for the writer:
 *   - the local log extends the server's (same leaf at the server's size): send the rest;
 *   - the local log is shorter: check with an RFC 9162 consistency proof that it is a prefix
 *     of the server's (then there is nothing to send);
 *   - otherwise the histories differ: send the local log from seq 0, so the server sees the
 *     difference, refuses it (409) and raises an alert, rather than the client hiding it.
 *
 * Push then sends the commits of the default branch and the `.trail/policy.yml` committed
 * there, so the server's reports can list commits without a checkpoint and judge by the
 * repository's own policy (push-history.ts).
 *
 * Pull writes what the server holds beyond this clone's copies under
 * `refs/trail/remotes/<server>/logs/<writer>`, after checking with a consistency proof that
 * the server's log extends the copy pulled before. `trail verify` then checks it like any
 * fetched log.
 */
import { basename } from 'node:path';
import { TrailError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { GENESIS_PREV, peekTombstone } from '../core/log-entry.js';
import { rootFromLeafHashes, verifyConsistency } from '../core/merkle.js';
import { commitFiles } from '../git/fast-import.js';
import { runGit } from '../git/run.js';
import { listTrustedKeys } from '../ledger/keys.js';
import type { LogSnapshot, LogStamp, WriterInfo } from '../ledger/log-store.js';
import { listLogRefs, logCopyFiles, logHeads, readLogs, stampPath } from '../ledger/log-store.js';
import type { Repo } from '../ledger/repo.js';
import { REMOTE_LOG_REF_PREFIX } from '../ledger/repo.js';
import type { ServerClient } from './client.js';
import { ServerRequestError } from './client.js';
import type { HistoryPushResult } from './push-history.js';
import { historySource, pushHistory } from './push-history.js';

/** Entries and bytes per push request; a batch always ends on a signed tree head. */
const MAX_BATCH_ENTRIES = 5000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const PULL_PAGE = 5000;
/** Timestamp tokens per request: the server's limit (log-stamps.ts MAX_STAMPS_PER_REQUEST). */
const STAMPS_PER_REQUEST = 100;

interface ServerWriter {
  writerId: string;
  name: string | null;
  size: number;
  root: string;
  last: string;
  updatedAt: string;
  key: { publicKey: string; name: string | null; revokedAt: string | null } | null;
  /** The largest head size the server holds a timestamp token for (absent: an older server). */
  stampedTo?: number;
}

interface PulledStamps {
  stamps: Array<{ size: number; token: string }>;
}

interface WritersAnswer {
  repo: string;
  writers: ServerWriter[];
}

interface ConsistencyAnswer {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

/** The repository's name on the server: --repo, TRAIL_REPO, the origin's path, or the folder. */
export async function repoNameFor(
  repo: Repo,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const given = explicit ?? env.TRAIL_REPO;
  if (given) return given;
  // `git remote get-url` exits 2 where there is no such remote: a repository without origin.
  const remote = await runGit(repo.workTree, ['remote', 'get-url', 'origin'], { allow: [2] });
  const origin = remote.code === 0 ? remote.stdout.toString('utf8').trim() : undefined;
  const fromOrigin = origin ? nameFromRemoteUrl(origin) : undefined;
  return fromOrigin ?? sanitize(basename(repo.workTree));
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'repository';
}

/** `git@github.com:acme/api.git` and `https://github.com/acme/api.git` are both `acme/api`. */
export function nameFromRemoteUrl(url: string): string | undefined {
  let path: string | undefined;
  const scp = /^[^/@:]+@[^/:]+:(.+)$/.exec(url);
  if (scp) path = scp[1];
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'file:')
        return sanitize(basename(decodeURIComponent(parsed.pathname)).replace(/\.git$/, ''));
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
  } else {
    // A local path: only its last part names anything.
    return sanitize(basename(url.replace(/\/+$/, '')).replace(/\.git$/, ''));
  }
  const parts = (path ?? '')
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean)
    .map(sanitize);
  return parts.length > 0 ? parts.join('/') : undefined;
}

/** A ref-safe name for the server, used as the remote part of pulled refs. */
export function remoteNameFor(serverUrl: string): string {
  const url = new URL(serverUrl);
  const host = url.hostname.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `trail-${host}${url.port ? `-${url.port}` : ''}`;
}

/** An entry's leaf hash: SHA-256(0x00 || line), or the one a retention tombstone keeps. */
function leafOf(line: Buffer, leafInput: () => Buffer): Buffer {
  const tombstone = line.includes('"purged":{') ? peekTombstone(line) : undefined;
  return tombstone ? Buffer.from(tombstone.leaf, 'hex') : sha256(leafInput());
}

function leafHashes(snapshot: LogSnapshot): Buffer[] {
  return Array.from({ length: snapshot.entries.length }, (_, i) =>
    leafOf(snapshot.entries.lineBytes(i), () => snapshot.entries.leafInput(i)),
  );
}

/** The longest copy of each writer's log in this repository. */
async function longestCopies(repo: Repo): Promise<Map<string, LogSnapshot>> {
  const snapshots = await readLogs(repo, await listLogRefs(repo));
  const longest = new Map<string, LogSnapshot>();
  for (const s of snapshots) {
    const current = longest.get(s.writerId);
    if (
      !current ||
      s.entries.length > current.entries.length ||
      (s.entries.length === current.entries.length && !s.remote)
    ) {
      longest.set(s.writerId, s);
    }
  }
  return longest;
}

async function isPrefixOnServer(
  client: ServerClient,
  repoName: string,
  writer: ServerWriter,
  leaves: Buffer[],
): Promise<boolean> {
  if (leaves.length === 0) return true;
  const answer = await client.request<ConsistencyAnswer>(
    'GET',
    `${client.repoPath(repoName, 'writers', writer.writerId, 'consistency')}?from=${leaves.length}&to=${writer.size}`,
  );
  return (
    answer.toRoot === writer.root &&
    verifyConsistency(
      leaves.length,
      writer.size,
      rootFromLeafHashes(leaves),
      Buffer.from(answer.toRoot, 'hex'),
      answer.proof.map((p) => Buffer.from(p, 'hex')),
    )
  );
}

// --- push --------------------------------------------------------------------------------------

export interface PushWriterResult {
  writerId: string;
  local: number;
  server: number;
  status: 'up-to-date' | 'pushed' | 'behind' | 'refused' | 'nothing-signed';
  sent: number;
  accepted: number;
  duplicates: number;
  /** Local entries past the newest signed head: never sent (the server would refuse them). */
  unsigned: number;
  error?: Refusal;
  /** The log's RFC 3161 tokens the server lacked, sent after its entries (pushStamps). */
  stamps?: StampsPushed;
}

export interface StampsPushed {
  sent: number;
  /** Kept by the server now. */
  stored: number;
  /** The server had a token for that head already. */
  held: number;
  refused: Array<{ size: number; why: string }>;
  /** The server takes no tokens at all (one older than this Trail), or refused the request. */
  unsupported?: string;
}

/** What the server said when it refused a request, as a push reports it. */
export interface Refusal {
  status: number;
  code: string;
  problem?: string;
  message: string;
}

function refusalOf(error: ServerRequestError): Refusal {
  return {
    status: error.status,
    code: error.apiCode,
    ...(typeof error.detail.problem === 'string' ? { problem: error.detail.problem } : {}),
    message: error.message,
  };
}

export interface PushReport {
  server: string;
  repo: string;
  /** `pending`: keys the server holds back until an admin approves them (its key set is locked). */
  keys: { added: string[]; revoked: string[]; unchanged: string[]; pending?: string[] };
  writers: PushWriterResult[];
  /** The branch's commits and its policy file (push-history.ts). */
  history: HistoryPushResult;
  ok: boolean;
}

interface Batch {
  from: number;
  to: number;
  heads: SignedTreeHead[];
}

/** Splits entries [start, end) into requests that each end on a signed head. */
function batches(lines: string[], heads: SignedTreeHead[], start: number, end: number): Batch[] {
  const sizes = [...new Set(heads.map((h) => h.size))]
    .filter((s) => s > start && s <= end)
    .sort((a, b) => a - b);
  const bytesBefore = [0];
  for (let i = 0; i < end; i++) bytesBefore.push(bytesBefore[i]! + (i >= start ? lines[i]!.length + 64 : 0));
  const out: Batch[] = [];
  const emit = (from: number, to: number) =>
    out.push({ from, to, heads: heads.filter((h) => h.size > from && h.size <= to) });
  let from = start;
  let cut = start;
  for (const size of sizes) {
    const tooBig =
      size - from > MAX_BATCH_ENTRIES || bytesBefore[size]! - bytesBefore[from]! > MAX_BATCH_BYTES;
    if (tooBig && cut > from) {
      emit(from, cut);
      from = cut;
    }
    cut = size;
  }
  if (cut > from) emit(from, cut);
  return out;
}

export async function pushRepository(
  repo: Repo,
  client: ServerClient,
  repoName: string,
  onProgress: (line: string) => void = () => {},
  /** Whose commits go to the server (push-history.ts); default: the default branch. */
  commitsFrom?: string,
): Promise<PushReport> {
  const source = await historySource(repo, commitsFrom);
  const keys = listTrustedKeys(repo).map((k) => ({
    keyId: k.keyId,
    publicKey: k.publicKey,
    name: k.name,
    ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}),
    // The bound is what stops a thief's backdated heads at ingest (server/ingest.ts): without
    // it the server has only the heads' own times, which the thief writes.
    ...(k.revokedAtSize !== undefined ? { revokedAtSize: k.revokedAtSize } : {}),
    ...(k.revokedReason ? { revokedReason: k.revokedReason } : {}),
  }));
  const keyResult = await client.request<PushReport['keys']>('POST', client.repoPath(repoName, 'keys'), {
    keys,
  });
  const answer = await client.request<WritersAnswer>('GET', client.repoPath(repoName, 'writers'));
  const serverBy = new Map(answer.writers.map((w) => [w.writerId, w]));
  const results: PushWriterResult[] = [];
  const copies = await longestCopies(repo);
  for (const [writerId, snapshot] of [...copies].sort(([a], [b]) => a.localeCompare(b))) {
    const server = serverBy.get(writerId);
    const lines = snapshot.entries.lines();
    const leaves = leafHashes(snapshot);
    const heads = [...snapshot.heads].sort((a, b) => a.size - b.size);
    const signed = heads.length > 0 ? Math.min(lines.length, heads[heads.length - 1]!.size) : 0;
    const result: PushWriterResult = {
      writerId,
      local: lines.length,
      server: server?.size ?? 0,
      status: 'up-to-date',
      sent: 0,
      accepted: 0,
      duplicates: 0,
      unsigned: lines.length - signed,
    };
    results.push(result);
    let start: number;
    const serverSize = server?.size ?? 0;
    if (serverSize === 0) start = 0;
    else if (lines.length >= serverSize && leaves[serverSize - 1]!.toString('hex') === server!.last)
      start = serverSize;
    else if (lines.length < serverSize && (await isPrefixOnServer(client, repoName, server!, leaves))) {
      result.status = 'behind';
      continue;
    } else start = 0; // the histories differ: let the server see it
    if (start >= signed) {
      if (signed === 0 && lines.length > 0) result.status = 'nothing-signed';
      continue;
    }
    try {
      for (const batch of batches(lines, heads, start, signed)) {
        const pushed = await client.request<{ accepted: number; duplicates: number }>(
          'POST',
          client.repoPath(repoName, 'writers', writerId, 'entries'),
          {
            from: batch.from,
            entries: lines.slice(batch.from, batch.to),
            heads: batch.heads,
            ...(snapshot.writer?.name ? { writerName: snapshot.writer.name } : {}),
          },
        );
        result.sent += batch.to - batch.from;
        result.accepted += pushed.accepted;
        result.duplicates += pushed.duplicates;
        onProgress(`${writerId.slice(0, 12)}: sent ${batch.from}..${batch.to - 1}`);
      }
      result.status = result.accepted > 0 ? 'pushed' : 'up-to-date';
    } catch (error) {
      if (!(error instanceof ServerRequestError)) throw error;
      result.status = 'refused';
      result.error = refusalOf(error);
    }
  }
  for (const result of results) {
    if (result.status === 'refused') continue;
    const snapshot = copies.get(result.writerId);
    const stamps = await pushStamps(
      client,
      repoName,
      result.writerId,
      snapshot?.stamps ?? [],
      serverBy.get(result.writerId)?.stampedTo ?? 0,
    );
    if (stamps) result.stamps = stamps;
  }
  let history: HistoryPushResult;
  try {
    history = await pushHistory(repo, client, repoName, source);
  } catch (error) {
    // Refused (a locked key set that has not let this clone's key in, say): said beside
    // the logs' results rather than instead of them.
    if (!(error instanceof ServerRequestError)) throw error;
    history = {
      head: source?.head ?? null,
      ref: source?.ref ?? null,
      commits: { sent: 0, added: 0 },
      policyChanged: false,
      shallow: false,
      refused: refusalOf(error),
    };
  }
  return {
    server: client.baseUrl,
    repo: repoName,
    keys: keyResult,
    writers: results,
    history,
    ok: results.every((r) => r.status !== 'refused') && !history.refused,
  };
}

/**
 * Sends a log's timestamp tokens the server lacks (over heads larger than the largest it holds
 * one for), STAMPS_PER_REQUEST at a time. The server keeps those that vouch under an
 * authority its operator trusts (server/log-stamps.ts) and says why of the others; none of it
 * fails the push, and the tokens stay in the log here whatever the server does with them.
 */
async function pushStamps(
  client: ServerClient,
  repoName: string,
  writerId: string,
  stamps: readonly LogStamp[],
  stampedTo: number,
): Promise<StampsPushed | undefined> {
  const news = stamps.filter((s) => s.size > stampedTo).sort((a, b) => a.size - b.size);
  if (news.length === 0) return undefined;
  const pushed: StampsPushed = { sent: 0, stored: 0, held: 0, refused: [] };
  for (let at = 0; at < news.length; at += STAMPS_PER_REQUEST) {
    const batch = news.slice(at, at + STAMPS_PER_REQUEST);
    try {
      const answer = await client.request<{ stamps: Array<{ size: number; status: string; why?: string }> }>(
        'POST',
        client.repoPath(repoName, 'writers', writerId, 'stamps'),
        { stamps: batch.map((s) => ({ size: s.size, token: Buffer.from(s.token).toString('base64') })) },
      );
      pushed.sent += batch.length;
      for (const outcome of answer.stamps) {
        if (outcome.status === 'stored') pushed.stored++;
        else if (outcome.status === 'held') pushed.held++;
        else pushed.refused.push({ size: outcome.size, why: outcome.why ?? 'refused' });
      }
    } catch (error) {
      if (!(error instanceof ServerRequestError)) throw error;
      pushed.unsupported =
        error.status === 404
          ? 'the server takes no timestamp tokens (it runs an older Trail)'
          : error.message;
      break;
    }
  }
  return pushed;
}

/**
 * Writes into this clone's copy of a writer's log the timestamp tokens the server keeps past
 * the ones the copy holds, over heads the copy holds: so `trail verify` here weighs them as
 * it weighs tokens fetched with git (against this clone's own trusted authorities). Returns
 * how many it wrote.
 */
async function pullStamps(
  repo: Repo,
  client: ServerClient,
  repoName: string,
  writerId: string,
  ref: string,
  serverStampedTo: number,
): Promise<number> {
  const copy = await logHeads(repo, ref);
  const stampedTo = copy?.newestStamped ?? 0;
  if (!copy || serverStampedTo <= stampedTo) return 0;
  const answer = await client.request<PulledStamps>(
    'GET',
    `${client.repoPath(repoName, 'writers', writerId, 'stamps')}?after=${stampedTo}`,
  );
  const files = answer.stamps
    .filter((s) => Number.isSafeInteger(s.size) && s.size > stampedTo && s.size <= copy.newestHead)
    .map((s) => ({ path: stampPath(s.size), content: Buffer.from(s.token, 'base64') }));
  if (files.length === 0) return 0;
  await commitFiles(repo.workTree, {
    ref,
    expectedOld: copy.oid,
    message: `trail pull: ${files.length} timestamp token${files.length === 1 ? '' : 's'} of ${writerId} from ${client.baseUrl}`,
    files,
  });
  return files.length;
}

// --- pull --------------------------------------------------------------------------------------

export interface PullWriterResult {
  writerId: string;
  local: number;
  server: number;
  status: 'up-to-date' | 'pulled' | 'inconsistent';
  fetched: number;
  ref?: string;
  /** Set when this clone does not trust the writer's key: verify will say unknown-key. */
  untrustedKey?: boolean;
  message?: string;
  /** RFC 3161 tokens the server keeps over this copy's heads, written into it now. */
  stamps?: number;
}

export interface PullReport {
  server: string;
  repo: string;
  remote: string;
  writers: PullWriterResult[];
  ok: boolean;
}

export async function pullRepository(
  repo: Repo,
  client: ServerClient,
  repoName: string,
  remoteName: string,
): Promise<PullReport> {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(remoteName) ||
    remoteName.endsWith('.lock') ||
    remoteName.includes('..')
  ) {
    throw new TrailError('USAGE', `"${remoteName}" cannot name a remote in refs/trail/remotes/`);
  }
  const answer = await client.request<WritersAnswer>('GET', client.repoPath(repoName, 'writers'));
  // A copy ref that holds no log (anyone who can push refs/trail/* can make one) is skipped by
  // readLogs; pulling into it replaces it, since the server's copy is what belongs there.
  const noLog = new Map<string, string>();
  const snapshots = await readLogs(repo, await listLogRefs(repo), {
    unreadable: (ref) => noLog.set(ref.ref, ref.oid),
  });
  const trusted = new Set(listTrustedKeys(repo).map((k) => k.keyId));
  const results: PullWriterResult[] = [];
  for (const writer of answer.writers) {
    const copies = snapshots.filter((s) => s.writerId === writer.writerId);
    const localBest = Math.max(0, ...copies.map((s) => s.entries.length));
    const ref = `${REMOTE_LOG_REF_PREFIX}${remoteName}/logs/${writer.writerId}`;
    const result: PullWriterResult = {
      writerId: writer.writerId,
      local: localBest,
      server: writer.size,
      status: 'up-to-date',
      fetched: 0,
      ...(trusted.has(writer.writerId) ? {} : { untrustedKey: true }),
    };
    results.push(result);
    if (writer.size <= localBest) continue;
    const copy = copies.find((s) => s.ref === ref);
    const have = copy?.entries.length ?? 0;
    const leaves = copy ? leafHashes(copy) : [];
    if (have > 0 && !(await isPrefixOnServer(client, repoName, writer, leaves))) {
      result.status = 'inconsistent';
      result.message = `the server's log for writer ${writer.writerId} does not extend the ${have} entries pulled before (no valid consistency proof): not written`;
      continue;
    }
    const lines: string[] = [];
    const heads: SignedTreeHead[] = [];
    let prev = have > 0 ? leaves[have - 1]!.toString('hex') : GENESIS_PREV;
    for (let from = have; from < writer.size; ) {
      const page = await client.request<{ entries: string[]; heads: SignedTreeHead[] }>(
        'GET',
        `${client.repoPath(repoName, 'writers', writer.writerId, 'entries')}?from=${from}&limit=${PULL_PAGE}`,
      );
      if (page.entries.length === 0) break;
      // The first entry of each page must chain to what came before; verify checks the rest.
      if (!page.entries[0]!.startsWith(`{"prev":"${prev}"`)) {
        throw new TrailError(
          'VERIFY_FAILED',
          `the server sent entry ${from} of ${writer.writerId} that does not chain to entry ${from - 1}`,
        );
      }
      lines.push(...page.entries);
      heads.push(...page.heads);
      from += page.entries.length;
      const last = Buffer.from(page.entries[page.entries.length - 1]!, 'utf8');
      prev = leafOf(last, () => Buffer.concat([Buffer.from([0]), last])).toString('hex');
    }
    if (lines.length === 0) continue;
    const info: WriterInfo | undefined =
      have === 0 && writer.key
        ? {
            writerId: writer.writerId,
            publicKey: writer.key.publicKey,
            name: writer.name ?? writer.key.name ?? 'unknown',
            createdAt: writer.updatedAt,
          }
        : undefined;
    const junk = noLog.get(ref);
    if (junk) {
      // Deleted only while it still holds what was read: a compare-and-swap, like the write.
      await runGit(repo.workTree, ['update-ref', '-d', ref, junk]);
      result.message = `replaced ${ref}, which held no log`;
    }
    await commitFiles(repo.workTree, {
      ref,
      expectedOld: copy?.oid,
      message: `trail pull: ${writer.writerId} ${have}..${have + lines.length - 1} from ${client.baseUrl}`,
      files: logCopyFiles(have, lines, heads, info),
    });
    result.status = 'pulled';
    result.fetched = lines.length;
    result.ref = ref;
  }
  for (const result of results) {
    const server = answer.writers.find((w) => w.writerId === result.writerId);
    if (result.status === 'inconsistent' || !server?.stampedTo) continue;
    const ref = `${REMOTE_LOG_REF_PREFIX}${remoteName}/logs/${result.writerId}`;
    const written = await pullStamps(repo, client, repoName, result.writerId, ref, server.stampedTo);
    if (written > 0) {
      result.stamps = written;
      result.ref = ref;
    }
  }
  return {
    server: client.baseUrl,
    repo: repoName,
    remote: remoteName,
    writers: results,
    ok: results.every((r) => r.status !== 'inconsistent'),
  };
}
