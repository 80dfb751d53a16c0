/** Signed exports: `trail report --sign` and `trail verify-report`, offline, one byte at a time. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { listTrustedKeys, loadWriterKey } from '../../src/ledger/keys.js';
import { findRepo } from '../../src/ledger/repo.js';
import { REPORT_PAYLOAD_TYPE } from '../../src/report/signing.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import type { ScriptedRepo } from './fixture.js';
import { ScriptedRepo as Scripted } from './fixture.js';

describe('signed reports', () => {
  let s: ScriptedRepo;
  let keyId: string;
  let keyName: string;
  const out = tempDir('trail-signed-');

  before(async () => {
    s = await Scripted.create();
    await s.change({
      name: 'c1',
      day: 1,
      reviews: [{ reviewer: 'bob@example.com' }],
      tests: { passed: 3, coverage: 90 },
    });
    const repo = await findRepo(s.dir);
    keyId = loadWriterKey(repo).keyId;
    keyName = listTrustedKeys(repo).find((k) => k.keyId === keyId)!.name;
  });
  after(() => s.cleanup());

  async function signed(format: string): Promise<string> {
    const file = join(out, `soc2.${format}`);
    const r = await trail(
      s.dir,
      'report',
      'soc2',
      '--since',
      '2026-03-01',
      '--format',
      format,
      '--out',
      file,
      '--sign',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`signed with key ${keyId}: ${file.replace(/[.]/g, '\\.')}\\.sig\\.json`),
    );
    return file;
  }

  test('--sign writes a DSSE envelope stating the file, its SHA-256, kind, period, signer and time', async () => {
    const file = await signed('pdf');
    const envelope = JSON.parse(readFileSync(`${file}.sig.json`, 'utf8'));
    assert.equal(envelope.payloadType, REPORT_PAYLOAD_TYPE);
    assert.equal(envelope.signatures[0].keyid, keyId);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    const bytes = readFileSync(file);
    assert.deepEqual(Object.keys(statement).sort(), [
      'file',
      'format',
      'kind',
      'period',
      'sha256',
      'signedAt',
      'signer',
      'size',
    ]);
    assert.equal(statement.file, 'soc2.pdf');
    assert.equal(statement.kind, 'soc2');
    assert.equal(statement.format, 'pdf');
    assert.deepEqual(statement.period, { since: '2026-03-01T00:00:00.000Z' });
    assert.deepEqual(statement.signer, { keyId });
    assert.equal(statement.size, bytes.length);
    assert.match(statement.sha256, /^[0-9a-f]{64}$/);
    assert.ok(Math.abs(Date.parse(statement.signedAt) - Date.now()) < 60_000);
  });

  test('verify-report says who signed it and when, offline against .trail/keys', async () => {
    for (const format of ['pdf', 'csv', 'html']) {
      const file = await signed(format);
      const r = await trail(s.dir, 'verify-report', file);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^${file.replace(/[.]/g, '\\.')}: intact\\. Signed by ${keyName.replace(/[.()]/g, '\\$&')} \\(key ${keyId}\\) at \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z: soc2 report \\(${format}\\), from 2026-03-01, SHA-256 [0-9a-f]{64}\\n$`,
        ),
      );
      const json = await trail(s.dir, 'verify-report', file, '--json');
      assert.equal(json.code, 0);
      const result = JSON.parse(json.stdout);
      assert.equal(result.ok, true);
      assert.equal(result.signer.keyId, keyId);
    }
  });

  test('one changed byte fails with a clear message and exit 1', async () => {
    const file = await signed('csv');
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    const tampered = join(out, 'tampered.csv');
    writeFileSync(tampered, bytes);
    const r = await trail(s.dir, 'verify-report', tampered, '--sig', `${file}.sig.json`);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `: FAILED: tampered\\.csv was changed after it was signed \\(by key ${keyId}, trusted in \\.trail/keys\\): its SHA-256 is [0-9a-f]{64} \\(\\d+ bytes\\), the signature covers [0-9a-f]{64} \\(\\d+ bytes\\)\\n$`,
      ),
    );
    const json = await trail(s.dir, 'verify-report', tampered, '--sig', `${file}.sig.json`, '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).code, 'VERIFY_FAILED');

    // The PDF too: one byte in the middle of the file.
    const pdf = await signed('pdf');
    const pdfBytes = readFileSync(pdf);
    pdfBytes[100] = pdfBytes[100]! ^ 0x20;
    writeFileSync(pdf, pdfBytes);
    const p = await trail(s.dir, 'verify-report', pdf);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /soc2\.pdf was changed after it was signed/);
  });

  test('a forged statement, an untrusted key or a revoked key fails', async () => {
    const file = await signed('md');
    const envelope = JSON.parse(readFileSync(`${file}.sig.json`, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));

    // Someone edits the report and rewrites the statement's digest: the signature breaks.
    const forged = {
      ...envelope,
      payload: Buffer.from(JSON.stringify({ ...statement, sha256: '0'.repeat(64) })).toString('base64'),
    };
    writeFileSync(join(out, 'forged.sig.json'), JSON.stringify(forged));
    const f = await trail(s.dir, 'verify-report', file, '--sig', join(out, 'forged.sig.json'));
    assert.equal(f.code, 1);
    assert.match(
      f.stderr,
      new RegExp(
        `FAILED: the signature on soc2\\.md does not verify with key ${keyId} \\(trusted in \\.trail/keys\\), the key it names: the signed statement or the signature was changed after signing\\n$`,
      ),
    );

    // A valid signature by a key this repository does not trust.
    const stranger = generateKeyPair();
    const foreign = signEnvelope(REPORT_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), stranger);
    writeFileSync(join(out, 'foreign.sig.json'), JSON.stringify(foreign));
    const u = await trail(s.dir, 'verify-report', file, '--sig', join(out, 'foreign.sig.json'));
    assert.equal(u.code, 1);
    assert.match(
      u.stderr,
      new RegExp(
        `FAILED: soc2\\.md is signed by key ${stranger.keyId}, which is not trusted in \\.trail/keys: trust the signer's key with trail keys trust, or check with it directly \\(--key FILE\\)\\n$`,
      ),
    );

    // The signer's key revoked before the report was signed.
    const revoke = await trail(
      s.dir,
      'keys',
      'revoke',
      keyId,
      '--reason',
      'laptop lost',
      '--at',
      '2026-01-01T00:00:00Z',
    );
    assert.equal(revoke.code, 0, revoke.stderr);
    try {
      const r = await trail(s.dir, 'verify-report', file);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `FAILED: soc2\\.md is signed by key ${keyId}, revoked since 2026-01-01T00:00:00\\.000Z: the signing time in a report \\(.*\\) is the signer's own claim`,
        ),
      );
    } finally {
      s.repo.git('checkout', '--', '.trail/keys');
    }
  });

  test('without --out, --sign prints the report and its signature as one bundle that verifies', async () => {
    const r = await trail(s.dir, 'report', 'gaps', '--format', 'csv', '--sign');
    assert.equal(r.code, 0, r.stderr);
    const bundle = JSON.parse(r.stdout);
    assert.equal(bundle.file, 'gaps.csv');
    assert.equal(bundle.encoding, 'utf8');
    assert.match(bundle.report, /^Date,Commit,Checkpoint,Gap,Detail,What to do,Ledger verification\r\n/);
    const file = join(out, 'bundle.json');
    writeFileSync(file, r.stdout);
    const ok = await trail(s.dir, 'verify-report', file);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /intact\. Signed by .* gaps report \(csv\)/);
    writeFileSync(file, JSON.stringify({ ...bundle, report: bundle.report.replace('Date', 'Data') }));
    const bad = await trail(s.dir, 'verify-report', file);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /gaps\.csv was changed after it was signed/);
  });

  test('a report with no signature beside it is a usage error', async () => {
    const file = join(out, 'plain.md');
    const r = await trail(s.dir, 'report', 'soc2', '--out', file);
    assert.equal(r.code, 0, r.stderr);
    const v = await trail(s.dir, 'verify-report', file);
    assert.equal(v.code, 2);
    assert.match(
      v.stderr,
      /no signature for .*plain\.md: expected .*plain\.md\.sig\.json, or give it with --sig FILE/,
    );
  });
});
