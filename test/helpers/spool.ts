/** What a session's spool holds, read as the seal reads it. */
import type { SpoolLine } from '../../src/capture/spool.js';
import { readSpool, sessionKey } from '../../src/capture/spool.js';
import { findRepo } from '../../src/ledger/repo.js';

export type SpoolEventLine = Extract<SpoolLine, { type: 'event' }>;

/** The event lines of one agent session's spool in the repository at `dir`, in order. */
export async function spoolEvents(dir: string, agent: string, sessionId: string): Promise<SpoolEventLine[]> {
  const repo = await findRepo(dir);
  return readSpool(repo.stateDir, sessionKey(agent, sessionId)).lines.filter(
    (l): l is SpoolEventLine => l.type === 'event',
  );
}
