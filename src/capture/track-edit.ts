/**
 * Line tracking for edits reported outside agent hooks (the SDK): the same two steps the
 * hook runner takes around an edit tool, over the same shadows (shadow.ts). Before the
 * change, whatever differs from the shadow was a person's doing; after it, the lines that
 * changed are the session's.
 */
import { sha256Hex } from '../core/hash.js';
import type { Origin } from '../core/line-origin.js';
import type { EventBody } from '../core/records.js';
import { workTreePathOnDisk } from '../git/work-tree-path.js';
import type { Repo } from '../ledger/repo.js';
import { advanceShadow, digestText, readWorkingFile, saveShadow, shadowsFor } from './shadow.js';

type FileEditEvent = Extract<EventBody, { type: 'file-edit' }>;

/** A path as the repository names it (forward slashes, relative), or undefined outside it. */
export function repoRelativePath(repo: Repo, path: string, cwd = repo.workTree): string | undefined {
  const rel = workTreePathOnDisk(repo.workTree, path, cwd);
  return !rel || rel.startsWith('.git/') ? undefined : rel;
}

/** Before an agent changes `paths`: changes since Trail last looked are a person's. */
export async function noteHumanChanges(repo: Repo, paths: readonly string[]): Promise<void> {
  for (const shadow of await shadowsFor(repo, paths)) {
    const { digests, trivial } = digestText(readWorkingFile(repo, shadow.path));
    advanceShadow(shadow, digests, { kind: 'human' }, trivial);
    saveShadow(repo, shadow);
  }
}

/**
 * After the session with spool key `key` changed `paths`: its lines take the session as
 * origin, and one file-edit event per file says which lines (1-based ranges) it wrote.
 */
export async function attributeAgentEdit(
  repo: Repo,
  key: string,
  paths: readonly string[],
  options: { via?: FileEditEvent['via']; tool?: string } = {},
): Promise<FileEditEvent[]> {
  const agentOrigin: Origin = { kind: 'ai', session: key };
  const events: FileEditEvent[] = [];
  for (const shadow of await shadowsFor(repo, paths)) {
    const text = readWorkingFile(repo, shadow.path);
    const before = new Set(shadow.lines.map((l) => l.digest));
    const existed = shadow.lines.length > 0;
    const { digests, trivial } = digestText(text);
    const next = advanceShadow(shadow, digests, agentOrigin, trivial);
    saveShadow(repo, shadow);
    const ranges: Array<{ start: number; end: number }> = [];
    next.forEach((line, i) => {
      if (line.origin.kind !== 'ai' || line.origin.session !== key || before.has(line.digest)) return;
      const last = ranges[ranges.length - 1];
      if (last && last.end === i) last.end = i + 1;
      else ranges.push({ start: i + 1, end: i + 1 });
    });
    events.push({
      type: 'file-edit',
      path: shadow.path,
      change: text === undefined ? 'deleted' : existed ? 'modified' : 'created',
      ranges,
      ...(text !== undefined ? { afterDigest: `sha256:${sha256Hex(text)}` } : {}),
      via: options.via ?? 'edit-tool',
      ...(options.tool ? { tool: options.tool } : {}),
    });
  }
  return events;
}
