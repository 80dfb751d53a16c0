/**
 * Shell commands an agent sent to the background (Claude Code's Bash with `run_in_background`,
 * or a command its timeout moved there): their after-hook comes as they start, so the command
 * is recorded without an exit code. Claude Code tells the model of their end with a
 * `<task-notification>` message, which reaches the UserPromptSubmit hook as if the person had
 * typed it. The start leaves a note in the spool's `background/` folder, by tool call id, and
 * the notification takes it, so the command is recorded again as it ended, with its exit code.
 *
 * A note holds the command as redacted for the spool: nothing is kept at rest that the spool
 * itself would not keep. A note nobody takes (a dev server left running) goes after a day.
 */
import { closeSync, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { CUT_MARGIN } from '../core/cut.js';
import { sha256Hex } from '../core/hash.js';
import { readRange } from '../io/read-range.js';
import { removeAbandoned } from './in-flight.js';
import { OUTPUT_TAIL_CHARS, outputTail } from './observation.js';
import { readState, spoolDir, writeState } from './spool.js';

export interface BackgroundStart {
  /** As redacted for the spool. */
  command: string;
  /** When its after-hook came: the command started then. */
  startedAt: string;
}

const FOLDER = 'background';

function noteName(key: string, toolUseId: string): string {
  return join(FOLDER, `${key}-${sha256Hex(toolUseId).slice(0, 16)}.json`);
}

/** Keeps what a background command's end will need of its start. */
export function noteBackgroundStart(
  stateDir: string,
  key: string,
  toolUseId: string,
  start: BackgroundStart,
): void {
  removeAbandoned(join(spoolDir(stateDir), FOLDER));
  writeState(stateDir, noteName(key, toolUseId), start);
}

/** The start of the background command `toolUseId` of session `key`, taken: it ends once. */
export function takeBackgroundStart(
  stateDir: string,
  key: string,
  toolUseId: string,
): BackgroundStart | undefined {
  const name = noteName(key, toolUseId);
  const start = readState<Partial<BackgroundStart> | undefined>(stateDir, name, undefined);
  try {
    unlinkSync(join(spoolDir(stateDir), name));
  } catch {
    // Not there (its start came before Trail kept notes), or taken by a retry of this hook.
  }
  return typeof start?.command === 'string' && typeof start.startedAt === 'string'
    ? { command: start.command, startedAt: start.startedAt }
    : undefined;
}

/**
 * The end of a background task's output, from the file its notification names: only a regular
 * file named `<task-id>.output` in a `tasks` folder, as Claude Code writes them, so a prompt
 * that only looks like a notification reads nothing else. Undefined where there is none; the
 * caller redacts it as any event.
 */
export function backgroundOutputTail(
  outputFile: string | undefined,
  taskId: string | undefined,
): string | undefined {
  if (outputFile === undefined || taskId === undefined || !isAbsolute(outputFile)) return undefined;
  if (basename(outputFile) !== `${taskId}.output` || basename(dirname(outputFile)) !== 'tasks')
    return undefined;
  let fd: number | undefined;
  try {
    if (!lstatSync(outputFile).isFile()) return undefined;
    fd = openSync(outputFile, 'r');
    const size = fstatSync(fd).size;
    // Four bytes a character at most: enough bytes for the characters kept, and for those
    // around the cut, where a secret the cut would go through must be seen whole (cut-rules.ts).
    const from = Math.max(0, size - (OUTPUT_TAIL_CHARS + CUT_MARGIN) * 4);
    const bytes = readRange(fd, from, size - from);
    // Not from the middle of a character: skip UTF-8 continuation bytes at the start.
    let start = 0;
    while (from > 0 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
    return outputTail(bytes.toString('utf8', start));
  } catch {
    return undefined; // Gone (Claude Code's temp folder is cleaned), or unreadable: no tail.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
