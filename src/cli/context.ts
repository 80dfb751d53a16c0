/** What every command receives: where it runs and where it prints. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TrailError } from '../core/errors.js';
import type { Io } from './output.js';

export interface CommandContext {
  cwd: string;
  io: Io;
  env: NodeJS.ProcessEnv;
}

export function contextFrom(cwd: string | undefined, io: Io, env: NodeJS.ProcessEnv): CommandContext {
  const dir = resolve(cwd ?? process.cwd());
  // Node cannot start a process in a file (spawn throws ENOTDIR), so `-C some-file` is named
  // here; a folder that does not exist is named by the first git process (runGit).
  if (cwd !== undefined && !isFolderOrMissing(dir)) throw new TrailError('USAGE', `${dir} is not a folder`);
  return { cwd: dir, io, env };
}

function isFolderOrMissing(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? true;
  } catch (error) {
    // A file part-way along the path (some-file/sub): not a folder either.
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    // Anything else (permission denied) is git's to report, as it would be without the check.
    return true;
  }
}
