/** SHA-256 helpers. node:crypto is used as a pure function here: bytes in, digest out. */
import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: Uint8Array | string, encoding: 'latin1' | 'hex') => string;
// crypto.hash (Node >= 20.12) skips the Hash object. Asking it for a string rather than a
// Buffer matters more still: a Buffer digest gets a fresh backing store from C++ on every
// call (about 1.5 µs on Node 20), while a latin1 string copied into a pooled Buffer costs a
// third of that. Verify makes two of these calls per record, so this is its hot path.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The digest as a 32-character latin1 string (one char per byte): the cheapest form to get. */
export function sha256Latin1(data: Uint8Array | string): string {
  if (oneShot) return oneShot('sha256', data, 'latin1');
  return crypto.createHash('sha256').update(data).digest('binary');
}

export function sha256(data: Uint8Array | string): Buffer {
  return Buffer.from(sha256Latin1(data), 'latin1');
}

export function sha256Hex(data: Uint8Array | string): string {
  if (oneShot) return oneShot('sha256', data, 'hex');
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function isHexDigest(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
