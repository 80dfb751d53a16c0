/** Files a person names on the command line, read and written with errors in their words. */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileError } from '../core/errors.js';

// Relative paths are taken from `cwd`, the command's folder (`-C DIR` runs as if started there).

/** The file's bytes; `-` reads stdin. */
export function readInput(path: string, cwd: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : resolve(cwd, path));
  } catch (error) {
    throw fileError('read', path, error);
  }
}

export function writeOutput(path: string, data: string | Uint8Array, cwd: string): void {
  try {
    writeFileSync(resolve(cwd, path), data);
  } catch (error) {
    throw fileError('write', path, error);
  }
}

/**
 * Fails at once where writeOutput would fail only after the work (a report over a large
 * ledger takes seconds): the file is a folder, or its folder is missing.
 */
export function checkWritable(path: string, cwd: string): void {
  const full = resolve(cwd, path);
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'folder' : 'file';
    } catch {
      return 'missing';
    }
  };
  if (kind(full) === 'folder') throw fileError('write', path, { code: 'EISDIR' });
  const parent = kind(dirname(full));
  if (parent !== 'folder')
    throw fileError('write', path, { code: parent === 'missing' ? 'ENOENT' : 'ENOTDIR' });
}

/** A folder to keep data in, made if missing; `path` as the person gave it, for errors. */
export function ensureFolder(path: string, cwd: string): string {
  const full = resolve(cwd, path);
  try {
    mkdirSync(full, { recursive: true });
  } catch (error) {
    throw fileError('write', path, error);
  }
  return full;
}
