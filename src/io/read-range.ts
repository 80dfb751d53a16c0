/**
 * Reads part of an open file by position: the JSON Lines files Trail appends to and reads on
 * from an offset (the spool, an agent's transcript) are read this way, so a read costs what
 * was appended, not the whole file.
 */
import { readSync } from 'node:fs';

/** Up to `length` bytes from `position`: fewer only where the file ends first. */
export function readRange(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, bytes, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return bytes.subarray(0, read);
}

/** The byte at `position`, or undefined before the start or past the end. */
export function byteAt(fd: number, position: number): number | undefined {
  if (position < 0) return undefined;
  const one = Buffer.alloc(1);
  return readSync(fd, one, 0, 1, position) === 1 ? one[0] : undefined;
}
