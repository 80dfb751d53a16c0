/**
 * The format-neutral report: what every report kind builds and every renderer (JSON, CSV,
 * Markdown, HTML, PDF) draws. Kinds decide what to say; renderers decide how it looks, so a
 * new kind needs no renderer work and a new format works for every kind.
 */
import type { ChangeFacts, CommitInfo, Period } from '../core/change-facts.js';
import { changeFacts, collectChanges, factsContext, selectChanges } from '../core/change-facts.js';
import { countLabel } from '../core/count-label.js';
import type { Policy } from '../core/policy.js';
import type { TrailIndex } from '../core/trail-index.js';

export const REPORT_KINDS = ['soc2', 'eu-ai-act', 'nist-ai-rmf', 'slsa', 'checklist', 'gaps'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_FORMATS = ['json', 'csv', 'md', 'html', 'pdf', 'jsonl'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type Cell = string | number | null;

export interface ReportColumn {
  key: string;
  title: string;
  /** Relative width in page layouts (default 1). */
  weight?: number;
  /** `id` (commit, checkpoint): shown as 12 characters in human formats, in full in CSV and JSON; `time`: an ISO time, shown with a space for the T. */
  kind?: 'text' | 'id' | 'time' | 'number' | 'status';
  /** Most lines a cell may take in the PDF before it is cut with an ellipsis (default 3). */
  maxLines?: number;
}

export interface ReportTable {
  columns: ReportColumn[];
  rows: Cell[][];
}

export interface ReportSection {
  id: string;
  title: string;
  /** Paragraphs before the table. */
  intro?: string[];
  table?: ReportTable;
  /** Remarks after the table. */
  notes?: string[];
}

export interface LedgerStatus {
  ok: boolean;
  records: number;
  writers: number;
  logs: number;
  /** The first problems `trail verify` found, one line each. */
  problems: string[];
  problemCount: number;
  /** Set when the records were checked by someone else (the server, on ingest), not by trail verify here. */
  checkedBy?: string;
  /**
   * Per writer whose log a trusted RFC 3161 authority stamps (`trail timestamp`): how many
   * of its records existed by when, on that authority's clock.
   */
  timestamps?: Array<{ writerId: string; writer?: string; records: number; time: string; authority: string }>;
}

export interface ReportScope {
  repository: string;
  branch?: string;
  /** For people: what the report covers. */
  description: string;
}

export interface ReportDocument {
  title: string;
  kind: ReportKind;
  period: Period;
  scope: ReportScope;
  generatedAt: string;
  /** The policy the changes were judged against. */
  policy: string;
  ledger: LedgerStatus;
  summary: Array<{ label: string; value: Cell }>;
  sections: ReportSection[];
}

/** Everything a report kind builds from: the ledger's index, git's commits, the policy. */
export interface ReportInput {
  index: TrailIndex;
  /** Commits read from git for the scope (non-merge, reachable from the reported ref). */
  commits: readonly CommitInfo[];
  policy: Policy;
  policySource?: string;
  ledger: LedgerStatus;
  /** Writers whose logs failed verification. */
  problemWriters: ReadonlySet<string>;
  /**
   * Approvals that trail verify found changed after they were given (a correction, a
   * rewrite, an altered record), by review record id: what changed. Absent where the ledger
   * was not verified here (the server), and then no approval is known to be void.
   */
  changedAfterApproval?: ReadonlyMap<string, string>;
  /**
   * Reviews left out of the index because nothing trusted vouches for them (review-trust.ts):
   * how many. On the server, judged with the keys in force there (server/review-trust.ts).
   */
  reviewsNotCounted?: number;
  /**
   * Reviews that count only because an RFC 3161 timestamp shows they came before their key's
   * revocation (review-trust.ts countsOnTimestamp): how many. A report says so, as what those
   * approvals rest on.
   */
  reviewsOnTimestamp?: number;
  period: Period;
  scope: ReportScope;
  /**
   * Origin's `git+https://HOST/ORG/NAME` where origin is on a host (core/commit-descriptor.ts):
   * the `uri` of the commits provenance names. Absent on the server, which knows no remote.
   */
  repositoryUri?: string;
  generatedAt: string;
  /** Number of trusted keys in .trail/keys; on the server, of keys in force there. */
  trustedKeys?: number;
  /**
   * Where those keys are, as the NIST report says it ("in .trail/keys" in a clone); on the
   * server "in force on the server": registered by trail push, not revoked, and approved
   * where the key set is locked.
   */
  trustedKeysWhere?: string;
  /**
   * When this clone's `trail init` first ran (`.trail/config.json`): a commit authored before
   * it could not have been recorded, and the gaps report says so. On the server, as trail push
   * sent it with the policy (absent where it never did).
   */
  trackedSince?: string;
  /**
   * On the server: the pushes code hosts reported to the default branch in the period, held
   * against what `trail push` sent. Absent in a clone, which reads git itself.
   */
  hostPushes?: readonly HostPush[];
}

/** A push a code host reported (by a verified webhook) to a repository's default branch. */
export interface HostPush {
  repo: string;
  host: string;
  /** When the server received the delivery. */
  time: string;
  branch: string;
  before: string;
  after: string;
  /**
   * The push rewrote the branch: GitHub says so; for GitLab the server finds the old head
   * missing from the new head's history (server/forced-pushes.ts). A GitLab push it cannot
   * judge yet (the new head not sent by `trail push`) is not counted as forced until it can.
   */
  forced: boolean;
  /** Commits of the push that `trail push` never sent and no checkpoint on the server names. */
  unsent: readonly string[];
  /** The host listed fewer commits than the push carried (GitLab lists 20), so more may be unsent. */
  truncated: boolean;
}

/** What every report kind opens with: which report, for when and what, judged by which policy. */
export function reportHeading(
  input: ReportInput,
  title: string,
  kind: ReportKind,
): Pick<ReportDocument, 'title' | 'kind' | 'period' | 'scope' | 'generatedAt' | 'policy' | 'ledger'> {
  return {
    title,
    kind,
    period: input.period,
    scope: input.scope,
    generatedAt: input.generatedAt,
    policy: input.policySource ?? 'default policy (no .trail/policy.yml)',
    ledger: input.ledger,
  };
}

export function ledgerSentence(ledger: LedgerStatus): string {
  if (ledger.ok && ledger.checkedBy) {
    return `Ledger as held by ${ledger.checkedBy}: ${ledger.records.toLocaleString('en-US')} records from ${ledger.writers} writer${ledger.writers === 1 ? '' : 's'}, checked when they were ingested; run trail verify on a clone for an end-to-end check.`;
  }
  if (ledger.ok) {
    return `Ledger verified: ${countLabel(ledger.records, 'record')} in ${ledger.logs} log${ledger.logs === 1 ? '' : 's'} from ${ledger.writers} writer${ledger.writers === 1 ? '' : 's'}; hashes, hash chains, Merkle roots and signatures hold.${timestampSentence(ledger)}`;
  }
  return `LEDGER VERIFICATION FAILED: ${ledger.problemCount} problem${ledger.problemCount === 1 ? '' : 's'} (run trail verify); records from the failing logs cannot be relied on.`;
}

/**
 * What trusted timestamping authorities vouch for, after the verdict: how many writers' logs
 * they stamp, and the records their newest tokens cover (time on the authority's clock).
 */
function timestampSentence(ledger: LedgerStatus): string {
  const stamped = ledger.timestamps ?? [];
  if (stamped.length === 0) return '';
  const newest = stamped.reduce((a, b) => (b.time > a.time ? b : a));
  const records = stamped.reduce((sum, t) => sum + t.records, 0);
  return ` RFC 3161 timestamps from a trusted authority show ${countLabel(records, 'record')} of ${stamped.length} writer${stamped.length === 1 ? '' : 's'} existed by their stamped times (newest ${newest.time}, ${newest.authority}).`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The period for people: dates, with an exclusive midnight `until` shown as the day before. */
export function periodText(period: Period): string {
  const since = period.since ? day(period.since) : undefined;
  let until: string | undefined;
  if (period.until) {
    const t = Date.parse(period.until);
    until = period.until.includes('T00:00:00') ? day(new Date(t - 1).toISOString()) : period.until;
  }
  if (since && until) return `${since} to ${until}`;
  if (since) return `from ${since}`;
  if (until) return `up to ${until}`;
  return 'all recorded history';
}

const UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** ISO time without milliseconds, UTC (`YYYY-MM-DDThh:mm:ssZ`). */
export function isoSeconds(time: string | undefined): string {
  if (!time) return '';
  if (UTC_MILLIS.test(time)) return `${time.slice(0, 19)}Z`;
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function oneLine(text: string | undefined, max = 160): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

export { countLabel };

/** The facts of every change a report covers, oldest first. */
export function reportChanges(input: ReportInput): ChangeFacts[] {
  return collectChanges(input.index, input.commits, input.period, input.changedAfterApproval);
}

/**
 * Each change a report covers, oldest first, one at a time: for reports over very many
 * changes, so that only the rows they make are kept, not every change's facts.
 */
export function forEachChange(input: ReportInput, visit: (facts: ChangeFacts) => void): void {
  const ctx = factsContext(input.index, input.changedAfterApproval);
  for (const ref of selectChanges(ctx, input.commits, input.period))
    visit(changeFacts(ctx, ref.sha, ref.git));
}

/**
 * Whether a change stands approved: it has an approving review, and not every approval was
 * changed after it was given. A report counts these, never a void approval.
 */
export function approvalHolds(facts: ChangeFacts): boolean {
  return facts.approvals.length > 0 && facts.approvalVoid === undefined;
}

/** What a report says in place of an approval time when the approval no longer holds. */
export const APPROVAL_VOID = 'void: changed after approval';

/** When the change was approved, or that its approval is void; empty when it never was. */
export function approvedAtCell(facts: ChangeFacts): string {
  return facts.approvalVoid === undefined ? isoSeconds(facts.approvedAt) : APPROVAL_VOID;
}

/** A change's test evidence in a few words: `12/12 passed, 91% lines`. */
export function testsCell(facts: ChangeFacts): string {
  const t = facts.test;
  if (!t) return 'none';
  const coverage =
    t.coverage === undefined
      ? ''
      : `, ${Number.isInteger(t.coverage) ? t.coverage : t.coverage.toFixed(1)}% lines`;
  if (facts.testStatus === 'failed')
    return `${t.passed}/${t.tests} passed, ${t.failed + t.errored} failed${coverage}`;
  if (facts.testStatus === 'empty') return 'no tests ran';
  return `${t.passed}/${t.tests} passed${coverage}`;
}

/** Each reviewer's standing decision: approvers by name, others with their decision. */
export function reviewersCell(facts: ChangeFacts): string {
  if (facts.reviews.length === 1 && facts.reviews[0]!.decision === 'approve')
    return facts.reviews[0]!.reviewer;
  return facts.reviews
    .map((r) =>
      r.decision === 'approve'
        ? r.reviewer
        : `${r.reviewer} (${r.decision === 'request-changes' ? 'changes requested' : 'commented'})`,
    )
    .join('; ');
}

/** What a request cell says of a commit whose checkpoint a logged retention purge removed. */
export const PURGED_CHECKPOINT_CELL = 'checkpoint removed by a retention purge';

/** What was asked, in one line: the request summary, the first prompt, or the commit subject. */
export function requestCell(facts: ChangeFacts, max = 200): string {
  if (!facts.checkpoint && facts.purgedBefore !== undefined)
    return `${PURGED_CHECKPOINT_CELL}; commit: ${oneLine(facts.git?.subject, max - PURGED_CHECKPOINT_CELL.length - 10)}`;
  if (!facts.checkpoint) {
    const missing = facts.personsChecksLabel ? 'no agent session' : 'no checkpoint';
    return `${missing}; commit: ${oneLine(facts.git?.subject, max - missing.length - 11)}`;
  }
  return oneLine(facts.requestSummary ?? facts.prompt, max) || '(no prompt recorded)';
}

/** A cell as people read it (Markdown, HTML, PDF): ids shortened, times with a space for the T. */
export function displayText(value: Cell, column: ReportColumn): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (column.kind === 'id' && text.length > 12) return text.slice(0, 12);
  if (column.kind === 'time') return text.replace('T', ' ');
  return text;
}

export type Tone = 'good' | 'bad' | 'warn';

/** How a status cell reads: good (passed, approved, deployed...), bad (failed, reverted...) or a warning. */
export function statusTone(text: string): Tone | undefined {
  const t = text.toLowerCase();
  if (/^(failed|not approved|approval void|reverted|missing|no\b|changes requested|high|critical)/.test(t))
    return 'bad';
  if (/^(passed|approved|deployed|evidence|yes)/.test(t)) return 'good';
  if (/^(partial|pending|medium)/.test(t)) return 'warn';
  return undefined;
}

/** A note for tables of approvals: reviews the report did not count, and why, when there are any. */
export function reviewsNotCountedNotes(input: ReportInput): string[] {
  const onTimestamp = input.reviewsOnTimestamp ?? 0;
  const timestamped =
    onTimestamp === 0
      ? []
      : [
          `${countLabel(onTimestamp, 'review')} in the ledger ${onTimestamp === 1 ? 'counts' : 'count'} on an RFC 3161 timestamp: the key that vouches for ${onTimestamp === 1 ? 'it' : 'them'} is revoked since, and a trusted authority's timestamp over the reviewer's log shows ${onTimestamp === 1 ? 'it' : 'they'} came first (trail show says which).`,
        ];
  const n = input.reviewsNotCounted ?? 0;
  if (n === 0) return timestamped;
  // A ledger checked by the server was judged with the keys in force there, not a clone's.
  const judge = input.ledger.checkedBy ? 'no key in force on the server' : 'nothing this clone trusts';
  const listed = input.ledger.checkedBy
    ? "each checkpoint's page on the server lists them with the reason"
    : 'trail check and trail show list each with the reason';
  return [
    ...timestamped,
    `${countLabel(n, 'review')} in the ledger ${n === 1 ? 'is' : 'are'} not counted: ${judge} vouches for ${n === 1 ? 'it' : 'them'} (an unknown or revoked key, or a log no trusted writer signs). ${listed[0]!.toUpperCase()}${listed.slice(1)}.`,
  ];
}
