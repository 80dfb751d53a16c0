/**
 * How a context event names a file the agent read (or a rule file, or one it found missing).
 * Agents give absolute paths (`/home/dana/payments/src/cart.ts`); inside the repository the
 * record names the file as git does (`src/cart.ts`), as file edits are named, so it reads the
 * same from every clone and keeps no one's home folder. A file outside the repository keeps
 * its full path: an agent reading `~/.aws/credentials` is worth seeing whole.
 */
import { isAbsolute } from 'node:path';
import type { EventBody } from '../core/records.js';
import { workTreePathOnDisk } from '../git/work-tree-path.js';

/** The context sources whose ref is a file's path. */
const FILE_SOURCES: ReadonlySet<string> = new Set(['file-read', 'rule-file', 'referenced-missing']);

export function contextNamedInRepo(workTree: string, event: EventBody): EventBody {
  if (event.type !== 'context' || !FILE_SOURCES.has(event.source) || !isAbsolute(event.ref)) return event;
  const inRepo = workTreePathOnDisk(workTree, event.ref);
  // '' is the work tree itself (a folder read), and .git/ is not a file of the repository.
  if (!inRepo || inRepo === '.git' || inRepo.startsWith('.git/')) return event;
  return { ...event, ref: inRepo };
}
