/**
 * Reads a file a person named, up to a size: `stat` says nothing of a device or a pipe
 * (/dev/zero, `<(…)`), so the cap is kept while reading, not checked beforehand, and such a
 * file is refused with one line instead of filling the memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { fileError, TrailError } from '../core/errors.js';

const CHUNK = 1024 * 1024;

/**
 * The file's bytes, or a TrailError naming it (too large, or unreadable, in words) as
 * `shownAs`: the path as the person typed it.
 */
export function readFileCapped(path: string, maxBytes: number, shownAs = path): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError('read', shownAs, error);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, CHUNK, null);
      } catch (error) {
        throw fileError('read', shownAs, error);
      }
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > maxBytes) {
        throw new TrailError('INPUT_INVALID', `${shownAs} is over ${maxBytes.toLocaleString('en-US')} bytes`);
      }
      chunks.push(n === CHUNK ? chunk : chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
