/**
 * Whether a push a code host reported rewrote its branch (a force push): commits judged
 * before may then no longer be on it.
 *
 * GitHub says so in the push payload (`forced`). GitLab's push hook does not: it carries
 * `before` and `after`, the branch's head before and after the push, and at most the newest
 * 20 commits, each without its parents (GitLab, "Webhook events", Push events). Its `before`
 * is the head the branch had, forced or not, so comparing it with the head the server last
 * heard of finds a delivery that never arrived (GitLab sends none for a push of more than
 * three branches), not a rewrite; and the commits listed cannot be chained to `before`
 * without their parents. What does tell is git's own graph: a push rewrote the branch when
 * its old head is not an ancestor of its new head. The server holds that graph for the
 * commits `trail push` sent (each with its parents, merges included), so for GitLab:
 *
 * - not forced once `before` is found behind `after` among them, or when the push created
 *   the branch (`before` all zeros);
 * - forced once `after` and every commit behind it are there and `before` is not;
 * - unknown (null) until then: `after` not sent yet (a webhook usually arrives before the
 *   CI job that runs `trail push`), a history with a commit missing (a shallow clone, or
 *   commits the retention purge removed), or the branch deleted.
 *
 * So a GitLab force push is flagged once a clone has sent the rewritten branch, and never
 * when the rewritten head was itself discarded before any `trail push` sent it.
 */
import { ancestorsCte, boundedAncestorsCte } from './commit-graph.js';

/**
 * The walk back from a push's new head through the pushed commits' parents (commit-graph.ts):
 * every commit behind it that the server holds, and the first ones it does not. Breadth
 * first, so an EXISTS over it stops at the nearest match: the old head of a push that only
 * added commits is a few steps back, and only a rewrite (or a gap) walks the whole history.
 */
function behindAfter(e: string, where: string): string {
  return `EXISTS (
    WITH RECURSIVE ${ancestorsCte('behind', `${e}.repo_id`, `${e}.event->>'after'`)}
    SELECT 1 FROM behind b WHERE ${where})`;
}

/** The generation (commit-generations.ts) of the push's `before` or `after`, or null. */
function generationOf(e: string, side: 'before' | 'after'): string {
  return `(SELECT g.generation FROM commit_generations g
    WHERE g.repo_id = ${e}.repo_id AND g.sha = ${e}.event->>'${side}')`;
}

/**
 * Whether `before` is behind `after`, when both have a generation: the walk back from `after`
 * reads only commits of `before`'s generation or more, since no commit below it leads back up
 * to it. A rewrite no longer walks the whole history twice (for the answer, then for gaps): a
 * commit with a generation had its whole history held, and a commit the walk meets without one
 * (removed since by the retention purge) leaves the answer to the whole walk.
 */
function behindAfterAbove(e: string, where: string): string {
  return `EXISTS (
    WITH RECURSIVE ${boundedAncestorsCte('behind', `${e}.repo_id`, `${e}.event->>'after'`, generationOf(e, 'after'), generationOf(e, 'before'))}
    SELECT 1 FROM behind b WHERE ${where})`;
}

/**
 * A SQL expression over an `external_events` push row aliased `e`: whether the push rewrote
 * its branch, true or false, or null when that cannot be told yet (GitLab, above).
 */
export function pushForcedSql(e: string): string {
  const bothHaveGenerations = `${generationOf(e, 'after')} IS NOT NULL AND ${generationOf(e, 'before')} IS NOT NULL`;
  return `CASE
    WHEN ${e}.host = 'github' THEN coalesce((${e}.event->>'forced')::boolean, false)
    WHEN ${e}.host <> 'gitlab' THEN NULL
    WHEN ${e}.event->>'before' ~ '^0+$' THEN false
    WHEN ${e}.event->>'after' ~ '^0+$' THEN NULL
    WHEN NOT EXISTS (SELECT 1 FROM commits c WHERE c.repo_id = ${e}.repo_id AND c.sha = ${e}.event->>'after')
      THEN NULL
    WHEN ${bothHaveGenerations} AND ${behindAfterAbove(e, `b.sha = ${e}.event->>'before'`)} THEN false
    WHEN ${bothHaveGenerations} AND NOT ${behindAfterAbove(e, 'b.generation IS NULL')} THEN true
    WHEN ${behindAfter(e, `b.sha = ${e}.event->>'before'`)} THEN false
    WHEN ${behindAfter(e, `NOT EXISTS (SELECT 1 FROM commits k WHERE k.repo_id = ${e}.repo_id AND k.sha = b.sha)`)}
      THEN NULL
    ELSE true
  END`;
}
