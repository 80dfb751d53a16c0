/** Reading PDFs back in the tests: structure always, text with poppler when it is installed. */
import { execFileSync, spawnSync } from 'node:child_process';

export const HAS_POPPLER = spawnSync('pdftotext', ['-v']).status === 0;

export function pdfText(file: string, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

/** The number of page objects (`/Type /Page`, not `/Pages`). */
export function pdfPages(bytes: Buffer): number {
  return (bytes.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}
