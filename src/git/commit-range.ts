/**
 * The commits a check or a report looks at, read with one `git log` whatever their number:
 * id, parents, author, date, subject and the paths each one touched.
 */
import type { CommitInfo } from '../core/change-facts.js';
import type { RepositoryIdentity } from '../core/commit-descriptor.js';
import { remoteUri } from '../core/commit-descriptor.js';
import { TrailError } from '../core/errors.js';
import { gitTextOrUndefined, runGit } from './run.js';

export type { CommitInfo };

const RECORD = '\u001e';
const FIELD = '\u001f';

/**
 * Lists commits selected by `revisions` (anything `git log` takes: `main..HEAD`, `-1 HEAD`),
 * oldest first, without merge commits: a merge brings in commits that are checked on their
 * own, and has no checkpoint of its own. `includeMerges` keeps them (with no paths), for a
 * reader that must know every commit of a branch, as the server does to match a code host's
 * pushes.
 */
export async function listCommits(
  workTree: string,
  revisions: readonly string[],
  /** The range as a person typed it, if they did: what a usage error names. */
  given?: string,
  { includeMerges = false }: { includeMerges?: boolean } = {},
): Promise<CommitInfo[]> {
  if (!(await hasCommits(workTree))) {
    // An empty repository: nothing committed yet, so no range a person names can exist.
    if (given === undefined) return [];
    throw new TrailError(
      'USAGE',
      `${given}: not a commit or range in this repository (nothing is committed yet)`,
    );
  }
  const stdout = await gitOverRevisions(
    workTree,
    [
      'log',
      ...(includeMerges ? [] : ['--no-merges']),
      '--reverse',
      // NUL-terminated paths, never quoted: core.quotePath=false still quotes a path holding
      // `"`, a tab or a newline, and a policy's patterns must see the path itself.
      '--name-only',
      '-z',
      `--format=${RECORD}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%s${FIELD}%(trailers:key=Trail-Checkpoint,valueonly,separator=%x20)`,
      ...revisions,
      '--',
    ],
    [given ?? revisions.join(' ')],
  );
  // With -z each commit is its header, NUL, then each path NUL-terminated, the first after a
  // newline. A token is a header where it starts with RECORD, which a path would need a
  // control character as its first byte to do.
  const commits: CommitInfo[] = [];
  let firstPath = false;
  for (const token of stdout.toString('utf8').split('\0')) {
    if (token.startsWith(RECORD)) {
      firstPath = true;
      const [sha, parents, name, email, date, subject, trailer] = token.slice(RECORD.length).split(FIELD);
      if (!sha) continue;
      commits.push({
        sha,
        parents: parents ? parents.split(' ').filter(Boolean) : [],
        author: `${name} <${email}>`,
        authorEmail: email ?? '',
        date: date ?? '',
        subject: subject ?? '',
        paths: [],
        ...(trailer?.trim() ? { checkpointKey: trailer.trim().split(/\s+/)[0] } : {}),
      });
      continue;
    }
    // Only the first path has the newline before it: a later one may itself start with one.
    const path = firstPath && token.startsWith('\n') ? token.slice(1) : token;
    firstPath = false;
    if (path.length > 0) commits[commits.length - 1]?.paths.push(path);
  }
  return commits;
}

export async function hasCommits(workTree: string): Promise<boolean> {
  return (await gitTextOrUndefined(workTree, ['rev-parse', '--verify', '--quiet', 'HEAD'])) !== undefined;
}

/**
 * Runs a git command over revisions a person typed (`given`): one git knows no commit for is
 * a usage error naming it, not git's own failure, and never an empty result. A check gate
 * must not pass a mistyped range as "0 commits".
 */
export async function gitOverRevisions(
  workTree: string,
  args: readonly string[],
  given: readonly string[],
): Promise<Buffer> {
  const result = await runGit(workTree, args, { allow: [128] });
  if (result.code === 128) {
    const detail =
      result.stderr
        .trim()
        .split('\n')
        .pop()
        ?.replace(/^fatal: /, '') ?? '';
    // git's words are kept only where they say something other than "no such revision".
    const other = detail && !/revision|ambiguous argument/.test(detail) ? ` (${detail})` : '';
    throw new TrailError('USAGE', `${given.join(' ')}: not a commit or range in this repository${other}`);
  }
  return result.stdout;
}

export interface DefaultRange {
  revisions: string[];
  /** For people: which commits these are. */
  description: string;
}

async function refExists(workTree: string, ref: string): Promise<boolean> {
  return (await gitTextOrUndefined(workTree, ['rev-parse', '--verify', '--quiet', ref])) !== undefined;
}

/**
 * The branch an audit is about: the remote's default branch as last fetched (origin/HEAD),
 * else the configured default branch, `main` or `master`, whichever exists first; undefined
 * when none does.
 */
export async function defaultBranch(workTree: string): Promise<string | undefined> {
  for (const name of await defaultBranchNames(workTree)) {
    if (await refExists(workTree, name)) return name;
  }
  return undefined;
}

/** Where a default branch may be, most telling first: origin/HEAD's target, init.defaultBranch, main, master. */
async function defaultBranchNames(workTree: string): Promise<string[]> {
  const originHead = await gitTextOrUndefined(workTree, [
    'symbolic-ref',
    '--quiet',
    '--short',
    'refs/remotes/origin/HEAD',
  ]);
  const configured = await gitTextOrUndefined(workTree, ['config', 'init.defaultBranch']);
  return [originHead, configured, 'main', 'master'].filter((n): n is string => Boolean(n));
}

/**
 * What `trail check` looks at with no range: the commits on this branch that its upstream
 * does not have yet; else those not on the default branch (origin's HEAD, then
 * init.defaultBranch, main or master); else HEAD alone.
 */
export async function defaultCheckRange(workTree: string): Promise<DefaultRange> {
  const branch = await gitTextOrUndefined(workTree, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const upstream = await gitTextOrUndefined(workTree, [
    'rev-parse',
    '--abbrev-ref',
    '--symbolic-full-name',
    '@{upstream}',
  ]);
  if (upstream) {
    return { revisions: [`${upstream}..HEAD`], description: `${upstream}..HEAD` };
  }
  // origin/main stays a candidate on local main: the loop skips only the branch itself.
  for (const base of await defaultBranchNames(workTree)) {
    if (base === branch || !(await refExists(workTree, base))) continue;
    return { revisions: [`${base}..HEAD`], description: `${base}..HEAD` };
  }
  return { revisions: ['-1', 'HEAD'], description: 'HEAD' };
}

/** The revisions `trail check RANGE` means: a range as given, or one commit for a single revision. */
export function revisionsFor(range: string): string[] {
  return range.includes('..') ? [range] : ['-1', range];
}

/** A short name for the repository: origin's `owner/name`, else the folder's name. */
export async function repositoryName(workTree: string): Promise<string> {
  return (await repositoryIdentity(workTree)).name;
}

/**
 * The repository as statements name it (core/commit-descriptor.ts): its short name
 * (repositoryName), and origin's `git+https://` address where origin is on a host.
 */
export async function repositoryIdentity(workTree: string): Promise<RepositoryIdentity> {
  const url = await gitTextOrUndefined(workTree, ['config', '--get', 'remote.origin.url']);
  const uri = url ? remoteUri(url) : undefined;
  return { name: shortName(workTree, url), ...(uri ? { uri } : {}) };
}

function shortName(workTree: string, url: string | undefined): string {
  if (url) {
    // Without the credentials a URL may carry (https://user:token@host/name): they are no name.
    const cleaned = url
      .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@/]*@/, '$1')
      .replace(/\.git$/, '')
      .replace(/\/+$/, '');
    const match = /[/:]([^/:]+\/[^/:]+)$/.exec(cleaned);
    if (match) return match[1]!;
  }
  return workTree.split(/[\\/]/).filter(Boolean).pop() ?? workTree;
}

export async function currentBranch(workTree: string): Promise<string | undefined> {
  return gitTextOrUndefined(workTree, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
}
