/**
 * Signed reports with RFC 3161 timestamps. Where `timestamp.url` is set, `trail report --sign`
 * has the authority (OpenSSL's own TSA, test/helpers/tsa.ts) stamp the signature and writes
 * the token beside it (`<out>.tsr`, or inside the signed bundle). `trail verify-report`
 * checks it, and a report whose key was revoked since still verifies when the authority's
 * time shows it was signed before. OpenSSL verifies the same token on its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey, revokeKey } from '../../src/ledger/keys.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';
import type { TestAuthority } from '../helpers/tsa.js';
import { startAuthority } from '../helpers/tsa.js';

let authority: TestAuthority;
before(async () => {
  authority = await startAuthority();
});
after(() => authority.close());

function setAuthority(dir: string, url: string): void {
  const file = join(dir, '.trail/config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...config, timestamp: { url } }));
}

describe('signed reports with RFC 3161 timestamps', () => {
  test('signed, stamped, checked by Trail and by OpenSSL; after the key is revoked the stamp keeps it good', async () => {
    const repo = initialisedRepo();
    const auditor = tempDir();
    try {
      assert.equal((await trail(repo.dir, 'timestamp', 'trust', authority.caFile)).code, 0);
      setAuthority(repo.dir, authority.url);
      const report = join(repo.dir, 'soc2.md');
      const signed = await trail(repo.dir, 'report', 'soc2', '--out', report, '--sign');
      assert.equal(signed.code, 0, signed.stderr);
      assert.match(signed.stderr, /^timestamped by Trail Test TSA: \S+soc2\.md\.tsr \(it existed by \S+\)$/m);

      const checked = await trail(repo.dir, 'verify-report', report);
      assert.equal(checked.code, 0, checked.stderr);
      assert.match(checked.stderr, /: intact\. .*\(timestamped by Trail Test TSA: it existed by \S+\)/);

      // OpenSSL checks the token over the signature bytes on its own.
      const envelope = JSON.parse(readFileSync(`${report}.sig.json`, 'utf8'));
      const sigBin = join(auditor, 'sig.bin');
      writeFileSync(sigBin, Buffer.from(envelope.signatures[0].sig, 'base64'));
      const openssl = execFileSync(
        'openssl',
        ['ts', '-verify', '-token_in', '-in', `${report}.tsr`, '-data', sigBin, '-CAfile', authority.caFile],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      assert.match(openssl, /Verification: OK/);

      // The key revoked after the stamp: the authority's time shows the report came first.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const ledger = await findRepo(repo.dir);
      const writer = loadWriterKey(ledger);
      revokeKey(ledger, writer.keyId, 'laptop stolen');
      const after = await trail(repo.dir, 'verify-report', report, '--json');
      assert.equal(after.code, 0, after.stderr);
      const json = JSON.parse(after.stdout);
      assert.equal(json.signedBeforeRevocation, true);
      assert.equal(json.timestamp.authority, 'Trail Test TSA');
      assert.match(after.stderr, /the key is revoked since \S+, and the timestamp shows it signed before/);

      // Without the token, the signer's own time counts for nothing.
      renameSync(`${report}.tsr`, join(auditor, 'kept.tsr'));
      const bare = await trail(repo.dir, 'verify-report', report);
      assert.equal(bare.code, 1);
      assert.match(
        bare.stderr,
        /revoked since \S+: the signing time in a report .* cannot show the report predates the revocation;/,
      );

      // Given again with --timestamp, it holds; a token over another signature does not.
      const given = await trail(repo.dir, 'verify-report', report, '--timestamp', join(auditor, 'kept.tsr'));
      assert.equal(given.code, 0, given.stderr);
      const other = join(repo.dir, 'other.md');
      assert.equal(
        (await trail(repo.dir, 'report', 'gaps', '--out', other, '--sign')).code,
        1,
        'the key is revoked',
      );
      const wrong = await trail(repo.dir, 'verify-report', report, '--timestamp', authority.caFile);
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        /FAILED: its timestamp does not vouch for its signature: the timestamp token cannot be read/,
      );

      // An auditor elsewhere, with the files, the signer's key file and the authority's certificate.
      for (const f of ['soc2.md', 'soc2.md.sig.json']) copyFileSync(join(repo.dir, f), join(auditor, f));
      copyFileSync(join(auditor, 'kept.tsr'), join(auditor, 'soc2.md.tsr'));
      const keyFile = join(repo.dir, '.trail/keys', `${writer.keyId}.json`);
      const offline = await trail(
        auditor,
        'verify-report',
        'soc2.md',
        '--key',
        keyFile,
        '--authority',
        authority.caFile,
      );
      assert.equal(offline.code, 0, offline.stderr);
      assert.match(offline.stderr, /the timestamp shows it signed before/);
      const noAuthority = await trail(auditor, 'verify-report', 'soc2.md', '--key', keyFile);
      assert.equal(noAuthority.code, 1);
      assert.match(
        noAuthority.stderr,
        /FAILED: its timestamp does not vouch for its signature: Trail Test TSA is not a trusted timestamping authority .*\(give its certificate with --authority FILE\)$/m,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('a signed bundle carries its token; an authority that does not answer leaves the report written and signed', async () => {
    const repo = initialisedRepo();
    try {
      assert.equal((await trail(repo.dir, 'timestamp', 'trust', authority.caFile)).code, 0);
      setAuthority(repo.dir, authority.url);
      const bundled = await trail(repo.dir, 'report', 'gaps', '--sign');
      assert.equal(bundled.code, 0, bundled.stderr);
      const bundle = JSON.parse(bundled.stdout);
      assert.equal(typeof bundle.timestamp, 'string');
      const file = join(repo.dir, 'gaps.bundle.json');
      writeFileSync(file, bundled.stdout);
      const checked = await trail(repo.dir, 'verify-report', file);
      assert.equal(checked.code, 0, checked.stderr);
      assert.match(checked.stderr, /timestamped by Trail Test TSA/);

      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      setAuthority(repo.dir, `http://127.0.0.1:${port}/`);
      const out = join(repo.dir, 'r.md');
      const unstamped = await trail(repo.dir, 'report', 'gaps', '--out', out, '--sign');
      assert.equal(unstamped.code, 1);
      assert.match(
        unstamped.stderr,
        /^trail: the report is written and signed, but not timestamped \(timestamp\.url in \.trail\/config\.json\): cannot reach the timestamping authority at \S+: ECONNREFUSED$/m,
      );
      assert.ok(existsSync(out) && existsSync(`${out}.sig.json`) && !existsSync(`${out}.tsr`));
      assert.equal((await trail(repo.dir, 'verify-report', out)).code, 0, 'what was written verifies');
    } finally {
      repo.cleanup();
    }
  });
});
