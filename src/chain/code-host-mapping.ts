/**
 * The one place that maps a pull request (GitHub) or merge request (GitLab) to commits and
 * their checkpoints. `trail import github-review|gitlab-approval`, `trail pr-summary` and
 * the server's webhooks all go through here, so they agree on what a PR/MR covers.
 *
 * The commits of a PR/MR are, in order of preference:
 * 1. `git rev-list base..head` when both the base and head commits are in this repository
 *    (GitHub review payloads carry `pull_request.base.sha`);
 * 2. otherwise the head commit and its first-parent ancestors back to the merge-base with
 *    the base branch (`origin/<base>` or `<base>`), when that branch is known here
 *    (GitLab approvals carry only the target branch and the last commit);
 * 3. otherwise the head commit alone.
 * A head commit this repository does not hold is an error: nothing can be bound to it.
 */
import { TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import type { CodeHostEvent } from '../evidence/code-host.js';
import { gitTextOrUndefined, runGit } from '../git/run.js';

export type ReviewEvent = Extract<CodeHostEvent, { type: 'review' }>;

export interface MappedChange {
  /** The PR/MR's commits, oldest first. */
  commits: string[];
  /** The newest checkpoint of each commit that has one. */
  checkpoints: Map<string, StoredRecord<RecordOf<'checkpoint'>>>;
  /** How the commits were found, for people: "f95f852..ec26c3e", "ec26c3e alone". */
  how: string;
}

/** The full id of a commit this repository holds, or undefined. */
export async function resolveCommit(workTree: string, commitish: string): Promise<string | undefined> {
  if (commitish.startsWith('-')) return undefined;
  return gitTextOrUndefined(workTree, ['rev-parse', '--verify', '--quiet', `${commitish}^{commit}`]);
}

/** Commits reachable from `head` and not from `base`, oldest first (`--first-parent` optional). */
export async function commitsBetween(
  workTree: string,
  base: string,
  head: string,
  options: { firstParent?: boolean; noMerges?: boolean } = {},
): Promise<string[]> {
  const out = await runGit(workTree, [
    'rev-list',
    '--reverse',
    ...(options.firstParent ? ['--first-parent'] : []),
    ...(options.noMerges ? ['--no-merges'] : []),
    `${base}..${head}`,
    '--',
  ]);
  return out.stdout.toString('utf8').split('\n').filter(Boolean);
}

export async function mergeBase(workTree: string, a: string, b: string): Promise<string | undefined> {
  return gitTextOrUndefined(workTree, ['merge-base', a, b]);
}

/** The base branch as this clone knows it: the remote-tracking branch first, then a local one. */
async function resolveBaseRef(workTree: string, baseRef: string): Promise<string | undefined> {
  const name = baseRef.replace(/^refs\/heads\//, '');
  for (const candidate of [`refs/remotes/origin/${name}`, `refs/heads/${name}`]) {
    const sha = await resolveCommit(workTree, candidate);
    if (sha) return sha;
  }
  return undefined;
}

function describe(event: ReviewEvent): string {
  return event.host === 'github' ? `pull request #${event.number}` : `merge request !${event.number}`;
}

/**
 * The commits and checkpoints a review event covers. Throws NOT_FOUND (one line, nothing
 * recorded by the caller) when the head commit is not in this repository.
 */
export async function mapReviewEvent(
  workTree: string,
  index: TrailIndex,
  event: ReviewEvent,
): Promise<MappedChange> {
  const head = await resolveCommit(workTree, event.headSha);
  if (!head || head !== event.headSha) {
    throw new TrailError(
      'NOT_FOUND',
      `${describe(event)} of ${event.repo}: commit ${event.headSha.slice(0, 12)} is not in this repository (fetch the branch first); nothing recorded`,
    );
  }
  let commits: string[] = [head];
  let how = `${head.slice(0, 12)} alone`;
  const base = event.baseSha ? await resolveCommit(workTree, event.baseSha) : undefined;
  if (base) {
    commits = await commitsBetween(workTree, base, head);
    how = `${base.slice(0, 12)}..${head.slice(0, 12)}`;
  } else if (event.baseRef) {
    const baseTip = await resolveBaseRef(workTree, event.baseRef);
    const fork = baseTip ? await mergeBase(workTree, baseTip, head) : undefined;
    if (fork) {
      commits = await commitsBetween(workTree, fork, head, { firstParent: true });
      how = `first-parent ${fork.slice(0, 12)}..${head.slice(0, 12)} (merge-base with ${event.baseRef})`;
    }
  }
  if (commits.length === 0) {
    throw new TrailError(
      'NOT_FOUND',
      `${describe(event)} of ${event.repo}: no commits between its base and ${head.slice(0, 12)}; nothing recorded`,
    );
  }
  const checkpoints = new Map<string, StoredRecord<RecordOf<'checkpoint'>>>();
  for (const commit of commits) {
    const found = index.checkpointByCommit.get(commit);
    if (found) checkpoints.set(commit, found);
  }
  return { commits, checkpoints, how };
}
