/**
 * A record's id: the SHA-256 of its RFC 8785 canonical bytes. Apart from the schemas (and
 * re-exported by records.ts) so that code naming records without validating them, such as
 * git's post-commit hook before its schemas have loaded, need not load zod.
 */
import { canonicalize } from './canonical-json.js';
import { sha256Hex } from './hash.js';
import type { TrailRecord } from './records.js';

export function canonicalRecordBytes(record: TrailRecord): string {
  return canonicalize(record);
}

/** SHA-256 of the record's canonical bytes, hex. */
export function recordIdOf(record: TrailRecord): string {
  return sha256Hex(canonicalize(record));
}
