/**
 * The read model: every record of every log, indexed the ways the read side asks.
 * Pure: built from stored records by whoever loaded them (the CLI from git, the server
 * from its database), so `show`, `blame`, reports and the dashboard agree by construction.
 */
import type { RecordOf, TrailRecord } from './records.js';

export interface StoredRecord<R extends TrailRecord = TrailRecord> {
  /** SHA-256 of the record's canonical bytes. */
  id: string;
  writerId: string;
  seq: number;
  record: R;
}

export interface TrailIndex {
  records: StoredRecord[];
  byId: Map<string, StoredRecord>;
  sessions: Map<string, StoredRecord<RecordOf<'session'>>>;
  /** Events by session id, in recorded order. */
  eventsBySession: Map<string, StoredRecord<RecordOf<'event'>>[]>;
  checkpoints: StoredRecord<RecordOf<'checkpoint'>>[];
  /** The newest checkpoint for each commit (a rewrite or correction adds a newer one). */
  checkpointByCommit: Map<string, StoredRecord<RecordOf<'checkpoint'>>>;
  /** Every checkpoint of each commit, oldest first. */
  checkpointsByCommit: Map<string, StoredRecord<RecordOf<'checkpoint'>>[]>;
  checkpointByKey: Map<string, StoredRecord<RecordOf<'checkpoint'>>>;
  /** Reviews by the checkpoint id they are bound to, and by commit. */
  reviewsByCheckpoint: Map<string, StoredRecord<RecordOf<'review'>>[]>;
  reviewsByCommit: Map<string, StoredRecord<RecordOf<'review'>>[]>;
  testsByCommit: Map<string, StoredRecord<RecordOf<'test-result'>>[]>;
  deploymentsByCommit: Map<string, StoredRecord<RecordOf<'deployment'>>[]>;
  rollbacks: StoredRecord<RecordOf<'rollback'>>[];
  /** Rollbacks by the commit taken out and by the commit put back. */
  rollbacksByCommit: Map<string, StoredRecord<RecordOf<'rollback'>>[]>;
  corrections: Map<string, StoredRecord<RecordOf<'correction'>>[]>;
  gaps: StoredRecord<RecordOf<'capture-gap'>>[];
  purges: StoredRecord<RecordOf<'retention-purge'>>[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Orders records by time, then writer and seq, so every reader sees the same order. */
export function compareStored(a: StoredRecord, b: StoredRecord): number {
  if (a.record.time !== b.record.time) return a.record.time < b.record.time ? -1 : 1;
  if (a.writerId !== b.writerId) return a.writerId < b.writerId ? -1 : 1;
  return a.seq - b.seq;
}

export function buildIndex(input: readonly StoredRecord[]): TrailIndex {
  const records = [...input].sort(compareStored);
  const index: TrailIndex = {
    records,
    byId: new Map(),
    sessions: new Map(),
    eventsBySession: new Map(),
    checkpoints: [],
    checkpointByCommit: new Map(),
    checkpointsByCommit: new Map(),
    checkpointByKey: new Map(),
    reviewsByCheckpoint: new Map(),
    reviewsByCommit: new Map(),
    testsByCommit: new Map(),
    deploymentsByCommit: new Map(),
    rollbacks: [],
    rollbacksByCommit: new Map(),
    corrections: new Map(),
    gaps: [],
    purges: [],
  };
  for (const stored of records) {
    index.byId.set(stored.id, stored);
    const r = stored.record;
    switch (r.kind) {
      case 'session': {
        // A session may be recorded more than once (start, then end); the latest wins.
        index.sessions.set(r.sessionId, stored as StoredRecord<RecordOf<'session'>>);
        break;
      }
      case 'event':
        push(index.eventsBySession, r.sessionId, stored as StoredRecord<RecordOf<'event'>>);
        break;
      case 'checkpoint': {
        const c = stored as StoredRecord<RecordOf<'checkpoint'>>;
        index.checkpoints.push(c);
        index.checkpointByCommit.set(r.commit, c);
        push(index.checkpointsByCommit, r.commit, c);
        if (r.key) index.checkpointByKey.set(r.key, c);
        break;
      }
      case 'review': {
        const rv = stored as StoredRecord<RecordOf<'review'>>;
        if (r.checkpoint) push(index.reviewsByCheckpoint, r.checkpoint, rv);
        if (r.commit) push(index.reviewsByCommit, r.commit, rv);
        break;
      }
      case 'test-result':
        push(index.testsByCommit, r.commit, stored as StoredRecord<RecordOf<'test-result'>>);
        break;
      case 'deployment':
        push(index.deploymentsByCommit, r.commit, stored as StoredRecord<RecordOf<'deployment'>>);
        break;
      case 'rollback': {
        const rb = stored as StoredRecord<RecordOf<'rollback'>>;
        index.rollbacks.push(rb);
        push(index.rollbacksByCommit, r.from, rb);
        if (r.to !== r.from) push(index.rollbacksByCommit, r.to, rb);
        break;
      }
      case 'correction':
        push(index.corrections, r.target, stored as StoredRecord<RecordOf<'correction'>>);
        break;
      case 'capture-gap':
        index.gaps.push(stored as StoredRecord<RecordOf<'capture-gap'>>);
        break;
      case 'retention-purge':
        index.purges.push(stored as StoredRecord<RecordOf<'retention-purge'>>);
        break;
    }
  }
  return index;
}
