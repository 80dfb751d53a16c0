/**
 * `trail verify` in a bare repository, as on the server that clones push to (a receive hook,
 * a cron job): the logs pushed there verify against the keys committed at HEAD, and the
 * mirror's own witness catches a log rewritten there later.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trail } from '../helpers/cli.js';
import { git, tempRepo } from '../helpers/temp-repo.js';

test('a bare mirror verifies the pushed logs with the keys committed at HEAD, and catches a rewrite', async () => {
  const origin = tempRepo({ bare: true });
  const clone = tempRepo();
  try {
    assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
    clone.git('remote', 'add', 'origin', origin.dir);
    assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
    clone.write('README.md', 'hello\n');
    clone.commit('trust this clone');
    const head = clone.git('rev-parse', 'HEAD');
    for (const env of ['staging', 'prod']) {
      assert.equal((await trail(clone.dir, 'record', 'deployment', '--env', env, '--commit', head)).code, 0);
    }
    // A plain push: Trail's pre-push hook carries its refs along.
    clone.git('push', '-q', 'origin', 'main');

    const verified = await trail(origin.dir, 'verify');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /^verified 2 records in 1 log from 1 writer: all hold\n$/);

    // Without the key at HEAD, the same logs have no trusted signer: the keys are really read.
    const untrusted = tempRepo({ bare: true });
    try {
      git(untrusted.dir, 'fetch', '-q', origin.dir, 'refs/trail/logs/*:refs/trail/logs/*');
      const result = await trail(untrusted.dir, 'verify');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /unknown-key/);
    } finally {
      untrusted.cleanup();
    }

    // The log is rewritten on the server to an earlier state: the mirror saw more before.
    const ref = git(origin.dir, 'for-each-ref', '--format=%(refname)', 'refs/trail/logs/');
    const first = git(origin.dir, 'rev-list', '--reverse', ref).split('\n')[0]!;
    git(origin.dir, 'update-ref', ref, first);
    const rewritten = await trail(origin.dir, 'verify');
    assert.equal(rewritten.code, 1);
    assert.match(rewritten.stderr, /truncated: the log was truncated: 2 records were seen before/);

    // Commands that need a working tree still say so.
    const status = await trail(origin.dir, 'status');
    assert.match(status.stderr, /is a bare repository: Trail needs a working tree/);
  } finally {
    origin.cleanup();
    clone.cleanup();
  }
});
