/**
 * One ResourceDescriptor for a commit (src/core/commit-descriptor.ts), and the address an
 * origin remote gives it: a host's, never a local path, never credentials.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commitDescriptor, remoteUri } from '../../src/core/commit-descriptor.js';

const SHA = 'a'.repeat(40);

describe('commitDescriptor', () => {
  test('names the commit ORG/NAME@sha, with its address where known and its tree as an annotation', () => {
    assert.deepEqual(
      commitDescriptor({ name: 'acme/shop', uri: 'git+https://github.com/acme/shop' }, SHA, 'b'.repeat(40)),
      {
        name: `acme/shop@${SHA}`,
        uri: `git+https://github.com/acme/shop@${SHA}`,
        digest: { gitCommit: SHA },
        annotations: { gitTree: 'b'.repeat(40) },
      },
    );
    assert.deepEqual(commitDescriptor({ name: 'shop' }, SHA), {
      name: `shop@${SHA}`,
      digest: { gitCommit: SHA },
    });
  });
});

describe('remoteUri', () => {
  test("a host's remote, in any of git's forms, is named by its https address", () => {
    for (const url of [
      'https://github.com/acme/shop.git',
      'https://github.com/acme/shop',
      'https://github.com/acme/shop/',
      'git@github.com:acme/shop.git',
      'github.com:acme/shop.git',
      'ssh://git@github.com/acme/shop.git',
      'ssh://git@github.com:2222/acme/shop.git',
      'git+ssh://git@github.com/acme/shop.git',
      'git://github.com/acme/shop.git',
      'HTTPS://GitHub.com/acme/shop.git',
    ]) {
      assert.equal(remoteUri(url), 'git+https://github.com/acme/shop', url);
    }
    // GitLab's subgroups are kept whole; an https port is the https address's own.
    assert.equal(
      remoteUri('https://gitlab.example.com:8443/group/sub/app.git'),
      'git+https://gitlab.example.com:8443/group/sub/app',
    );
    assert.equal(remoteUri('http://git.internal/acme/shop.git'), 'git+http://git.internal/acme/shop');
  });

  test('credentials, a query and a fragment are dropped', () => {
    assert.equal(
      remoteUri('https://alice:ghp_s3cr3t@github.com/acme/shop.git?x=1#frag'),
      'git+https://github.com/acme/shop',
    );
    assert.equal(
      remoteUri('https://x-access-token:t0ken@github.com/acme/shop'),
      'git+https://github.com/acme/shop',
    );
    assert.equal(remoteUri('ssh://deploy:pw@github.com/acme/shop.git'), 'git+https://github.com/acme/shop');
  });

  test('a local path, a file:// URL or a path of one segment has no address', () => {
    for (const url of [
      '/srv/git/shop.git',
      '../shop',
      './shop.git',
      'shop',
      'file:///srv/git/acme/shop.git',
      'C:\\repos\\acme\\shop',
      'C:/repos/acme/shop',
      'https://github.com/shop.git',
      'git@github.com:shop.git',
      'https:///acme/shop',
      'not a url at all',
      '',
    ]) {
      assert.equal(remoteUri(url), undefined, url);
    }
  });
});
