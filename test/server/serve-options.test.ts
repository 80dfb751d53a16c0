/**
 * `trail serve`'s rate-limit and proxy options: a value that is not a whole number (of at
 * least 1 for the limits, of 0 or more for --trust-proxy) is one line and exit 2 before
 * anything starts, run as a process; given good values, the server started in-process
 * applies them over HTTP (per-token and per-address bursts, the client read from
 * X-Forwarded-For one hop from the right).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/temp-repo.js';
import { startAuthority } from '../helpers/tsa.js';
import { serveRefusing, startServe } from './serve-in-process.js';

describe('trail serve limits and proxies', () => {
  test('a bad figure is one line naming the option and exit 2, before the database is opened', () => {
    const dir = tempDir();
    try {
      const cases: Array<[string, string, string]> = [
        ['--rate-limit-per-second', '0', 'takes a whole number of at least 1'],
        ['--rate-limit-burst', '1.5', 'takes a whole number of at least 1'],
        ['--address-rate-limit-per-second', '-3', 'takes a whole number of at least 1'],
        ['--address-rate-limit-burst', 'lots', 'takes a whole number of at least 1'],
        ['--trust-proxy', '-1', 'takes a number of proxy hops (0 to 999)'],
        ['--trust-proxy', 'yes', 'takes a number of proxy hops (0 to 999)'],
      ];
      for (const [flag, value, says] of cases) {
        const result = serveRefusing(dir, [`${flag}=${value}`]);
        assert.equal(result.code, 2, `${flag} ${value}: ${result.stderr}`);
        assert.equal(result.stderr, `trail: ${flag} ${says}, not "${value}"\n`);
        assert.equal(result.stdout, '');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the figures and --trust-proxy given are the ones the running server applies', async () => {
    const dir = tempDir();
    const server = await startServe(dir, [
      '--trust-proxy',
      '1',
      '--rate-limit-per-second',
      '1',
      '--rate-limit-burst',
      '3',
      '--address-rate-limit-per-second',
      '1',
      '--address-rate-limit-burst',
      '2',
    ]);
    try {
      const { url } = server;
      const adminToken = server.adminToken!;
      const get = async (client: string, token?: string) => {
        const res = await fetch(`${url}/api/v1/repos`, {
          headers: {
            'x-forwarded-for': `192.0.2.250, ${client}`,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
        return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
      };
      // Per address: bursts of 2, each client (the entry the proxy added) on its own.
      const one = [await get('198.51.100.1'), await get('198.51.100.1'), await get('198.51.100.1')];
      assert.deepEqual(
        one.map((a) => a.status),
        [401, 401, 429],
      );
      assert.match(one[2]!.body.error!.message, /too many requests from this address/);
      assert.equal((await get('198.51.100.2')).status, 401, 'another client behind the same proxy');
      // Per token: bursts of 3, whichever address the requests come from.
      const byToken = [];
      for (let i = 0; i < 4; i++) byToken.push(await get(`203.0.113.${i + 1}`, adminToken));
      assert.deepEqual(
        byToken.map((a) => a.status),
        [200, 200, 200, 429],
      );
      assert.match(byToken[3]!.body.error!.message, /too many requests for token/);
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trail serve --timestamp-authority', () => {
  test('a file that is missing, holds no certificate or one that is no X.509 is one line before anything starts; a good one is named', async () => {
    const dir = tempDir();
    const authority = await startAuthority();
    try {
      writeFileSync(join(dir, 'empty.pem'), 'no certificate here\n');
      writeFileSync(
        join(dir, 'junk.pem'),
        `-----BEGIN CERTIFICATE-----\n${Buffer.from('not DER').toString('base64')}\n-----END CERTIFICATE-----\n`,
      );
      const cases: Array<[string, RegExp]> = [
        ['missing.pem', /^trail: .*missing\.pem.*\n$/],
        ['empty.pem', /^trail: empty\.pem holds no PEM certificate \(-----BEGIN CERTIFICATE-----\)\n$/],
        ['junk.pem', /^trail: junk\.pem: certificate 1 cannot be read as X\.509\n$/],
      ];
      for (const [file, says] of cases) {
        const result = serveRefusing(dir, ['--timestamp-authority', file]);
        assert.notEqual(result.code, 0, `${file}: ${result.stderr}`);
        assert.match(result.stderr, says);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      }
      const server = await startServe(dir, ['--timestamp-authority', authority.caFile]);
      try {
        assert.match(server.stderr(), /^timestamp tokens trail push brings are kept from: Trail Test Root$/m);
      } finally {
        assert.equal(await server.stop(), 0, server.stderr());
      }
    } finally {
      await authority.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
