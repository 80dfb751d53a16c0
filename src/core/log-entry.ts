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
import { leafHash } from './merkle.js';
import type { TrailRecord } from './records.js';
import type { KeyPair } from './signature.js';
import { sign, verifySignature } from './signature.js';

export const GENESIS_PREV = '0'.repeat(64);
export const TREE_HEAD_TYPE = 'application/vnd.trail.tree-head.v1+json';

const ENTRY_PREFIX = '{"prev":"';
const RECORD_OFFSET = ENTRY_PREFIX.length + 64 + '","record":'.length;
const SEQ_MARKER = ',"seq":';

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

function treeHeadMessage(body: TreeHeadBody): Buffer {
  const { log, size, root, last, time } = body;
  return preAuthEncoding(TREE_HEAD_TYPE, Buffer.from(canonicalize({ last, log, root, size, time }), 'utf8'));
}

export function signTreeHead(body: TreeHeadBody, key: KeyPair): SignedTreeHead {
  return { ...body, keyId: key.keyId, sig: sign(treeHeadMessage(body), key.privateKey) };
}

export function verifyTreeHeadSignature(head: SignedTreeHead, publicKeyBase64: string): boolean {
  if (typeof head.sig !== 'string' || head.sig.length === 0) return false;
  return verifySignature(treeHeadMessage(head), head.sig, publicKeyBase64);
}
