/**
 * RFC 3161 requests, replies and tokens (src/core/timestamp-token.ts) against OpenSSL's TSA
 * (test/helpers/tsa.ts): what a token vouches for, and the replies that must be refused.
 * RFC 3161 §2.4.1 (TimeStampReq: the nonce the reply must echo), §2.4.2 (TimeStampResp,
 * PKIStatus; TSTInfo's messageImprint and genTime), §2.3 (the TSA certificate's
 * id-kp-timeStamping extended key usage).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as pkijs from 'pkijs';
import { isTrailError } from '../../src/core/errors.js';
import {
  checkTimestampToken,
  describeCertificate,
  timestampRequest,
  tokenOfReply,
} from '../../src/core/timestamp-token.js';
import { certificatesOfPem } from '../../src/ledger/timestamp-authorities.js';
import { tempDir } from '../helpers/temp-repo.js';
import type { TestAuthority } from '../helpers/tsa.js';
import { startAuthority } from '../helpers/tsa.js';

let authority: TestAuthority;
before(async () => {
  authority = await startAuthority();
});
after(() => authority.close());

async function ask(query: Buffer): Promise<Buffer> {
  const response = await fetch(authority.url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: query,
  });
  assert.equal(response.status, 200);
  return Buffer.from(await response.arrayBuffer());
}

const data = Buffer.from('{"size":3,"root":"…"}');
const digest = createHash('sha256').update(data).digest();
const pem = (file: string) => certificatesOfPem(readFileSync(file, 'utf8'));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isTrailError(error), String(error));
    return error.message;
  }
  assert.fail('not refused');
}

describe('RFC 3161 tokens', () => {
  test('any nonce is echoed, however its first bytes would encode', async () => {
    for (const first of [0x00, 0x7f, 0x80, 0xff]) {
      const nonce = Buffer.from([first, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]);
      const request = timestampRequest(digest, nonce);
      const token = tokenOfReply(await ask(request.der), request, digest);
      const verdict = await checkTimestampToken(token, data, pem(authority.caFile));
      assert.equal(verdict.ok, true, verdict.why);
    }
  });

  test("a token vouches for its bytes by its authority's time, under its CA or its own certificate", async () => {
    const before = Date.now();
    const request = timestampRequest(digest);
    const token = tokenOfReply(await ask(request.der), request, digest);
    const verdict = await checkTimestampToken(token, data, pem(authority.caFile));
    assert.equal(verdict.ok, true, verdict.why);
    assert.equal(verdict.authority, 'Trail Test TSA');
    const time = Date.parse(verdict.time!);
    assert.ok(time <= Date.now() && time >= before - 1000, verdict.time);
    // Whole seconds, no accuracy stated: the latest time allows the second.
    assert.equal(verdict.latest, time + 1000);

    const own = await checkTimestampToken(token, data, pem(authority.tsaFile));
    assert.equal(own.ok, true, own.why);

    const other = await checkTimestampToken(token, Buffer.from('other bytes'), pem(authority.caFile));
    assert.deepEqual([other.ok, other.why], [false, 'the timestamp token stamps other bytes']);
    const untrusted = await checkTimestampToken(token, data, []);
    assert.deepEqual(
      [untrusted.ok, untrusted.why],
      [false, 'Trail Test TSA is not a trusted timestamping authority (trail timestamp trust)'],
    );
    const unreadable = await checkTimestampToken(Buffer.from([0x30, 0x03, 0x02, 0x01]), data, []);
    assert.equal(unreadable.ok, false);
    assert.match(unreadable.why!, /^the timestamp token cannot be read/);
  });

  test('replies that are not for this request are refused', async () => {
    const first = timestampRequest(digest);
    const second = timestampRequest(digest);
    assert.ok(!first.nonce.equals(second.nonce));
    const reply = await ask(first.der);
    assert.equal(
      refusal(() => tokenOfReply(reply, second, digest)),
      "the timestamping authority's reply does not echo the request's nonce",
    );
    const otherDigest = createHash('sha256').update('other').digest();
    assert.equal(
      refusal(() => tokenOfReply(reply, first, otherDigest)),
      'the timestamping authority stamped other bytes than asked',
    );
    assert.equal(
      refusal(() => tokenOfReply(Buffer.from('<html>'), first, digest)),
      'the timestamping authority did not answer with an RFC 3161 reply',
    );
  });

  test("an authority's refusal is said with its status and reason", async () => {
    // SHA-1 is not among the digests this authority accepts: OpenSSL answers "rejection".
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), data);
    const query = execFileSync('openssl', ['ts', '-query', '-sha1', '-data', join(dir, 'data'), '-cert']);
    const reply = await ask(query);
    const message = refusal(() => tokenOfReply(reply, timestampRequest(digest), digest));
    assert.match(message, /^the timestamping authority refused the request \(rejection: .*algorithm/i);
  });

  test('a changed token never throws, and no bit of what the authority signed can change unseen', async () => {
    const request = timestampRequest(digest);
    const token = tokenOfReply(await ask(request.der), request, digest);
    const anchors = pem(authority.caFile);
    // The signed content: the TSTInfo (imprint, time, serial, nonce), inside the token as is.
    const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
    const tstInfo = Buffer.from(signed.encapContentInfo.eContent!.getValue());
    const start = token.indexOf(tstInfo);
    assert.ok(start > 0);
    const positions = new Set<number>();
    for (let i = start; i < start + tstInfo.length; i++) positions.add(i);
    // And a spread of the rest: containers, certificates, signed attributes, the signature.
    for (let i = 0; i < token.length; i += 7) positions.add(i);
    for (const position of positions) {
      const changed = Buffer.from(token);
      changed[position]! ^= 0x01;
      const verdict = await checkTimestampToken(changed, data, anchors);
      if (position >= start && position < start + tstInfo.length) {
        assert.equal(verdict.ok, false, `a flipped bit at ${position}, inside the TSTInfo, went unseen`);
      }
    }
    for (let length = 0; length < token.length; length += 37) {
      const cut = await checkTimestampToken(token.subarray(0, length), data, anchors);
      assert.equal(cut.ok, false);
    }
  });

  test('a certificate is described by its common name and whether it may stamp', () => {
    const [tsa] = pem(authority.tsaFile);
    assert.deepEqual(describeCertificate(tsa!), { name: 'Trail Test TSA', timeStamping: true });
    const [ca] = pem(authority.caFile);
    assert.deepEqual(describeCertificate(ca!), { name: 'Trail Test Root', timeStamping: false });
  });
});
