/**
 * The report module's public face: the kinds, the formats, and `generateReport` for the
 * server (GET /api/v1/reports/:kind, src/server/routes/reports.ts), which hands over the
 * records of the repositories in scope and gets the rendered report back. The CLI builds the
 * same documents from a clone (src/cli/commands/report.ts).
 */
import type { CommitInfo } from '../core/change-facts.js';
import { TrailError } from '../core/errors.js';
import type { Policy } from '../core/policy.js';
import { defaultPolicy } from '../core/policy.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import type { HostPush, ReportFormat, ReportKind } from './document.js';
import { REPORT_FORMATS, REPORT_KINDS } from './document.js';
import { REPORT_BUILDERS, renderReport } from './kinds.js';

export type {
  Cell,
  LedgerStatus,
  ReportColumn,
  ReportDocument,
  ReportFormat,
  ReportInput,
  ReportKind,
  ReportSection,
  ReportTable,
} from './document.js';
export { REPORT_FORMATS, REPORT_KINDS } from './document.js';
export { KINDS_READING_HOST_PUSHES, REPORT_BUILDERS, renderReport } from './kinds.js';
export { REPORT_PAYLOAD_TYPE, signReport, verifyReport } from './signing.js';
export { buildSlsaBundle, slsaStatement } from './slsa.js';

/** What the server passes: the records in scope, already indexed. */
export interface ServerReportInput {
  kind: string;
  repo: string | null;
  repos: string[];
  since?: string;
  until?: string;
  format?: string;
  records: StoredRecord[];
  /** The records with the reviews the server counts, the code hosts' webhook reviews among them. */
  index: TrailIndex;
  /** Ledger reviews the server set aside: no key in force for the repository vouches for them. */
  reviewsNotCounted?: number;
  /** Ledger reviews the server counts only on a timestamp its operator's authorities vouch for. */
  reviewsOnTimestamp?: number;
  /** The commits `trail push` sent for the repositories in scope (none: only checkpoints are known). */
  commits?: readonly CommitInfo[];
  /**
   * The policy to judge by, and where it came from (no source: the default policy), with when
   * Trail began tracking the repositories, as trail push sent it.
   */
  policy?: { policy: Policy; source?: string; trackedSince?: string };
  /** Code hosts' pushes to the default branch in the period, held against the commits sent. */
  hostPushes?: readonly HostPush[];
  /**
   * The keys in force on the server for the repositories in scope: registered from their
   * .trail/keys by trail push, not revoked, approved where the key set is locked.
   */
  keysInForce?: number;
}

const CONTENT_TYPES: Record<Exclude<ReportFormat, 'jsonl'>, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

/**
 * A report over the server's records, the commits `trail push` sent (so commits without a
 * checkpoint are listed) and the policy it sent. The server holds no writer key, so SLSA
 * envelopes come from `trail report slsa` on a clone.
 */
export async function generateReport(
  kind: string,
  input: ServerReportInput,
): Promise<{ body: Uint8Array; contentType: string }> {
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) {
    throw new TrailError('NOT_FOUND', `no report kind "${kind}": choose ${REPORT_KINDS.join(', ')}`);
  }
  const asked = input.format === 'markdown' ? 'md' : (input.format ?? 'json');
  if (!(REPORT_FORMATS as readonly string[]).includes(asked)) {
    throw new TrailError('USAGE', `unknown format "${asked}": choose json, csv, md, html or pdf`);
  }
  if (asked === 'jsonl') {
    throw new TrailError(
      'USAGE',
      "SLSA envelopes are signed with a clone's key: run trail report slsa in a clone of the repository",
    );
  }
  const format = asked as Exclude<ReportFormat, 'jsonl'>;
  const writers = new Set(input.records.map((r) => r.writerId));
  const repository =
    input.repo ?? (input.repos.length === 1 ? input.repos[0]! : `${input.repos.length} repositories`);
  const doc = REPORT_BUILDERS[kind as ReportKind]({
    index: input.index,
    commits: input.commits ?? [],
    policy: input.policy?.policy ?? defaultPolicy(),
    ...(input.policy?.source ? { policySource: input.policy.source } : {}),
    ...(input.policy?.trackedSince ? { trackedSince: input.policy.trackedSince } : {}),
    ledger: {
      ok: true,
      records: input.records.length,
      writers: writers.size,
      logs: writers.size,
      problems: [],
      problemCount: 0,
      checkedBy: 'the Trail server',
    },
    problemWriters: new Set(),
    ...(input.reviewsNotCounted ? { reviewsNotCounted: input.reviewsNotCounted } : {}),
    ...(input.reviewsOnTimestamp ? { reviewsOnTimestamp: input.reviewsOnTimestamp } : {}),
    hostPushes: input.hostPushes ?? [],
    ...(input.keysInForce !== undefined
      ? { trustedKeys: input.keysInForce, trustedKeysWhere: 'in force on the server' }
      : {}),
    period: { since: input.since, until: input.until },
    scope: {
      repository,
      description: `${input.repos.join(', ') || 'no repositories'}: ${
        input.commits && input.commits.length > 0
          ? `every checkpoint the server holds, and the ${input.commits.length} commits trail push sent for the period`
          : 'every checkpoint the server holds (no commits pushed: commits without a checkpoint are not listed)'
      }`,
    },
    generatedAt: new Date().toISOString(),
  });
  return { body: await renderReport(doc, format), contentType: CONTENT_TYPES[format] };
}
