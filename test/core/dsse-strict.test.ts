/**
 * DSSE decoding is strict (protocol.md: "Reject if decoding fails"; envelope.md allows
 * standard or URL-safe base64). Node's lenient decoder skips characters outside the alphabet
 * and stops at the first `=`, so an envelope with a second statement after the padding, or
 * junk inside, verified here while `base64 -d` and other verifiers read different bytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeStrictBase64, signEnvelope, verifyEnvelope } from '../../src/core/dsse.js';
import { TrailError } from '../../src/core/errors.js';
import { generateKeyPair } from '../../src/core/signature.js';

const TYPE = 'application/vnd.trail.test+json';
const key = generateKeyPair();
const trusted = new Map([[key.keyId, key.publicKey]]);

/** 17 bytes: its base64 ends in one `=`, so something can be put after the padding. */
const payload = Buffer.from('{"sha256":"aaaa"}');

function rejected(envelope: unknown, reason: RegExp): void {
  assert.throws(
    () => verifyEnvelope(envelope, trusted),
    (error: unknown) => {
      assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
      assert.equal(error.code, 'SIGNATURE_INVALID');
      assert.match(error.message, reason);
      return true;
    },
  );
}

describe('strict base64 in DSSE envelopes', () => {
  const good = signEnvelope(TYPE, payload, key);
  const sig = good.signatures[0]!.sig;

  test('a second statement appended after the padding is rejected, not ignored', () => {
    assert.match(good.payload, /[^=]=$/);
    const smuggled = Buffer.from('{"sha256":"bbbb"}').toString('base64');
    // Node's decoder stops at the first `=` and reads the signed bytes; others read both.
    assert.deepEqual(Buffer.from(`${good.payload}${smuggled}`, 'base64'), payload);
    rejected({ ...good, payload: `${good.payload}${smuggled}` }, /payload is not well-formed base64/);
  });

  test('junk characters inside the payload or the signature are rejected', () => {
    const middle = Math.floor(good.payload.length / 2);
    for (const junk of ['!', ' ', '\n', '.', '\u00e9', '*']) {
      const payloadWithJunk = `${good.payload.slice(0, middle)}${junk}${good.payload.slice(middle)}`;
      rejected({ ...good, payload: payloadWithJunk }, /payload is not well-formed base64/);
      const sigWithJunk = `${sig.slice(0, 10)}${junk}${sig.slice(10)}`;
      rejected(
        { ...good, signatures: [{ keyid: key.keyId, sig: sigWithJunk }] },
        /signature 1 of the envelope is not well-formed base64/,
      );
    }
  });

  test('padding in the middle, too much or too little padding, and mixed alphabets are rejected', () => {
    const bare = good.payload.replace(/=+$/, '');
    for (const bad of [
      `${bare}==`, // the right length takes one `=`, not two
      `${bare}===`,
      `${bare.slice(0, 4)}=${bare.slice(4)}=`,
      `${good.payload}=`,
    ]) {
      rejected({ ...good, payload: bad }, /payload is not well-formed base64/);
    }
    // 0xfb 0xff 0xbf 0xfb 0xff is "+/+/+/8=" in standard base64 and "-_-_-_8=" URL-safe.
    const body = Buffer.from([0xfb, 0xff, 0xbf, 0xfb, 0xff]);
    const envelope = signEnvelope(TYPE, body, key);
    assert.equal(envelope.payload, '+/+/+/8=');
    rejected({ ...envelope, payload: '+_+/+/8=' }, /payload is not well-formed base64/);
    rejected({ ...envelope, payload: '-/-_-_8=' }, /payload is not well-formed base64/);
  });

  test('a second encoding of the same bytes (unused bits set, RFC 4648 §3.5) is rejected', () => {
    // "QQ==" is 0x41; "QR==" decodes to the same byte with unused bits set.
    assert.deepEqual(decodeStrictBase64('QQ=='), Buffer.from([0x41]));
    assert.equal(decodeStrictBase64('QR=='), undefined);
    const last = good.payload.length - 2; // the character before the one `=`
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const bumped = alphabet[alphabet.indexOf(good.payload[last]!) + 1]!;
    const sameBytes = `${good.payload.slice(0, last)}${bumped}=`;
    assert.deepEqual(Buffer.from(sameBytes, 'base64'), payload, 'the lenient decoder reads the signed bytes');
    rejected({ ...good, payload: sameBytes }, /payload is not well-formed base64/);
  });

  test('standard and URL-safe base64, padded or not, and an empty payload are still accepted', () => {
    const body = Buffer.from([0xfb, 0xff, 0xbf, 0xfb, 0xff]);
    const envelope = signEnvelope(TYPE, body, key);
    const bodySig = envelope.signatures[0]!.sig;
    const urlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_');
    for (const encode of [
      (b64: string) => b64,
      (b64: string) => b64.replace(/=+$/, ''),
      urlSafe,
      (b64: string) => urlSafe(b64).replace(/=+$/, ''),
    ]) {
      const verified = verifyEnvelope(
        {
          payload: encode(envelope.payload),
          payloadType: TYPE,
          signatures: [{ keyid: key.keyId, sig: encode(bodySig) }],
        },
        trusted,
      );
      assert.deepEqual(verified.payload, body);
    }
    const empty = signEnvelope(TYPE, Buffer.alloc(0), key);
    assert.equal(empty.payload, '');
    assert.deepEqual(verifyEnvelope(empty, trusted).payload, Buffer.alloc(0));
  });

  test('decodeStrictBase64 takes only the one encoding of some bytes', () => {
    for (let n = 0; n < 8; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 251) & 0xff));
      for (const text of [bytes.toString('base64'), bytes.toString('base64url')]) {
        assert.deepEqual(decodeStrictBase64(text), bytes, text);
      }
    }
    for (const bad of ['Q', 'QQ=', 'QQ=a', '=QQQ', 'QQ==\n', ' QQ==', 'QUJD\nREVG', 'Q\u0000Q=']) {
      assert.equal(decodeStrictBase64(bad), undefined, JSON.stringify(bad));
    }
  });
});
