/**
 * The part of `trail push` that sends git's side: the commits of the branch an audit is
 * about (the default branch, as last fetched from origin, unless `--commits-from` names
 * another), merges included, and the `.trail/policy.yml` committed there. The server's
 * reports need both: the commits to list those without a checkpoint (and to match what a
 * code host says was pushed), the policy to judge by the repository's own rules (see
 * src/server/commits.ts). The policy goes with `trackedSince` from `.trail/config.json`.
 *
 * Commits are sent once: the newest commit a push sent to a server is remembered per server
 * and repository in `<git dir>/trail/pushed-commits.json`, and the next push sends only what
 * came after it (`git log <branch> ^<that commit>`). Without the file, or when that commit
 * is no longer an ancestor (a rewritten branch), everything reachable is sent again; the
 * server skips what it holds. Subjects are redacted with the repository's rules before
 * they leave.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrailError } from '../core/errors.js';
import type { PushKind } from '../core/push-signature.js';
import { signPush } from '../core/push-signature.js';
import { redactText } from '../core/redact.js';
import { defaultBranch, hasCommits, listCommits } from '../git/commit-range.js';
import { gitTextOrUndefined, runGit } from '../git/run.js';
import { loadConfig } from '../ledger/config.js';
import { writerKeyIfAny } from '../ledger/keys.js';
import { POLICY_FILE } from '../ledger/policy-file.js';
import { redactionRules } from '../ledger/redaction-rules.js';
import type { Repo } from '../ledger/repo.js';
import type { ServerClient } from './client.js';
import { MAX_COMMITS_PER_REQUEST, MAX_PATHS } from './commits.js';
import type { Refusal } from './sync.js';

export interface HistoryPushResult {
  /** The commit pushed from, or null in a repository with no commit yet. */
  head: string | null;
  /** The branch or revision it was read from (the default branch unless told otherwise). */
  ref: string | null;
  /** Commits sent in this push, and how many of those the server did not hold yet. */
  commits: { sent: number; added: number };
  /** Whether the server's copy of .trail/policy.yml changed with this push. */
  policyChanged: boolean;
  /** A shallow clone holds only the newest commits: the older ones could not be sent. */
  shallow: boolean;
  /** Why the server refused the commits or the policy, when it did (sync.ts). */
  refused?: Refusal;
}

const STATE_FILE = 'pushed-commits.json';
/** JSON per commits request, well under the server's default 32 MiB body limit. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** Path names per commit, so that one commit alone still fits in a request. */
const MAX_PATH_BYTES = 16 * 1024 * 1024;

function readState(repo: Repo): Record<string, string> {
  const path = join(repo.stateDir, STATE_FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, string>)
      : {};
  } catch {
    return {}; // A damaged file costs one full resend, which the server deduplicates.
  }
}

function writeState(repo: Repo, state: Record<string, string>): void {
  mkdirSync(repo.stateDir, { recursive: true });
  writeFileSync(join(repo.stateDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * The paths sent for one commit: all of them, unless a commit that vendors a whole tree
 * touches more than MAX_PATHS, or more than MAX_PATH_BYTES of names, which no request could
 * carry. The first ones then stand for it: a policy exemption (paths that need no
 * checkpoint) is judged on those, so it could in theory hold for such a commit when a later
 * path would have broken it.
 */
export function cappedPaths(paths: readonly string[]): string[] {
  let bytes = 0;
  let kept = 0;
  while (kept < paths.length && kept < MAX_PATHS) {
    bytes += paths[kept]!.length + 3;
    if (bytes > MAX_PATH_BYTES) break;
    kept++;
  }
  return paths.slice(0, kept);
}

/** Requests of at most MAX_COMMITS_PER_REQUEST commits and about MAX_BATCH_BYTES of JSON. */
export function commitBatches<T extends { paths: readonly string[] }>(commits: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const commit of commits) {
    // Ids, names and the subject are small beside the paths; each path costs its length and quotes.
    const size = 512 + commit.paths.reduce((n, p) => n + p.length + 3, 0);
    if (batch.length > 0 && (batch.length === MAX_COMMITS_PER_REQUEST || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(commit);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

async function isAncestor(workTree: string, older: string, newer: string): Promise<boolean> {
  return (
    (await runGit(workTree, ['merge-base', '--is-ancestor', older, newer], { allow: [1, 128] })).code === 0
  );
}

/** The commit whose history a push sends, and the name it was found by. */
export interface HistorySource {
  ref: string;
  head: string;
}

/**
 * Where the commits come from: `from` when given (a typo is a usage error, found before
 * anything is sent), else the repository's default branch, else HEAD; undefined in a
 * repository with no commit yet.
 */
export async function historySource(repo: Repo, from?: string): Promise<HistorySource | undefined> {
  if (!(await hasCommits(repo.workTree))) return undefined;
  const ref = from ?? (await defaultBranch(repo.workTree)) ?? 'HEAD';
  const head = await gitTextOrUndefined(repo.workTree, [
    'rev-parse',
    '--verify',
    '--quiet',
    `${ref}^{commit}`,
  ]);
  if (head === undefined)
    throw new TrailError('USAGE', `--commits-from ${ref}: not a commit in this repository`);
  return { ref, head };
}

/** Sends the commits reachable from `source` and the policy committed there. */
export async function pushHistory(
  repo: Repo,
  client: ServerClient,
  repoName: string,
  source: HistorySource | undefined,
): Promise<HistoryPushResult> {
  if (!source)
    return { head: null, ref: null, commits: { sent: 0, added: 0 }, policyChanged: false, shallow: false };
  const { ref, head } = source;
  const key = `${client.baseUrl} ${repoName}`;
  const state = readState(repo);
  const since = state[key];
  const revisions = since && (await isAncestor(repo.workTree, since, head)) ? [head, `^${since}`] : [head];
  const rules = redactionRules(repo);
  // Merges too: the server leaves them out of reports, but must know them to tell a merge
  // a code host saw land on the branch from a commit this push never sent.
  const commits = (await listCommits(repo.workTree, revisions, undefined, { includeMerges: true })).map(
    (c) => ({
      ...c,
      subject: redactText(c.subject, rules).text,
      paths: cappedPaths(c.paths),
    }),
  );
  // Each request is signed with this clone's writer key, which a server with a locked key
  // set requires (core/push-signature.ts); what is signed is exactly what is sent. A clone
  // with no key yet sends them unsigned, which only an open key set takes.
  const writerKey = writerKeyIfAny(repo);
  const signed = <T extends object>(what: PushKind, body: T) => {
    if (!writerKey) return body;
    const sent = JSON.parse(JSON.stringify(body)) as T;
    return { ...sent, signature: signPush(repoName, what, sent, writerKey) };
  };
  let added = 0;
  for (const batch of commitBatches(commits)) {
    const answer = await client.request<{ added: number }>(
      'POST',
      client.repoPath(repoName, 'commits'),
      signed('commits', { commits: batch }),
    );
    added += answer.added;
  }
  // Remembered before the policy goes: a policy the server refuses should not cost a resend.
  writeState(repo, { ...state, [key]: head });
  // The policy in force for the branch is the committed one, not a working-tree edit.
  const policy = await runGit(repo.workTree, ['cat-file', 'blob', `${head}:${POLICY_FILE}`], {
    allow: [128],
  });
  // When Trail began tracking the repository goes with it, so the server's gaps report tells
  // the history from before it apart as `trail report gaps` does here. It is signed on its own:
  // an older server checks the policy's signature over the commit and policy alone, and
  // ignores fields it does not know.
  const { trackedSince } = loadConfig(repo);
  const tracked =
    trackedSince === undefined ? undefined : signed('tracked-since', { commit: head, trackedSince });
  const answer = await client.request<{ changed: boolean }>('POST', client.repoPath(repoName, 'policy'), {
    ...signed('policy', { commit: head, policy: policy.code === 0 ? policy.stdout.toString('utf8') : null }),
    ...(tracked === undefined
      ? {}
      : {
          trackedSince: tracked.trackedSince,
          ...('signature' in tracked ? { trackedSinceSignature: tracked.signature } : {}),
        }),
  });
  const shallow =
    (await gitTextOrUndefined(repo.workTree, ['rev-parse', '--is-shallow-repository'])) === 'true';
  return { head, ref, commits: { sent: commits.length, added }, policyChanged: answer.changed, shallow };
}
