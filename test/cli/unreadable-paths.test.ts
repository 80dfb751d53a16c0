/**
 * Paths that are not what Trail expects (a file given as -C, a spool folder that is a file)
 * give one `trail:` line or a problem line in `trail status`, never an internal error with a
 * stack trace.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isTrailError } from '../../src/core/errors.js';
import { runGit } from '../../src/git/run.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

describe('-C naming a file', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = tempDir();
    file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('is a usage error in one line, for every command', async () => {
    for (const command of ['status', 'verify', 'log']) {
      const result = await trail(dir, '-C', file, command);
      assert.deepEqual([result.code, result.stderr], [2, `trail: ${file} is not a folder\n`], command);
    }
    const under = await trail(dir, '-C', join(file, 'sub'), 'status');
    assert.deepEqual([under.code, under.stderr], [2, `trail: ${join(file, 'sub')} is not a folder\n`]);
    // As a person runs it: the real process, its exit status and nothing else on stderr.
    const real = trailProcess(dir, ['-C', file, 'verify']);
    assert.deepEqual([real.code, real.stdout, real.stderr], [2, '', `trail: ${file} is not a folder\n`]);
  });

  test('a hook given it still exits 0, silently', async () => {
    for (const args of [['hook', 'git', 'post-commit'], ['hook']]) {
      const result = trailProcess(dir, ['-C', file, ...args], '');
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''], args.join(' '));
    }
  });

  test('runGit in a file fails with a TrailError naming it', async () => {
    await assert.rejects(runGit(file, ['status']), (error: unknown) => {
      assert.ok(isTrailError(error), String(error));
      assert.equal(error.message, `${file} is not a folder`);
      return true;
    });
  });
});

describe('trail status over unreadable state', () => {
  let repo: TempRepo;
  before(() => {
    repo = initialisedRepo();
  });
  after(() => repo.cleanup());

  test('a spool sessions folder that is a file is a problem line, and the rest is still shown', async () => {
    const sessions = join(repo.dir, '.git/trail/spool/sessions');
    rmSync(sessions, { recursive: true, force: true });
    mkdirSync(join(sessions, '..'), { recursive: true });
    writeFileSync(sessions, '');
    try {
      const result = await trail(repo.dir, 'status');
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.split('\n');
      assert.equal(lines[0], 'problem: cannot read .git/trail/spool/sessions: it is a file, not a folder');
      assert.match(result.stderr, /^git hooks: all installed$/m, 'the rest of the status follows');
      const json = await trail(repo.dir, 'status', '--json');
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout).problems, [
        'cannot read .git/trail/spool/sessions: it is a file, not a folder',
      ]);
    } finally {
      rmSync(sessions, { force: true });
    }
  });

  test('the gaps file, the trusted keys and a hook of the wrong kind are problem lines too', async () => {
    const gaps = join(repo.dir, '.git/trail/spool/gaps.jsonl');
    const keys = join(repo.dir, '.trail/keys');
    const hook = join(repo.dir, '.git/hooks/post-commit');
    const moved = (path: string) => `${path}.moved`;
    for (const path of [gaps, keys, hook]) rmSync(moved(path), { recursive: true, force: true });
    const renames: Array<[string, string]> = [
      [keys, moved(keys)],
      [hook, moved(hook)],
    ];
    rmSync(gaps, { force: true });
    for (const [from, to] of renames) renameSync(from, to);
    mkdirSync(gaps, { recursive: true });
    writeFileSync(keys, '');
    mkdirSync(hook);
    try {
      const result = await trail(repo.dir, 'status', '--json');
      assert.equal(result.code, 0, result.stderr);
      const status = JSON.parse(result.stdout) as { problems: string[]; trustedKeys: number };
      assert.deepEqual(status.problems, [
        'cannot read .git/hooks/post-commit: it is a folder',
        'cannot read .git/trail/spool/gaps.jsonl: it is a folder',
        'cannot read .trail/keys: it is a file, not a folder',
      ]);
      assert.equal(status.trustedKeys, 0);
    } finally {
      rmSync(gaps, { recursive: true, force: true });
      rmSync(keys, { force: true });
      rmSync(hook, { recursive: true, force: true });
      for (const [from, to] of renames) renameSync(to, from);
    }
    const healthy = await trail(repo.dir, 'status', '--json');
    assert.deepEqual(JSON.parse(healthy.stdout).problems, [], 'put back, nothing is reported');
  });
});
