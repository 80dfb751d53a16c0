/**
 * A record's text through the redactor before it reaches the ledger, which cannot forget what
 * it was given. Every append goes through here (`appendAsThisClone`), whichever way a record
 * came in: captured work sealed from the spool (with the rules in force when it is sealed, not
 * only those in force when it was spooled), `trail record`, `trail deploy`, `trail tests
 * attach`, reviews, and the SDK. Pure: rules and record in, record out.
 *
 * Every string of the record is redacted, and every member name (a checkpoint's attribution is
 * keyed by file path), except the fields that hold ids, digests or times by schema: a list of
 * fields that may be kept, not of fields to redact, so a field added to the schema tomorrow is
 * redacted without anyone remembering to.
 */
import { parseIsoTime } from './iso-time.js';
import type { RedactionRule, ValueFinding } from './redact.js';
import { redactValue } from './redact.js';

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Fields that hold a git object id, a record id, a checkpoint key or a content digest, by
 * schema (`src/core/records.ts`), with array indices written `[]`. Other records and commit
 * trailers point at them, so a user pattern that happens to match hex must not break the link
 * (or the record's validation). Kept only when the value has that shape: anything else in
 * them is redacted like any other string.
 */
const ID_FIELDS = new Set([
  'commit',
  'tree',
  'parents[]',
  'key',
  'events[]',
  'sessions[].record',
  'rewrittenFrom.commit',
  'rewrittenFrom.checkpoint',
  'checkpoint',
  'checkpoints[]',
  'target',
  'purged[]',
  'held[]',
  'from',
  'to',
  'event.digest',
  'event.beforeDigest',
  'event.afterDigest',
  'event.lineDigests[]',
]);
const ID_SHAPE = /^(?:(?:sha256:)?[0-9a-f]{16,128}|ckpt_[0-9a-f]{16})$/;

/** Times every record is ordered and filtered by; kept when they are ISO 8601 times. */
const TIME_FIELDS = new Set(['time', 'startedAt', 'endedAt', 'cutoff']);

/** An ISO 8601 time, as records and spool lines write them. */
export function isIsoTime(value: string): boolean {
  return parseIsoTime(value) !== undefined;
}

/** Whether the string at `path` of a record is an id, digest or time that redaction leaves. */
function isRecordIdField(path: string, value: string): boolean {
  const field = path.replace(/\[\d+\]/g, '[]');
  if (TIME_FIELDS.has(field)) return isIsoTime(value);
  return ID_FIELDS.has(field) && ID_SHAPE.test(value);
}

/**
 * Every string of the record at any depth, redacted, ids and times by schema apart. What was
 * found is added to the record's `redactions` (the field and the rule, never the value), so a
 * reader can tell the record was changed and where. Anything but an object is returned as it
 * is: validation rejects it.
 */
export function redactRecord(
  record: unknown,
  rules: readonly RedactionRule[],
): { record: unknown; findings: ValueFinding[] } {
  if (!isRecordLike(record)) return { record, findings: [] };
  const { value, findings } = redactValue(record, rules, { keep: isRecordIdField, keys: true });
  if (findings.length === 0) return { record, findings };
  // The redactions already listed are walked too (a field name is a string like any other).
  const earlier = Array.isArray(value.redactions) ? value.redactions : [];
  return { record: { ...value, redactions: [...earlier, ...findings] }, findings };
}
