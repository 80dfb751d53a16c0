/**
 * What the read side remembers of one log chunk (the entries of one append) between runs, so a
 * reader that shows a few checkpoints need not read the whole ledger out of git each time:
 * the chunk's checkpoint, capture-gap and retention-purge entries as stored, which every such
 * read decodes, and what its other entries name, so the reader knows which few chunks to
 * read when it needs the records that name the checkpoints it shows, or their events.
 *
 * A digest is a function of the chunk's bytes alone, and a chunk is a git blob, named by its
 * object id: a digest filed under a chunk's id holds for as long as that id does, however the
 * log around it changes. Nothing here is evidence: verify never reads a digest.
 */
import { sha256Hex } from './hash.js';
import { entrySpan, recordKindSpan, stringKey, stringValuesAt } from './log-entry.js';

/** Kinds a checkpoints-first read decodes whole, up front. */
export const KEPT_KINDS: ReadonlySet<string> = new Set(['checkpoint', 'capture-gap', 'retention-purge']);

/**
 * For each kind a view of a checkpoint shows besides checkpoints and events
 * (buildCheckpointView), the keys whose values name the checkpoint: its commit, its id or one
 * of its sessions.
 */
export const NAMING_KEYS: Readonly<Record<string, readonly Buffer[]>> = Object.fromEntries(
  Object.entries({
    session: ['sessionId'],
    review: ['checkpoint', 'commit'],
    'test-result': ['commit'],
    deployment: ['commit'],
    rollback: ['from', 'to'],
    correction: ['target'],
  }).map(([kind, keys]) => [kind, keys.map(stringKey)]),
);

const SESSION_KEY = stringKey('sessionId');

export interface ChunkDigest {
  /**
   * The chunk's entry lines of KEPT_KINDS, and of a kind its bytes do not give (a reader that
   * filters by kind decodes such a line to learn it), each ending in a newline.
   */
  kept: Buffer;
  /**
   * Every value the chunk's records of a kind in NAMING_KEYS give those keys, or null when
   * one can be read only by parsing: a chunk whose names meet what a reader looks for is read.
   */
  names: string[] | null;
  /** The `sessionId` values of the chunk's events, or null when one can be read only by parsing. */
  eventSessions: string[] | null;
  /** Whether the chunk holds an event at all (an event listed by id may be of any session). */
  hasEvents: boolean;
  /** The kinds of its records not kept whole (`trail log --deployed` reads only the chunks with deployments or rollbacks). */
  kinds: string[];
}

/** Calls `visit` with each non-empty newline-separated line of `bytes`, in place. */
export function forEachLine(bytes: Buffer, visit: (line: Buffer) => void): void {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (end > start) visit(bytes.subarray(start, end));
    start = end + 1;
  }
}

/** The digest of a chunk from its bytes as git stores them. Lines no reader reads are left out. */
export function digestChunk(bytes: Buffer): ChunkDigest {
  const kept: Buffer[] = [];
  const names = new Set<string>();
  const sessions = new Set<string>();
  let namesReadable = true;
  let sessionsReadable = true;
  let hasEvents = false;
  const kinds = new Set<string>();
  const add = (into: Set<string>, values: string[] | undefined): boolean => {
    if (values === undefined) return false;
    for (const value of values) into.add(value);
    return true;
  };
  forEachLine(bytes, (line) => {
    // Readers skip a line that is not a canonical entry (verify reports it).
    const span = entrySpan(line);
    if (!span) return;
    const found = recordKindSpan(line, span.recordStart, span.recordEnd);
    const kind = found?.kind;
    if (kind !== undefined && !KEPT_KINDS.has(kind)) kinds.add(kind);
    if (kind === 'event') {
      hasEvents = true;
      // Only the record's own sessionId decides whose event it is (readers check it parsed),
      // and canonical JSON sorts it after `kind`, the event's payload before: the short
      // tail after the kind is all that needs searching.
      sessionsReadable &&= add(sessions, stringValuesAt(line, found!.close, span.recordEnd, SESSION_KEY));
    } else if (kind !== undefined && NAMING_KEYS[kind]) {
      for (const key of NAMING_KEYS[kind]!)
        namesReadable &&= add(names, stringValuesAt(line, span.recordStart, span.recordEnd, key));
    } else if (kind === undefined || KEPT_KINDS.has(kind)) {
      kept.push(line, NEWLINE);
    }
  });
  return {
    kept: Buffer.concat(kept),
    names: namesReadable ? [...names] : null,
    eventSessions: sessionsReadable ? [...sessions] : null,
    hasEvents,
    kinds: [...kinds],
  };
}

/** Whether a digest's values (names or event sessions) may include one of `wanted`. */
export function mayInclude(values: readonly string[] | null, wanted: ReadonlySet<string>): boolean {
  return values === null || values.some((value) => wanted.has(value));
}

const NEWLINE = Buffer.from('\n');
// Version 3 checksums the header's values with the kept bytes: version 2 covered the kept
// bytes alone, so a changed byte in a session id that still parsed went unnoticed. A file of
// another version reads as not whole, and the next read writes it again.
const MAGIC = 'trail-read-memo 3\n';

interface BlockHeader {
  oid: string;
  bytes: number;
  sum: string;
  names: string[] | null;
  sessions: string[] | null;
  events: boolean;
  kinds: string[];
}

/**
 * The checksum of a block: what its header says (all but the checksum itself) and its kept
 * bytes. JSON.parse then JSON.stringify gives back the same text for these values (strings,
 * arrays of strings, booleans, numbers, null), so the reader recomputes it from what it parsed.
 */
function checksum(header: Omit<BlockHeader, 'sum'>, kept: Buffer): string {
  const said = JSON.stringify([
    header.oid,
    header.bytes,
    header.names,
    header.sessions,
    header.events,
    header.kinds,
  ]);
  return sha256Hex(Buffer.concat([Buffer.from(`${said}\n`), kept])).slice(0, 16);
}

/**
 * Digests as stored: each one a JSON header line (the chunk's id, the kept bytes' length,
 * names, sessions, kinds, and a checksum of all of it with the kept bytes) followed by the
 * kept bytes. `withMagic` starts a new file.
 */
export function encodeDigests(
  digests: ReadonlyArray<{ oid: string; digest: ChunkDigest }>,
  withMagic: boolean,
): Buffer {
  const parts: Buffer[] = withMagic ? [Buffer.from(MAGIC)] : [];
  for (const { oid, digest } of digests) {
    const said = {
      oid,
      bytes: digest.kept.length,
      names: digest.names,
      sessions: digest.eventSessions,
      events: digest.hasEvents,
      kinds: digest.kinds,
    };
    const header: BlockHeader = { ...said, sum: checksum(said, digest.kept) };
    parts.push(Buffer.from(`${JSON.stringify(header)}\n`), digest.kept);
  }
  return Buffer.concat(parts);
}

/**
 * The digests a stored file holds, up to the first block that does not read back whole (a
 * write cut short, or bytes changed on disk): `whole` says whether the file was read to its end.
 */
export function decodeDigests(file: Buffer): {
  digests: Map<string, ChunkDigest>;
  blocks: number;
  whole: boolean;
} {
  const digests = new Map<string, ChunkDigest>();
  let blocks = 0;
  if (file.toString('latin1', 0, MAGIC.length) !== MAGIC) return { digests, blocks, whole: false };
  let at = MAGIC.length;
  while (at < file.length) {
    const newline = file.indexOf(0x0a, at);
    if (newline < 0) return { digests, blocks, whole: false };
    let header: BlockHeader;
    try {
      header = JSON.parse(file.toString('utf8', at, newline)) as BlockHeader;
    } catch {
      return { digests, blocks, whole: false };
    }
    // A line that parses to something other than an object (`null`, say) is no header.
    if (typeof header !== 'object' || header === null) return { digests, blocks, whole: false };
    const start = newline + 1;
    const end = start + header.bytes;
    if (!Number.isInteger(header.bytes) || header.bytes < 0 || end > file.length)
      return { digests, blocks, whole: false };
    const kept = file.subarray(start, end);
    const valid =
      typeof header.oid === 'string' &&
      typeof header.events === 'boolean' &&
      validValues(header.names) &&
      validValues(header.sessions) &&
      Array.isArray(header.kinds) &&
      validValues(header.kinds) &&
      checksum(header, kept) === header.sum;
    if (!valid) return { digests, blocks, whole: false };
    digests.set(header.oid, {
      kept,
      names: header.names,
      eventSessions: header.sessions,
      hasEvents: header.events,
      kinds: header.kinds,
    });
    blocks++;
    at = end;
  }
  return { digests, blocks, whole: true };
}

function validValues(values: unknown): boolean {
  return values === null || (Array.isArray(values) && values.every((v) => typeof v === 'string'));
}
