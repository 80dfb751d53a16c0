/**
 * `trail serve --public-url` and `--webhook-body-limit`: a value that is not an http(s) URL
 * without a path, or not a number of MiB from 1 to 32, is one line and exit 2 before the
 * database is opened, run as a process; given good values, the server started in-process
 * accepts sign-in forms from the public URL only, with a Secure cookie, and refuses webhook
 * bodies over the limit.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/temp-repo.js';
import { serveRefusing, startServe } from './serve-in-process.js';

describe('trail serve --public-url and --webhook-body-limit', () => {
  test('a bad value is one line naming the option and exit 2, before the database is opened', () => {
    const dir = tempDir();
    try {
      const cases: Array<[string, string, string]> = [
        ['--public-url', 'trail.example.com', 'takes the address browsers open the server at'],
        ['--public-url', 'ftp://trail.example.com', 'takes the address browsers open the server at'],
        ['--public-url', 'https://trail.example.com/trail', 'takes the address browsers open the server at'],
        ['--webhook-body-limit', '0', 'takes a whole number of at least 1'],
        ['--webhook-body-limit', '33', 'takes a number of MiB from 1 to 32'],
      ];
      for (const [flag, value, says] of cases) {
        const result = serveRefusing(dir, [`${flag}=${value}`]);
        assert.equal(result.code, 2, `${flag} ${value}: ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`^trail: ${flag} ${says}.*, not "${value}"\\n$`));
        assert.equal(result.stdout, '');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the public URL is the origin sign-in accepts; the webhook limit is applied', async () => {
    const dir = tempDir();
    const server = await startServe(dir, [
      '--public-url',
      'https://trail.example.com',
      '--webhook-body-limit',
      '1',
    ]);
    try {
      const { url } = server;
      const adminToken = server.adminToken!;
      const signIn = (origin: string) =>
        fetch(`${url}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams({ token: adminToken }).toString(),
        });
      const pub = await signIn('https://trail.example.com');
      assert.equal(pub.status, 303);
      assert.match(pub.headers.get('set-cookie') ?? '', /; Secure/);
      const direct = await signIn(url);
      assert.equal(direct.status, 403, 'the public URL is the only origin accepted');

      const body = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) });
      const webhook = await fetch(`${url}/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        body,
      });
      assert.equal(webhook.status, 413);
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
