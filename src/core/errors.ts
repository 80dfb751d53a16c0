/**
 * Errors a person can cause or a check can find carry a typed code, so callers and tests
 * branch on the code rather than on message text. The CLI turns a TrailError into one
 * line on stderr and a non-zero exit; anything else is a bug and keeps its stack.
 */
export type TrailErrorCode =
  | 'USAGE'
  | 'INVALID_RECORD'
  | 'INVALID_JSON'
  | 'NOT_CANONICAL'
  | 'NOT_A_REPO'
  | 'NOT_INITIALISED'
  | 'KEY_MISSING'
  | 'KEY_INVALID'
  | 'SIGNATURE_INVALID'
  | 'LOCK_TIMEOUT'
  | 'CONFLICT'
  | 'GIT_FAILED'
  | 'NOT_FOUND'
  | 'INPUT_INVALID'
  | 'POLICY_INVALID'
  | 'VERIFY_FAILED'
  | 'LISTEN_FAILED'
  | 'DATABASE_UNAVAILABLE';

export class TrailError extends Error {
  readonly code: TrailErrorCode;
  /** Exit status the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: TrailErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrailError';
    this.code = code;
    this.exitCode = options?.exitCode ?? (code === 'USAGE' ? 2 : 1);
  }
}

export function isTrailError(error: unknown): error is TrailError {
  return error instanceof TrailError;
}

/** What node:fs's error codes mean, in words; ENOENT depends on reading or writing. */
const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  EISDIR: 'it is a folder',
  // mkdir of a path that is a file
  EEXIST: 'it is a file, not a folder',
  ENOTDIR: 'part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
};

/**
 * A failed file read or write as one line a person can act on: `cannot read x.json: no such
 * file`, not `ENOENT` or a stack. `error` is what node:fs threw.
 */
export function fileError(action: 'read' | 'write', path: string, error: unknown): TrailError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? action === 'read'
        ? 'no such file'
        : 'its folder does not exist'
      : ((code && FILE_PROBLEMS[code]) ?? code ?? (error as Error | undefined)?.message ?? 'error');
  return new TrailError('INPUT_INVALID', `cannot ${action} ${path}: ${why}`, { cause: error });
}

/** What a command reading HEAD says before the first commit, when HEAD names no commit. */
export function noCommitsYet(): TrailError {
  return new TrailError('NOT_FOUND', 'this repository has no commits yet');
}
