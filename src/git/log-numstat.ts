/**
 * Lines each commit added, per file, from one `git log --numstat -z`. With `-z` git prints
 * every path as it is, NUL-terminated: without it a path holding `"`, a tab or non-ASCII
 * comes quoted, and a rename as `old => new` or `dir/{a => b}.ts`, neither of which is the
 * path a checkpoint or a person knows the file by.
 */
import { gitOverRevisions } from './commit-range.js';

export interface CommitAdditions {
  sha: string;
  /** Committer time, seconds since the epoch, as blame reports it. */
  committerTime: number;
  /** Author date, ISO 8601. */
  date: string;
  /** `Name <email>`. */
  author: string;
  /** Binary files (no line counts) are left out. */
  files: Array<{ path: string; added: number }>;
}

const FORMAT = '--format=%x00%H %ct %aI %an <%ae>';
const HEADER = /^([0-9a-f]{40,64}) (\d+) (\S+) (.*)$/s;
/** `added<TAB>deleted<TAB>path`; the path is empty for a rename, whose two paths follow. */
const ENTRY = /^\n?(\d+|-)\t(\d+|-)\t(.*)$/s;

/**
 * Parses `git log --numstat -z` run with FORMAT. The output is one stream of NUL-separated
 * tokens: an empty one before each header (FORMAT's `%x00`), the header, then each file's
 * entry; a rename's entry has an empty path and is followed by the old and the new path,
 * which are taken as they are whatever they hold.
 */
export function parseLogNumstat(text: string): CommitAdditions[] {
  const commits: CommitAdditions[] = [];
  const tokens = text.split('\0');
  let current: CommitAdditions | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '' || token === '\n') continue;
    const entry = ENTRY.exec(token);
    if (entry && current) {
      let path = entry[3]!;
      if (path === '') {
        path = tokens[i + 2] ?? '';
        i += 2;
      }
      if (entry[1] !== '-') current.files.push({ path, added: Number(entry[1]) });
      continue;
    }
    const head = HEADER.exec(token);
    if (!head) continue;
    current = {
      sha: head[1]!,
      committerTime: Number(head[2]),
      date: head[3]!,
      author: head[4]!,
      files: [],
    };
    commits.push(current);
  }
  return commits;
}

/** Commits in `rev` (git rev-list syntax, as a person typed it), merges left out. */
export async function logNumstat(workTree: string, rev: string): Promise<CommitAdditions[]> {
  const stdout = await gitOverRevisions(
    workTree,
    ['log', '--no-merges', '--numstat', '-z', FORMAT, rev, '--'],
    [rev],
  );
  return parseLogNumstat(stdout.toString('utf8'));
}
