/**
 * Agent hooks run from one CommonJS bundle through a V8 code cache (src/capture/code-cache.ts):
 * the cache must only ever be offered to the build it came from, a missing or refused cache
 * must cost speed and nothing else, and the build must leave a cache that real hooks use.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { Script } from 'node:vm';
import {
  CACHES_KEPT,
  codeCachePath,
  loadWithCodeCache,
  REFRESH_ENV,
  wrapped,
} from '../../src/capture/code-cache.js';
import { TRAIL_BIN } from '../helpers/cli.js';
import { gitEnv, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const HOOK_DIST = join(dirname(TRAIL_BIN), '..', 'dist', 'hook');

/** A bundle whose `answer()` returns `value`, with a build id line when `id` is given. */
function bundle(id: string | undefined, value: number): string {
  const body = `exports.answer = function answer() { return ${value}; };\nexports.twice = (n) => n * 2;\n`;
  return id === undefined ? body : `// trail-bundle ${id}\n${body}`;
}

const caches = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));

/** The cache path for this test process, which runs with options of its own (tsx). */
const cacheOf = (file: string) =>
  codeCachePath(file, readFileSync(file, 'utf8'), { execArgv: process.execArgv, nodeOptions: undefined })!;

describe('running a bundle through its code cache', () => {
  test('the first run writes the cache, the next uses it and leaves it as it was', () => {
    const dir = tempDir('trail-code-cache-');
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, bundle('0123456789abcdef', 7));

    const first = loadWithCodeCache(file, {});
    assert.equal((first.exports.answer as () => number)(), 7);
    assert.equal(first.cacheUsed, false);
    first.saveIfStale();
    const cachePath = cacheOf(file);
    assert.deepEqual(caches(dir), [cachePath.slice(dir.length + 1)]);
    assert.match(cachePath, /hook\.0123456789abcdef\.node-v\d+\.\d+\.\d+-\w+(?:-[0-9a-f]{8})?\.v8cache$/);
    const written = readFileSync(cachePath);

    const second = loadWithCodeCache(file, {});
    assert.equal(second.cacheUsed, true);
    assert.equal((second.exports.twice as (n: number) => number)(21), 42);
    // Dated back to 1970: a rewrite would date it now.
    utimesSync(cachePath, 0, 0);
    second.saveIfStale();
    assert.equal(statSync(cachePath).mtimeMs, 0);
    assert.ok(readFileSync(cachePath).equals(written));

    // The build's warm-up asks for a rewrite after every run.
    const refreshed = loadWithCodeCache(file, { [REFRESH_ENV]: '1' });
    (refreshed.exports.twice as (n: number) => number)(1);
    refreshed.saveIfStale();
    assert.notEqual(statSync(cachePath).mtimeMs, 0);
  });

  test('a cache of another build is never used, even for a source of the same length', () => {
    // V8 checks a cached script only by its source's length: without the build id in the
    // cache's name, the second bundle would run the first one's code and answer 1.
    const dir = tempDir('trail-code-cache-');
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, bundle('aaaaaaaaaaaaaaaa', 1));
    const first = loadWithCodeCache(file, {});
    (first.exports.answer as () => number)();
    first.saveIfStale();

    writeFileSync(file, bundle('bbbbbbbbbbbbbbbb', 2));
    const second = loadWithCodeCache(file, {});
    assert.equal(second.cacheUsed, false);
    assert.equal((second.exports.answer as () => number)(), 2);
  });

  test('a damaged cache is refused, the bundle runs all the same, and the cache is written again', () => {
    const dir = tempDir('trail-code-cache-');
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, bundle('fedcba9876543210', 3));
    const cachePath = cacheOf(file);
    writeFileSync(cachePath, Buffer.alloc(4096, 0x5a));

    const damaged = loadWithCodeCache(file, {});
    assert.equal(damaged.cacheUsed, false);
    assert.equal((damaged.exports.answer as () => number)(), 3);
    damaged.saveIfStale();
    assert.equal(loadWithCodeCache(file, {}).cacheUsed, true);
    assert.deepEqual(caches(dir).length, 1, 'no temporary file is left behind');
  });

  test('processes started with other options keep a cache of their own', () => {
    const file = '/opt/trail/dist/hook/agent-hook.cjs';
    const source = bundle('0123456789abcdef', 1);
    const plain = codeCachePath(file, source, { execArgv: [], nodeOptions: undefined });
    assert.equal(
      plain,
      '/opt/trail/dist/hook/agent-hook.0123456789abcdef.node-' + `${process.version}-${process.arch}.v8cache`,
    );
    const bigHeap = codeCachePath(file, source, { execArgv: [], nodeOptions: '--max-old-space-size=4096' });
    const profiled = codeCachePath(file, source, { execArgv: ['--cpu-prof'], nodeOptions: undefined });
    assert.equal(new Set([plain, bigHeap, profiled]).size, 3);
    assert.equal(
      codeCachePath(file, source, { execArgv: [], nodeOptions: '--max-old-space-size=4096' }),
      bigHeap,
    );
  });

  test("writing a cache leaves the most recently written few of its bundle, and no other bundle's", () => {
    const dir = tempDir('trail-code-cache-');
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, bundle('0123456789abcdef', 5));
    // Caches of ten other option sets, written one a day, and one of another bundle.
    const older = Array.from({ length: 10 }, (_, day) => {
      const name = `hook.0123456789abcdef.node-${process.version}-${process.arch}-0000000${day}.v8cache`;
      writeFileSync(join(dir, name), 'old');
      utimesSync(join(dir, name), day * 86400, day * 86400);
      return name;
    });
    writeFileSync(join(dir, 'other.0123456789abcdef.node-v20.0.0-x64.v8cache'), 'old');
    utimesSync(join(dir, 'other.0123456789abcdef.node-v20.0.0-x64.v8cache'), 0, 0);

    const run = loadWithCodeCache(file, {});
    (run.exports.answer as () => number)();
    run.saveIfStale();
    const left = caches(dir).filter((name) => name.startsWith('hook.'));
    assert.equal(left.length, CACHES_KEPT);
    assert.ok(left.includes(cacheOf(file).slice(dir.length + 1)), 'the cache just written is kept');
    assert.deepEqual(
      left.filter((name) => older.includes(name)).sort(),
      older.slice(10 - (CACHES_KEPT - 1)).sort(),
      'the most recently written of the others are kept',
    );
    assert.ok(existsSync(join(dir, 'other.0123456789abcdef.node-v20.0.0-x64.v8cache')));
  });

  test('a bundle without a build id runs uncached and writes nothing', () => {
    const dir = tempDir('trail-code-cache-');
    const file = join(dir, 'hook.cjs');
    writeFileSync(file, bundle(undefined, 5));
    const loaded = loadWithCodeCache(file, {});
    assert.equal((loaded.exports.answer as () => number)(), 5);
    loaded.saveIfStale();
    assert.deepEqual(readdirSync(dir), ['hook.cjs']);
  });
});

describe('agent hooks through the built bundle', () => {
  const prompt = (dir: string, text: string) =>
    JSON.stringify({
      session_id: '5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      transcript_path: join(dir, 'none.jsonl'),
      cwd: dir,
      hook_event_name: 'UserPromptSubmit',
      prompt: text,
    });
  const spooled = (dir: string) =>
    readdirSync(join(dir, '.git/trail/spool/sessions'))
      .map((name) => readFileSync(join(dir, '.git/trail/spool/sessions', name), 'utf8'))
      .join('');

  test('the build leaves warmed caches that real hooks use without writing them again', () => {
    // Where a hook started without Node options looks (other tests' processes may add caches
    // of their own, under other names).
    const cacheOf = (bundle: string) => {
      const file = join(HOOK_DIST, bundle);
      return codeCachePath(file, readFileSync(file, 'utf8'))!;
    };
    assert.equal(gitEnv.NODE_OPTIONS, undefined, 'the hooks below run without options, as the build did');
    for (const bundle of ['agent-hook.cjs', 'git-hook.cjs']) {
      const source = readFileSync(join(HOOK_DIST, bundle), 'utf8');
      // Warmed by running the hooks, not only compiled: it holds the functions they ran, far
      // more than a cache of the bundle's top level (about half the size on Node 20).
      const topLevelOnly = new Script(wrapped(source)).createCachedData().length;
      const warmed = statSync(cacheOf(bundle)).size;
      assert.ok(
        warmed > topLevelOnly * 1.5,
        `${bundle}: ${warmed} bytes against ${topLevelOnly} for the top level`,
      );
    }
    const repo = initialisedRepo();
    try {
      const cachePath = cacheOf('agent-hook.cjs');
      const gitCachePath = cacheOf('git-hook.cjs');
      const before = readFileSync(cachePath);
      const gitBefore = readFileSync(gitCachePath);
      const result = spawnSync(process.execPath, [TRAIL_BIN, 'hook', 'claude-code', 'UserPromptSubmit'], {
        cwd: repo.dir,
        input: prompt(repo.dir, 'add a health check'),
        env: gitEnv,
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(spooled(repo.dir), /add a health check/);
      // V8 took it: a refused cache would have been written again.
      assert.ok(readFileSync(cachePath).equals(before));

      // A commit runs the installed git hooks (prepare-commit-msg, post-commit) the same way.
      repo.write('src/health.ts', 'export const ok = true;\n');
      repo.commit('health check');
      assert.ok(!existsSync(join(repo.dir, '.git/trail/spool/gaps.jsonl')), 'the git hooks ran clean');
      assert.ok(readFileSync(gitCachePath).equals(gitBefore));
    } finally {
      repo.cleanup();
    }
  });

  test('an install without a cache runs its hooks and writes one; a damaged one is replaced', () => {
    // A copy of the package's hook path: bin/trail (CommonJS through bin/package.json) and
    // the two files it loads.
    const pkg = tempDir('trail-package-');
    mkdirSync(join(pkg, 'bin'));
    mkdirSync(join(pkg, 'dist/hook'), { recursive: true });
    for (const name of ['trail', 'package.json'])
      copyFileSync(join(dirname(TRAIL_BIN), name), join(pkg, 'bin', name));
    for (const name of ['agent-hook.cjs', 'code-cache.cjs'])
      copyFileSync(join(HOOK_DIST, name), join(pkg, 'dist/hook', name));
    const repo = initialisedRepo();
    try {
      const hook = (text: string, env: NodeJS.ProcessEnv = {}) => {
        const result = spawnSync(
          process.execPath,
          [join(pkg, 'bin/trail'), 'hook', 'claude-code', 'UserPromptSubmit'],
          { cwd: repo.dir, input: prompt(repo.dir, text), env: { ...gitEnv, ...env }, encoding: 'utf8' },
        );
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout + result.stderr, '');
      };
      hook('first prompt, no cache yet');
      assert.match(spooled(repo.dir), /first prompt, no cache yet/);
      const [cache] = caches(join(pkg, 'dist/hook'));
      assert.ok(cache, 'the first hook wrote a cache');

      writeFileSync(join(pkg, 'dist/hook', cache), 'not a code cache');
      hook('second prompt, damaged cache');
      assert.match(spooled(repo.dir), /second prompt, damaged cache/);
      const replaced = readFileSync(join(pkg, 'dist/hook', cache));
      assert.ok(replaced.length > 1000, 'the damaged cache was replaced');
      assert.deepEqual(caches(join(pkg, 'dist/hook')), [cache]);

      // V8 refuses a cache made under other flags: such a process writes its own and leaves
      // this one alone, rather than the two rewriting one file back and forth.
      hook('third prompt, a larger heap', { NODE_OPTIONS: '--max-old-space-size=512' });
      assert.match(spooled(repo.dir), /third prompt, a larger heap/);
      assert.equal(caches(join(pkg, 'dist/hook')).length, 2);
      assert.ok(readFileSync(join(pkg, 'dist/hook', cache)).equals(replaced));
    } finally {
      repo.cleanup();
    }
  });
});
