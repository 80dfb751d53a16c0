/**
 * History rewrites: amend, rebase (squash, fixup, reorder, edit), cherry-pick, and a squash
 * merge made by the code host. The new commit gets a checkpoint whose attribution follows the
 * lines: each line the new commit added is matched to the old commit's file (by content
 * digest, in order, with a diff), and takes the origin that line had there (from blame and
 * the old checkpoints). A line with no counterpart is `unknown`, never a guess.
 */

import { blameWithOrigins } from '../attribution/blame.js';
import { trackedSinceSeconds } from '../core/before-tracking.js';
import { matchLines } from '../core/line-diff.js';
import type { Origin } from '../core/line-origin.js';
import { digestLines, toSpans } from '../core/line-origin.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord } from '../core/trail-index.js';
import { pathSpecs, readObjects } from '../git/cat-file.js';
import { loadIndex } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import { changedFiles, commitInfo } from './seal.js';

type Checkpoint = StoredRecord<RecordOf<'checkpoint'>>;

export interface CarryResult {
  checkpointId?: string;
  lines: { ai: number; human: number; unknown: number };
}

/**
 * Writes a checkpoint for `newCommit` carrying attribution from `oldCommits` (in the order
 * they were applied; the last holds the final state of every line).
 */
export async function carryCheckpoint(
  repo: Repo,
  oldCommits: readonly string[],
  newCommit: string,
  how: string,
): Promise<CarryResult> {
  // Checkpoints alone are carried, and line origins need nothing else: no other record is
  // even parsed (this runs in git's post-rewrite hook, on every rebase and amend).
  const index = await loadIndex(repo, { onlyKinds: ['checkpoint'] });
  const olds = oldCommits.map((c) => index.checkpointByCommit.get(c)).filter((c): c is Checkpoint => !!c);
  const existing = index.checkpointByCommit.get(newCommit);
  if (olds.length === 0) return { lines: { ai: 0, human: 0, unknown: 0 } };
  // Lines the old commit has from a commit made before `trail init` are `unknown`, as
  // `trail blame` calls them, not a person's: Trail saw nothing of how they were written.
  // The config module loads zod, which git's hooks load only when they need it.
  const { loadConfig } = await import('../ledger/config.js');
  const trackedSince = trackedSinceSeconds(loadConfig(repo).trackedSince);
  const info = await commitInfo(repo, newCommit);
  const files = (await changedFiles(repo, info)).filter((f) => f.status !== 'deleted');
  const last = oldCommits[oldCommits.length - 1]!;
  const inLast = await pathSpecs(
    repo.workTree,
    last,
    files.map((f) => f.path),
  );
  const blobs = await readObjects(
    repo.workTree,
    files.flatMap((f, i) => [f.before, f.after, inLast[i]]),
  );
  const text = (i: number) => (blobs[i]?.type === 'blob' ? blobs[i]!.content.toString('utf8') : undefined);
  const counts = { ai: 0, human: 0, unknown: 0 };
  const attribution: Record<string, ReturnType<typeof toSpans>> = {};
  const fileRecords: RecordOf<'checkpoint'>['files'] = [];
  for (let f = 0; f < files.length; f++) {
    const change = files[f]!;
    const parent = info.parents[0] ? digestLines(text(3 * f) ?? '') : [];
    const now = digestLines(text(3 * f + 1) ?? '');
    const oldText = text(3 * f + 2);
    const added = matchLines(parent, now);
    const toOld =
      oldText !== undefined ? matchLines(digestLines(oldText), now) : new Int32Array(now.length).fill(-1);
    const oldOrigins =
      oldText !== undefined
        ? await blameWithOrigins(repo.workTree, change.path, index, { rev: last, trackedSince })
        : [];
    const existingSpans = existing?.record.attribution[change.path] ?? [];
    const lines: Array<{ line: number; origin: Origin }> = [];
    for (let i = 0; i < now.length; i++) {
      if (added[i]! >= 0) continue;
      const j = toOld[i]!;
      const o = j >= 0 ? oldOrigins[j] : undefined;
      let origin: Origin =
        o?.origin === 'ai' && o.sessionId
          ? { kind: 'ai', session: o.sessionId }
          : o?.origin === 'human'
            ? o.overrodeSessionId
              ? { kind: 'human', overrode: o.overrodeSessionId }
              : { kind: 'human' }
            : { kind: 'unknown' };
      // A line the old commit has from a commit made before Trail tracked the repository (no
      // checkpoint, so blame gives none) stays unknown: the seal of this commit that may have
      // come first (as in a squash) calls each line no shadow explains a person's, a guess.
      const beforeTracking = o?.origin === 'unknown' && o.checkpoint === undefined;
      if (origin.kind === 'unknown' && !beforeTracking) {
        // The commit's own checkpoint (an amend seals fresh work first) may know the line.
        const span = existingSpans.find((s) => s.start <= i + 1 && i + 1 <= s.end);
        if (span?.origin === 'ai' && span.sessionId) origin = { kind: 'ai', session: span.sessionId };
        else if (span?.origin === 'human') origin = { kind: 'human' };
      }
      counts[origin.kind === 'ai' ? 'ai' : origin.kind === 'human' ? 'human' : 'unknown']++;
      lines.push({ line: i + 1, origin });
    }
    if (lines.length > 0) attribution[change.path] = toSpans(lines, (k) => k);
    fileRecords.push({
      path: change.path,
      status: change.status,
      ...(change.from ? { from: change.from } : {}),
      added: lines.length,
      removed: parent.length - [...added].filter((m) => m >= 0).length,
      aiLines: lines.filter((l) => l.origin.kind === 'ai').length,
      humanLines: lines.filter((l) => l.origin.kind === 'human').length,
      unknownLines: lines.filter((l) => l.origin.kind === 'unknown').length,
    });
  }
  const sources = [...olds, ...(existing ? [existing] : [])];
  const sessions = new Map<string, RecordOf<'checkpoint'>['sessions'][number]>();
  for (const c of sources) for (const s of c.record.sessions) sessions.set(s.sessionId, s);
  const events = [...new Set(sources.flatMap((c) => c.record.events))];
  const lastOld = olds[olds.length - 1]!;
  // Validated by the append, which also names it.
  const appended = await appendAsThisClone(repo, [
    {
      kind: 'checkpoint',
      v: 1,
      time: new Date().toISOString(),
      actor: { type: 'human', id: info.authorEmail },
      provenance: 'observed',
      commit: info.sha,
      ...(lastOld.record.key ? { key: lastOld.record.key } : {}),
      tree: info.tree,
      parents: info.parents,
      ...(info.branch ? { branch: info.branch } : {}),
      author: info.author,
      message: info.message.split('\n')[0]!.slice(0, 1000),
      sessions: [...sessions.values()],
      events,
      files: fileRecords,
      attribution,
      ...(lastOld.record.summary ? { summary: lastOld.record.summary } : {}),
      rewrittenFrom: { commit: lastOld.record.commit, checkpoint: lastOld.id, how },
    },
  ]);
  return { checkpointId: appended.ids[0], lines: counts };
}

/** Parses post-rewrite's stdin: "old new [extra]" per line, grouped by new commit. */
export function parseRewriteList(input: string): Map<string, string[]> {
  const byNew = new Map<string, string[]>();
  for (const line of input.split('\n')) {
    const [oldSha, newSha] = line.trim().split(/\s+/);
    if (!oldSha || !newSha) continue;
    byNew.set(newSha, [...(byNew.get(newSha) ?? []), oldSha]);
  }
  return byNew;
}
