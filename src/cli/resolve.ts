/** Turns what a person typed (a commit-ish, a checkpoint id or its trailer key) into a checkpoint. */
import { purgedCheckpoint } from '../core/change-facts.js';
import { noCommitsYet, TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { listCommits } from '../git/commit-range.js';
import { gitTextOrUndefined } from '../git/run.js';
import { findCheckpoint } from '../read/checkpoint-view.js';

export async function resolveCheckpoint(
  workTree: string,
  index: TrailIndex,
  ref: string,
  /** What else a caller looks `ref` up as, named in the error when it is neither. */
  orElse?: string,
): Promise<StoredRecord<RecordOf<'checkpoint'>>> {
  if (ref.startsWith('-')) throw new TrailError('USAGE', `${ref} is not a commit or checkpoint`);
  const byId = findCheckpoint(index, { idOrKey: ref });
  if (byId) return byId;
  const commit = await gitTextOrUndefined(workTree, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit) {
    // HEAD names no commit only before the first one: say that, not "HEAD is neither…".
    if (ref === 'HEAD') throw noCommitsYet();
    const what = orElse ? `a commit, a checkpoint nor ${orElse}` : 'a commit nor a checkpoint';
    throw new TrailError('NOT_FOUND', `${ref} is neither ${what}`);
  }
  const found = findCheckpoint(index, { commit });
  if (found) return found;
  // Its trailer says a checkpoint was written: a logged retention purge may have removed it.
  // Read as every commit list reads it (listCommits), merges too: one commit, on this error path only.
  const [info] = await listCommits(workTree, ['-1', commit], undefined, { includeMerges: true });
  const { purgedBefore } = purgedCheckpoint(index, info);
  throw new TrailError(
    'NOT_FOUND',
    purgedBefore
      ? `commit ${commit.slice(0, 12)} had a checkpoint, removed by a logged retention purge of records before ${purgedBefore}`
      : `commit ${commit.slice(0, 12)} has no checkpoint (no AI work was recorded for it)`,
  );
}
