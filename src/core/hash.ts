/** SHA-256 helpers. node:crypto is used as a pure function here: bytes in, digest out. */
import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: Uint8Array | string, encoding: 'buffer') => Buffer;
// crypto.hash (Node >= 20.12) skips the Hash object and is markedly faster on small inputs,
// which is what verify spends its time on.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export function sha256(data: Uint8Array | string): Buffer {
  if (oneShot) return oneShot('sha256', data, 'buffer');
  return crypto.createHash('sha256').update(data).digest();
}

export function sha256Hex(data: Uint8Array | string): string {
  return sha256(data).toString('hex');
}

export function isHexDigest(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
