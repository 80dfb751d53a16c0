/**
 * One writer's log: an append-only sequence of entries, each the canonical JSON
 * `{"prev":<hex>,"record":<record>,"seq":<n>}`. `prev` is the RFC 6962 leaf hash of the
 * entry before (zeros for the first), so the same hash links the chain and builds the
 * Merkle tree: one SHA-256 per entry serves both, which keeps verify close to raw hashing.
 *
 * A signed tree head (STH) is written after every append, as RFC 6962 §3.5 does, with the
 * leaf hash of the last entry so a change to the newest entry can be named too.
 */
import { canonicalize } from './canonical-json.js';
import { preAuthEncoding } from './dsse.js';
import { TrailError } from './errors.js';
import { sha256Hex } from './hash.js';
import { leafHash } from './merkle.js';
import type { TrailRecord } from './records.js';
import type { KeyPair } from './signature.js';
import { sign, verifySignature, verifySignatureAsync } from './signature.js';

export const GENESIS_PREV = '0'.repeat(64);
export const TREE_HEAD_TYPE = 'application/vnd.trail.tree-head.v1+json';

const ENTRY_PREFIX = '{"prev":"';
const RECORD_OFFSET = ENTRY_PREFIX.length + 64 + '","record":'.length;
const SEQ_MARKER = ',"seq":';
/** Length of `{"prev":"`, after which the 64 hex digits of prev start. */
export const ENTRY_PREFIX_LENGTH = ENTRY_PREFIX.length;
/** Where a canonical entry line's record bytes begin. */
export const RECORD_START = RECORD_OFFSET;

export interface LogEntry {
  prev: string;
  record: TrailRecord;
  seq: number;
}

export function encodeEntry(entry: LogEntry): string {
  return canonicalize({ prev: entry.prev, record: entry.record, seq: entry.seq });
}

export function entryLeafHash(line: string): Buffer {
  return leafHash(Buffer.from(line, 'utf8'));
}

/**
 * Reads prev and seq from an entry line without parsing the record: canonical key order
 * puts prev first at a fixed offset and seq last. Returns undefined for a line that is not
 * in that shape (a malformed or hand-edited entry).
 */
export function peekEntry(line: string): { prev: string; seq: number; recordText: string } | undefined {
  if (!line.startsWith(ENTRY_PREFIX) || !line.endsWith('}')) return undefined;
  const prev = line.slice(ENTRY_PREFIX.length, ENTRY_PREFIX.length + 64);
  if (!/^[0-9a-f]{64}$/.test(prev) || line.slice(ENTRY_PREFIX.length + 64, RECORD_OFFSET) !== '","record":') {
    return undefined;
  }
  const seqAt = line.lastIndexOf(SEQ_MARKER);
  if (seqAt < RECORD_OFFSET) return undefined;
  const seqText = line.slice(seqAt + SEQ_MARKER.length, -1);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(seqText)) return undefined;
  return { prev, seq: Number(seqText), recordText: line.slice(RECORD_OFFSET, seqAt) };
}

const PREFIX_BYTES = Buffer.from(ENTRY_PREFIX, 'latin1');
const RECORD_KEY_BYTES = Buffer.from('","record":', 'latin1');
const SEQ_MARKER_BYTES = Buffer.from(SEQ_MARKER, 'latin1');
const HEX = /^[0-9a-f]{64}$/;

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/**
 * The cheapest check that an entry is exactly where it belongs: its `prev` names the leaf
 * hash before it and its seq is the expected number, compared byte by byte in place (no
 * strings, no hex encoding: verify runs this once per record). Anything that fails goes
 * through peekEntryBytes and the full analysis, so this never accepts more.
 *
 * @param bytes holds the entry line from `at` to its end (a leaf input `0x00 || line` passes 1)
 * @param prevLeaf holds the expected 32-byte leaf hash at `prevAt`; undefined means genesis
 */
export function entryIsAt(
  bytes: Uint8Array,
  at: number,
  prevLeaf: Uint8Array | undefined,
  prevAt: number,
  expectedSeq: number,
): boolean {
  const n = bytes.length;
  if (n - at < RECORD_OFFSET + 8 || bytes[n - 1] !== 0x7d) return false;
  for (let k = 0; k < PREFIX_BYTES.length; k++) if (bytes[at + k] !== PREFIX_BYTES[k]) return false;
  const prevStart = at + ENTRY_PREFIX.length;
  for (let k = 0; k < 32; k++) {
    const byte = prevLeaf ? prevLeaf[prevAt + k]! : 0;
    if (bytes[prevStart + 2 * k] !== HEX_DIGITS[byte >> 4]) return false;
    if (bytes[prevStart + 2 * k + 1] !== HEX_DIGITS[byte & 15]) return false;
  }
  const keyStart = prevStart + 64;
  for (let k = 0; k < RECORD_KEY_BYTES.length; k++)
    if (bytes[keyStart + k] !== RECORD_KEY_BYTES[k]) return false;
  // The seq's decimal digits, last first, then `,"seq":` before them.
  let p = n - 2;
  let rest = expectedSeq;
  do {
    if (bytes[p--] !== 0x30 + (rest % 10)) return false;
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  const markerStart = p - SEQ_MARKER_BYTES.length + 1;
  if (markerStart < at + RECORD_OFFSET) return false;
  for (let k = 0; k < SEQ_MARKER_BYTES.length; k++)
    if (bytes[markerStart + k] !== SEQ_MARKER_BYTES[k]) return false;
  return true;
}

/** Whether `bytes[from, from + 64)` are lowercase hex digits, as a stored `prev` must be. */
function isLowerHex64(bytes: Uint8Array, from: number): boolean {
  for (let k = from; k < from + 64; k++) {
    const b = bytes[k]!;
    if (!((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return false;
  }
  return true;
}

const KIND_KEY = Buffer.from('"kind":"');

/**
 * A record's kind, read from its canonical bytes in `[start, end)` without parsing: the first
 * unescaped `"kind":"` is the top level's. Quotes inside strings are escaped, and no field
 * of the record model is named kind but the record's own; the free-form ones either come
 * after it in key order (`sources`) or may not hold one (a correction's `changes`).
 */
export function recordKindAt(bytes: Buffer, start: number, end: number): string | undefined {
  return recordKindSpan(bytes, start, end)?.kind;
}

/** recordKindAt, and where the kind's value ends (its closing quote). */
export function recordKindSpan(
  bytes: Buffer,
  start: number,
  end: number,
): { kind: string; close: number } | undefined {
  const at = bytes.indexOf(KIND_KEY, start);
  if (at < 0 || at >= end) return undefined;
  const close = bytes.indexOf(0x22, at + KIND_KEY.length);
  return close < 0 || close >= end
    ? undefined
    : { kind: bytes.toString('latin1', at + KIND_KEY.length, close), close };
}

/** The bytes that open a key's string value in canonical JSON: `"<key>":"`. */
export function stringKey(key: string): Buffer {
  return Buffer.from(`"${key}":"`);
}

const SESSION_KEY = stringKey('sessionId');

/**
 * Every string value of `key` (made by stringKey) in a record's canonical bytes, the
 * top-level one among them (inside strings, quotes are escaped, so the key cannot be faked by
 * text). Undefined when one holds a backslash: its escaped bytes are not its text, so only
 * parsing can tell.
 */
export function stringValuesAt(bytes: Buffer, start: number, end: number, key: Buffer): string[] | undefined {
  const values: string[] = [];
  let from = start;
  for (;;) {
    const at = bytes.indexOf(key, from);
    if (at < 0 || at >= end) return values;
    const valueStart = at + key.length;
    const close = bytes.indexOf(0x22, valueStart);
    if (close < 0 || close >= end) return undefined;
    const backslash = bytes.indexOf(0x5c, valueStart);
    if (backslash >= 0 && backslash < close) return undefined;
    values.push(bytes.toString('utf8', valueStart, close));
    from = close + 1;
  }
}

/**
 * Whether a record's canonical bytes may name one of `wanted` as its session, without parsing
 * it: never false for one that does, so a record it lets through is parsed and checked. For a
 * few sessions, one native search each for `"sessionId":"<id>"` (canonical JSON writes a
 * string as JSON.stringify does); for many, every `"sessionId"` value read out.
 */
export function sessionFilter(
  wanted: ReadonlySet<string>,
): (bytes: Buffer, start: number, end: number) => boolean {
  if (wanted.size <= 8) {
    const patterns = [...wanted].map((id) => Buffer.from(`"sessionId":${JSON.stringify(id)}`));
    return (bytes, start, end) =>
      patterns.some((pattern) => {
        const at = bytes.indexOf(pattern, start);
        return at >= 0 && at < end;
      });
  }
  return (bytes, start, end) => {
    const named = stringValuesAt(bytes, start, end, SESSION_KEY);
    // A record the byte search cannot read is let through, to be parsed.
    return named === undefined || named.some((id) => wanted.has(id));
  };
}

/**
 * Where a canonical entry line's record bytes are, and its seq, checked in place without
 * making strings (readers decode every entry this way). Undefined for a line that is not a
 * canonical entry; a line that passes has a 64-digit hex `prev` at ENTRY_PREFIX_LENGTH.
 */
export function entrySpan(line: Buffer): { seq: number; recordStart: number; recordEnd: number } | undefined {
  const n = line.length;
  if (n < RECORD_OFFSET + 8 || line[n - 1] !== 0x7d) return undefined;
  if (line.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, 0, PREFIX_BYTES.length) !== 0) return undefined;
  if (!isLowerHex64(line, ENTRY_PREFIX.length)) return undefined;
  if (
    line.compare(RECORD_KEY_BYTES, 0, RECORD_KEY_BYTES.length, ENTRY_PREFIX.length + 64, RECORD_OFFSET) !== 0
  ) {
    return undefined;
  }
  const seqAt = line.lastIndexOf(SEQ_MARKER_BYTES, n - 1);
  if (seqAt < RECORD_OFFSET) return undefined;
  let seq = 0;
  const digitsStart = seqAt + SEQ_MARKER_BYTES.length;
  if (digitsStart >= n - 1 || n - 1 - digitsStart > 15) return undefined;
  if (line[digitsStart] === 0x30 && n - 1 - digitsStart > 1) return undefined;
  for (let i = digitsStart; i < n - 1; i++) {
    const d = line[i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    seq = seq * 10 + d;
  }
  return { seq, recordStart: RECORD_OFFSET, recordEnd: seqAt };
}

/** peekEntry over a line's bytes: prev and seq, and where the record's bytes are. */
export function peekEntryBytes(
  line: Buffer,
): { prev: string; seq: number; recordStart: number; recordEnd: number } | undefined {
  const span = entrySpan(line);
  if (!span) return undefined;
  return { prev: line.toString('latin1', ENTRY_PREFIX.length, ENTRY_PREFIX.length + 64), ...span };
}

/**
 * A purged entry: its content removed by a retention purge, its leaf hash kept, so the chain,
 * every Merkle root and every witness still verify. Verify accepts a tombstone only when a
 * retention-purge record names the record and the record was older than the purge's cutoff.
 */
export interface Tombstone {
  prev: string;
  seq: number;
  leaf: string;
  recordId: string;
  time: string;
}

export function encodeTombstone(t: Tombstone): string {
  return canonicalize({
    prev: t.prev,
    purged: { leaf: t.leaf, recordId: t.recordId, time: t.time },
    seq: t.seq,
  });
}

const TOMBSTONE_PREFIX = Buffer.from('","purged":{', 'latin1');

export function peekTombstone(line: Buffer): Tombstone | undefined {
  if (
    line.compare(
      TOMBSTONE_PREFIX,
      0,
      TOMBSTONE_PREFIX.length,
      ENTRY_PREFIX.length + 64,
      ENTRY_PREFIX.length + 64 + TOMBSTONE_PREFIX.length,
    ) !== 0
  ) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(line.toString('utf8')) as {
      prev: string;
      purged: { leaf: string; recordId: string; time: string };
      seq: number;
    };
    const t = { prev: parsed.prev, seq: parsed.seq, ...parsed.purged };
    if (encodeTombstone(t) !== line.toString('utf8') || !HEX.test(t.leaf) || !HEX.test(t.recordId))
      return undefined;
    return t;
  } catch {
    return undefined;
  }
}

/**
 * The record id of a canonical entry line: SHA-256 of its record's canonical bytes, which
 * are the slice between `"record":` and the trailing `,"seq":`, so no re-encoding is needed.
 */
export function recordIdOfLine(line: string): string {
  return sha256Hex(line.slice(RECORD_OFFSET, line.lastIndexOf(SEQ_MARKER)));
}

export function decodeEntry(line: string): LogEntry {
  const peeked = peekEntry(line);
  if (!peeked) throw new TrailError('INVALID_JSON', 'log entry is not in canonical form');
  let record: TrailRecord;
  try {
    record = JSON.parse(peeked.recordText) as TrailRecord;
  } catch {
    throw new TrailError('INVALID_JSON', `log entry ${peeked.seq} does not hold valid JSON`);
  }
  return { prev: peeked.prev, record, seq: peeked.seq };
}

export interface TreeHeadBody {
  log: string;
  size: number;
  root: string;
  /** Leaf hash of the last entry, or zeros for an empty log. */
  last: string;
  time: string;
}

export interface SignedTreeHead extends TreeHeadBody {
  keyId: string;
  sig: string;
}

/** Printable ASCII without `"` or `\`: JSON.stringify (so RFC 8785) writes it as it is. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const plain = (value: unknown): value is string => typeof value === 'string' && PLAIN_ASCII.test(value);

/**
 * A head's canonical JSON. Every head has the same shape (hex ids, an ISO time, an integer
 * size), written here directly: through canonicalize it cost most of ~30 µs a head, and a log
 * has one head per append. Any other value (a damaged or hostile head) takes canonicalize.
 */
function treeHeadJson(body: TreeHeadBody): string {
  const { log, size, root, last, time } = body;
  if (plain(last) && plain(log) && plain(root) && plain(time) && Number.isSafeInteger(size)) {
    return `{"last":"${last}","log":"${log}","root":"${root}","size":${size},"time":"${time}"}`;
  }
  return canonicalize({ last, log, root, size, time });
}

/** The DSSE pre-authentication encoding of a head's canonical JSON: what its signature covers. */
export function treeHeadMessage(body: TreeHeadBody): Buffer {
  return preAuthEncoding(TREE_HEAD_TYPE, Buffer.from(treeHeadJson(body), 'utf8'));
}

export function signTreeHead(body: TreeHeadBody, key: KeyPair): SignedTreeHead {
  return { ...body, keyId: key.keyId, sig: sign(treeHeadMessage(body), key.privateKey) };
}

/**
 * The bytes an RFC 3161 timestamp over a signed head stamps: its canonical JSON, signature
 * included, so the token vouches for that signature as well as the root it signs. Undefined
 * for a head that cannot be encoded (a damaged or hostile one).
 */
export function signedTreeHeadBytes(head: SignedTreeHead): Buffer | undefined {
  try {
    return Buffer.from(canonicalize(head), 'utf8');
  } catch {
    return undefined;
  }
}

/** A head that cannot even be encoded (a lone surrogate, a non-JSON value) is not validly signed. */
function messageOrUndefined(head: SignedTreeHead): Buffer | undefined {
  try {
    return treeHeadMessage(head);
  } catch {
    return undefined;
  }
}

export function verifyTreeHeadSignature(head: SignedTreeHead, publicKeyBase64: string): boolean {
  if (typeof head.sig !== 'string' || head.sig.length === 0) return false;
  const message = messageOrUndefined(head);
  return message !== undefined && verifySignature(message, head.sig, publicKeyBase64);
}

/** verifyTreeHeadSignature on the thread pool (see verifySignatureAsync). */
export function verifyTreeHeadSignatureAsync(
  head: SignedTreeHead,
  publicKeyBase64: string,
): Promise<boolean> {
  if (typeof head.sig !== 'string' || head.sig.length === 0) return Promise.resolve(false);
  const message = messageOrUndefined(head);
  return message === undefined
    ? Promise.resolve(false)
    : verifySignatureAsync(message, head.sig, publicKeyBase64);
}
