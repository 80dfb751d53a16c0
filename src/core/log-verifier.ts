/**
 * Verifies one writer's log from its stored lines and signed tree heads, and against what a
 * witness (this clone's last verify, or a server) saw before. Pure: all input is passed in.
 *
 * What each check catches:
 * - sequence numbers: deleted (a gap), inserted (a duplicate), reordered (all present, out of order);
 * - the hash chain: a modified entry (the next entry no longer links to it);
 * - signed tree heads (RFC 6962 §3.5): the Merkle root over the first `size` entries and the
 *   last entry's hash must match what the writer signed; a head larger than the log means it
 *   was truncated; entries past the newest head were never signed (inserted);
 * - keys: each head must be signed by the log's own writer key, trusted and not revoked;
 * - the witness: a log that is internally consistent but differs from a prefix seen before
 *   was rewritten (e.g. re-signed by its own key after a force-push), and one shorter than
 *   seen before was truncated.
 */
import { countLabel } from './count-label.js';
import { EntryList } from './entry-list.js';
import { sha256Hex, sha256Latin1 } from './hash.js';
import { revocationTime } from './key-revocation.js';
import type { SignedTreeHead, Tombstone } from './log-entry.js';
import {
  ENTRY_PREFIX_LENGTH,
  entryIsAt,
  GENESIS_PREV,
  peekEntryBytes,
  peekTombstone,
  RECORD_START,
  treeHeadMessage,
  verifyTreeHeadSignature,
  verifyTreeHeadSignatureAsync,
} from './log-entry.js';
import { MerkleFrontier, rootFromLeafHashes } from './merkle.js';

export type ProblemKind =
  | 'malformed'
  | 'modified'
  | 'deleted'
  | 'reordered'
  | 'inserted'
  | 'truncated'
  | 'bad-signature'
  | 'missing-signature'
  | 'unknown-key'
  | 'revoked-key'
  | 'wrong-key'
  | 'rewritten'
  | 'head-mismatch'
  | 'bad-timestamp';

export interface LogProblem {
  writerId: string;
  kind: ProblemKind;
  /** The record's sequence number in its log, where one record is at fault. */
  seq?: number;
  recordId?: string;
  message: string;
}

export interface TrustedKey {
  keyId: string;
  publicKey: string;
  name?: string;
  /** ISO time from which the key is no longer trusted. */
  revokedAt?: string;
  /**
   * The size of the key's own log when it was revoked, as the revoking clone held it (its
   * newest head the key signed). A head the key signed for more records came after the
   * revocation, whatever time it claims: a head's time is its signer's own word, and a stolen
   * key writes any time it likes. Absent for a revocation dated later, or one made where the
   * log was not held.
   */
  revokedAtSize?: number;
}

/** revokedAtSize as a bound: a value that is not a record count bounds the log to nothing. */
function sizeAtRevocation(key: TrustedKey): number | undefined {
  const size = key.revokedAtSize;
  if (size === undefined) return undefined;
  return Number.isSafeInteger(size) && size >= 0 ? size : 0;
}

export interface WitnessState {
  size: number;
  /** Concatenated 32-byte leaf hashes of the first `size` entries seen. */
  leafHashes: Buffer;
}

/** The Merkle root of a witness, for messages: only a rewritten log needs it. */
function witnessRoot(witness: WitnessState): string {
  const leaves = Array.from({ length: witness.size }, (_, i) =>
    witness.leafHashes.subarray(i * 32, i * 32 + 32),
  );
  return rootFromLeafHashes(leaves).toString('hex');
}

export interface VerifyLogInput {
  writerId: string;
  /** The stored entry lines, in stored order: strings, or an EntryList straight from git. */
  lines: readonly string[] | EntryList;
  heads: readonly SignedTreeHead[];
  trustedKeys: ReadonlyMap<string, TrustedKey>;
  witness?: WitnessState;
  /**
   * Records a retention purge authorised: record id -> the purge's cutoff. A tombstone for a
   * record not listed here, or younger than its cutoff, is a deletion.
   */
  purges?: ReadonlyMap<string, string>;
  /**
   * Whether a log shorter than the witness counts as truncated. A caller holding several
   * copies of one writer's log (this clone's and a remote's) checks length over all copies,
   * since a remote copy that is merely behind is not truncated.
   */
  witnessLength?: boolean;
}

export interface VerifyLogResult {
  writerId: string;
  size: number;
  root: string;
  problems: LogProblem[];
  /** Leaf hashes of every stored entry, for the caller to keep as the new witness state. */
  leafHashes: Buffer;
  latestHead?: SignedTreeHead;
}

export function verifyLog(input: VerifyLogInput): VerifyLogResult {
  const entries = input.lines instanceof EntryList ? input.lines : EntryList.fromLines(input.lines);
  const verifier = new LogVerifier(input);
  verifier.advance(entries);
  return verifier.finish(entries, input.purges);
}

/** Every field of a head that its checks read, as one string to compare heads by. */
function headFields(head: SignedTreeHead): string {
  return JSON.stringify([head.log, head.size, head.root, head.last, head.time, head.keyId, head.sig]);
}

/**
 * The result for a copy of a log that holds the first `size` entries of a log already
 * verified with no problem (`full`, whose heads are `fullHeads`), when each of the copy's heads
 * is one of those heads and the newest covers all `size` entries. Every check verify would
 * make in the copy was then made in the full log over the same bytes: each entry's hash, seq
 * and chain link, each head's signature, key, root and last entry, and the witness prefix.
 * Undefined otherwise: the copy must be verified on its own.
 */
export function resultOfCleanPrefix(
  full: VerifyLogResult,
  fullHeads: readonly SignedTreeHead[],
  size: number,
  heads: readonly SignedTreeHead[],
): VerifyLogResult | undefined {
  if (full.problems.length > 0 || size > full.size || heads.length === 0) return undefined;
  const known = new Set(fullHeads.map(headFields));
  if (!heads.every((head) => known.has(headFields(head)))) return undefined;
  const latestHead = heads.reduce((a, b) => (b.size > a.size ? b : a));
  if (latestHead.size !== size) return undefined;
  return {
    writerId: full.writerId,
    size,
    root: latestHead.root,
    problems: [],
    leafHashes: full.leafHashes.subarray(0, size * 32),
    latestHead,
  };
}

/**
 * Signatures this clone checked before and found valid (ledger/signature-memo.ts), by an id
 * that covers every byte the signature is over and the signature itself.
 */
export interface ValidSignatures {
  holds(id: string, publicKey: string): boolean;
  remember(id: string, publicKey: string): void;
}

/**
 * A head's id in ValidSignatures: the SHA-256 of what its signature covers, and the
 * signature. Prefixed, so it can never be a review's record id.
 */
export function headSignatureId(head: SignedTreeHead): string | undefined {
  try {
    return `tree-head:${sha256Hex(treeHeadMessage(head))}:${head.sig}`;
  } catch {
    return undefined; // not encodable: verifyTreeHeadSignatureAsync says it is not validly signed
  }
}

/**
 * Checks the signature of every head that finish() would check (signed with the log's own,
 * trusted key) on the thread pool, so the checks run beside the hashing instead of after it.
 * A head whose exact bytes and signature held under the same key before (`remembered`) is
 * not checked again: a ledger holds one head per append, one Ed25519 check each, and they
 * were most of a verify of a ledger of many small appends. A fresh clone remembers nothing.
 */
export async function checkHeadSignatures(
  writerId: string,
  heads: readonly SignedTreeHead[],
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  remembered?: ValidSignatures,
): Promise<Map<SignedTreeHead, boolean>> {
  const key = trustedKeys.get(writerId);
  const checked = new Map<SignedTreeHead, boolean>();
  if (!key) return checked;
  const own = heads.filter((head) => head.sig && head.keyId === writerId);
  const ids = own.map((head) => (remembered ? headSignatureId(head) : undefined));
  const verdicts = await Promise.all(
    own.map((head, i) =>
      ids[i] !== undefined && remembered!.holds(ids[i]!, key.publicKey)
        ? true
        : verifyTreeHeadSignatureAsync(head, key.publicKey),
    ),
  );
  own.forEach((head, i) => {
    checked.set(head, verdicts[i]!);
    if (verdicts[i] && ids[i] !== undefined) remembered!.remember(ids[i]!, key.publicKey);
  });
  return checked;
}

type Peek = { prev: string; seq: number; recordStart: number; recordEnd: number } | undefined;
/** What the single pass noticed at one position, reported in position order at the end. */
type Noticed =
  | { position: number; tombstone: Tombstone }
  | { position: number; tombstone?: undefined; malformed: boolean };

/**
 * A log's verification, fed its entries as they arrive: advance() runs the single pass
 * (leaf hash, seq and chain link of each entry, the Merkle root at every signed size) over
 * the entries added since the last call, and finish() does everything else once the whole
 * log is in. In an untouched log the single pass is all the work there is.
 */
export class LogVerifier {
  private readonly heads: SignedTreeHead[];
  private readonly headSizes: Set<number>;
  private readonly frontier = new MerkleFrontier();
  private readonly rootsAtHeads = new Map<number, string>();
  /** Leaf hashes, 32 bytes each, of the entries passed so far; grows by doubling. */
  private leafHashes = Buffer.allocUnsafe(32 * 1024);
  private position = 0;
  private inOrder = true;
  // Entries that pass the fast check are not stored: what is needed about them later (their
  // prev and seq) follows from their position. Only the others are kept, by position.
  private readonly special = new Map<number, Peek>();
  private readonly noticed: Noticed[] = [];

  constructor(private readonly input: Omit<VerifyLogInput, 'lines' | 'purges'>) {
    this.heads = [...input.heads].sort((a, b) => a.size - b.size);
    this.headSizes = new Set(this.heads.map((h) => h.size));
    if (this.headSizes.has(0)) this.rootsAtHeads.set(0, this.frontier.root().toString('hex'));
  }

  /** Whether an entry passed so far is a tombstone: only then does finish() read the purges. */
  get holdsTombstones(): boolean {
    return this.noticed.some((item) => item.tombstone !== undefined);
  }

  /** The single pass over entries added to `entries` since the last call. */
  advance(entries: EntryList): void {
    const n = entries.length;
    if (n * 32 > this.leafHashes.length) {
      const grown = Buffer.allocUnsafe(Math.max(n * 32, this.leafHashes.length * 2));
      this.leafHashes.copy(grown, 0, 0, this.position * 32);
      this.leafHashes = grown;
    }
    const leafHashes = this.leafHashes;
    for (let position = this.position; position < n; position++) {
      // `0x00 || line`: line byte k is input byte k + 1.
      const input = entries.leafInput(position);
      const at = position * 32;
      const tombstone =
        input[ENTRY_PREFIX_LENGTH + 68] === 0x70 ? peekTombstone(entries.lineBytes(position)) : undefined;
      let leaf: string;
      if (tombstone) {
        leafHashes.write(tombstone.leaf, at, 'hex');
        leaf = leafHashes.toString('latin1', at, at + 32);
        this.special.set(position, {
          prev: tombstone.prev,
          seq: tombstone.seq,
          recordStart: -1,
          recordEnd: -1,
        });
        const expectedPrev = position === 0 ? GENESIS_PREV : leafHashes.toString('hex', at - 32, at);
        if (tombstone.seq !== position || tombstone.prev !== expectedPrev) this.inOrder = false;
        this.noticed.push({ position, tombstone });
      } else {
        leaf = sha256Latin1(input);
        for (let k = 0; k < 32; k++) leafHashes[at + k] = leaf.charCodeAt(k);
        if (!entryIsAt(input, 1, position === 0 ? undefined : leafHashes, at - 32, position)) {
          const entry = peekEntryBytes(entries.lineBytes(position));
          this.special.set(position, entry);
          this.inOrder = false;
          if (!entry) this.noticed.push({ position, malformed: true });
        }
      }
      this.frontier.appendLatin1(leaf);
      if (this.headSizes.has(position + 1)) {
        this.rootsAtHeads.set(position + 1, this.frontier.root().toString('hex'));
      }
    }
    this.position = n;
  }

  /**
   * The rest of the checks, once every entry has been passed.
   * @param signatures verdicts on head signatures checked ahead of time (checkHeadSignatures);
   *   a head not in it is checked here.
   * @param stamped heads an authority's valid RFC 3161 token stamps: head size -> the latest
   *   time (ms) the token puts it at. A revoked key's head stamped before the revocation, and
   *   every head it covers, was signed before it, whatever the bound at revocation says.
   */
  finish(
    entries: EntryList,
    purges?: ReadonlyMap<string, string>,
    signatures?: ReadonlyMap<SignedTreeHead, boolean>,
    stamped?: ReadonlyMap<number, number>,
  ): VerifyLogResult {
    this.advance(entries);
    const { input, heads, special, frontier, rootsAtHeads } = this;
    const { writerId } = input;
    const n = this.position;
    const leafHashes = this.leafHashes.subarray(0, n * 32);
    const problems: LogProblem[] = [];
    const flagged = new Set<number>();
    const report = (problem: Omit<LogProblem, 'writerId'>) => {
      problems.push({ writerId, ...problem });
      if (problem.seq !== undefined) flagged.add(problem.seq);
    };
    for (const item of this.noticed) {
      if (!item.tombstone) {
        report({
          kind: 'malformed',
          seq: item.position,
          message: `entry at position ${item.position} is not a canonical log entry`,
        });
        continue;
      }
      const tombstone = item.tombstone;
      const cutoff = purges?.get(tombstone.recordId);
      if (!cutoff) {
        report({
          kind: 'deleted',
          seq: tombstone.seq,
          recordId: tombstone.recordId,
          message: `record ${tombstone.seq} was purged without a retention-purge record naming it`,
        });
      } else if (tombstone.time >= cutoff) {
        report({
          kind: 'deleted',
          seq: tombstone.seq,
          recordId: tombstone.recordId,
          message: `record ${tombstone.seq} (${tombstone.time}) was purged before its retention period ended (cutoff ${cutoff})`,
        });
      }
    }
    const inOrder = this.inOrder;
    const leafAt = (position: number) => leafHashes.subarray(position * 32, position * 32 + 32);
    const peekAt = (position: number): Peek =>
      special.has(position)
        ? special.get(position)
        : {
            prev:
              position === 0 ? GENESIS_PREV : leafHashes.toString('hex', (position - 1) * 32, position * 32),
            seq: position,
            recordStart: RECORD_START,
            recordEnd: -1,
          };
    const peeked: Peek[] = inOrder ? [] : Array.from({ length: n }, (_, position) => peekAt(position));
    const recordIdAt = (position: number) => {
      const entry = peekAt(position);
      if (!entry || entry.recordStart < 0) return undefined;
      const bytes = entries.lineBytes(position);
      const end = entry.recordEnd >= 0 ? entry.recordEnd : bytes.lastIndexOf(',"seq":');
      return sha256Hex(bytes.subarray(entry.recordStart, end));
    };

    if (!inOrder) {
      // Sequence numbers: where each seq is stored.
      const positionsBySeq = new Map<number, number[]>();
      let maxSeq = -1;
      peeked.forEach((entry, position) => {
        if (!entry) return;
        const list = positionsBySeq.get(entry.seq);
        if (list) list.push(position);
        else positionsBySeq.set(entry.seq, [position]);
        if (entry.seq > maxSeq) maxSeq = entry.seq;
      });
      for (let seq = 0; seq <= maxSeq; seq++) {
        if (positionsBySeq.has(seq)) continue;
        let end = seq;
        while (end + 1 <= maxSeq && !positionsBySeq.has(end + 1)) end++;
        report({
          kind: 'deleted',
          seq,
          message: end === seq ? `record ${seq} was deleted` : `records ${seq}..${end} were deleted`,
        });
        seq = end;
      }
      // One stored entry per seq: where there are several, the one the chain links to is genuine.
      const genuine = new Map<number, number>();
      for (const [seq, positions] of positionsBySeq) {
        if (positions.length === 1) {
          genuine.set(seq, positions[0]!);
          continue;
        }
        const expectedPrev = seq === 0 ? GENESIS_PREV : undefined;
        const before = positionsBySeq.get(seq - 1)?.[0];
        const wanted = expectedPrev ?? (before === undefined ? undefined : leafAt(before).toString('hex'));
        const keep = positions.find((p) => peeked[p]!.prev === wanted) ?? positions[0]!;
        genuine.set(seq, keep);
        for (const p of positions) {
          if (p === keep) continue;
          problems.push({
            writerId,
            kind: 'inserted',
            seq,
            recordId: recordIdAt(p),
            message: `an extra record claiming seq ${seq} was inserted at position ${p}`,
          });
        }
      }
      const hasGapsOrDuplicates = problems.some((p) => p.kind === 'deleted' || p.kind === 'inserted');
      if (!hasGapsOrDuplicates) {
        peeked.forEach((entry, position) => {
          if (entry && entry.seq !== position) {
            report({
              kind: 'reordered',
              seq: entry.seq,
              recordId: recordIdAt(position),
              message: `record ${entry.seq} is stored at position ${position}: the log was reordered`,
            });
          }
        });
      }

      // The chain, in sequence order: entry s must link to the leaf hash of entry s-1.
      for (let seq = 0; seq <= maxSeq; seq++) {
        const position = genuine.get(seq);
        if (position === undefined) continue;
        const entry = peeked[position]!;
        if (seq === 0) {
          if (entry.prev !== GENESIS_PREV && !flagged.has(0)) {
            report({
              kind: 'modified',
              seq: 0,
              recordId: recordIdAt(position),
              message: 'record 0 was modified: its chain link changed',
            });
          }
          continue;
        }
        const before = genuine.get(seq - 1);
        if (before === undefined) continue;
        if (entry.prev !== leafAt(before).toString('hex') && !flagged.has(seq - 1)) {
          report({
            kind: 'modified',
            seq: seq - 1,
            recordId: recordIdAt(before),
            message: `record ${seq - 1} was modified: record ${seq} no longer chains to it`,
          });
        }
      }
    }

    // Tree heads: keys, signatures, and the Merkle root at each signed size.
    let latestHead: SignedTreeHead | undefined;
    if (heads.length === 0 && n > 0) {
      report({
        kind: 'missing-signature',
        message: `no signed tree head covers the ${n} records of this log`,
      });
    }
    let previousSize = 0;
    const writerKey = input.trustedKeys.get(writerId);
    const revokedFrom = writerKey && revocationTime(writerKey);
    // The largest head an authority put before the revocation: it, and the records under it,
    // came before the revocation on the authority's clock, not the signer's.
    let stampedBeforeRevocation = -1;
    for (const [size, latest] of stamped ?? []) {
      if (revokedFrom !== undefined && latest < revokedFrom && size > stampedBeforeRevocation)
        stampedBeforeRevocation = size;
    }
    const checkHead = (head: SignedTreeHead, fromSize: number) => {
      const label = `tree head of size ${head.size}`;
      const key = input.trustedKeys.get(head.keyId);
      let signatureOk = false;
      if (!head.sig) report({ kind: 'missing-signature', message: `${label} is not signed` });
      else if (head.keyId !== writerId) {
        report({
          kind: key ? 'wrong-key' : 'unknown-key',
          message: `${label} is signed by key ${head.keyId}, not by this log's writer key`,
        });
      } else if (!key) {
        report({
          kind: 'unknown-key',
          message: `${label} is signed by key ${head.keyId}, which is not trusted (trail keys trust)`,
        });
      } else if (!(signatures?.get(head) ?? verifyTreeHeadSignature(head, key.publicKey))) {
        report({ kind: 'bad-signature', message: `${label} has a signature that does not verify` });
      } else if (head.size <= stampedBeforeRevocation) {
        signatureOk = true;
      } else if (key.revokedAt && head.time >= key.revokedAt) {
        report({
          kind: 'revoked-key',
          message: `${label} was signed at ${head.time}, after key ${head.keyId} was revoked at ${key.revokedAt}`,
        });
      } else if (head.size > (sizeAtRevocation(key) ?? Number.POSITIVE_INFINITY)) {
        report({
          kind: 'revoked-key',
          message: `${label} goes past the ${countLabel(sizeAtRevocation(key) ?? 0, 'record')} the log held when key ${head.keyId} was revoked at ${key.revokedAt ?? 'an unknown time'}: it was signed after the revocation, whatever time it claims (${head.time})`,
        });
      } else {
        signatureOk = true;
      }
      if (head.log !== writerId) report({ kind: 'wrong-key', message: `${label} names log ${head.log}` });
      if (head.size > n) {
        report({
          kind: 'truncated',
          seq: n,
          message: `the log was truncated: ${label} signed at ${head.time} covers ${countLabel(head.size, 'record')}, ${n} remain`,
        });
        return;
      }
      if (signatureOk) latestHead = head;
      const explained = problems.some((p) => p.seq !== undefined && p.seq >= fromSize && p.seq < head.size);
      if (
        head.size > 0 &&
        head.last !== leafAt(head.size - 1).toString('hex') &&
        !flagged.has(head.size - 1)
      ) {
        report({
          kind: 'modified',
          seq: head.size - 1,
          recordId: recordIdAt(head.size - 1),
          message: `record ${head.size - 1} was modified: it differs from the one the ${label} signed`,
        });
      } else if (rootsAtHeads.get(head.size) !== head.root && !explained) {
        // A root covers every record before it too: with an earlier record already found
        // changed, this mismatch says nothing against the records this head added, and naming
        // them would accuse records that may be untouched. Said once for all such heads.
        const earlier = problems.find((p) => p.seq !== undefined && p.seq < fromSize);
        if (earlier) shadowed.push({ head, fromSize, earlierSeq: earlier.seq! });
        else {
          report({
            kind: 'head-mismatch',
            seq: fromSize,
            message: `records ${fromSize}..${head.size - 1} do not match the Merkle root of the ${label}`,
          });
        }
      }
    };
    const shadowed: Array<{ head: SignedTreeHead; fromSize: number; earlierSeq: number }> = [];
    for (const head of heads) {
      checkHead(head, previousSize);
      previousSize = head.size;
    }
    if (shadowed.length > 0) {
      const first = shadowed[0]!;
      const last = shadowed[shadowed.length - 1]!.head;
      const sizes =
        shadowed.length === 1
          ? `the tree head of size ${first.head.size}`
          : `${shadowed.length} later tree heads (sizes ${first.head.size} to ${last.size})`;
      report({
        kind: 'head-mismatch',
        message: `${sizes} cannot vouch for records ${first.fromSize}..${last.size - 1}: ${shadowed.length === 1 ? 'its Merkle root covers' : 'their Merkle roots cover'} record ${first.earlierSeq}, found changed above, so ${shadowed.length === 1 ? 'it does' : 'they do'} not match either`,
      });
    }
    const signedSize = heads.length > 0 ? Math.max(...heads.map((h) => h.size)) : 0;
    if (heads.length > 0 && n > signedSize) {
      report({
        kind: 'inserted',
        seq: signedSize,
        recordId: recordIdAt(signedSize),
        message: `records ${signedSize}..${n - 1} are not covered by any signed tree head: inserted`,
      });
    }

    // The witness: what this verifier saw last time must still be a prefix of the log.
    if (input.witness) {
      const w = input.witness;
      const common = Math.min(w.size, n);
      // One comparison of the whole shared prefix; entry by entry only to name a difference.
      const same = w.leafHashes.subarray(0, common * 32).equals(leafHashes.subarray(0, common * 32));
      for (let i = 0; !same && i < common; i++) {
        if (Buffer.compare(w.leafHashes.subarray(i * 32, i * 32 + 32), leafAt(i)) !== 0) {
          if (!flagged.has(i)) {
            report({
              kind: 'rewritten',
              seq: i,
              recordId: recordIdAt(i),
              message: `history rewritten: record ${i} differs from the one seen when the log had ${countLabel(w.size, 'record')} (root ${witnessRoot(w).slice(0, 16)}…)`,
            });
          }
          break;
        }
      }
      if (input.witnessLength !== false && n < w.size && !problems.some((p) => p.kind === 'truncated')) {
        report({
          kind: 'truncated',
          seq: n,
          message: `the log was truncated: ${seenBefore(w.size)}, ${n} remain`,
        });
      }
    }

    return { writerId, size: n, root: frontier.root().toString('hex'), problems, leafHashes, latestHead };
  }
}

/** `2 records were seen before`, `1 record was seen before`: what the witness held. */
export function seenBefore(size: number): string {
  return `${countLabel(size, 'record')} ${size === 1 ? 'was' : 'were'} seen before`;
}
