/**
 * `--repo PATH`, the old spelling of `-C PATH` in `trail report` and `trail verify-report`.
 * Everywhere else (`export`, `push`, `pull`, `admin`, the server) `--repo` names a repository,
 * ORG/NAME, so a path takes the global `-C`, as in git. The old spelling keeps working, with a
 * note that says so, and a value that is no folder (a name, as the other commands take) is
 * refused in one line rather than looked for as a path.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { TrailError } from '../core/errors.js';
import type { Io } from './output.js';
import { say } from './output.js';

/** Hidden from --help, so only -C is offered; documented in docs/reports.md. */
export function legacyRepoPathOption(): Option {
  return new Option('--repo <path>', 'the old spelling of -C <path>').hideHelp();
}

/** The folder `--repo PATH` names, from `cwd`; says once that -C is the spelling now. */
export function legacyRepoPath(value: string, cwd: string, io: Io, command: string): string {
  const dir = resolve(cwd, value);
  let folder: boolean;
  try {
    folder = statSync(dir).isDirectory();
  } catch {
    folder = false;
  }
  if (!folder) {
    throw new TrailError(
      'USAGE',
      `--repo ${value} is not a folder: trail ${command} takes the repository's path as -C PATH (--repo names a repository, ORG/NAME, in trail export, push and pull)`,
    );
  }
  say(io, `trail: note: --repo PATH is the old spelling of -C PATH in trail ${command}; use -C ${value}`);
  return dir;
}
