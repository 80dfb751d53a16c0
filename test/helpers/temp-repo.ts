/** Real git repositories in temp folders for tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Environment that makes git deterministic and independent of the user's config, and makes
 * spawned hooks see the same machine locally and in CI: CI markers are removed (a test that
 * wants CI sets them itself), so a session's recorded mode is `local` in both.
 */
const { CI: _ci, GITHUB_ACTIONS: _gha, GITLAB_CI: _glc, ...outsideCi } = process.env;
export const gitEnv: NodeJS.ProcessEnv = {
  ...outsideCi,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  HOME: tmpdir(),
};

export function tempDir(prefix = 'trail-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: gitEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface TempRepo {
  dir: string;
  git: (...args: string[]) => string;
  write: (path: string, content: string) => void;
  commit: (message: string) => string;
  cleanup: () => void;
}

export function tempRepo(options: { bare?: boolean } = {}): TempRepo {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main', ...(options.bare ? ['--bare'] : []));
  const repo: TempRepo = {
    dir,
    git: (...args) => git(dir, ...args),
    write: (path, content) => {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    },
    commit: (message) => {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return repo;
}
