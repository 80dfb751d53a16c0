/**
 * A path as git names it in the work tree: only the platform's own separator becomes `/`.
 * On Linux and macOS `\` is part of a file's name; on Windows it is the separator (checked
 * here with node:path's win32 functions, whatever platform runs the test).
 */
import assert from 'node:assert/strict';
import { posix, win32 } from 'node:path';
import { describe, test } from 'node:test';
import { repoRelativePath } from '../../src/capture/track-edit.js';
import { workTreePath } from '../../src/git/work-tree-path.js';
import { repoAt } from '../../src/ledger/repo-paths.js';

describe('workTreePath', () => {
  test('POSIX: a backslash is part of the name, not a separator', () => {
    const at = (path: string, cwd?: string) => workTreePath('/repo', path, cwd, posix);
    assert.equal(at('/repo/back\\slash.ts'), 'back\\slash.ts');
    assert.equal(at('src\\a.ts', '/repo/sub'), 'sub/src\\a.ts');
    assert.equal(at('/repo/src/a.ts'), 'src/a.ts');
  });

  test("POSIX: the work tree's own folder is '', outside is undefined, `..x` is inside", () => {
    const at = (path: string, cwd?: string) => workTreePath('/repo', path, cwd, posix);
    assert.equal(at('.'), '');
    assert.equal(at('..', '/repo/sub'), '');
    assert.equal(at('/repo/sub/'), 'sub');
    assert.equal(at('..'), undefined);
    assert.equal(at('/elsewhere/a.ts'), undefined);
    assert.equal(at('/repo-other/a.ts'), undefined);
    assert.equal(at('../repo/a.ts', '/repo'), 'a.ts');
    assert.equal(at('..x.ts'), '..x.ts');
    assert.equal(at('/repo/..x/a.ts'), '..x/a.ts');
  });

  test('Windows: either separator in, `/` out; another drive is outside', () => {
    const at = (path: string, cwd?: string) => workTreePath('C:\\repo', path, cwd, win32);
    assert.equal(at('C:\\repo\\src\\a.ts'), 'src/a.ts');
    assert.equal(at('C:/repo/src/a.ts'), 'src/a.ts');
    assert.equal(at('..\\a.ts', 'C:\\repo\\sub'), 'a.ts');
    assert.equal(at('.'), '');
    assert.equal(at('D:\\repo\\a.ts'), undefined);
    assert.equal(at('C:\\other\\a.ts'), undefined);
  });

  test("the SDK's edits: a backslash stays in the name, .git is not the repository's", () => {
    const repo = repoAt('/repo', '/repo/.git');
    assert.equal(repoRelativePath(repo, '/repo/back\\slash.ts'), 'back\\slash.ts');
    assert.equal(repoRelativePath(repo, 'sub\\x.ts', '/repo/src'), 'src/sub\\x.ts');
    assert.equal(repoRelativePath(repo, '/repo/.git/config'), undefined);
    assert.equal(repoRelativePath(repo, '/repo'), undefined);
    assert.equal(repoRelativePath(repo, '/other/a.ts'), undefined);
  });
});
