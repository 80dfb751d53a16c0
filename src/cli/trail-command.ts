/** How hooks call Trail back: this Node binary running this package's bin/trail. */
import { fileURLToPath } from 'node:url';

export function trailCommand(): string[] {
  const bin = fileURLToPath(new URL('../../bin/trail', import.meta.url));
  return [process.execPath, bin];
}
