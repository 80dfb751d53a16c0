/**
 * Loads every record in the repository for the read side: for each writer, the longest
 * copy of its log (this clone's or a fetched one), decoded. Verification is `trail verify`'s
 * job; readers report what is there.
 */
import { sha256Hex } from '../core/hash.js';
import { entrySpan, recordKindAt } from '../core/log-entry.js';
import type { RecordKind, TrailRecord } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import type { LogSnapshot } from './log-store.js';
import { listLogRefs, readLogs } from './log-store.js';
import type { Repo } from './repo.js';

export interface LoadOptions {
  /**
   * Kinds the caller never reads (`trail log` reads no events): their entries are recognised
   * by a byte search for their kind and left out, neither hashed nor parsed. Events are most
   * of a ledger, so leaving them out is most of the decoding.
   */
  skipKinds?: readonly RecordKind[];
}

export async function loadRecords(repo: Repo, options: LoadOptions = {}): Promise<StoredRecord[]> {
  const skip =
    options.skipKinds && options.skipKinds.length > 0 ? new Set<string>(options.skipKinds) : undefined;
  const records: StoredRecord[] = [];
  const decodedUpTo = new Map<LogSnapshot, number>();
  // Entries are decoded as they arrive, while git is still inflating the rest of the log.
  const decodeArrived = (snapshot: LogSnapshot) => {
    const { entries, writerId } = snapshot;
    for (let position = decodedUpTo.get(snapshot) ?? 0; position < entries.length; position++) {
      const stored = decodeAt(writerId, entries.lineBytes(position), skip);
      // A malformed entry is verify's to report; readers skip it.
      if (stored) records.push(stored);
    }
    decodedUpTo.set(snapshot, entries.length);
  };
  const snapshots = await readLogs(repo, await listLogRefs(repo), {
    onePerWriter: true,
    reader: { grew: decodeArrived },
  });
  for (const snapshot of snapshots) decodeArrived(snapshot);
  return records;
}

/** One stored entry as a record, hashed and parsed from its bytes without a line string. */
function decodeAt(writerId: string, bytes: Buffer, skip?: ReadonlySet<string>): StoredRecord | undefined {
  const span = entrySpan(bytes);
  if (!span) return undefined;
  if (skip) {
    const kind = recordKindAt(bytes, span.recordStart, span.recordEnd);
    if (kind !== undefined && skip.has(kind)) return undefined;
  }
  try {
    return {
      id: sha256Hex(bytes.subarray(span.recordStart, span.recordEnd)),
      writerId,
      seq: span.seq,
      record: JSON.parse(bytes.toString('utf8', span.recordStart, span.recordEnd)) as TrailRecord,
    };
  } catch {
    return undefined;
  }
}

export async function loadIndex(repo: Repo, options: LoadOptions = {}): Promise<TrailIndex> {
  return buildIndex(await loadRecords(repo, options));
}
