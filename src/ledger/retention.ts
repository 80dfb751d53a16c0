/**
 * Retention: content older than the policy's period, and not under a legal hold, is removed
 * from this writer's log. Each purged entry becomes a tombstone keeping its leaf hash, so the
 * chain, every signed tree head and every witness still verify; a `retention-purge` record
 * (appended first, itself never purged early) lists what went and why, and verify accepts a
 * tombstone only when such a record names it and the record was older than the cutoff.
 * The log's git history is replaced by a single commit so the old content leaves the
 * repository; remotes get the rewritten log with a forced push of this writer's ref only.
 */
import { countLabel } from '../core/count-label.js';
import { TrailError } from '../core/errors.js';
import { decodeEntry, encodeTombstone, entryLeafHash, recordIdOfLine } from '../core/log-entry.js';
import type { Policy } from '../core/policy.js';
import { legalHoldsFor } from '../core/policy.js';
import { listTree, readObjects } from '../git/cat-file.js';
import { commitFiles } from '../git/fast-import.js';
import { listRemotes } from '../git/remote-config.js';
import { runGit } from '../git/run.js';
import { loadWriterKey } from './keys.js';
import { logRef } from './log-store.js';
import { loadIndex } from './read.js';
import { dropWriterMemo } from './read-memo.js';
import type { Repo } from './repo.js';
import { appendAsThisClone } from './writer.js';

export interface RetentionPlan {
  cutoff: string;
  writerId: string;
  purge: Array<{ seq: number; recordId: string; kind: string; time: string }>;
  held: Array<{ recordId: string; kind: string; reason: string }>;
  kept: number;
}

async function ownLogLines(
  repo: Repo,
  writerId: string,
): Promise<{ tip: string; files: Map<string, Buffer> }> {
  const ref = logRef(writerId);
  const tip = (await runGit(repo.workTree, ['rev-parse', '--verify', ref], { allow: [128] })).stdout
    .toString()
    .trim();
  if (!tip) throw new TrailError('NOT_FOUND', 'this clone has no log yet: nothing to purge');
  const entries = await listTree(repo.workTree, tip);
  const blobs = await readObjects(
    repo.workTree,
    entries.map((e) => e.oid),
  );
  // Bytes, not text: a log also holds binary files (timestamp tokens), kept as they are.
  return { tip, files: new Map(entries.map((e, i) => [e.path, blobs[i]!.content])) };
}

export async function planRetention(repo: Repo, policy: Policy, now = new Date()): Promise<RetentionPlan> {
  const days = policy.retention.days;
  if (!days)
    throw new TrailError(
      'POLICY_INVALID',
      'no retention period is set: add retention.days to .trail/policy.yml',
    );
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  const writerId = loadWriterKey(repo).keyId;
  const { files } = await ownLogLines(repo, writerId);
  const index = await loadIndex(repo);

  // Everything a legal hold covers: the checkpoint, its events and sessions, and the
  // reviews, tests and deployments of its commit.
  const heldReason = new Map<string, string>();
  for (const c of index.checkpoints) {
    const holds = legalHoldsFor(policy, {
      checkpointId: c.id,
      checkpointKey: c.record.key,
      commit: c.record.commit,
      paths: c.record.files.map((f) => f.path),
    });
    if (holds.length === 0) continue;
    const reason = holds.map((h) => h.reason).join('; ');
    const ids = [
      c.id,
      ...c.record.events,
      ...c.record.sessions.flatMap((s) => (s.record ? [s.record] : [])),
      ...(index.reviewsByCommit.get(c.record.commit) ?? []).map((r) => r.id),
      ...(index.testsByCommit.get(c.record.commit) ?? []).map((r) => r.id),
      ...(index.deploymentsByCommit.get(c.record.commit) ?? []).map((r) => r.id),
    ];
    for (const id of ids) heldReason.set(id, reason);
  }

  const plan: RetentionPlan = { cutoff, writerId, purge: [], held: [], kept: 0 };
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith('log/')) continue;
    for (const line of content.toString('utf8').split('\n')) {
      if (!line || line.includes('","purged":{')) continue;
      const entry = decodeEntry(line);
      const id = recordIdOfLine(line);
      const old = entry.record.time < cutoff && entry.record.kind !== 'retention-purge';
      if (!old) plan.kept++;
      else if (heldReason.has(id))
        plan.held.push({ recordId: id, kind: entry.record.kind, reason: heldReason.get(id)! });
      else
        plan.purge.push({ seq: entry.seq, recordId: id, kind: entry.record.kind, time: entry.record.time });
    }
  }
  return plan;
}

export interface RetentionResult {
  plan: RetentionPlan;
  purgeRecord?: string;
  pushed: string[];
}

export async function applyRetention(
  repo: Repo,
  plan: RetentionPlan,
  reason: string,
): Promise<RetentionResult> {
  if (plan.purge.length === 0) return { plan, pushed: [] };
  const actor = { type: 'service' as const, id: 'trail retention' };
  const purgeRecord = {
    kind: 'retention-purge',
    v: 1,
    time: new Date().toISOString(),
    actor,
    provenance: 'observed',
    cutoff: plan.cutoff,
    purged: plan.purge.map((p) => p.recordId),
    held: plan.held.map((h) => h.recordId),
    reason,
  };
  const appended = await appendAsThisClone(repo, [purgeRecord]);
  const purgeIds = new Set(plan.purge.map((p) => p.recordId));
  const { tip, files } = await ownLogLines(repo, plan.writerId);
  const next = new Map<string, Buffer | string>();
  for (const [path, content] of files) {
    if (!path.startsWith('log/')) {
      next.set(path, content);
      continue;
    }
    const lines = content
      .toString('utf8')
      .split('\n')
      .map((line) => {
        if (!line || line.includes('","purged":{')) return line;
        const id = recordIdOfLine(line);
        if (!purgeIds.has(id)) return line;
        const entry = decodeEntry(line);
        return encodeTombstone({
          prev: entry.prev,
          seq: entry.seq,
          leaf: entryLeafHash(line).toString('hex'),
          recordId: id,
          time: entry.record.time,
        });
      });
    next.set(path, lines.join('\n'));
  }
  // A new root commit: the old content must not stay reachable from the log's ref.
  const temp = `refs/trail/tmp/retention-${process.pid}`;
  const oid = await commitFiles(repo.workTree, {
    ref: temp,
    expectedOld: undefined,
    message: `trail: retention purge of ${countLabel(plan.purge.length, 'record')} older than ${plan.cutoff}`,
    files: [...next].map(([path, content]) => ({ path, content })),
  });
  await runGit(repo.workTree, ['update-ref', '--stdin'], {
    input: `update ${logRef(plan.writerId)} ${oid} ${tip}\ndelete ${temp}\n`,
  });
  // The cached tip would point at the replaced history: drop it (the state is unchanged).
  await runGit(repo.workTree, ['reflog', 'expire', '--expire=now', '--all'], { allow: [1, 128] });
  const { rmSync } = await import('node:fs');
  rmSync(`${repo.stateDir}/cache/${plan.writerId}.tip.json`, { force: true });
  // The read memo keeps checkpoints' bytes: those of the replaced chunks go with them.
  dropWriterMemo(repo, plan.writerId);
  const pushed: string[] = [];
  for (const remote of await listRemotes(repo.workTree)) {
    const result = await runGit(
      repo.workTree,
      ['push', '--no-verify', '--quiet', remote, `+${logRef(plan.writerId)}:${logRef(plan.writerId)}`],
      { allow: [1, 128] },
    );
    if (result.code === 0) pushed.push(remote);
  }
  return { plan, purgeRecord: appended.ids[0], pushed };
}
