/**
 * `trail verify-report` does not trust a signer's own clock. The statement's `signedAt` is
 * inside the signed payload, so whoever holds a stolen key writes any time they like: a
 * signature by a key revoked as of now fails whatever time it claims, and a `signedAt` that
 * is not a strict ISO 8601 UTC time fails closed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signEnvelope } from '../../src/core/dsse.js';
import { TrailError } from '../../src/core/errors.js';
import type { KeyPair } from '../../src/core/signature.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey, revokeKey, trustKey } from '../../src/ledger/keys.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { REPORT_PAYLOAD_TYPE, signReport, verifyReport } from '../../src/report/signing.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const ABOUT = { file: 'soc2.md', kind: 'soc2', format: 'md', period: {} };
const REPORT = Buffer.from('# SOC 2 evidence\n\nEvery change was approved.\n');

describe('trail verify-report and revoked keys', () => {
  let repo: TempRepo;
  let ledger: Repo;
  let writer: KeyPair;
  let file: string;

  before(async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    ledger = await findRepo(repo.dir);
    writer = loadWriterKey(ledger);
    file = join(repo.dir, 'soc2.md');
    writeFileSync(file, REPORT);
  });
  after(() => repo.cleanup());

  /** Signs the report with `key`, claiming `signedAt`, beside it as soc2.md.sig.json. */
  function signAs(key: KeyPair, signedAt: string): void {
    writeFileSync(`${file}.sig.json`, JSON.stringify(signReport(REPORT, ABOUT, key, signedAt)));
  }

  async function verifyJson(): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
    const r = await trail(repo.dir, 'verify-report', file, '--json');
    return { code: r.code, json: JSON.parse(r.stdout), stderr: r.stderr };
  }

  test('a report backdated before the revocation by whoever holds the stolen key fails', async () => {
    const thief = generateKeyPair();
    trustKey(ledger, thief.publicKey, 'build-7');
    signAs(thief, new Date().toISOString());
    assert.equal((await trail(repo.dir, 'verify-report', file)).code, 0, 'in force: it verifies');

    revokeKey(ledger, thief.keyId, 'stolen', '2026-01-01T00:00:00.000Z');
    // The thief signs after the theft and claims a time before the revocation.
    signAs(thief, '2025-06-01T12:00:00.000Z');
    const r = await trail(repo.dir, 'verify-report', file);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `^${file}: FAILED: soc2\\.md is signed by key ${thief.keyId}, revoked since 2026-01-01T00:00:00\\.000Z: the signing time in a report \\(2025-06-01T12:00:00\\.000Z\\) is the signer's own claim, so it cannot show the report predates the revocation; re-sign the report with a key in force \\(trail report \\.\\.\\. --sign\\)$`,
      ),
    );
    assert.doesNotMatch(r.stderr, /intact|revoked later/);
    const { code, json } = await verifyJson();
    assert.equal(code, 1);
    assert.equal(json.ok, false);
    assert.equal(json.code, 'VERIFY_FAILED');
    assert.match(String(json.error), /revoked since 2026-01-01T00:00:00\.000Z/);

    // Re-signed with a key in force, the same report verifies.
    signAs(writer, new Date().toISOString());
    const again = await trail(repo.dir, 'verify-report', file);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /soc2\.md: intact\./);
  });

  test('a signing time that is not a strict ISO 8601 UTC time fails closed', async () => {
    for (const signedAt of [
      'yesterday',
      '',
      'NaN',
      '1',
      'March 7, 2026',
      '2026-02-30T09:00:00.000Z',
      '2026-04-02T09:00:00.000+02:00',
      '2026-04-02 09:00:00Z',
      '2026-04-02',
    ]) {
      signAs(writer, signedAt);
      const { code, json, stderr } = await verifyJson();
      assert.equal(code, 1, `${signedAt}: ${stderr}`);
      assert.equal(json.ok, false, signedAt);
      assert.equal(json.code, 'SIGNATURE_INVALID', signedAt);
      assert.match(String(json.error), /signedAt .* is not an ISO 8601 time in UTC/, signedAt);
    }
    // Not even a string: the statement is refused as before.
    const statement = { ...ABOUT, sha256: 'x', size: 1, signer: { keyId: writer.keyId }, signedAt: 5 };
    writeFileSync(
      `${file}.sig.json`,
      JSON.stringify(signEnvelope(REPORT_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), writer)),
    );
    assert.equal((await verifyJson()).json.ok, false);
  });

  test('a revocation dated later leaves the key in force until then, and the output says so', async () => {
    const scheduled = generateKeyPair();
    trustKey(ledger, scheduled.publicKey, 'rotating');
    revokeKey(ledger, scheduled.keyId, 'rotating', '2099-01-01T00:00:00.000Z');
    signAs(scheduled, new Date().toISOString());
    const r = await trail(repo.dir, 'verify-report', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /intact\..*the key is to be revoked from 2099-01-01T00:00:00\.000Z/);
    const { json } = await verifyJson();
    assert.equal(json.ok, true);
    assert.equal(json.revokedFrom, '2099-01-01T00:00:00.000Z');
    assert.equal(json.revokedLater, undefined);

    // A statement that says it was signed after that revocation is refused already.
    signAs(scheduled, '2099-06-01T00:00:00.000Z');
    const claimedAfter = await trail(repo.dir, 'verify-report', file);
    assert.equal(claimedAfter.code, 1);
    assert.match(
      claimedAfter.stderr,
      /says it was signed at 2099-06-01T00:00:00\.000Z, after key .*'s revocation/,
    );
  });

  test('the revocation is judged at the verifier’s time, never at the signed one', () => {
    const key = generateKeyPair();
    const trusted = [{ keyId: key.keyId, publicKey: key.publicKey, revokedAt: '2026-01-01T00:00:00.000Z' }];
    const envelope = signReport(REPORT, ABOUT, key, '2025-06-01T12:00:00.000Z');
    const beforeIt = verifyReport(REPORT, envelope, trusted, 'soc2.md', {
      now: Date.parse('2025-12-31T00:00:00Z'),
    });
    assert.equal(beforeIt.signer.keyId, key.keyId);
    assert.equal(beforeIt.revokedFrom, '2026-01-01T00:00:00.000Z');
    assert.throws(
      () => verifyReport(REPORT, envelope, trusted, 'soc2.md', { now: Date.parse('2026-01-01T00:00:00Z') }),
      (error: unknown) =>
        error instanceof TrailError && error.code === 'VERIFY_FAILED' && /revoked since/.test(error.message),
    );
    // A revocation time the trust store holds but no one can read revokes the key.
    const unreadable = [{ ...trusted[0]!, revokedAt: 'when the laptop was lost' }];
    assert.throws(
      () =>
        verifyReport(REPORT, envelope, unreadable, 'soc2.md', { now: Date.parse('2025-06-02T00:00:00Z') }),
      /revoked since when the laptop was lost/,
    );
    // Signed by a revoked key and by one in force: the one in force vouches for it.
    const other = generateKeyPair();
    const cosigned = {
      ...envelope,
      signatures: [
        ...envelope.signatures,
        ...signEnvelope(REPORT_PAYLOAD_TYPE, Buffer.from(envelope.payload, 'base64'), other).signatures,
      ],
    };
    const withOther = [...trusted, { keyId: other.keyId, publicKey: other.publicKey }];
    assert.equal(verifyReport(REPORT, cosigned, withOther, 'soc2.md').signer.keyId, other.keyId);
  });

  test('a second statement smuggled after the base64 padding does not verify', async () => {
    const envelope = signReport(REPORT, ABOUT, writer, '2026-04-02T09:00:00.000Z');
    assert.match(envelope.payload, /=$/);
    const forged = signReport(Buffer.from('# nothing to see\n'), ABOUT, writer, '2026-04-02T09:00:00.000Z');
    const smuggled = { ...envelope, payload: `${envelope.payload}${forged.payload}` };
    // Node's lenient decoder reads only the first statement, which the signature covers.
    assert.deepEqual(Buffer.from(smuggled.payload, 'base64'), Buffer.from(envelope.payload, 'base64'));
    writeFileSync(`${file}.sig.json`, JSON.stringify(smuggled));
    const r = await trail(repo.dir, 'verify-report', file);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /FAILED: the signature on soc2\.md does not verify: the envelope.s payload is not well-formed base64/,
    );
  });
});
