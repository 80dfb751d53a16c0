/**
 * Rewrites a writer's log the way an attacker with push access would: read every file of
 * the log's tree, change them, and force the ref to a new commit.
 */
import { listTree, readObjects } from '../../src/git/cat-file.js';
import { commitFiles } from '../../src/git/fast-import.js';
import { runGit } from '../../src/git/run.js';

export async function readLogFiles(dir: string, ref: string): Promise<Map<string, string>> {
  const entries = await listTree(dir, ref);
  const blobs = await readObjects(
    dir,
    entries.map((e) => e.oid),
  );
  return new Map(entries.map((e, i) => [e.path, blobs[i]!.content.toString('utf8')]));
}

export async function writeLogFiles(dir: string, ref: string, files: Map<string, string>): Promise<void> {
  const temp = 'refs/trail/tmp/tamper';
  await runGit(dir, ['update-ref', '-d', temp], { allow: [1] });
  // A fresh commit with exactly these files (no parent), then a forced ref move: a force-push.
  await commitFiles(dir, {
    ref: temp,
    expectedOld: undefined,
    message: 'tampered',
    files: [...files].map(([path, content]) => ({ path, content })),
  });
  const oid = (await runGit(dir, ['rev-parse', temp])).stdout.toString().trim();
  await runGit(dir, ['update-ref', ref, oid]);
  await runGit(dir, ['update-ref', '-d', temp]);
}

export async function tamper(
  dir: string,
  ref: string,
  change: (files: Map<string, string>) => void,
): Promise<void> {
  const files = await readLogFiles(dir, ref);
  change(files);
  await writeLogFiles(dir, ref, files);
}

/** All entry lines of a log, in chunk order, with the chunk each is in. */
export function entryLines(files: Map<string, string>): Array<{ path: string; line: string }> {
  return [...files.keys()]
    .filter((p) => p.startsWith('log/'))
    .sort()
    .flatMap((path) =>
      files
        .get(path)!
        .split('\n')
        .filter(Boolean)
        .map((line) => ({ path, line })),
    );
}

export function setEntryLines(
  files: Map<string, string>,
  lines: Array<{ path: string; line: string }>,
): void {
  for (const path of [...files.keys()]) if (path.startsWith('log/')) files.delete(path);
  const byPath = new Map<string, string[]>();
  for (const { path, line } of lines) byPath.set(path, [...(byPath.get(path) ?? []), line]);
  for (const [path, list] of byPath) files.set(path, `${list.join('\n')}\n`);
}
