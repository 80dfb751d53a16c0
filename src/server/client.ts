/**
 * A small HTTP client for the Trail server's API, used by `trail push` and `trail pull`.
 * A refusal comes back as a ServerRequestError carrying the status and the server's error
 * code, with the server's one-line message.
 */
import { TrailError } from '../core/errors.js';

export class ServerRequestError extends TrailError {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(
      status === 409 ? 'CONFLICT' : status === 404 ? 'NOT_FOUND' : status === 422 ? 'VERIFY_FAILED' : 'USAGE',
      message,
      {
        exitCode: 1,
      },
    );
  }
}

export class ServerClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new TrailError('USAGE', `"${baseUrl}" is not a server URL (e.g. http://127.0.0.1:4000)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TrailError(
        'USAGE',
        `the server URL must start with http:// or https://, not ${parsed.protocol}`,
      );
    }
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
  }

  repoPath(repo: string, ...rest: string[]): string {
    return ['/api/v1/repos', encodeURIComponent(repo), ...rest.map(encodeURIComponent)].join('/');
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new TrailError(
        'USAGE',
        `could not reach the Trail server at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        { exitCode: 1 },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (
        json as { error?: { code?: string; message?: string } & Record<string, unknown> } | undefined
      )?.error;
      const hint = response.status === 401 ? ' (pass --token or set TRAIL_TOKEN)' : '';
      throw new ServerRequestError(
        response.status,
        error?.code ?? 'unknown',
        `the server refused ${method} ${path.split('?')[0]}: ${response.status} ${error?.message ?? response.statusText}${hint}`,
        error ?? {},
      );
    }
    return json as T;
  }
}
