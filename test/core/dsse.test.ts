/**
 * DSSE v1 envelopes over Ed25519.
 *
 * Published vectors: the PAE example and the "hello world" envelope payload of
 * secure-systems-lab/dsse, protocol.md ("Test Vectors"); the Ed25519 keys and signatures of
 * RFC 8032 §7.1, TEST 1 and TEST 2.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { describe, test } from 'node:test';
import type { DsseEnvelope } from '../../src/core/dsse.js';
import { preAuthEncoding, signEnvelope, verifyEnvelope } from '../../src/core/dsse.js';
import { TrailError } from '../../src/core/errors.js';
import {
  generateKeyPair,
  keyIdOf,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyObject,
  rawPublicKey,
  sign,
  verifySignature,
} from '../../src/core/signature.js';

const TYPE = 'application/vnd.trail.test+json';

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

const trust = (...keys: { keyId: string; publicKey: string }[]): Map<string, string> =>
  new Map(keys.map((k) => [k.keyId, k.publicKey]));

const toUrlSafe = (base64: string): string => base64.replace(/\+/g, '-').replace(/\//g, '_');

/** A PKCS#8 PEM for a raw Ed25519 seed: the fixed DER prefix (RFC 8410 §7) then the 32 bytes. */
function pemFromSeed(seedHex: string): string {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from(seedHex, 'hex'),
  ]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

describe('PAE (DSSE protocol.md)', () => {
  test('the published example', () => {
    const pae = preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world'));
    assert.equal(pae.toString('utf8'), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  test('lengths count UTF-8 bytes, not characters', () => {
    const pae = preAuthEncoding('t\u00e9', Buffer.from('\u20ac', 'utf8'));
    assert.deepEqual(
      pae,
      Buffer.concat([Buffer.from('DSSEv1 3 t\u00e9 3 ', 'utf8'), Buffer.from('e282ac', 'hex')]),
    );
  });

  test('empty type and body still keep every separator', () => {
    assert.equal(preAuthEncoding('', Buffer.alloc(0)).toString('utf8'), 'DSSEv1 0  0 ');
  });

  test('binary bodies are carried byte for byte', () => {
    const body = Buffer.from([0, 255, 10, 32]);
    const pae = preAuthEncoding('x', body);
    assert.deepEqual(pae.subarray(pae.length - body.length), body);
    assert.equal(pae.subarray(0, pae.length - body.length).toString('utf8'), 'DSSEv1 1 x 4 ');
  });
});

describe('Ed25519 (RFC 8032 §7.1)', () => {
  const vectors = [
    {
      name: 'TEST 1',
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature:
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2',
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ];

  for (const v of vectors) {
    test(`${v.name}: public key, key id, signature and verification`, () => {
      const key = privateKeyFromPem(pemFromSeed(v.seed));
      const publicKey = Buffer.from(v.publicKey, 'hex');
      assert.equal(key.publicKey, publicKey.toString('base64'));
      assert.equal(key.keyId, crypto.createHash('sha256').update(publicKey).digest('hex').slice(0, 32));
      assert.equal(keyIdOf(key.publicKey), key.keyId);
      const message = Buffer.from(v.message, 'hex');
      const signature = sign(message, key.privateKey);
      assert.equal(Buffer.from(signature, 'base64').toString('hex'), v.signature);
      assert.equal(verifySignature(message, signature, key.publicKey), true);
      assert.equal(
        verifySignature(Buffer.concat([message, Buffer.from('x')]), signature, key.publicKey),
        false,
      );
    });
  }

  test('a private key survives a PEM round trip', () => {
    const key = generateKeyPair();
    const again = privateKeyFromPem(privateKeyToPem(key.privateKey));
    assert.equal(again.keyId, key.keyId);
    assert.equal(again.publicKey, key.publicKey);
    assert.equal(Buffer.from(key.publicKey, 'base64').length, 32);
    assert.match(key.keyId, /^[0-9a-f]{32}$/);
  });

  test('bad keys are KEY_INVALID, bad signatures simply do not verify', () => {
    assertCode(() => privateKeyFromPem('not a pem'), 'KEY_INVALID');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assertCode(() => rawPublicKey(ec.publicKey), 'KEY_INVALID');
    assertCode(
      () => privateKeyFromPem(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      'KEY_INVALID',
    );
    assertCode(() => publicKeyObject(Buffer.alloc(31).toString('base64')), 'KEY_INVALID');
    const key = generateKeyPair();
    const signature = sign(Buffer.from('m'), key.privateKey);
    assert.equal(verifySignature(Buffer.from('m'), signature, Buffer.alloc(31).toString('base64')), false);
    assert.equal(verifySignature(Buffer.from('m'), 'AAAA', key.publicKey), false);
    assert.equal(verifySignature(Buffer.from('m'), '', key.publicKey), false);
  });
});

describe('DSSE envelopes', () => {
  const key = generateKeyPair();
  const other = generateKeyPair();
  const payload = Buffer.from('{"hello":"world"}');

  test('the envelope carries the payload in standard base64, as in the published example', () => {
    const envelope = signEnvelope('http://example.com/HelloWorld', Buffer.from('hello world'), key);
    assert.equal(envelope.payload, 'aGVsbG8gd29ybGQ=');
    assert.equal(envelope.payloadType, 'http://example.com/HelloWorld');
    assert.equal(envelope.signatures.length, 1);
    assert.equal(envelope.signatures[0]!.keyid, key.keyId);
  });

  test('the signature covers PAE(type, body), not the raw body', () => {
    const envelope = signEnvelope(TYPE, payload, key);
    const sig = envelope.signatures[0]!.sig;
    assert.equal(verifySignature(preAuthEncoding(TYPE, payload), sig, key.publicKey), true);
    assert.equal(verifySignature(payload, sig, key.publicKey), false);
  });

  test('sign then verify round-trips through JSON', () => {
    const envelope = JSON.parse(JSON.stringify(signEnvelope(TYPE, payload, key))) as unknown;
    const verified = verifyEnvelope(envelope, trust(key));
    assert.equal(verified.payloadType, TYPE);
    assert.deepEqual(verified.payload, payload);
    assert.deepEqual(verified.signedBy, [key.keyId]);
  });

  test('a payload changed by one byte is rejected', () => {
    const envelope = signEnvelope(TYPE, payload, key);
    for (let i = 0; i < payload.length; i++) {
      const changed = Buffer.from(payload);
      changed[i]! ^= 1;
      const tampered: DsseEnvelope = { ...envelope, payload: changed.toString('base64') };
      assertCode(() => verifyEnvelope(tampered, trust(key)), 'SIGNATURE_INVALID');
    }
  });

  test('a payload extended or cut short is rejected', () => {
    const envelope = signEnvelope(TYPE, payload, key);
    for (const body of [Buffer.concat([payload, Buffer.from(' ')]), payload.subarray(1), Buffer.alloc(0)]) {
      assertCode(
        () => verifyEnvelope({ ...envelope, payload: body.toString('base64') }, trust(key)),
        'SIGNATURE_INVALID',
      );
    }
  });

  test('the same signature does not carry over to another payload type', () => {
    const envelope = signEnvelope(TYPE, payload, key);
    assertCode(
      () => verifyEnvelope({ ...envelope, payloadType: `${TYPE}x` }, trust(key)),
      'SIGNATURE_INVALID',
    );
    assertCode(() => verifyEnvelope({ ...envelope, payloadType: '' }, trust(key)), 'SIGNATURE_INVALID');
  });

  test('a tampered signature is rejected', () => {
    const envelope = signEnvelope(TYPE, payload, key);
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    sig[10]! ^= 0x40;
    const tampered = { ...envelope, signatures: [{ keyid: key.keyId, sig: sig.toString('base64') }] };
    assertCode(() => verifyEnvelope(tampered, trust(key)), 'SIGNATURE_INVALID');
  });

  test('a signature by an untrusted key is rejected', () => {
    const envelope = signEnvelope(TYPE, payload, other);
    assertCode(() => verifyEnvelope(envelope, trust(key)), 'SIGNATURE_INVALID');
    assertCode(() => verifyEnvelope(envelope, new Map()), 'SIGNATURE_INVALID');
    // Claiming a trusted key's id does not help: keyid is only a hint.
    const claimed = { ...envelope, signatures: [{ keyid: key.keyId, sig: envelope.signatures[0]!.sig }] };
    assertCode(() => verifyEnvelope(claimed, trust(key)), 'SIGNATURE_INVALID');
  });

  test('keyid is only a hint: a wrong or missing keyid still verifies against a trusted key', () => {
    const { sig } = signEnvelope(TYPE, payload, key).signatures[0]!;
    const envelope = { payload: payload.toString('base64'), payloadType: TYPE, signatures: [{ sig }] };
    assert.deepEqual(verifyEnvelope(envelope, trust(key)).signedBy, [key.keyId]);
    const misnamed = { ...envelope, signatures: [{ keyid: other.keyId, sig }] };
    assert.deepEqual(verifyEnvelope(misnamed, trust(key, other)).signedBy, [key.keyId]);
  });

  test('URL-safe base64, padded or not, is accepted for payload and signature', () => {
    // 0xfb 0xff 0xbf encodes to "+/+/" in standard base64, so the alphabet difference is exercised.
    const body = Buffer.from([0xfb, 0xff, 0xbf, 0xfb, 0xff]);
    const envelope = signEnvelope(TYPE, body, key);
    assert.match(envelope.payload, /[+/]/);
    const sig = envelope.signatures[0]!.sig;
    for (const strip of [false, true]) {
      const enc = (b64: string) => (strip ? toUrlSafe(b64).replace(/=+$/, '') : toUrlSafe(b64));
      const urlSafe = {
        payload: enc(envelope.payload),
        payloadType: TYPE,
        signatures: [{ keyid: key.keyId, sig: enc(sig) }],
      };
      const verified = verifyEnvelope(urlSafe, trust(key));
      assert.deepEqual(verified.payload, body);
      assert.deepEqual(verified.signedBy, [key.keyId]);
    }
  });

  test('several signatures: every trusted signer is reported, untrusted and junk ones are skipped', () => {
    const a = signEnvelope(TYPE, payload, key);
    const b = signEnvelope(TYPE, payload, other);
    const stranger = signEnvelope(TYPE, payload, generateKeyPair());
    const envelope = {
      ...a,
      signatures: [
        null,
        { keyid: 'x' },
        { sig: 42 },
        ...stranger.signatures,
        ...a.signatures,
        ...b.signatures,
      ],
    };
    assert.deepEqual(
      verifyEnvelope(envelope, trust(key, other)).signedBy.sort(),
      [key.keyId, other.keyId].sort(),
    );
    assert.deepEqual(verifyEnvelope(envelope, trust(other)).signedBy, [other.keyId]);
  });

  test('malformed envelopes are SIGNATURE_INVALID', () => {
    const good = signEnvelope(TYPE, payload, key);
    const malformed: unknown[] = [
      null,
      undefined,
      'envelope',
      {},
      { payload: good.payload, payloadType: TYPE },
      { payload: good.payload, payloadType: TYPE, signatures: 'sig' },
      { payload: 5, payloadType: TYPE, signatures: good.signatures },
      { payload: good.payload, payloadType: null, signatures: good.signatures },
      { payload: good.payload, payloadType: TYPE, signatures: [] },
    ];
    for (const envelope of malformed)
      assertCode(() => verifyEnvelope(envelope, trust(key)), 'SIGNATURE_INVALID');
  });
});
