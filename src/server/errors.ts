/**
 * The server's one error type. Every refusal is an ApiError with a status and a code from a
 * closed set, answered as `{"error":{"code","message"}}` by the app's single error handler,
 * so clients and tests branch on codes, never on message text.
 */
export type ApiErrorCode =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'gone'
  | 'payload-too-large'
  | 'invalid'
  | 'rate-limited'
  | 'not-implemented'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'payload-too-large': 413,
  invalid: 422,
  'rate-limited': 429,
  'not-implemented': 501,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra machine-readable facts (e.g. the ledger problem and its seq). */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }

  toJSON(): { error: { code: ApiErrorCode; message: string } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...(this.detail ?? {}) } };
  }
}

export function badRequest(message: string): ApiError {
  return new ApiError('bad-request', message);
}

export function notFound(message: string): ApiError {
  return new ApiError('not-found', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError('forbidden', message);
}

export function invalid(message: string, detail?: Record<string, unknown>): ApiError {
  return new ApiError('invalid', message, detail);
}
