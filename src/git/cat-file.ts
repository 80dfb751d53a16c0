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

/**
 * The objects named by `specs`, in order: undefined where git has none, and where the spec
 * is undefined (nothing to ask for, such as the blob before a file was added).
 */
export async function readObjects(
  cwd: string,
  specs: ReadonlyArray<string | undefined>,
): Promise<Array<GitObject | undefined>> {
  const objects: Array<GitObject | undefined> = new Array(specs.length).fill(undefined);
  /** The slot in `objects` of each object asked for. */
  const slots: number[] = [];
  specs.forEach((spec, i) => {
    if (spec !== undefined) slots.push(i);
  });
  let filled = 0;
  await streamObjects(
    cwd,
    slots.map((i) => specs[i]!),
    {
      begin: (index, { oid, type, size }) => {
        objects[slots[index]!] = { oid, type, content: Buffer.allocUnsafe(size) };
        filled = 0;
      },
      data: (index, piece) => {
        piece.copy(objects[slots[index]!]!.content, filled);
        filled += piece.length;
      },
      end: () => {},
      missing: () => {},
    },
  );
  return objects;
}

/**
 * Whether cat-file --batch reads `<rev>:<path>` back as it was written: it takes one request
 * a line, and drops a CR before the newline. (`-z`, NUL-ended requests, needs git 2.38, and
 * its answer to a missing name still holds the name's newline until `-Z` in 2.41.)
 */
function nameable(path: string): boolean {
  return !path.includes('\n') && !path.endsWith('\r');
}

/**
 * What to ask readObjects for to get each of `paths` (as git names them) at `rev`:
 * `<rev>:<path>`, or, for a name cat-file cannot take on a line, the blob's id found by one
 * `git ls-tree -z` (undefined where `rev` has no such file). Names with a newline are rare,
 * so the usual case costs no process of its own.
 */
export async function pathSpecs(
  cwd: string,
  rev: string,
  paths: readonly string[],
): Promise<Array<string | undefined>> {
  const awkward = [...new Set(paths.filter((p) => !nameable(p)))];
  const ids = new Map<string, string>();
  if (awkward.length > 0) {
    // Literal: a name is a name, not a pattern (`*`, `:(glob)`).
    const { stdout } = await runGit(cwd, [
      '--literal-pathspecs',
      'ls-tree',
      '-z',
      '--full-tree',
      rev,
      '--',
      ...awkward,
    ]);
    for (const entry of parseTree(stdout)) if (entry.type === 'blob') ids.set(entry.path, entry.oid);
  }
  return paths.map((p) => (nameable(p) ? `${rev}:${p}` : ids.get(p)));
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
  return parseTree(stdout);
}

/** `git ls-tree -z` output: `<mode> <type> <oid>\t<path>`, each ended by a NUL. */
function parseTree(stdout: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const item of stdout.toString('utf8').split('\0')) {
    if (!item) continue;
    const tab = item.indexOf('\t');
    const [mode, type, oid] = item.slice(0, tab).split(' ');
    entries.push({ mode: mode!, type: type!, oid: oid!, path: item.slice(tab + 1) });
  }
  return entries;
}
