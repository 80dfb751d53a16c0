/**
 * `trail verify` over a repository: every copy of every writer's log (this clone's and
 * those fetched from remotes) is checked by the pure log verifier against the trusted keys
 * and this clone's witness. The witness only moves forward when a writer's logs are clean,
 * so evidence of tampering is not overwritten by the next run.
 */
import type { ApprovalIntegrity, ApprovalPassStored } from '../chain/review.js';
import { checkApprovalIntegrity } from '../chain/review.js';
import type { EntryList } from '../core/entry-list.js';
import { sha256Hex } from '../core/hash.js';
import type { LogExistedBy } from '../core/key-revocation.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { decodeEntry, RECORD_START, recordKindAt, sessionFilter } from '../core/log-entry.js';
import type { LogProblem, TrustedKey, VerifyLogResult, WitnessState } from '../core/log-verifier.js';
import { checkHeadSignatures, LogVerifier, resultOfCleanPrefix, seenBefore } from '../core/log-verifier.js';
import { EMPTY_ROOT } from '../core/merkle.js';
import { trustedKeysOf } from './keys.js';
import type { LogSnapshot, LogStamp } from './log-store.js';
import { listLogRefs, logRef, longestSnapshots, readLogs } from './log-store.js';
import type { DecodedEntries } from './read.js';
import type { Repo } from './repo.js';
import { ReviewSignatureChecks } from './review-signatures.js';
import { SignatureMemo } from './signature-memo.js';
import type { LogTimestamp, StampCheck } from './stamp-checks.js';
import {
  checkStamps,
  newestTimestamp,
  stampedHeads,
  stampProblems,
  timestampBeforeRevocation,
} from './stamp-checks.js';
import { trustedAuthorityCertificates } from './timestamp-authorities.js';
import { loadWitness, saveWitness, witnessedWriters } from './witness.js';

export interface VerifiedLog {
  writerId: string;
  ref: string;
  remote?: string;
  writerName?: string;
  size: number;
  root: string;
  heads: number;
  /**
   * The newest head a trusted authority's RFC 3161 token stamps (`trail timestamp`): the
   * first `size` records existed by `time` on that authority's clock.
   */
  timestamp?: LogTimestamp;
  /**
   * For a writer whose key is revoked: the largest head a trusted authority stamped before the
   * revocation. Its first `size` records, reviews among them, existed while the key was in force.
   */
  beforeRevocation?: LogTimestamp;
  problems: LogProblem[];
}

export interface VerifyReport {
  ok: boolean;
  logs: VerifiedLog[];
  problems: Array<LogProblem & { ref: string }>;
  records: number;
  writers: number;
  /**
   * The approval-integrity pass: every approval's checkpoint, the records it seals and the
   * reviewer's signature. Its problems make `ok` false; its notices (legitimate later
   * records such as corrections and rewrites) do not.
   */
  approvals: ApprovalIntegrity;
}

/** A writer's newest timestamp over every copy of its log, as verify and reports state it. */
export interface WriterTimestamp extends LogTimestamp {
  writerId: string;
  writerName?: string;
}

/**
 * Per writer whose log a trusted authority's token stamps, the largest stamped head over every
 * copy: the newest (`timestamp`), or the newest before its key's revocation (`beforeRevocation`).
 */
export function writerTimestamps(
  report: VerifyReport,
  which: 'timestamp' | 'beforeRevocation' = 'timestamp',
): WriterTimestamp[] {
  const newest = new Map<string, WriterTimestamp>();
  for (const log of report.logs) {
    const { writerId, writerName } = log;
    const timestamp = log[which];
    if (!timestamp) continue;
    const held = newest.get(writerId);
    if (!held || timestamp.size > held.size) newest.set(writerId, { writerId, writerName, ...timestamp });
  }
  return [...newest.values()];
}

/** How many copies of logs fail verification: what `trail verify` and refusals count. */
export function failingLogs(report: VerifyReport): number {
  return report.logs.filter((log) => log.problems.length > 0).length;
}

/** Record id -> cutoff, from every retention-purge record in any log. */
function purgeAuthorisations(snapshots: readonly LogSnapshot[]): Map<string, string> {
  const purges = new Map<string, string>();
  // Copies of a log at the same commit share their entries: each is searched once. A copy
  // whose entries are another's first ones (prefixOf) is searched as part of that one.
  for (const entries of new Set(snapshots.filter((s) => !s.prefixOf).map((s) => s.entries))) {
    for (const line of entries.linesContaining('"kind":"retention-purge"')) {
      try {
        const record = decodeEntry(line).record as { kind: string; cutoff?: string; purged?: string[] };
        if (record.kind !== 'retention-purge' || !record.cutoff) continue;
        for (const id of record.purged ?? []) purges.set(id, record.cutoff);
      } catch {
        // A malformed entry is reported by the log's own verification.
      }
    }
  }
  return purges;
}

export async function verifyRepository(
  repo: Repo,
  options: { updateWitness?: boolean } = {},
): Promise<VerifyReport> {
  return (await verifyAndRead(repo, { ...options, keepDecoded: false })).report;
}

/**
 * Verifies, and hands back the logs it read (every copy of every log), so a reader that must
 * both verify and show the ledger (a report) reads it out of git once: recordsOfSnapshots.
 * The trusted keys it read come back too: what counts reviews or picks what may be signed
 * judges by the same keys, without reading .trail/keys/ again.
 */
export async function verifyAndRead(
  repo: Repo,
  options: {
    updateWitness?: boolean;
    /** Whether to hand back what the approval pass decoded (verify alone has no use for it). */
    keepDecoded?: boolean;
    /**
     * Only these writers' logs, with no approval pass (and no witness update): what a reader
     * needs to learn what timestamps show of revoked writers' logs (reviewLogsExistedBy).
     */
    writers?: ReadonlySet<string>;
  } = {},
): Promise<{
  report: VerifyReport;
  snapshots: LogSnapshot[];
  /** What the approval pass hashed and parsed, for recordsOfSnapshots not to do it again. */
  decoded: ReadonlyMap<EntryList, DecodedEntries>;
  /** The keys verified against, for what the caller judges next (review trust, signing). */
  trustedKeys: ReadonlyMap<string, TrustedKey>;
  /**
   * Whether each review signature the approval pass checked holds, by review record id, under
   * `trustedKeys`: for countedReviews, so a report does not check them all again.
   */
  signatureVerdicts: ReadonlyMap<string, boolean>;
  /**
   * Per revoked writer whose every copy of its log holds, what a trusted timestamp shows
   * existed before the revocation (VerifiedLog.beforeRevocation): for countedReviews.
   */
  existedBy: ReadonlyMap<string, LogExistedBy>;
}> {
  const only = options.writers;
  const refs = (await listLogRefs(repo)).filter((ref) => !only || only.has(ref.writerId));
  // A bare repository has no .trail/ folder: its trusted keys are those committed at HEAD.
  const trustedKeys = await trustedKeysOf(repo);
  // Read once per writer: several copies of one writer's log (this clone's, a remote's) share it.
  const witnesses = new Map<string, WitnessState | undefined>();
  const witnessOf = (writerId: string) => {
    if (!witnesses.has(writerId)) witnesses.set(writerId, loadWitness(repo, writerId));
    return witnesses.get(writerId);
  };
  // By entries, not by snapshot: copies of one log at the same commit share their entries
  // (readLogs reads them once), and so are verified once.
  const verifiers = new Map<EntryList, LogVerifier>();
  // Signatures checked before and found valid: review signatures, and tree heads.
  const memo = SignatureMemo.load(repo);
  // Head signatures are checked on the thread pool from the moment a log's heads are known.
  const signatures = new Map<EntryList, Promise<Map<SignedTreeHead, boolean>>>();
  const results = new Map<EntryList, Promise<VerifyLogResult>>();
  // Timestamp tokens, by the list that holds them (copies at one commit share it). The trusted
  // authorities are read once, and only if some log holds a token.
  let authorities: Promise<Uint8Array[]> | undefined;
  const trustedAuthorities = () => {
    authorities ??= trustedAuthorityCertificates(repo);
    return authorities;
  };
  const stampChecks = new Map<readonly LogStamp[], Promise<StampCheck[]>>();
  const stampChecksOf = (snapshot: LogSnapshot): Promise<StampCheck[]> => {
    let checks = stampChecks.get(snapshot.stamps);
    if (!checks) {
      checks = checkStamps(
        snapshot.stamps,
        snapshot.heads,
        trustedAuthorities,
        trustedKeys.get(snapshot.writerId),
      );
      stampChecks.set(snapshot.stamps, checks);
    }
    return checks;
  };
  const verifierOf = (snapshot: LogSnapshot): LogVerifier => {
    let verifier = verifiers.get(snapshot.entries);
    if (!verifier) {
      signatures.set(
        snapshot.entries,
        checkHeadSignatures(snapshot.writerId, snapshot.heads, trustedKeys, memo),
      );
      verifier = new LogVerifier({
        writerId: snapshot.writerId,
        heads: snapshot.heads,
        trustedKeys,
        witness: witnessOf(snapshot.writerId),
        witnessLength: false,
      });
      verifiers.set(snapshot.entries, verifier);
    }
    return verifier;
  };
  const logs: VerifiedLog[] = [];
  /** The latest time (ms) each log's `beforeRevocation` token allows. */
  const latestBefore = new Map<VerifiedLog, number>();
  const byWriter = new Map<string, Array<{ log: VerifiedLog; leafHashes: Buffer }>>();
  const addLog = (log: VerifiedLog, leafHashes: Buffer) => {
    logs.push(log);
    const list = byWriter.get(log.writerId) ?? [];
    list.push({ log, leafHashes });
    byWriter.set(log.writerId, list);
  };
  // Each log is verified as it streams in from git, so hashing overlaps git's inflating.
  const snapshots = await readLogs(repo, refs, {
    reader: {
      opened: verifierOf,
      grew: (snapshot) => verifierOf(snapshot).advance(snapshot.entries),
    },
    // A ref that holds no log is a copy with no records and one problem: so its writer's
    // witness is not moved on, and a truncation is still judged over the copies there are.
    unreadable: (ref, why) =>
      addLog(
        {
          writerId: ref.writerId,
          ref: ref.ref,
          remote: ref.remote,
          size: 0,
          root: EMPTY_ROOT.toString('hex'),
          heads: 0,
          problems: [{ writerId: ref.writerId, kind: 'malformed', message: `not a Trail log: ${why}` }],
        },
        Buffer.alloc(0),
      ),
  });
  // Tombstones are judged once every log is in: the purge naming one may sit in another log.
  // Finding the purges is a byte search through every log, so it waits for a log that holds
  // a tombstone: most ledgers hold none, and then no purge is ever asked for.
  let purges: Map<string, string> | undefined;
  const purgesFor = (verifier: LogVerifier, entries: EntryList) => {
    verifier.advance(entries);
    if (!verifier.holdsTombstones) return undefined;
    purges ??= purgeAuthorisations(snapshots);
    return purges;
  };
  const resultOf = async (snapshot: LogSnapshot): Promise<VerifyLogResult> => {
    // A copy holding the first entries of another: where that one is clean and this one
    // holds no head that one lacks, nothing in it is left to check (resultOfCleanPrefix).
    const source = snapshot.prefixOf;
    const derived =
      source &&
      resultOfCleanPrefix(
        await sharedResultOf(source),
        source.heads,
        snapshot.entries.length,
        snapshot.heads,
      );
    if (derived) return derived;
    // Otherwise verified on its own, over the entries it shares: nothing is read again.
    const verifier = verifierOf(snapshot);
    return verifier.finish(
      snapshot.entries,
      purgesFor(verifier, snapshot.entries),
      await signatures.get(snapshot.entries),
      stampedHeads(await stampChecksOf(snapshot)),
    );
  };
  const sharedResultOf = (snapshot: LogSnapshot): Promise<VerifyLogResult> => {
    let shared = results.get(snapshot.entries);
    if (!shared) {
      shared = resultOf(snapshot);
      results.set(snapshot.entries, shared);
    }
    return shared;
  };
  for (const snapshot of snapshots) {
    // Each copy gets its own list of problems: it is added to below, and named by its ref.
    const result = { ...(await sharedResultOf(snapshot)) };
    const stamps = await stampChecksOf(snapshot);
    result.problems = [...result.problems, ...stampProblems(snapshot.writerId, stamps)];
    if (snapshot.writer && snapshot.writer.writerId !== snapshot.writerId) {
      result.problems.push({
        writerId: snapshot.writerId,
        kind: 'wrong-key',
        message: `writer.json names writer ${snapshot.writer.writerId}`,
      });
    }
    const log: VerifiedLog = {
      writerId: snapshot.writerId,
      ref: snapshot.ref,
      remote: snapshot.remote,
      writerName: snapshot.writer?.name,
      size: result.size,
      root: result.root,
      heads: snapshot.heads.length,
      problems: result.problems,
    };
    // Said only of a log that holds: a token ties to the records through its head's Merkle
    // root, and in a log that fails, that tie is what may be broken.
    const timestamp = result.problems.length === 0 ? newestTimestamp(stamps) : undefined;
    if (timestamp) log.timestamp = timestamp;
    const before =
      result.problems.length === 0
        ? timestampBeforeRevocation(stamps, trustedKeys.get(snapshot.writerId), Date.now())
        : undefined;
    if (before) {
      const { latest, ...said } = before;
      log.beforeRevocation = said;
      latestBefore.set(log, latest);
    }
    addLog(log, result.leafHashes);
  }
  for (const [writerId, copies] of byWriter) {
    // witnessOf, not the map: a writer whose only copy holds no log had no verifier to load it.
    const witness = witnessOf(writerId);
    const longest = copies.reduce((a, b) => (b.log.size > a.log.size ? b : a));
    if (witness && longest.log.size < witness.size) {
      longest.log.problems.push({
        writerId,
        kind: 'truncated',
        seq: longest.log.size,
        message: `the log was truncated: ${seenBefore(witness.size)}, the longest copy holds ${longest.log.size}`,
      });
    }
    forkProblems(writerId, copies);
    const clean = copies.every((c) => c.log.problems.length === 0);
    if (clean && options.updateWitness !== false && !only && (!witness || longest.log.size >= witness.size)) {
      saveWitness(repo, writerId, longest.leafHashes);
    }
  }
  // A log seen before of which no copy is left was deleted: the extreme truncation, which the
  // loop above cannot see, going over the copies there are. Its witness is kept as it is.
  for (const writerId of witnessedWriters(repo)) {
    if (only && !only.has(writerId)) continue;
    const witness = byWriter.has(writerId) ? undefined : witnessOf(writerId);
    if (!witness || witness.size === 0) continue;
    addLog(
      {
        writerId,
        ref: logRef(writerId),
        size: 0,
        root: EMPTY_ROOT.toString('hex'),
        heads: 0,
        problems: [
          {
            writerId,
            kind: 'deleted',
            seq: 0,
            message: `the log was deleted: ${seenBefore(witness.size)}, and no copy of it is left under refs/trail/ (fetch it again if a remote still has it)`,
          },
        ],
      },
      Buffer.alloc(0),
    );
  }
  const problems = logs.flatMap((log) => log.problems.map((p) => ({ ...p, ref: log.ref })));
  const records = [...byWriter.values()].reduce(
    (sum, copies) => sum + Math.max(...copies.map((c) => c.log.size)),
    0,
  );
  // A timestamp shows a revoked writer's records came first only where every copy of its log
  // holds: it ties to the records through its head's Merkle root, which a failing copy may
  // contradict, and copies that hold agree on the records they share (forkProblems).
  const existedBy = new Map<string, LogExistedBy>();
  for (const [writerId, copies] of byWriter) {
    if (copies.some((c) => c.log.problems.length > 0)) continue;
    for (const { log } of copies) {
      const by = latestBefore.get(log);
      const held = existedBy.get(writerId);
      if (by !== undefined && log.beforeRevocation && (!held || log.beforeRevocation.size > held.size))
        existedBy.set(writerId, { ...log.beforeRevocation, by });
    }
  }
  const decoded = new Map<EntryList, DecodedEntries>();
  const signatureVerdicts = new Map<string, boolean>();
  const approvals = only
    ? { approvals: 0, problems: [], notices: [] }
    : await verifyApprovals(
        snapshots,
        trustedKeys,
        memo,
        options.keepDecoded === false ? undefined : decoded,
        signatureVerdicts,
        existedBy,
      );
  memo.save();
  const report = {
    ok: problems.length === 0 && approvals.problems.length === 0,
    logs,
    problems,
    records,
    writers: byWriter.size,
    approvals,
  };
  return { report, snapshots, decoded, trustedKeys, signatureVerdicts, existedBy };
}

/**
 * Copies of one writer's log (this clone's, each remote's) that each verify must hold the same
 * records where they overlap. Two that differ are two histories signed with one key: one was
 * rewritten (a log forked, then force-pushed, or a thief's), and each alone verifies, so only
 * comparing them shows it. The longest clean copy is the reference; each other clean copy that
 * differs gets the problem, naming the first record that differs. A copy that fails already is
 * left as it is: its own problems say more.
 */
function forkProblems(
  writerId: string,
  copies: ReadonlyArray<{ log: VerifiedLog; leafHashes: Buffer }>,
): void {
  const clean = copies.filter((c) => c.log.problems.length === 0);
  if (clean.length < 2) return;
  const reference = clean.reduce((a, b) => (b.log.size > a.log.size ? b : a));
  const leafAt = (hashes: Buffer, seq: number) => hashes.subarray(seq * 32, seq * 32 + 32);
  for (const copy of clean) {
    if (copy === reference) continue;
    if (copy.leafHashes.equals(reference.leafHashes.subarray(0, copy.leafHashes.length))) continue;
    let seq = 0;
    while (leafAt(copy.leafHashes, seq).equals(leafAt(reference.leafHashes, seq))) seq++;
    copy.log.problems.push({
      writerId,
      kind: 'rewritten',
      seq,
      message: `history forked: record ${seq} differs from record ${seq} of ${reference.log.ref}, which also verifies: the writer key signed two histories, so one of them was rewritten`,
    });
  }
}

const REVIEW_KIND_TEXT = '"kind":"review"';
const SEQ_KEY = Buffer.from(',"seq":');
const APPROVE_TEXT = '"decision":"approve"';
/** Records parsed between two yields to the event loop: about 10 ms of parsing. */
const YIELD_EVERY = 1000;

/** One log as the approval pass goes through it. */
interface LogPass {
  snapshot: LogSnapshot;
  /** Positions of the records it parses (APPROVAL_PASS_KINDS), and of sessions and events. */
  parsed: number[];
  other: number[];
  /**
   * Per position, where the record's bytes end within its line (at `,"seq":`); they start at
   * RECORD_START, after the fixed-width `prev`. Found once, read by every later step.
   */
  recordEnds: Int32Array;
  decoded?: DecodedEntries;
}

/**
 * Gathers what the approval-integrity pass needs from the logs already read, using the copy
 * of each writer's log the read side shows (longestSnapshots), so approvals are judged
 * against the records a report shows. Cost stays off the common path: a ledger without an
 * approval stops at one byte search, and otherwise one byte search per entry finds its kind.
 * Reviews, checkpoints, corrections and purges are then parsed (approval-records.ts says
 * what of them is checked), and of sessions and events only those of approved checkpoints'
 * sessions are hashed for their ids (all of them, where most checkpoints are approved and
 * telling them apart would cost more). Should a sealed id still be missing, every
 * remaining record is hashed before it is called missing, so the shortcut never makes a
 * false problem. Lines are read in place (EntryList.bufferOf): at 515,000 records, a view
 * per line per step was a good part of the pass.
 */
export async function verifyApprovals(
  snapshots: readonly LogSnapshot[],
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  memo?: SignatureMemo,
  /** Filled with the ids and records this pass works out, by log (its entries) and position. */
  decoded?: Map<EntryList, DecodedEntries>,
  /** Filled with whether each review signature it checked holds, by review record id. */
  signatureVerdictsOut?: Map<string, boolean>,
  /** What trusted timestamps show of revoked writers' logs (checkApprovalIntegrity). */
  existedBy?: ReadonlyMap<string, LogExistedBy>,
): Promise<ApprovalIntegrity> {
  const longest = longestSnapshots(snapshots);
  // The common case first: no approval anywhere, one byte search per chunk, done.
  const anyApproval = longest.some((snapshot) =>
    snapshot.entries.someLineContaining(REVIEW_KIND_TEXT, (line) => line.includes(APPROVE_TEXT)),
  );
  if (!anyApproval) return { approvals: 0, problems: [], notices: [] };
  // The schemas (and zod) load only now: a ledger without approvals never needs them.
  const { APPROVAL_PASS_KINDS, approvalPassRecordSchema } = await import('../core/approval-records.js');

  const logs: LogPass[] = longest.map((snapshot) => {
    const log: LogPass = {
      snapshot,
      parsed: [],
      other: [],
      recordEnds: new Int32Array(snapshot.entries.length),
    };
    if (decoded) {
      log.decoded = { ids: [], records: [] };
      decoded.set(snapshot.entries, log.decoded);
    }
    return log;
  });
  for (const log of logs) {
    const entries = log.snapshot.entries;
    for (let i = 0; i < entries.length; i++) {
      const bytes = entries.lineBytes(i);
      const end = bytes.lastIndexOf(SEQ_KEY);
      if (end <= RECORD_START) continue; // malformed: the log checks report it
      log.recordEnds[i] = end;
      const kind = recordKindAt(bytes, RECORD_START, end);
      if (kind === undefined) continue;
      if (APPROVAL_PASS_KINDS.has(kind)) log.parsed.push(i);
      else if (kind === 'event' || kind === 'session') log.other.push(i);
    }
  }

  /** A record's canonical bytes, read in place in its log's chunk. */
  const recordBytes = (log: LogPass, position: number) => {
    const entries = log.snapshot.entries;
    const lineStart = entries.lineStart(position);
    return entries
      .bufferOf(position)
      .subarray(lineStart + RECORD_START, lineStart + log.recordEnds[position]!);
  };
  const recordIds = new Set<string>();
  const idOf = (log: LogPass, position: number) => {
    const known = log.decoded?.ids;
    let id = known?.[position];
    if (id === undefined) {
      id = sha256Hex(recordBytes(log, position));
      if (known) known[position] = id;
    }
    recordIds.add(id);
    return id;
  };
  const records: ApprovalPassStored[] = [];
  // Review signatures go to the thread pool as reviews are parsed; the parse yields now and
  // then so that finished checks make room for the next (ReviewSignatureChecks).
  const signatures = new ReviewSignatureChecks(trustedKeys, memo, signatureVerdictsOut);
  let sinceYield = 0;
  for (const log of logs) {
    const { parsed } = log;
    const parsedRecords = log.decoded?.records;
    for (const i of parsed) {
      if (++sinceYield === YIELD_EVERY) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const id = idOf(log, i);
      try {
        const raw: unknown = JSON.parse(recordBytes(log, i).toString('utf8'));
        if (parsedRecords) parsedRecords[i] = raw;
        const result = approvalPassRecordSchema.safeParse(raw);
        // A record whose fields read here have the wrong shape was signed so by its writer:
        // leaving it out makes whatever rests on it missing, which is then reported.
        if (!result.success) continue;
        records.push({ id, record: result.data, writerId: log.snapshot.writerId, seq: i });
        if (result.data.kind === 'review') signatures.add(id, result.data);
      } catch {
        // Unreadable JSON: likewise.
      }
    }
  }

  const approved = new Set(
    records.flatMap((r) =>
      r.record.kind === 'review' && r.record.decision === 'approve' && r.record.checkpoint
        ? [r.record.checkpoint]
        : [],
    ),
  );
  const needed: string[] = [];
  const sessions = new Set<string>();
  let checkpoints = 0;
  for (const r of records) {
    if (r.record.kind === 'checkpoint') checkpoints++;
    if (r.record.kind !== 'checkpoint' || !approved.has(r.id)) continue;
    needed.push(...r.record.events);
    for (const s of r.record.sessions) {
      sessions.add(s.sessionId);
      if (s.record) needed.push(s.record);
    }
  }
  // Never false for a record of one of them: a record it lets through is only hashed. Reading
  // a record's session costs about half of hashing it, so where most checkpoints are
  // approved, and so most sessions named, every record is hashed without asking.
  const ofApprovedSessions = approved.size * 2 > checkpoints ? undefined : sessionFilter(sessions);
  for (const log of logs) {
    const entries = log.snapshot.entries;
    for (const i of log.other) {
      // A view of the line: the filter's byte searches must stop at its end, not the chunk's.
      if (!ofApprovedSessions || ofApprovedSessions(entries.lineBytes(i), RECORD_START, log.recordEnds[i]!)) {
        idOf(log, i);
      }
    }
  }
  if (ofApprovedSessions && needed.some((id) => !recordIds.has(id))) {
    for (const log of logs) for (const i of log.other) idOf(log, i);
  }
  const signatureVerdicts = await signatures.done();
  return checkApprovalIntegrity({ records, recordIds, trustedKeys, signatureVerdicts, existedBy });
}
