/**
 * Ed25519 keys and signatures (RFC 8032) through node:crypto, used as pure functions.
 * A key's id is the first 32 hex digits of SHA-256 over its raw 32-byte public key: stable,
 * independent of encoding, and long enough that collisions are not a practical concern.
 */
import * as crypto from 'node:crypto';
import { TrailError } from './errors.js';
import { sha256Hex } from './hash.js';

export interface PublicKeyInfo {
  keyId: string;
  /** Raw public key, standard base64. */
  publicKey: string;
}

export interface KeyPair extends PublicKeyInfo {
  privateKey: crypto.KeyObject;
}

export function rawPublicKey(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new TrailError('KEY_INVALID', 'only Ed25519 keys are supported');
  }
  return Buffer.from(jwk.x, 'base64url');
}

export function keyIdOf(publicKeyBase64: string): string {
  return sha256Hex(Buffer.from(publicKeyBase64, 'base64')).slice(0, 32);
}

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey).toString('base64');
  return { keyId: keyIdOf(raw), publicKey: raw, privateKey };
}

export function privateKeyFromPem(pem: string): KeyPair {
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(pem);
  } catch (error) {
    throw new TrailError('KEY_INVALID', `private key is not a readable PEM: ${(error as Error).message}`);
  }
  const raw = rawPublicKey(crypto.createPublicKey(privateKey)).toString('base64');
  return { keyId: keyIdOf(raw), publicKey: raw, privateKey };
}

/**
 * The public key of a PEM SubjectPublicKeyInfo (RFC 8410 §4), as `openssl pkey -pubout`
 * writes it. A private key is refused rather than read for its public half: whoever is handed
 * one to verify with was handed a signing key.
 */
export function publicKeyFromPem(pem: string): PublicKeyInfo {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new TrailError(
      'KEY_INVALID',
      'it is a private key: give the public key (openssl pkey -in KEY -pubout), and keep the private one secret',
    );
  }
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey(pem);
  } catch (error) {
    throw new TrailError('KEY_INVALID', `not a readable PEM public key: ${(error as Error).message}`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TrailError(
      'KEY_INVALID',
      `it is a key of type ${publicKey.asymmetricKeyType ?? 'unknown'}: Trail signs with Ed25519 keys only`,
    );
  }
  const raw = rawPublicKey(publicKey).toString('base64');
  return { keyId: keyIdOf(raw), publicKey: raw };
}

export function privateKeyToPem(key: crypto.KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const publicKeyCache = new Map<string, crypto.KeyObject>();

export function publicKeyObject(publicKeyBase64: string): crypto.KeyObject {
  let key = publicKeyCache.get(publicKeyBase64);
  if (!key) {
    const raw = Buffer.from(publicKeyBase64, 'base64');
    if (raw.length !== 32) throw new TrailError('KEY_INVALID', 'an Ed25519 public key is 32 bytes');
    key = crypto.createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
    publicKeyCache.set(publicKeyBase64, key);
  }
  return key;
}

export function sign(data: Uint8Array, privateKey: crypto.KeyObject): string {
  return crypto.sign(null, data, privateKey).toString('base64');
}

/**
 * verifySignature on libuv's thread pool: an Ed25519 check costs ~0.1 ms of CPU, and a log
 * has one per signed head, so a verifier starts them all while it hashes entries.
 */
export function verifySignatureAsync(
  data: Uint8Array,
  signatureBase64: string,
  publicKeyBase64: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      crypto.verify(
        null,
        data,
        publicKeyObject(publicKeyBase64),
        Buffer.from(signatureBase64, 'base64'),
        (error, valid) => resolve(!error && valid),
      );
    } catch {
      resolve(false);
    }
  });
}

export function verifySignature(data: Uint8Array, signatureBase64: string, publicKeyBase64: string): boolean {
  try {
    return crypto.verify(
      null,
      data,
      publicKeyObject(publicKeyBase64),
      Buffer.from(signatureBase64, 'base64'),
    );
  } catch {
    return false;
  }
}
