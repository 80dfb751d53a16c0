/**
 * Which branch HEAD is on, from the HEAD file where it is the plain symbolic ref git writes,
 * and from git itself otherwise: checked against `git symbolic-ref` in a real repository.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { currentBranch } from '../../src/git/head.js';
import { branchOfHeadFile } from '../../src/git/head-file.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('the branch HEAD is on', () => {
  test('read from the contents of a HEAD file', () => {
    assert.equal(branchOfHeadFile('ref: refs/heads/main\n'), 'main');
    assert.equal(branchOfHeadFile('ref: refs/heads/feature/PROJ-42-limits\n'), 'feature/PROJ-42-limits');
    // Detached: an object id, not a ref.
    assert.equal(branchOfHeadFile(`${'a'.repeat(40)}\n`), undefined);
    // Reftable's placeholder, and refs outside refs/heads/, are git's to answer.
    assert.equal(branchOfHeadFile('ref: refs/heads/.invalid\n'), undefined);
    assert.equal(branchOfHeadFile('ref: refs/remotes/origin/main\n'), undefined);
    assert.equal(branchOfHeadFile(''), undefined);
  });

  test('agrees with git on a branch, on a detached HEAD, and when the file is unreadable', async () => {
    const repo = tempRepo();
    try {
      repo.commit('one');
      const gitDir = join(repo.dir, '.git');
      repo.git('checkout', '-q', '-b', 'topic/x');
      assert.equal(await currentBranch(repo.dir, gitDir), 'topic/x');
      // A wrong folder for HEAD: git is asked instead.
      assert.equal(await currentBranch(repo.dir, join(repo.dir, 'nowhere')), 'topic/x');
      assert.equal(await currentBranch(repo.dir), 'topic/x');
      repo.git('checkout', '-q', '--detach');
      assert.equal(await currentBranch(repo.dir, gitDir), undefined);
      // A HEAD file that only git can read (reftable's placeholder): git answers.
      repo.git('checkout', '-q', 'topic/x');
      const placeholder = join(repo.dir, 'elsewhere');
      mkdirSync(placeholder);
      writeFileSync(join(placeholder, 'HEAD'), 'ref: refs/heads/.invalid\n');
      assert.equal(await currentBranch(repo.dir, placeholder), 'topic/x');
    } finally {
      repo.cleanup();
    }
  });
});
