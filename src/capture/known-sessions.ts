/**
 * Sessions that have left the spool: one JSON line each in `spool/known-sessions.jsonl`,
 * appended when a seal retires them. The seal state (`sealed.json`), which every sealing
 * commit reads and writes whole, keeps only the sessions still in the spool, so a commit's
 * cost does not grow with history. This file is searched, not parsed: only for a session
 * that comes back (an agent resuming it, AI lines of it committed late) and by
 * `trail session` looking a session up by id.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spoolDir } from './spool.js';

export interface KnownSession {
  key: string;
  agent: string;
  sessionId: string;
  /** Id of the session record sealed for it, so a session that comes back is not sealed twice. */
  record?: string;
  model?: string;
}

const FILE = 'known-sessions.jsonl';

/** Appends entries with one O_APPEND write. Appending an entry again is harmless: the last one counts. */
export function appendKnownSessions(stateDir: string, entries: readonly KnownSession[]): void {
  if (entries.length === 0) return;
  // Key first, in a fixed order: the searches below look for these exact fragments.
  const text = entries
    .map((e) =>
      JSON.stringify({
        key: e.key,
        agent: e.agent,
        sessionId: e.sessionId,
        ...(e.record ? { record: e.record } : {}),
        ...(e.model ? { model: e.model } : {}),
      }),
    )
    .join('\n');
  mkdirSync(spoolDir(stateDir), { recursive: true });
  const fd = openSync(join(spoolDir(stateDir), FILE), 'a');
  try {
    // Led by a newline too: after a line torn by a crash, the new lines still start afresh.
    writeSync(fd, `\n${text}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes: searched as bytes, only the lines found are decoded. */
function readAll(stateDir: string): Buffer {
  try {
    return readFileSync(join(spoolDir(stateDir), FILE));
  } catch {
    return Buffer.alloc(0);
  }
}

/** The newest whole, readable line containing `fragment`, parsed; a torn line is passed over. */
function lastLineWith(bytes: Buffer, fragment: string, accept: (entry: KnownSession) => boolean) {
  const needle = Buffer.from(fragment, 'utf8');
  let from = bytes.length;
  while (from > 0) {
    const at = bytes.lastIndexOf(needle, from - 1);
    if (at < 0) return undefined;
    const start = bytes.lastIndexOf(0x0a, at) + 1;
    const end = bytes.indexOf(0x0a, at);
    if (end >= 0) {
      try {
        const entry = JSON.parse(bytes.toString('utf8', start, end)) as KnownSession;
        if (accept(entry)) return entry;
      } catch {
        // Torn by a crash mid-write: an earlier line may still hold the session.
      }
    }
    from = start;
  }
  return undefined;
}

/** What is known of each of `keys`, for those retired before. */
export function knownByKey(stateDir: string, keys: readonly string[]): Map<string, KnownSession> {
  const found = new Map<string, KnownSession>();
  if (keys.length === 0) return found;
  const text = readAll(stateDir);
  for (const key of keys) {
    const entry = lastLineWith(text, `{"key":${JSON.stringify(key)},`, (e) => e.key === key);
    if (entry) found.set(key, entry);
  }
  return found;
}

/** The newest retired session with this id. */
export function knownBySessionId(stateDir: string, sessionId: string): KnownSession | undefined {
  return lastLineWith(
    readAll(stateDir),
    `"sessionId":${JSON.stringify(sessionId)}`,
    (e) => e.sessionId === sessionId,
  );
}
