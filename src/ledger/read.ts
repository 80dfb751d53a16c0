/**
 * Loads every record in the repository for the read side: for each writer, the longest
 * copy of its log (this clone's or a fetched one), decoded. Verification is `trail verify`'s
 * job; readers report what is there.
 */
import { decodeEntry, recordIdOfLine } from '../core/log-entry.js';
import type { TrailRecord } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import { listLogRefs, readLogs } from './log-store.js';
import type { Repo } from './repo.js';

export async function loadRecords(repo: Repo): Promise<StoredRecord[]> {
  const snapshots = await readLogs(repo, await listLogRefs(repo));
  const longest = new Map<string, (typeof snapshots)[number]>();
  for (const s of snapshots) {
    const current = longest.get(s.writerId);
    if (!current || s.entries.length > current.entries.length) longest.set(s.writerId, s);
  }
  const out: StoredRecord[] = [];
  for (const snapshot of longest.values()) {
    const lines = snapshot.entries.lines();
    lines.forEach((line, position) => {
      try {
        const entry = decodeEntry(line);
        const id = recordIdOfLine(line);
        out.push({
          id,
          writerId: snapshot.writerId,
          seq: entry.seq ?? position,
          record: entry.record as TrailRecord,
        });
      } catch {
        // A malformed entry is verify's to report; readers skip it.
      }
    });
  }
  return out;
}

export async function loadIndex(repo: Repo): Promise<TrailIndex> {
  return buildIndex(await loadRecords(repo));
}
