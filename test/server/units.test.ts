/**
 * Pure pieces of the server and its client: the off-thread head signature check agrees with
 * core's, repository names from remote URLs, remote names for pulled refs, token scopes,
 * and the rate limiter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signTreeHead, verifyTreeHeadSignature } from '../../src/core/log-entry.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { TokenInfo } from '../../src/server/auth.js';
import { inScope, orgOf, RateLimiter } from '../../src/server/auth.js';
import { MAX_COMMITS_PER_REQUEST, MAX_PATHS, parseCommits } from '../../src/server/commits.js';
import { badSignatures, verifyHeadAsync } from '../../src/server/head-signatures.js';
import { cappedPaths, commitBatches } from '../../src/server/push-history.js';
import { nameFromRemoteUrl, remoteNameFor } from '../../src/server/sync.js';

describe('server units', () => {
  test('the thread-pool head check gives the same answers as core verifyTreeHeadSignature', async () => {
    const key = generateKeyPair();
    const other = generateKeyPair();
    const head = signTreeHead(
      {
        log: key.keyId,
        size: 3,
        root: 'a'.repeat(64),
        last: 'b'.repeat(64),
        time: '2026-01-01T00:00:00.000Z',
      },
      key,
    );
    const cases = [
      head,
      { ...head, size: 4 },
      { ...head, root: 'c'.repeat(64) },
      { ...head, time: '2026-01-01T00:00:00.001Z' },
      { ...head, sig: '' },
      { ...head, sig: 'not base64 at all!' },
      signTreeHead({ ...head }, other),
    ];
    for (const h of cases) {
      assert.equal(await verifyHeadAsync(h, key.publicKey), verifyTreeHeadSignature(h, key.publicKey));
    }
    assert.equal(await verifyHeadAsync(head, 'short'), false);
    assert.deepEqual(
      (await badSignatures(cases, key.publicKey)).map((h) => cases.indexOf(h)),
      [1, 2, 3, 4, 5, 6],
    );
  });

  test('commits go in requests of at most 2,000 and about 8 MiB; a vendoring commit keeps its first paths', () => {
    const commit = (paths: number, length = 40) => ({
      paths: Array.from({ length: paths }, (_, i) => `${i}`.padStart(length, 'p')),
    });
    const many = Array.from({ length: 4500 }, () => commit(1));
    assert.deepEqual(
      commitBatches(many).map((b) => b.length),
      [MAX_COMMITS_PER_REQUEST, MAX_COMMITS_PER_REQUEST, 500],
    );
    // 3 commits of 40,000 paths of 100 characters: about 4 MiB each, so two per request at most.
    const big = [commit(40_000, 100), commit(40_000, 100), commit(40_000, 100)];
    const sizes = commitBatches(big).map((b) => b.length);
    assert.deepEqual(sizes, [2, 1]);
    // One commit alone over the budget still goes, alone.
    assert.deepEqual(
      commitBatches([commit(1), commit(90_000, 100), commit(1)]).map((b) => b.length),
      [1, 1, 1],
    );
    assert.equal(commitBatches([]).length, 0);

    const vendored = commit(MAX_PATHS + 5, 20).paths;
    assert.equal(cappedPaths(vendored).length, MAX_PATHS);
    assert.deepEqual(cappedPaths(vendored).slice(0, 2), vendored.slice(0, 2), 'the first ones, in order');
    const long = commit(20_000, 1000).paths;
    assert.ok(cappedPaths(long).length < 17_000, 'at most 16 MiB of names');
    assert.equal(cappedPaths(['a', 'b']).length, 2);
    // What the clone sends, the server takes: the most paths a commit may carry parse.
    const sent = {
      sha: 'a'.repeat(40),
      parents: [],
      author: 'A <a@example.com>',
      authorEmail: 'a@example.com',
      date: '2026-12-05T00:00:00Z',
      subject: 'vendor',
      paths: cappedPaths(vendored),
    };
    assert.equal(parseCommits([sent])[0]!.paths.length, MAX_PATHS);
    assert.throws(
      () => parseCommits([{ ...sent, paths: vendored }]),
      /commits\[0\]\.paths must be an array of at most/,
    );
  });

  test('repository names from remote URLs', () => {
    assert.equal(nameFromRemoteUrl('git@github.com:acme/api.git'), 'acme/api');
    assert.equal(nameFromRemoteUrl('https://github.com/acme/api.git'), 'acme/api');
    assert.equal(
      nameFromRemoteUrl('ssh://git@gitlab.example.com:2222/group/sub/project.git'),
      'group/sub/project',
    );
    assert.equal(nameFromRemoteUrl('https://user:secret@git.example.com/team/repo'), 'team/repo');
    assert.equal(nameFromRemoteUrl('/srv/git/origin.git'), 'origin');
    assert.equal(nameFromRemoteUrl('file:///srv/git/my%20repo.git'), 'my-repo');
    assert.equal(remoteNameFor('http://127.0.0.1:4000'), 'trail-127-0-0-1-4000');
    assert.equal(remoteNameFor('https://trail.example.com/'), 'trail-trail-example-com');
  });

  test('token scopes by organisation and repository', () => {
    const token = (orgs: string[] | null, repos: string[] | null): TokenInfo => ({
      id: 'tok_x',
      name: 'x',
      role: 'auditor',
      orgs,
      repos,
    });
    assert.equal(orgOf('acme/api'), 'acme');
    assert.equal(orgOf('standalone'), '');
    assert.ok(inScope(token(null, null), 'anything/at-all'));
    assert.ok(inScope(token(['acme'], null), 'acme/api'));
    assert.ok(!inScope(token(['acme'], null), 'acmecorp/api'));
    assert.ok(inScope(token(null, ['acme/api']), 'acme/api'));
    assert.ok(!inScope(token(null, ['acme/api']), 'acme/web'));
    assert.ok(!inScope(token(['other'], ['acme/api']), 'acme/api'), 'both lists must allow it');
  });

  test('the rate limiter allows a burst, then refills at its rate', () => {
    const limiter = new RateLimiter(2, 3);
    assert.deepEqual(
      [0, 0, 0, 0].map(() => limiter.take('a', 1000)),
      [0, 0, 0, 1],
    );
    assert.equal(limiter.take('b', 1000), 0, 'per key');
    assert.equal(limiter.take('a', 1500), 0, 'half a second refills one request at 2/s');
    assert.equal(limiter.take('a', 1500) > 0, true);
  });
});
