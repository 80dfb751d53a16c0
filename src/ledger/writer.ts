/** Appending records as this clone: its key, its name, defaults for the record header. */

import type { Actor, Provenance } from '../core/records.js';
import { SCHEMA_VERSION } from '../core/schema-version.js';
import { localIdentity } from '../git/identity.js';
import { loadWriterKey } from './keys.js';
import type { AppendOptions, AppendResult } from './log-store.js';
import { appendRecords } from './log-store.js';
import type { Repo } from './repo.js';
import { requireInitialised } from './repo.js';

export async function appendAsThisClone(
  repo: Repo,
  records: readonly unknown[],
  options: Pick<AppendOptions, 'beforeWrite'> = {},
): Promise<AppendResult> {
  requireInitialised(repo);
  const key = loadWriterKey(repo);
  const writerName = async () => {
    const me = await localIdentity(repo.workTree);
    return `${me.email} on ${me.host}`;
  };
  return appendRecords(repo, key, records, { ...options, writerName });
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
