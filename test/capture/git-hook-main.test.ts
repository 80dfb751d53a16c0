/**
 * `trail hook git <name>` takes bin/trail's short path (dist/hook/git-hook.cjs, without the
 * CLI, through its code cache). It must behave as `trail hook git` does in the CLI: seal the commit, and turn any
 * failure into a capture gap with exit 0 and nothing on the terminal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const FIRST_CHILD_PRELOAD = fileURLToPath(
  new URL('../fixtures/preload/first-child-process.cjs', import.meta.url),
);

const gapsOf = (dir: string) => {
  const file = join(dir, '.git/trail/spool/gaps.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

/** The agent writes src/<name>.ts, committed with git's hooks off: nothing seals it yet. */
function commitAgentWorkUnsealed(repo: TempRepo, name: string): void {
  new ScriptedClaude(repo.dir)
    .start()
    .prompt(`add ${name}`)
    .write(`src/${name}.ts`, `export const ${name} = 1;\n`);
  repo.git('add', '-A');
  repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'agent work, hooks off');
}

describe('git hooks through the short path', () => {
  test('post-commit seals the commit: trail show finds its checkpoint, verify passes', async () => {
    const repo = initialisedRepo();
    try {
      commitAgentWorkUnsealed(repo, 'a');
      assert.equal((await trail(repo.dir, 'show', 'HEAD', '--json')).code, 1, 'not sealed yet');

      const sealed = trailProcess(repo.dir, ['hook', 'git', 'post-commit']);
      assert.equal(sealed.code, 0, sealed.stderr);
      assert.equal(sealed.stdout + sealed.stderr, '', 'a hook prints nothing');
      assert.deepEqual(gapsOf(repo.dir), []);
      const show = await trail(repo.dir, 'show', 'HEAD', '--json');
      assert.equal(show.code, 0, show.stderr);
      const { checkpoint } = JSON.parse(show.stdout);
      assert.equal(checkpoint.commit, repo.git('rev-parse', 'HEAD'));
      assert.equal(checkpoint.attribution['src/a.ts'][0].origin, 'ai');
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a failure is a capture gap, exit 0 and silence', () => {
    const repo = initialisedRepo();
    try {
      // No commit to seal: HEAD names a branch with no commits yet.
      repo.git('checkout', '-q', '--orphan', 'empty');
      const result = trailProcess(repo.dir, ['hook', 'git', 'post-commit']);
      assert.equal(result.code, 0);
      assert.equal(result.stdout + result.stderr, '');
      const gaps = gapsOf(repo.dir).map((line) => JSON.parse(line) as { what: string; agent: string });
      assert.equal(gaps.length, 1);
      assert.equal(gaps[0]!.what, 'git post-commit hook');
      assert.equal(gaps[0]!.agent, 'git');
    } finally {
      repo.cleanup();
    }
  });

  test('the record schemas (zod) are not loaded before post-commit asks git anything', async () => {
    // They load by import() while git answers (esbuild keeps that lazy inside the bundle).
    // Watched from inside the real hook process: what it first started, and what was loaded.
    const repo = initialisedRepo();
    try {
      commitAgentWorkUnsealed(repo, 'b');
      const report = join(repo.dir, '.git', 'first-child.json');
      const run = spawnSync(
        process.execPath,
        ['-r', FIRST_CHILD_PRELOAD, TRAIL_BIN, 'hook', 'git', 'post-commit'],
        { cwd: repo.dir, env: { ...gitEnv, TRAIL_TEST_FIRST_CHILD: report }, encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const seen = JSON.parse(readFileSync(report, 'utf8'));
      assert.equal(seen.first?.command, 'git');
      assert.equal(seen.first?.zodLoaded, false, JSON.stringify(seen));
      // The check can see zod: sealing loaded it.
      assert.equal(seen.zodLoadedAtExit, true);
      assert.equal((await trail(repo.dir, 'show', 'HEAD', '--json')).code, 0, 'sealed');
    } finally {
      repo.cleanup();
    }
  });
});
