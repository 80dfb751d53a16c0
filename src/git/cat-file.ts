/**
 * Reads many git objects with one `git cat-file --batch` process: each request line is
 * answered by `<oid> <type> <size>\n<content>\n`, or `<request> missing\n`.
 */
import { runGit } from './run.js';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

export async function readObjects(
  cwd: string,
  specs: readonly string[],
): Promise<Array<GitObject | undefined>> {
  if (specs.length === 0) return [];
  for (const spec of specs) {
    if (spec.includes('\n')) throw new Error('object name holds a newline');
  }
  const { stdout } = await runGit(cwd, ['cat-file', '--batch'], { input: `${specs.join('\n')}\n` });
  const objects: Array<GitObject | undefined> = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const lineEnd = stdout.indexOf(0x0a, at);
    if (lineEnd < 0) throw new Error('cat-file --batch output ended early');
    const header = stdout.toString('utf8', at, lineEnd);
    at = lineEnd + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      objects.push(undefined);
      continue;
    }
    const [oid, type, sizeText] = header.split(' ');
    const size = Number(sizeText);
    objects.push({ oid: oid!, type: type!, content: stdout.subarray(at, at + size) });
    at += size + 1;
  }
  return objects;
}

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

/** Every blob under a tree-ish, recursively, in one `git ls-tree -r -z` process. */
export async function listTree(cwd: string, treeish: string): Promise<TreeEntry[]> {
  const { stdout } = await runGit(cwd, ['ls-tree', '-r', '-z', '--full-tree', treeish]);
  const entries: TreeEntry[] = [];
  for (const item of stdout.toString('utf8').split('\0')) {
    if (!item) continue;
    const tab = item.indexOf('\t');
    const [mode, type, oid] = item.slice(0, tab).split(' ');
    entries.push({ mode: mode!, type: type!, oid: oid!, path: item.slice(tab + 1) });
  }
  return entries;
}
