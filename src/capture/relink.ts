/**
 * Re-links a commit the code host made (a squash merge, a "rebase and merge") to the
 * checkpoints of the commits it replaced: first by the `Trail-Checkpoint:` trailers GitHub
 * and GitLab copy into a squash commit's message, then by patch identity (`git patch-id
 * --stable`: the same change, whatever its commit). Attribution is then carried line by line
 * from those commits, as for a local rebase.
 */
import { spawnSync } from 'node:child_process';
import type { TrailIndex } from '../core/trail-index.js';
import { gitText } from '../git/run.js';
import { loadIndex } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import type { CarryResult } from './rewrite.js';
import { carryCheckpoint } from './rewrite.js';

export interface RelinkResult extends CarryResult {
  commit: string;
  from: string[];
  how: 'trailers' | 'patch-id' | 'already-linked' | 'nothing-to-link';
}

function patchIds(workTree: string, commits: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  if (commits.length === 0) return ids;
  const shown = spawnSync('git', ['show', '--no-color', '--format=commit %H', ...commits], {
    cwd: workTree,
    maxBuffer: 1 << 30,
  });
  const result = spawnSync('git', ['patch-id', '--stable'], {
    cwd: workTree,
    input: shown.stdout,
    maxBuffer: 1 << 28,
  });
  for (const line of result.stdout.toString('utf8').split('\n')) {
    const [patch, commit] = line.split(' ');
    if (patch && commit) ids.set(commit, patch);
  }
  return ids;
}

async function exists(workTree: string, commit: string): Promise<boolean> {
  return (await gitText(workTree, ['cat-file', '-t', commit]).catch(() => '')) === 'commit';
}

export async function relinkCommit(repo: Repo, rev: string, index?: TrailIndex): Promise<RelinkResult> {
  const commit = await gitText(repo.workTree, ['rev-parse', '--verify', `${rev}^{commit}`]);
  // Checkpoints alone are linked: no other record is even parsed.
  const idx = index ?? (await loadIndex(repo, { onlyKinds: ['checkpoint'] }));
  if (idx.checkpointByCommit.has(commit)) {
    return { commit, from: [], how: 'already-linked', lines: { ai: 0, human: 0, unknown: 0 } };
  }
  const message = await gitText(repo.workTree, ['log', '-1', '--format=%B', commit]);
  const keys = [...message.matchAll(/Trail-Checkpoint:\s*(ckpt_[0-9a-f]{16})/g)].map((m) => m[1]!);
  let olds = keys
    .map((k) => idx.checkpointByKey.get(k))
    .filter((c) => c !== undefined)
    .sort((a, b) => (a.record.time < b.record.time ? -1 : 1))
    .map((c) => c.record.commit);
  let how: RelinkResult['how'] = 'trailers';
  if (olds.length === 0) {
    const candidates = [];
    for (const c of idx.checkpointByCommit.keys())
      if (c !== commit && (await exists(repo.workTree, c))) candidates.push(c);
    const ids = patchIds(repo.workTree, [commit, ...candidates]);
    const mine = ids.get(commit);
    olds = mine ? candidates.filter((c) => ids.get(c) === mine) : [];
    how = 'patch-id';
  }
  const available = [];
  for (const c of olds) if (await exists(repo.workTree, c)) available.push(c);
  if (available.length === 0)
    return { commit, from: [], how: 'nothing-to-link', lines: { ai: 0, human: 0, unknown: 0 } };
  const carried = await carryCheckpoint(
    repo,
    available,
    commit,
    how === 'trailers' ? 'squash-merge' : 'patch-match',
  );
  return { commit, from: available, how, ...carried };
}
