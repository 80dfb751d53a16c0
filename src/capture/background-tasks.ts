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
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import { removeAbandoned } from './in-flight.js';
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
