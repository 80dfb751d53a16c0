/**
 * Timestamping on `git push`: where `.trail/config.json` names an authority
 * (`timestamp.url`), the pre-push hook has it stamp this writer's newest signed head before
 * Trail's refs go out, so the token travels with the log without anyone running
 * `trail timestamp`. A hook must never hold a push back: the authority gets a few seconds,
 * and what fails comes back as an error for a capture gap, after the refs are pushed.
 */
import { readFileSync } from 'node:fs';
import { TrailError } from '../core/errors.js';
import { loadWriterKey } from '../ledger/keys.js';
import type { Repo } from '../ledger/repo.js';
import { configPath } from '../ledger/repo-paths.js';

/** Long enough for an authority that answers at all; a push waits no longer. */
const PUSH_TIMEOUT_MS = 5_000;

/**
 * The configured authority, read without the config's schema (zod): this runs on every push,
 * and the full config is checked by every command that reads it. Undefined when none is set.
 */
export function configuredAuthority(repo: Repo): string | undefined {
  let text: string;
  try {
    text = readFileSync(configPath(repo), 'utf8');
  } catch {
    return undefined;
  }
  const url = (JSON.parse(text) as { timestamp?: { url?: unknown } }).timestamp?.url;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/** Stamps before a push where an authority is configured; the error to record, if any. */
export async function stampBeforePush(repo: Repo): Promise<Error | undefined> {
  try {
    const url = configuredAuthority(repo);
    if (!url) return undefined;
    const { timestampNewestHead } = await import('../ledger/timestamp-heads.js');
    // A clone that has written nothing has nothing to stamp: no gap for that (undefined).
    await timestampNewestHead(repo, loadWriterKey(repo).keyId, url, { timeoutMs: PUSH_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    return new TrailError('VERIFY_FAILED', `timestamping before the push: ${(error as Error).message}`);
  }
}
