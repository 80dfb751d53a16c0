/**
 * The files changed in a work tree as git sees them: tracked ones modified, added or renamed,
 * and untracked ones not ignored (one `git status`). Trail's own `.trail/` is left out.
 *
 * child_process is taken with process.getBuiltinModule, as the agent hooks' CommonJS bundle
 * needs: most hooks never run git, so they never load it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

export function dirtyFiles(workTree: string): string[] {
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const result = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
    cwd: workTree,
    encoding: 'utf8',
    timeout: 5000,
  });
  if (result.status !== 0) return [];
  const out: string[] = [];
  const parts = result.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    out.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename source follows
  }
  return out.filter((p) => !p.startsWith('.trail/'));
}

/**
 * mtime's granularity is coarser than milliseconds on some file systems (2 s on FAT): a file
 * changed in the first instants after `since` must not be taken for an older one.
 */
const MTIME_SLACK_MS = 2000;

/**
 * The dirty files (dirtyFiles) that are files and were last written at or after `since` (ms;
 * undefined: all of them). A file deleted is passed over: no time says when it went.
 */
export function dirtyFilesSince(workTree: string, since: number | undefined): string[] {
  return dirtyFiles(workTree).filter((p) => {
    try {
      const stat = statSync(join(workTree, p));
      return stat.isFile() && (since === undefined || stat.mtimeMs >= since - MTIME_SLACK_MS);
    } catch {
      return false;
    }
  });
}
