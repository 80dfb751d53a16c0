/**
 * Paths read from `git log` (`trail stats`' added lines, the commits `trail check` and the
 * reports look at) are the files' own names: never git's quoted form of a name holding `"`,
 * a tab, a newline or non-ASCII, nor its `old => new` form of a rename.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listCommits } from '../../src/git/commit-range.js';
import { logNumstat, parseLogNumstat } from '../../src/git/log-numstat.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const AWKWARD = ['ünï.ts', 'q"t.ts', 'tab\there.ts', '\nleading-newline.ts', 'dir/back\\slash.ts'];
const lines = (n: number) => Array.from({ length: n }, (_, k) => `line ${k + 1}\n`).join('');

describe('paths from git log', () => {
  let repo: TempRepo;
  let first: string;
  let renamed: string;

  before(() => {
    repo = tempRepo();
    AWKWARD.forEach((name, i) => {
      repo.write(name, lines(i + 1));
    });
    repo.write('image.bin', '\0\x01\x02');
    first = repo.commit('awkward names');
    // Similar enough for git to see a rename: its two lines kept, one added.
    repo.git('mv', 'q"t.ts', 'dir/q"t-moved.ts');
    repo.write('dir/q"t-moved.ts', `${lines(2)}added\n`);
    renamed = repo.commit('rename and add a line');
    repo.commit('empty');
  });
  after(() => repo.cleanup());

  test('logNumstat: each file by its name, a rename by its new name, binary files left out', async () => {
    const commits = await logNumstat(repo.dir, 'HEAD');
    assert.deepEqual(
      commits.map((c) => c.sha),
      [repo.git('rev-parse', 'HEAD'), renamed, first],
    );
    const sorted = (files: Array<{ path: string; added: number }>) =>
      [...files].sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(sorted(commits[2]!.files), sorted(AWKWARD.map((path, i) => ({ path, added: i + 1 }))));
    assert.deepEqual(commits[1]!.files, [{ path: 'dir/q"t-moved.ts', added: 1 }]);
    assert.deepEqual(commits[0]!.files, []);
    assert.equal(commits[2]!.author, 'Test Author <author@example.com>');
    assert.equal(commits[2]!.committerTime, Number(repo.git('log', '-1', '--format=%ct', first)));
  });

  test('parseLogNumstat: a rename whose paths look like entries or headers is still two paths', () => {
    const sha = 'a'.repeat(40);
    const text = `\0${sha} 1700000000 2023-11-14T22:13:20+00:00 A <a@x>\0\n3\t1\t\x001\t2\tx\0${'b'.repeat(40)} 1 2 c\0`;
    assert.deepEqual(parseLogNumstat(text), [
      {
        sha,
        committerTime: 1700000000,
        date: '2023-11-14T22:13:20+00:00',
        author: 'A <a@x>',
        files: [{ path: `${'b'.repeat(40)} 1 2 c`, added: 3 }],
      },
    ]);
  });

  test('listCommits: the paths each commit touched, by their names', async () => {
    const commits = await listCommits(repo.dir, ['HEAD']);
    assert.deepEqual(commits.map((c) => c.sha).slice(0, 2), [first, renamed]);
    assert.deepEqual([...commits[0]!.paths].sort(), [...AWKWARD, 'image.bin'].sort());
    assert.deepEqual([...commits[1]!.paths].sort(), ['dir/q"t-moved.ts']);
    assert.deepEqual(commits[2]!.paths, []);
  });
});
