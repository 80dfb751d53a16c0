/**
 * The origin of lines from a commit that has no checkpoint (docs/attribution.md, "Rules"):
 * made while Trail was tracking the repository, no agent session touched it, so its lines are
 * `human`; made before `trackedSince` (`trail init`), Trail saw nothing of how it was written,
 * so they are `unknown`. `trail blame` and `trail stats` both decide by this, so they agree.
 */

export interface OriginWithoutCheckpoint {
  origin: 'human' | 'unknown';
  reason: string;
}

/**
 * `trackedSince` (an ISO time) in whole seconds, as git records a commit's time: a commit in
 * the same second as `trail init` counts as tracked.
 */
export function trackedSinceSeconds(trackedSince: string | undefined): number | undefined {
  if (trackedSince === undefined) return undefined;
  const ms = Date.parse(trackedSince);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * `trackedSince` as `trail init` suggests it for the policy's `requireCheckpointsFrom`: an
 * ISO time in whole seconds (`2026-12-06T23:53:50Z`), the same second trackedSinceSeconds uses.
 */
export function trackedSinceText(trackedSince: string | undefined): string | undefined {
  const seconds = trackedSinceSeconds(trackedSince);
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * `committerTime` is the commit's committer time in seconds; with no `trackedSince` (a
 * configuration from before it was recorded), every commit counts as tracked.
 */
export function originWithoutCheckpoint(
  committerTime: number,
  trackedSince: number | undefined,
): OriginWithoutCheckpoint {
  return trackedSince !== undefined && committerTime < trackedSince
    ? { origin: 'unknown', reason: 'committed before Trail tracked this repository' }
    : { origin: 'human', reason: 'commit has no AI checkpoint' };
}
