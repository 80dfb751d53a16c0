/**
 * With Husky and with Lefthook set up first, `trail init` keeps both working and capture
 * still happens, also after each tool rewrites its own hook files; uninstall takes out only
 * Trail's part.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const env = { ...gitEnv, PATH: `${join(modules, '.bin')}:${process.env.PATH}` };

function run(repo: TempRepo, command: string, ...args: string[]): void {
  execFileSync(command, args, { cwd: repo.dir, env, stdio: 'pipe' });
}

async function aiCommitIsCaptured(repo: TempRepo, file: string): Promise<void> {
  const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${file}`);
  agent.write(file, `export const value = "${file}";\n`);
  agent.stop();
  run(repo, 'git', 'add', '-A');
  run(repo, 'git', 'commit', '-q', '-m', `add ${file}`);
  assert.match(repo.git('log', '-1', '--format=%B'), /Trail-Checkpoint: ckpt_/);
  const show = await trail(repo.dir, 'show', 'HEAD', '--json');
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).lines.ai, 1);
}

describe('hook managers', () => {
  test('Husky: its hooks keep running, Trail captures, also after husky regenerates .husky/_', async () => {
    const repo = tempRepo();
    try {
      writeFileSync(join(repo.dir, 'package.json'), '{"name":"demo","private":true}\n');
      run(repo, process.execPath, join(modules, 'husky', 'bin.js'), 'init');
      writeFileSync(join(repo.dir, '.husky', 'pre-commit'), 'echo ran >> .git/husky-pre-commit-ran\n');
      assert.equal(repo.git('config', 'core.hooksPath'), '.husky/_');
      const init = trailProcess(repo.dir, ['init', '--yes', '--json'], undefined, env);
      assert.equal(init.code, 0, init.stderr);
      assert.equal(JSON.parse(init.stdout).hooks.manager, 'husky');
      // .husky/ is committed, so it calls Trail by the clone's `git trail` alias, not by a path.
      assert.match(
        readFileSync(join(repo.dir, '.husky', 'post-commit'), 'utf8'),
        /^'git' 'trail' hook git post-commit/m,
      );
      run(repo, 'git', 'add', '-A');
      run(repo, 'git', 'commit', '-q', '-m', 'set up');
      await aiCommitIsCaptured(repo, 'one.ts');
      // husky rewrites its generated files (as `npm install` does through "prepare").
      run(repo, process.execPath, join(modules, 'husky', 'bin.js'));
      await aiCommitIsCaptured(repo, 'two.ts');
      assert.ok(readFileSync(join(repo.dir, '.git', 'husky-pre-commit-ran'), 'utf8').split('\n').length >= 3);
      const un = trailProcess(repo.dir, ['uninstall'], undefined, env);
      assert.equal(un.code, 0, un.stderr);
      assert.equal(
        readFileSync(join(repo.dir, '.husky', 'pre-commit'), 'utf8'),
        'echo ran >> .git/husky-pre-commit-ran\n',
      );
      assert.ok(!existsSync(join(repo.dir, '.husky', 'post-commit')), 'a file only Trail wrote is removed');
    } finally {
      repo.cleanup();
    }
  });

  test('Lefthook: its commands keep running, Trail captures, also after lefthook install rewrites .git/hooks', async () => {
    const repo = tempRepo();
    try {
      const userConfig =
        'pre-commit:\n  commands:\n    mine:\n      run: echo ran >> .git/lefthook-pre-commit-ran\n';
      writeFileSync(join(repo.dir, 'lefthook.yml'), userConfig);
      run(repo, 'lefthook', 'install');
      const init = trailProcess(repo.dir, ['init', '--yes', '--json'], undefined, env);
      assert.equal(init.code, 0, init.stderr);
      const result = JSON.parse(init.stdout);
      assert.equal(result.hooks.manager, 'lefthook');
      assert.equal(result.hooks.managerInstalled, true);
      run(repo, 'git', 'add', '-A');
      run(repo, 'git', 'commit', '-q', '-m', 'set up');
      await aiCommitIsCaptured(repo, 'one.ts');
      run(repo, 'lefthook', 'install', '--force');
      await aiCommitIsCaptured(repo, 'two.ts');
      assert.ok(
        readFileSync(join(repo.dir, '.git', 'lefthook-pre-commit-ran'), 'utf8').split('\n').length >= 3,
      );
      const un = trailProcess(repo.dir, ['uninstall'], undefined, env);
      assert.equal(un.code, 0, un.stderr);
      assert.ok(!existsSync(join(repo.dir, 'lefthook-local.yml')));
      assert.equal(readFileSync(join(repo.dir, 'lefthook.yml'), 'utf8'), userConfig);
    } finally {
      repo.cleanup();
    }
  });
});
