/**
 * Trail's library API (`import { Recorder, verify } from 'trail-audit'`): the SDK for agents
 * that record their own sessions, and the few ledger operations a program needs (append,
 * read, verify, redact). Everything else is the CLI's and may change between versions.
 */
import * as z from 'zod';
import { redactText, redactValue } from './core/redact.js';
import type { StoredRecord } from './core/trail-index.js';
import type { AppendResult } from './ledger/log-store.js';
import { loadRecords } from './ledger/read.js';
import { findRepo } from './ledger/repo.js';
import type { VerifyReport } from './ledger/verify.js';
import { verifyRepository } from './ledger/verify.js';
import { appendAsThisClone } from './ledger/writer.js';
import { checkArgument, cwdSchema } from './sdk/arguments.js';

export type { TrailErrorCode } from './core/errors.js';
export { isTrailError, TrailError } from './core/errors.js';
export type {
  Actor,
  EventBody,
  EventType,
  LineRange,
  Provenance,
  RecordInput,
  RecordKind,
  RecordOf,
  TrailRecord,
} from './core/records.js';
export { PROVENANCES, RECORD_KINDS, recordIdOf, validateRecord } from './core/records.js';
export type { TextFinding, ValueFinding } from './core/redact.js';
export type { StoredRecord } from './core/trail-index.js';
export type { AppendResult } from './ledger/log-store.js';
export type { VerifiedLog, VerifyReport } from './ledger/verify.js';
export type {
  ContextSourceKind,
  RecorderOptions,
  RiskSeverity,
  RunReport,
  UsageReport,
} from './sdk/recorder.js';
export { Recorder } from './sdk/recorder.js';
export { redactText, redactValue };

/** Checks every log of the repository around `cwd` (what `trail verify` does). */
export async function verify(cwd: string = process.cwd()): Promise<VerifyReport> {
  checkArgument(cwdSchema, cwd, 'verify', 'cwd');
  return verifyRepository(await findRepo(cwd));
}

/** Each record is validated by the append itself, which names its field; here only the list. */
const recordsSchema = z.array(z.unknown()).min(1, 'holds no record: nothing to append');

/**
 * Appends records to this clone's log, all or nothing (what `trail record --file` does).
 * Each record must be complete (header included) and valid; see docs/records.md.
 */
export async function appendRecords(
  records: readonly unknown[],
  cwd: string = process.cwd(),
): Promise<AppendResult> {
  checkArgument(recordsSchema, records, 'appendRecords', 'records');
  checkArgument(cwdSchema, cwd, 'appendRecords', 'cwd');
  return appendAsThisClone(await findRepo(cwd), records);
}

/** Every record of every writer's log, with its id, writer and sequence number. */
export async function readRecords(cwd: string = process.cwd()): Promise<StoredRecord[]> {
  checkArgument(cwdSchema, cwd, 'readRecords', 'cwd');
  return loadRecords(await findRepo(cwd));
}
