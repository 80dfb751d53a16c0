/**
 * The dashboard reads everything through the server's own API, in process (`app.fetch`, no
 * socket), with the signed-in token. So a page shows exactly what that token may read (role
 * and scope are checked by the routes, not re-implemented here), and every page view is in
 * the access log as the API reads it made.
 */
import type { TrailApp } from '../app.js';

/** An API answer other than 2xx, with the API's error code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  constructor(
    private readonly app: TrailApp,
    private readonly token: string,
  ) {}

  /** The raw answer, for downloads; throws ApiFailure unless 2xx. */
  async fetch(path: string, query: Query = {}): Promise<Response> {
    const response = await this.app.fetch(
      new Request(`http://dashboard.internal${withQuery(path, query)}`, {
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
      }),
    );
    if (response.ok) return response;
    let code = 'error';
    let message = `the API answered ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiFailure(response.status, code, message);
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return (await (await this.fetch(path, query)).json()) as T;
  }
}

// The API's shapes, as the dashboard reads them (see src/server/openapi.ts).

export type ReviewStatus = 'approved' | 'pending' | 'changes-requested';

export interface CheckpointSummary {
  id: string;
  repo: string;
  writerId: string;
  seq: number;
  commit: string;
  time: string;
  author: string | null;
  branch: string | null;
  agent: string | null;
  model: string | null;
  agents: string[];
  models: string[];
  sessions: string[];
  paths: string[];
  aiLines: number;
  humanLines: number;
  unknownLines: number;
  aiShare: number | null;
  summary: string | null;
  status: ReviewStatus;
}

export interface CheckpointPage {
  checkpoints: CheckpointSummary[];
  nextCursor: string | null;
}

export interface Totals {
  key: string;
  checkpoints: number;
  aiLines: number;
  humanLines: number;
  unknownLines: number;
  aiShare: number | null;
}

export interface StatsAnswer {
  by: string;
  groups: Totals[];
  total: Totals;
}

export interface RepoInfo {
  name: string;
  org: string;
  writers: number;
  entries: number;
}

export interface TreeHead {
  log: string;
  size: number;
  root: string;
  last: string;
  time: string;
  keyId: string;
  sig: string;
}

export interface WriterStatus {
  writerId: string;
  name: string | null;
  size: number;
  root: string;
  updatedAt: string;
  headsSeen: number;
  latestHead: TreeHead | null;
  alerts: number;
  /** The largest head an RFC 3161 token the server keeps stamps (ledger-state.ts). */
  timestamp: { size: number; time: string; authority: string } | null;
}

export interface LedgerRepo {
  repo: string;
  org: string;
  writers: WriterStatus[];
  entries: number;
  alerts: number;
  status: 'consistent' | 'alerts';
  /** Whether an admin locked the key set, and the keys pushed since that wait for approval. */
  keySet?: { locked: boolean; waiting: string[] };
}

export interface Alert {
  id: number;
  repo: string;
  writerId: string | null;
  kind: string;
  seq: number | null;
  message: string;
  at: string;
}
