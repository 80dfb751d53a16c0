/**
 * A file's path as git names it inside a work tree: relative to the top, with `/` between
 * folders on every platform. Only the platform's own separator becomes `/`: on Linux and
 * macOS `\` is an ordinary character of a file name (`back\slash.ts`), and turning it into `/`
 * names another file, one git has never heard of.
 */
import { realpathSync } from 'node:fs';
import type { PlatformPath } from 'node:path';
import * as nodePath from 'node:path';

export type PathFunctions = Pick<PlatformPath, 'isAbsolute' | 'relative' | 'resolve' | 'sep'>;

/**
 * `path` (absolute, or relative to `cwd`) as git names it in the work tree at `workTree`:
 * `''` for the work tree's own folder, undefined outside it. `platform` is node:path's
 * functions for another platform (`win32`, `posix`), for tests.
 */
export function workTreePath(
  workTree: string,
  path: string,
  cwd: string = workTree,
  platform: PathFunctions = nodePath,
): string | undefined {
  const rel = platform.relative(workTree, platform.resolve(cwd, path));
  // `..x` is a file inside; only `..` itself and `../…` lead out. A path on another drive
  // (Windows) has no relative form: relative() gives it back absolute.
  if (rel === '..' || rel.startsWith(`..${platform.sep}`) || platform.isAbsolute(rel)) return undefined;
  return platform.sep === '/' ? rel : rel.split(platform.sep).join('/');
}

/**
 * workTreePath for a path on this machine, through symlinks: git names the work tree by its
 * real path, while a person or an agent may name a file through a symlink to it (a clone
 * under a linked home folder, `/tmp` on macOS), and the other way round. Only when the path
 * as given is outside are the folders' real paths compared; the file's own name is kept, so a
 * symlink inside the work tree is still the file git tracks, and one outside pointing in
 * stays outside.
 */
export function workTreePathOnDisk(
  workTree: string,
  path: string,
  cwd: string = workTree,
): string | undefined {
  const direct = workTreePath(workTree, path, cwd);
  if (direct !== undefined) return direct;
  const absolute = nodePath.resolve(cwd, path);
  const folder = realPathOfNearest(nodePath.dirname(absolute));
  const realTree = realPathOfNearest(workTree);
  if (folder === undefined || realTree === undefined) return undefined;
  return workTreePath(realTree, nodePath.join(folder, nodePath.basename(absolute)));
}

/**
 * The real path of `path`, or of its deepest folder that exists with the rest appended (a
 * file deleted since, a folder not made yet); undefined when nothing of it resolves.
 */
function realPathOfNearest(path: string): string | undefined {
  const rest: string[] = [];
  let head = path;
  for (;;) {
    try {
      return nodePath.join(realpathSync(head), ...rest);
    } catch {
      const parent = nodePath.dirname(head);
      if (parent === head) return undefined;
      rest.unshift(nodePath.basename(head));
      head = parent;
    }
  }
}
