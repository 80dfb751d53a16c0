/**
 * What `trail blame` makes of the path it is given: a folder (the repository's own, `.` at
 * the top or `..` from a subfolder, or any other) is a usage mistake named as such, not a
 * path "outside the repository"; a path that does leave the repository still says so; and a
 * file whose name starts with `..` is inside it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('trail blame: which path', () => {
  let repo: TempRepo;
  before(async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.write('sub/a.txt', 'one\n');
    repo.write('..x.txt', 'two\n');
    repo.commit('first');
  });
  after(() => repo.cleanup());

  function assertFolder(result: { code: number; stdout: string; stderr: string }, name: string): void {
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `trail: ${name} is a folder: name a file\n`);
  }

  test("the repository's own folder, from the top or from a subfolder, is a folder", async () => {
    assertFolder(await trail(repo.dir, 'blame', '.'), '.');
    assertFolder(await trail(join(repo.dir, 'sub'), 'blame', '..'), '..');
    assertFolder(await trail(repo.dir, 'blame', repo.dir), repo.dir);
    assertFolder(await trail(repo.dir, 'blame', '.', '--rev', 'HEAD~0', '--json'), '.');
  });

  test('a subfolder is a folder too', async () => {
    assertFolder(await trail(repo.dir, 'blame', 'sub'), 'sub');
    assertFolder(await trail(join(repo.dir, 'sub'), 'blame', '.'), '.');
  });

  test('a path that leaves the repository is outside it', async () => {
    const result = await trail(join(repo.dir, 'sub'), 'blame', '../..');
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, 'trail: ../.. is outside the repository\n');
  });

  test('a file whose name starts with .. is in the repository', async () => {
    const result = await trail(repo.dir, 'blame', '..x.txt', '--json');
    assert.equal(result.code, 0, result.stderr);
    const { path, lines } = JSON.parse(result.stdout) as { path: string; lines: Array<{ text: string }> };
    assert.equal(path, '..x.txt');
    assert.deepEqual(
      lines.map((l) => l.text),
      ['two'],
    );
  });
});
