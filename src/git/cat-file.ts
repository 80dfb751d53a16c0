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

/** Told about each requested object, in request order, as cat-file's output arrives. */
export interface ObjectVisitor {
  /** An object's header, before any of its content. */
  begin(index: number, header: { oid: string; type: string; size: number }): void;
  /** The next piece of the object's content: a view valid only during the call. */
  data(index: number, piece: Buffer): void;
  end(index: number): void;
  missing(index: number): void;
}

function checkSpecs(specs: readonly string[]): void {
  for (const spec of specs) {
    if (spec.includes('\n')) throw new Error('object name holds a newline');
  }
}

/**
 * Streams the objects named by `specs` to `visitor` while git is still writing them, so a
 * reader can work on the first objects (hash them, say) while git inflates the next: on a
 * machine with two cores, the two run side by side instead of one after the other.
 */
export async function streamObjects(
  cwd: string,
  specs: readonly string[],
  visitor: ObjectVisitor,
  options: { spoolDir?: string } = {},
): Promise<void> {
  if (specs.length === 0) return;
  checkSpecs(specs);
  let index = 0;
  /** Content bytes still to come for the current object; -1 while reading a header. */
  let remaining = -1;
  let header: Buffer | undefined;
  let failure: unknown;
  const parse = (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length && index < specs.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - at);
        visitor.data(index, chunk.subarray(at, at + take));
        remaining -= take;
        at += take;
      } else if (remaining === 0) {
        // The newline git writes after each object's content.
        if (chunk[at] !== 0x0a) throw new Error('cat-file --batch output is out of step');
        at++;
        remaining = -1;
        visitor.end(index++);
      } else {
        const newline = chunk.indexOf(0x0a, at);
        const part = chunk.subarray(at, newline < 0 ? chunk.length : newline);
        header = header ? Buffer.concat([header, part]) : part;
        if (newline < 0) {
          // Copied: the pipe's buffer is reused once this call returns.
          header = Buffer.from(header);
          return;
        }
        at = newline + 1;
        const text = header.toString('utf8');
        header = undefined;
        if (text.endsWith(' missing') || text.endsWith(' ambiguous')) {
          visitor.missing(index++);
          continue;
        }
        const [oid, type, sizeText] = text.split(' ');
        const size = Number(sizeText);
        if (!oid || !type || !Number.isSafeInteger(size) || size < 0) {
          throw new Error(`cat-file --batch gave an unreadable header: ${text.slice(0, 80)}`);
        }
        visitor.begin(index, { oid, type, size });
        remaining = size;
      }
    }
  };
  await runGit(cwd, ['cat-file', '--batch'], {
    input: `${specs.join('\n')}\n`,
    spoolDir: options.spoolDir,
    onStdout: (chunk) => {
      if (failure !== undefined) return;
      try {
        parse(chunk);
      } catch (error) {
        failure = error;
      }
    },
  });
  if (failure !== undefined) throw failure;
  if (index < specs.length) throw new Error('cat-file --batch output ended early');
}

export async function readObjects(
  cwd: string,
  specs: readonly string[],
): Promise<Array<GitObject | undefined>> {
  const objects: Array<GitObject | undefined> = new Array(specs.length).fill(undefined);
  let filled = 0;
  await streamObjects(cwd, specs, {
    begin: (index, { oid, type, size }) => {
      objects[index] = { oid, type, content: Buffer.allocUnsafe(size) };
      filled = 0;
    },
    data: (index, piece) => {
      piece.copy(objects[index]!.content, filled);
      filled += piece.length;
    },
    end: () => {},
    missing: () => {},
  });
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
