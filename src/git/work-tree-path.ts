/**
 * A file's path as git names it inside a work tree: relative to the top, with `/` between
 * folders on every platform. Only the platform's own separator becomes `/`: on Linux and
 * macOS `\` is an ordinary character of a file name (`back\slash.ts`), and turning it into `/`
 * names another file, one git has never heard of.
 */
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
