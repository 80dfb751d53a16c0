/**
 * This clone's memory of every log it has seen: the leaf hashes of each writer's log as of
 * the last successful verify (or, for its own log, the last append). A log that later
 * differs from that prefix was rewritten, one that is shorter was truncated, however
 * consistent it is internally. The file is 32 bytes per record, append-only in practice.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WitnessState } from '../core/log-verifier.js';
import type { Repo } from './repo.js';

export function witnessPath(repo: Repo, writerId: string): string {
  return join(repo.stateDir, 'witness', `${writerId}.leaves`);
}

/**
 * Every writer this clone holds a witness for: logs it has seen, which verify expects to find
 * again. None where nothing was verified yet.
 */
export function witnessedWriters(repo: Repo): string[] {
  let names: string[];
  try {
    names = readdirSync(join(repo.stateDir, 'witness'));
  } catch {
    return [];
  }
  return names.filter((n) => /^[0-9a-f]{32}\.leaves$/.test(n)).map((n) => n.slice(0, -'.leaves'.length));
}

export function loadWitness(repo: Repo, writerId: string): WitnessState | undefined {
  const path = witnessPath(repo, writerId);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const size = Math.floor(bytes.length / 32);
  return { size, leafHashes: bytes.subarray(0, size * 32) };
}

/** Replaces the witness atomically (write then rename), so a crash never leaves half a file. */
export function saveWitness(repo: Repo, writerId: string, leafHashes: Buffer): void {
  const path = witnessPath(repo, writerId);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, leafHashes);
  renameSync(temp, path);
}
