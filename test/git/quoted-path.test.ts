/**
 * Undoing git's C-style path quoting: by hand against quote.c's escapes, and against what a
 * real git prints for each kind of awkward name.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { unquoteGitPath } from '../../src/git/quoted-path.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('unquoteGitPath', () => {
  test('octal escapes are bytes of UTF-8, and the named escapes are their characters', () => {
    assert.equal(unquoteGitPath('"\\303\\274n\\303\\257.ts"'), 'ünï.ts');
    assert.equal(unquoteGitPath('"\\360\\237\\230\\200.md"'), '😀.md');
    assert.equal(unquoteGitPath('"q\\"t.ts"'), 'q"t.ts');
    assert.equal(unquoteGitPath('"back\\\\slash"'), 'back\\slash');
    assert.equal(unquoteGitPath('"a\\tb\\nc\\rd\\ae\\bf\\vg\\fh"'), 'a\tb\nc\rd\x07e\bf\vg\fh');
    assert.equal(unquoteGitPath('"\\001ctl"'), '\x01ctl');
    // core.quotePath=false: the UTF-8 arrives as it is, beside the escapes it still needs.
    assert.equal(unquoteGitPath('"ünï \\"x\\".ts"'), 'ünï "x".ts');
  });

  test('a path git did not quote is returned as it is', () => {
    for (const plain of ['plain.ts', 'src/a b.ts', 'ünï.ts', '"', '', 'a"b"']) {
      assert.equal(unquoteGitPath(plain), plain);
    }
    // Not git's quoting (an escape it never writes, a lone backslash): left alone, not guessed.
    assert.equal(unquoteGitPath('"\\q"'), '"\\q"');
    assert.equal(unquoteGitPath('"ab\\"'), '"ab\\"');
  });

  test("inverts what git prints for awkward names (git's own quoting, read back)", () => {
    const repo = tempRepo();
    try {
      const names = ['ünï.ts', 'q"t.ts', 'back\\slash.ts', 'tab\there.ts', 'new\nline.ts', 'plain.ts'];
      for (const name of names) writeFileSync(join(repo.dir, name), 'x\n');
      repo.git('add', '-A');
      const listed = repo.git('-c', 'core.quotePath=true', 'ls-files').split('\n');
      assert.ok(
        listed.some((l) => l.startsWith('"')),
        'git quoted some of them',
      );
      assert.deepEqual(listed.map(unquoteGitPath).sort(), [...names].sort());
    } finally {
      repo.cleanup();
    }
  });
});
