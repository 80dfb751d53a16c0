/**
 * Generation numbers of a commit graph, as git's commit-graph keeps them: a commit with no
 * parent is 1, any other is 1 + the largest of its parents'. Every commit's generation is
 * larger than each of its ancestors', so a walk down the history can stop at a generation: no
 * commit below it leads back up (server/commit-graph.ts, commitsBetween).
 *
 * A generation is given only to a commit whose whole history is known, since one computed over
 * a gap would be too small once the gap fills and would then no longer bound what lies behind.
 */

export interface GraphCommit {
  sha: string;
  parents: readonly string[];
}

/**
 * The generations of `commits` that can be told, given those of other commits (`known`): a
 * commit gets one when each of its parents has one, known or told here. The commits come in
 * any order (children before parents too); one with a parent neither known nor among them,
 * or behind such a one, or in a cycle (a forged history), gets none.
 */
export function generationsOf(
  commits: readonly GraphCommit[],
  known: ReadonlyMap<string, number>,
): Map<string, number> {
  const bySha = new Map<string, GraphCommit>();
  for (const commit of commits) if (!known.has(commit.sha)) bySha.set(commit.sha, commit);
  // For each commit, how many of its parents still wait for a generation told here; a parent
  // that is nowhere blocks it for good (Infinity).
  const waitingOn = new Map<string, number>();
  const children = new Map<string, string[]>();
  const ready: string[] = [];
  for (const commit of bySha.values()) {
    let waiting = 0;
    for (const parent of new Set(commit.parents)) {
      if (known.has(parent)) continue;
      if (!bySha.has(parent)) {
        waiting = Number.POSITIVE_INFINITY;
        break;
      }
      waiting++;
      const list = children.get(parent);
      if (list) list.push(commit.sha);
      else children.set(parent, [commit.sha]);
    }
    waitingOn.set(commit.sha, waiting);
    if (waiting === 0) ready.push(commit.sha);
  }
  const told = new Map<string, number>();
  const generationOf = (sha: string) => known.get(sha) ?? told.get(sha) ?? 0;
  while (ready.length > 0) {
    const sha = ready.pop()!;
    let highest = 0;
    for (const parent of bySha.get(sha)!.parents) highest = Math.max(highest, generationOf(parent));
    told.set(sha, highest + 1);
    for (const child of children.get(sha) ?? []) {
      const left = waitingOn.get(child)! - 1;
      waitingOn.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return told;
}
