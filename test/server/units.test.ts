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
import { badSignatures, verifyHeadAsync } from '../../src/server/head-signatures.js';
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
