/**
 * What a person mistypes gets one `trail:` line naming it and exit 2, never a silent empty
 * result: above all a check gate, which must not pass a mistyped range as "0 commits".
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TRAIL_BIN, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

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

  test('a revision git does not know is named, for check, stats, relink and blame', async () => {
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
    assertUsage(
      await trail(repo.dir, 'blame', 'a.txt', '--rev', 'nosuch'),
      /^trail: --rev nosuch: not a commit in this repository\n$/,
    );
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
      const stats = await trail(empty.dir, 'stats');
      assert.deepEqual(
        [stats.code, stats.stderr],
        [0, 'no lines added in HEAD: nothing to share out\n'],
        'no share of nothing, and no empty tables',
      );
      // trail show's default, HEAD, names no commit yet: said as such.
      const show = await trail(empty.dir, 'show');
      assert.deepEqual([show.code, show.stderr], [1, 'trail: this repository has no commits yet\n']);
      for (const args of [['review', 'HEAD', '--approve'], ['relink']]) {
        const result = await trail(empty.dir, ...args);
        assert.deepEqual(
          [result.code, result.stderr],
          [1, 'trail: this repository has no commits yet\n'],
          args.join(' '),
        );
      }
    } finally {
      empty.cleanup();
    }
  });

  test('trail record: fields in a file and as flags at once are refused, not silently dropped', async () => {
    const sha = repo.git('rev-parse', 'HEAD').trim();
    repo.write('deployment.json', JSON.stringify({ kind: 'deployment', env: 'a', commit: sha }));
    const before = repo.git('for-each-ref', 'refs/trail');
    assertUsage(
      await trail(repo.dir, 'record', 'deployment', '--file', 'deployment.json', '--env', 'x'),
      /^trail: give the fields in --file or as flags, not both \(--env\)\n$/,
    );
    assert.equal(repo.git('for-each-ref', 'refs/trail'), before, 'nothing was appended');
    const gapWithSession = (id: string, ...more: string[]) =>
      trail(repo.dir, 'record', 'capture-gap', '--what', 'w', '--why', 'y', '--session-id', id, ...more);
    const numberLike = await gapWithSession('123');
    assert.equal(numberLike.code, 1);
    assert.match(
      numberLike.stderr,
      /field "sessionId": .*expected string, received number \(.*quote it as JSON: --field '"123"'\)\n$/,
    );
    const quoted = await gapWithSession('"123"', '--json');
    assert.equal(quoted.code, 0, quoted.stderr);
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

  test('a bare repository is named as such, not as "not a git repository"', async () => {
    const bare = tempRepo({ bare: true });
    try {
      // verify reads only refs, so it works there (test/ledger/bare.test.ts); these need a tree.
      for (const command of ['status', 'log', 'init']) {
        const result = await trail(bare.dir, command);
        assert.equal(result.code, 1, command);
        assert.equal(
          result.stderr,
          `trail: ${bare.dir} is a bare repository: Trail needs a working tree (run it in a clone)\n`,
        );
      }
    } finally {
      bare.cleanup();
    }
  });

  test("commander's own errors are one line, its suggestion for a mistyped option included", async () => {
    assertUsage(
      await trail(repo.dir, 'verify', '--jsn'),
      /^trail: unknown option '--jsn' \(did you mean --json\?\) \(see trail --help\)\n$/,
    );
    assertUsage(await trail(repo.dir, 'verfy'), /^trail: unknown command 'verfy' \(did you mean verify\?\)/);
    assertUsage(
      await trail(repo.dir, 'report'),
      /^trail: missing required argument 'kind' \(see trail --help\)\n$/,
    );
  });

  test('a file that is not JSON: one line naming it, quoting none of its text', async () => {
    // V8's own message quotes the text ("vm\nhunter2…"), newline and all.
    repo.write('notes.txt', 'vm\nhunter2-token-value\n');
    for (const [args, source] of [
      [['record', '--file', 'notes.txt'], 'notes.txt line 1'],
      [['import', 'github-review', 'notes.txt'], join(repo.dir, 'notes.txt')],
    ] as const) {
      const result = await trail(repo.dir, ...args);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, `trail: ${source} is not valid JSON: Unexpected token 'v'\n`);
    }
  });

  test('a reader that closes the pipe early (| head) ends the output quietly, with no stack trace', async () => {
    // The read end of stdout is closed before Trail writes a byte: every write fails with EPIPE.
    const child = spawn(process.execPath, [TRAIL_BIN, 'status', '--json'], {
      cwd: repo.dir,
      env: { ...process.env, ...gitEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
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

  test('files that cannot be read or written are named with the reason, and nothing is written', async () => {
    const folder = join(repo.dir, 'a-folder');
    mkdirSync(folder);
    const intoMissing = await trail(
      repo.dir,
      'report',
      'soc2',
      '--format',
      'json',
      '--out',
      'no/such/r.json',
    );
    assert.equal(intoMissing.code, 1);
    assert.equal(intoMissing.stderr, 'trail: cannot write no/such/r.json: its folder does not exist\n');
    // A device has no size to check beforehand: the cap holds while reading.
    const endless = await trail(repo.dir, 'import', 'claude', '/dev/zero');
    assert.equal(endless.code, 1);
    assert.equal(endless.stderr, 'trail: /dev/zero is over 268,435,456 bytes\n');
    const endlessTests = await trail(repo.dir, 'tests', 'attach', '/dev/zero', '--commit', 'HEAD');
    assert.equal(endlessTests.code, 1);
    assert.equal(endlessTests.stderr, 'trail: /dev/zero is over 52,428,800 bytes\n');
    const noKeyFile = await trail(repo.dir, 'keys', 'trust', 'teammate.json', '--name', 'x');
    assert.equal(noKeyFile.code, 1);
    assert.equal(noKeyFile.stderr, 'trail: cannot read teammate.json: no such file\n');
    // Neither a file nor a key: said as such, not only as a bad key.
    const neither = await trail(repo.dir, 'keys', 'trust', 'teammate', '--name', 'x');
    assert.equal(neither.code, 1);
    assert.equal(
      neither.stderr,
      'trail: teammate is neither a key file nor a public key (32 bytes of Ed25519, base64-encoded)\n',
    );
    const ontoFolder = await trail(repo.dir, 'report', 'soc2', '--format', 'json', '--out', 'a-folder');
    assert.equal(ontoFolder.stderr, 'trail: cannot write a-folder: it is a folder\n');
    assert.deepEqual(readdirSync(folder), []);

    for (const args of [
      ['verify-report', 'a-folder'],
      ['record', '--file', 'a-folder'],
      ['keys', 'trust', 'a-folder', '--name', 'x'],
      ['tests', 'attach', 'a-folder'],
    ]) {
      const result = await trail(repo.dir, ...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stderr, 'trail: cannot read a-folder: it is a folder\n', args.join(' '));
    }
    const missing = await trail(repo.dir, 'verify-report', 'gone.pdf');
    assert.equal(missing.stderr, 'trail: cannot read gone.pdf: no such file\n');
  });

  test("relative paths are taken from -C's folder, as if trail were started there", async () => {
    repo.write(
      'deploy.json',
      JSON.stringify({ kind: 'deployment', env: 'staging', commit: repo.git('rev-parse', 'HEAD') }),
    );
    const elsewhere = tempDir();
    try {
      const recorded = await trail(elsewhere, '-C', repo.dir, 'record', '--file', 'deploy.json', '--json');
      assert.equal(recorded.code, 0, recorded.stderr);
      assert.equal(JSON.parse(recorded.stdout).ids.length, 1);
      const report = await trail(
        elsewhere,
        '-C',
        repo.dir,
        'report',
        'soc2',
        '--format',
        'json',
        '--out',
        'r.json',
      );
      assert.equal(report.code, 0, report.stderr);
      assert.ok(existsSync(join(repo.dir, 'r.json')));
      assert.ok(!existsSync(join(elsewhere, 'r.json')));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('push from a repository without an origin remote names the server, not git', async () => {
    const result = await trail(repo.dir, 'push', '--server', 'http://127.0.0.1:9');
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /git remote/);
    assert.match(result.stderr, /^trail: could not reach the Trail server at http:\/\/127\.0\.0\.1:9/);
  });
});
