/** Appending records as this clone: its key, its name, defaults for the record header. */

import type { Actor, Provenance } from '../core/records.js';
import { SCHEMA_VERSION } from '../core/schema-version.js';
import { localIdentity } from '../git/identity.js';
import { loadAppendKey } from './keys.js';
import type { AppendOptions, AppendResult } from './log-store.js';
import { appendRecords } from './log-store.js';
import type { Repo } from './repo.js';
import { requireInitialised } from './repo.js';

export interface AppendAsThisCloneOptions extends Pick<AppendOptions, 'beforeWrite'> {
  /**
   * The caller validated and redacted the records already, with the repository's rules:
   * sealing, which redacts them before it links them by id, and a review, which is signed
   * over its redacted text (redacting it again could only break the signature). They are
   * written as they are. Without this, every record is validated and every string of it
   * redacted with the rules `.trail/config.json` gives now, since the ledger cannot forget.
   */
  redacted?: boolean;
}

export interface AppendAsThisCloneResult extends AppendResult {
  /** Secrets the redactor replaced, by record (its index in the input) and field; never the value. */
  redactions: Array<{ record: number; field: string; rule: string; count: number }>;
  /** The records as written: the input, redacted. */
  written: readonly unknown[];
}

export async function appendAsThisClone(
  repo: Repo,
  records: readonly unknown[],
  options: AppendAsThisCloneOptions = {},
): Promise<AppendAsThisCloneResult> {
  requireInitialised(repo);
  // Before anything else: a revoked key's appends would each fail verify.
  const key = loadAppendKey(repo);
  const writerName = async () => {
    const me = await localIdentity(repo.workTree);
    return `${me.email} on ${me.host}`;
  };
  const redactions: AppendAsThisCloneResult['redactions'] = [];
  let ready = records;
  if (!options.redacted) {
    // Loaded only here: the git hooks' short path loads nothing it does not use.
    const [{ redactRecord }, { redactionRules }, { validateRecord }] = await Promise.all([
      import('../core/redact-record.js'),
      import('./redaction-rules.js'),
      import('../core/records.js'),
    ]);
    const rules = redactionRules(repo);
    // Validated first, so bad input gets the validator's message naming the field, and the
    // redactor only ever walks a record's bounded shape (never a hostile 50,000-deep one).
    const valid = records.map((input) => validateRecord(input));
    ready = valid.map((input, record) => {
      const result = redactRecord(input, rules);
      for (const finding of result.findings) redactions.push({ record, ...finding });
      return result.record;
    });
  }
  const appended = await appendRecords(repo, key, ready, { beforeWrite: options.beforeWrite, writerName });
  return { ...appended, redactions, written: ready };
}

/** Fills the header fields a caller left out: schema version, time, actor, provenance. */
export function withHeader(
  record: Record<string, unknown>,
  defaults: { actor: Actor; provenance: Provenance; time?: string },
): Record<string, unknown> {
  return {
    v: SCHEMA_VERSION,
    time: defaults.time ?? new Date().toISOString(),
    actor: defaults.actor,
    provenance: defaults.provenance,
    ...record,
  };
}

export async function humanActor(repo: Repo): Promise<Actor> {
  const me = await localIdentity(repo.workTree);
  return { type: 'human', id: me.email };
}
