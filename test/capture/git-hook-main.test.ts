/**
 * `trail hook git <name>` takes bin/trail's short path (dist/hook/git-hook-main.js, without
 * the CLI). It must behave as `trail hook git` does in the CLI: seal the commit, and turn any
 * failure into a capture gap with exit 0 and nothing on the terminal.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trail, trailProcess } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const HOOK_DIST = join(dirname(TRAIL_BIN), '..', 'dist', 'hook');

/** The bundle files a module loads, statically or (with `dynamic`) by import() too, recursively. */
function loadedFiles(entry: string, dynamic: boolean, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const code = readFileSync(join(HOOK_DIST, entry), 'utf8');
  const pattern = dynamic ? /(?:from|import\(?)\s*"\.\/([\w-]+\.js)"/g : /from\s*"\.\/([\w-]+\.js)"/g;
  for (const [, file] of code.matchAll(pattern)) loadedFiles(file!, dynamic, seen);
  return seen;
}

const holdsZod = (file: string) => readFileSync(join(HOOK_DIST, file), 'utf8').includes('ZodError');

const gapsOf = (dir: string) => {
  const file = join(dir, '.git/trail/spool/gaps.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
};

describe('git hooks through the short path', () => {
  test('post-commit seals the commit: trail show finds its checkpoint, verify passes', async () => {
    const repo = initialisedRepo();
    try {
      new ScriptedClaude(repo.dir).start().prompt('add a').write('src/a.ts', 'export const a = 1;\n');
      repo.git('add', '-A');
      repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'agent work, hooks off');
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

  test('the record schemas (zod) are not loaded before post-commit asks git anything', () => {
    // They load by import() while git answers: the hook's static module graph holds none.
    const eager = [...loadedFiles('git-hook-main.js', false)];
    assert.ok(eager.length > 1, 'the hook bundle is split into chunks');
    assert.deepEqual(eager.filter(holdsZod), []);
    // The check can see zod: it is among what the hook loads when sealing needs it.
    assert.ok([...loadedFiles('git-hook-main.js', true)].some(holdsZod));
  });
});
