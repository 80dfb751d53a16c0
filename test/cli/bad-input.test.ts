/**
 * What a person mistypes gets one `trail:` line naming it and exit 2, never a silent empty
 * result: above all a check gate, which must not pass a mistyped range as "0 commits".
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

function assertUsage(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
  assert.match(result.stderr, message);
}

describe('bad input on the command line', () => {
  let repo: TempRepo;
  before(async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.write('a.txt', 'one\n');
    repo.commit('first');
  });
  after(() => repo.cleanup());

  test('a revision git does not know is named, for check, stats and relink', async () => {
    assertUsage(
      await trail(repo.dir, 'check', 'mian..HEAD'),
      /^trail: mian\.\.HEAD: not a commit or range in this repository\n$/,
    );
    assertUsage(await trail(repo.dir, 'check', 'nosuch'), /^trail: nosuch: not a commit or range/);
    assertUsage(
      await trail(repo.dir, 'stats', '--rev', 'HEAD..nosuch'),
      /^trail: HEAD\.\.nosuch: not a commit/,
    );
    assertUsage(await trail(repo.dir, 'relink', 'nosuch'), /^trail: nosuch: not a commit or range/);
    // The same commands over revisions that exist still work.
    const check = await trail(repo.dir, 'check', 'HEAD', '--json');
    assert.equal(check.code, 0, check.stderr);
    assert.equal(JSON.parse(check.stdout).commits.length, 1);
    const stats = await trail(repo.dir, 'stats', '--rev', 'HEAD', '--json');
    assert.equal(stats.code, 0, stats.stderr);
  });

  test('in a repository with nothing committed, a range given to check is an error', async () => {
    const empty = tempRepo();
    try {
      assert.equal((await trail(empty.dir, 'init', '--yes')).code, 0);
      assertUsage(await trail(empty.dir, 'check', 'main..HEAD'), /nothing is committed yet/);
      const byDefault = await trail(empty.dir, 'check');
      assert.equal(byDefault.code, 0, 'with no range, an empty repository has nothing to check');
    } finally {
      empty.cleanup();
    }
  });

  test('counts must be whole numbers of at least 1', async () => {
    assertUsage(
      await trail(repo.dir, 'log', '-n', 'abc'),
      /^trail: -n\/--max takes a whole number of at least 1, not "abc"\n$/,
    );
    assertUsage(await trail(repo.dir, 'log', '-n', '0'), /-n\/--max takes a whole number/);
    assertUsage(await trail(repo.dir, 'stats', '--top', '-3'), /--top takes a whole number/);
    assert.equal((await trail(repo.dir, 'log', '-n', '2')).code, 0);
  });

  test('a -C folder that does not exist is named as such', async () => {
    const parent = tempDir();
    try {
      const missing = join(parent, 'not-here');
      const result = await trail(repo.dir, '-C', missing, 'status');
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `trail: ${missing}: no such folder\n`);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
