/**
 * The read memo: this clone's file of chunk digests (core/chunk-digest.ts), one file per
 * writer under `.git/trail/read-memo/`, so `trail log -n`, `show`, `check`, `stats` and the
 * other readers of a few checkpoints read out of git only the chunks appended since the last
 * read, and the few chunks that hold what they show. Verify and the reports never read it.
 *
 * It is a cache: written best-effort (a read-only `.git` only costs time), appended to as
 * new chunks are read, and written again whole when it was cut short or holds a chunk the log
 * no longer names (after a retention purge or a rewritten log). Deleting it costs one full
 * read.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChunkDigest } from '../core/chunk-digest.js';
import { decodeDigests, encodeDigests } from '../core/chunk-digest.js';
import type { Repo } from './repo.js';

export interface WriterMemo {
  digests: Map<string, ChunkDigest>;
  /** Blocks the file holds, current or not. */
  blocks: number;
  /** Whether the file was read to its end (false for a missing, cut or changed file too). */
  whole: boolean;
  /** Whether the file exists. */
  exists: boolean;
}

function memoDir(repo: Repo): string {
  return join(repo.stateDir, 'read-memo');
}

export function memoPath(repo: Repo, writerId: string): string {
  return join(memoDir(repo), writerId);
}

export function loadWriterMemo(repo: Repo, writerId: string): WriterMemo {
  let file: Buffer;
  try {
    file = readFileSync(memoPath(repo, writerId));
  } catch {
    return { digests: new Map(), blocks: 0, whole: true, exists: false };
  }
  return { ...decodeDigests(file), exists: true };
}

/**
 * Files the digests of chunks read out of git this time (`fresh`). When the file holds only
 * digests of chunks the writer's log names now (`shown`), each once, the new ones are appended
 * in one write, so two readers at once each add whole blocks. Otherwise (a log rewritten by a
 * force-push or a retention purge, a file cut short) it is written again whole with the
 * digests of `shown`: a purged record's bytes must not outlive the purge here.
 */
export function saveWriterMemo(
  repo: Repo,
  writerId: string,
  memo: WriterMemo,
  fresh: ReadonlyArray<{ oid: string; digest: ChunkDigest }>,
  shown: ReadonlyArray<{ oid: string; digest: ChunkDigest }>,
): void {
  const named = new Set(shown.map((c) => c.oid));
  const tidy =
    memo.whole &&
    memo.blocks === memo.digests.size &&
    [...memo.digests.keys()].every((oid) => named.has(oid));
  if (tidy && fresh.length === 0) return;
  try {
    mkdirSync(memoDir(repo), { recursive: true });
    const path = memoPath(repo, writerId);
    if (tidy && memo.exists) {
      appendFileSync(path, encodeDigests(fresh, false));
      return;
    }
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, encodeDigests(shown, true));
    renameSync(temp, path);
  } catch {
    // A cache: a repository this process cannot write to is still read, only slower.
  }
}

/** Removes a writer's memo (after this clone purged its log: the old chunks' bytes go too). */
export function dropWriterMemo(repo: Repo, writerId: string): void {
  rmSync(memoPath(repo, writerId), { force: true });
}
