/** Turns what a person typed (a commit-ish, a checkpoint id or its trailer key) into a checkpoint. */
import { TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { gitTextOrUndefined } from '../git/run.js';
import { findCheckpoint } from '../read/checkpoint-view.js';

export async function resolveCheckpoint(
  workTree: string,
  index: TrailIndex,
  ref: string,
): Promise<StoredRecord<RecordOf<'checkpoint'>>> {
  if (ref.startsWith('-')) throw new TrailError('USAGE', `${ref} is not a commit or checkpoint`);
  const byId = findCheckpoint(index, { idOrKey: ref });
  if (byId) return byId;
  const commit = await gitTextOrUndefined(workTree, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit) throw new TrailError('NOT_FOUND', `${ref} is neither a commit nor a checkpoint`);
  const found = findCheckpoint(index, { commit });
  if (!found) {
    throw new TrailError(
      'NOT_FOUND',
      `commit ${commit.slice(0, 12)} has no checkpoint (no AI work was recorded for it)`,
    );
  }
  return found;
}
