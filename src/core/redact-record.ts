/**
 * A record's text through the redactor before it reaches the ledger, which cannot forget what
 * it was given. Captured work is redacted where it enters the spool; this is the same gate for
 * records that come in by other ways: `trail record`, `trail deploy`, `trail tests attach`,
 * reviews, and the SDK. Pure: rules and record in, record out.
 */
import type { RedactionRule, ValueFinding } from './redact.js';
import { redactValue } from './redact.js';

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Every string of the record at any depth, redacted. What was found is added to the record's
 * `redactions` (the field and the rule, never the value), so a reader can tell the record
 * was changed and where. Anything but an object is returned as it is: validation rejects it.
 */
export function redactRecord(
  record: unknown,
  rules: readonly RedactionRule[],
): { record: unknown; findings: ValueFinding[] } {
  if (!isRecordLike(record)) return { record, findings: [] };
  const { value, findings } = redactValue(record, rules);
  if (findings.length === 0) return { record, findings };
  const earlier = Array.isArray(record.redactions) ? record.redactions : [];
  return { record: { ...value, redactions: [...earlier, ...findings] }, findings };
}
