/**
 * One change, as the policy check, the audit checklist and every report see it: a commit,
 * its checkpoint (if any), the sessions and events sealed into it, and what happened to it
 * after (reviews, test results, deployments, rollbacks). Derived once from the TrailIndex so
 * that `trail check`, the reports and the dashboard cannot disagree about a change.
 *
 * Nothing here fills a missing field: an absent value stays absent and the callers report
 * it as a gap (DESIGN.md principle 4).
 */
import { isPersonsChecks } from './day-session.js';
import type { DeployStatus } from './deploy-state.js';
import { deployState } from './deploy-state.js';
import type { EventType, RecordOf } from './records.js';
import type { StoredRecord, TrailIndex } from './trail-index.js';
import { usageShare, usageTokens } from './usage-share.js';

/** A commit as read from git. */
export interface CommitInfo {
  sha: string;
  parents: string[];
  /** `Name <email>`. */
  author: string;
  authorEmail: string;
  /** Author date, ISO 8601. */
  date: string;
  subject: string;
  paths: string[];
  /** The key its `Trail-Checkpoint:` trailer names: a checkpoint was written for it. */
  checkpointKey?: string;
}

/** A period of time: `since` inclusive, `until` exclusive, both ISO instants; absent is open. */
export interface Period {
  since?: string;
  until?: string;
}

export interface SessionFacts {
  sessionId: string;
  agent: string;
  agentVersion?: string;
  model?: string;
  startedAt?: string;
  endedAt?: string;
  hasBoundary: boolean;
}

export interface ReviewFacts {
  reviewer: string;
  decision: 'approve' | 'request-changes' | 'comment';
  time: string;
  examinedReasoning: boolean;
  /** Neither the requester nor the commit's author (the two-person rule). */
  independent: boolean;
  /** Why not independent: "requester", "author". */
  conflicts: string[];
  signed: boolean;
  /**
   * What changed after this approval, where `trail verify` found its checkpoint, or a record
   * the checkpoint seals, corrected, rewritten or altered since: the approval no longer
   * covers the change as it stands.
   */
  changedAfterApproval?: string;
}

export interface TestFacts {
  time: string;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  errored: number;
  suites: number;
  tool?: string;
  coverage?: number;
}

export type TestStatus = 'passed' | 'failed' | 'empty' | 'none';

export interface ChangeFacts {
  commit: string;
  /** The commit as git reported it, when it was among the commits read. */
  git?: CommitInfo;
  checkpoint?: StoredRecord<RecordOf<'checkpoint'>>;
  /** The checkpoint's key (`ckpt_…`) or the start of its record id; empty without one. */
  checkpointLabel: string;
  /**
   * The label of the commit's checkpoint where it holds only a person's checks: `checkpoint`
   * is then empty, as the commit is judged hand-written (see holdsOnlyPersonsChecks).
   */
  personsChecksLabel?: string;
  /**
   * Where the commit has no checkpoint but its trailer says one was written, and a logged
   * retention purge removed records from before the commit: that purge's cutoff. Such a
   * commit was not hand-written, nor did capture fail.
   */
  purgedBefore?: string;
  /** When the change was made: the checkpoint's time, else the commit's date. */
  time: string;
  author?: string;
  sessions: SessionFacts[];
  models: string[];
  requester?: string;
  tickets: Array<{ id: string; url?: string }>;
  acceptanceCriteria: string[];
  requestSummary?: string;
  /** The first prompt of the change's sessions: the request as the person typed it. */
  prompt?: string;
  promptTime?: string;
  eventCount: number;
  eventCounts: Partial<Record<EventType, number>>;
  contextSources: Record<string, number>;
  firstEditTime?: string;
  commands: string[];
  alternatives: number;
  alternativesWithoutReason: number;
  risks: Array<{ text: string; severity?: string }>;
  validations: { passed: number; failed: number; skipped: number };
  repairs: number;
  /**
   * The tokens and cost this change added to its sessions (usageShare: a sealed usage record
   * is its session's total so far, so the figures themselves would count earlier commits'
   * turns again); `records` is how many usage records its checkpoint seals.
   */
  usage: { inputTokens: number; outputTokens: number; costUsd: number; records: number };
  /** The latest decision of each reviewer (comments do not change a decision). */
  reviews: ReviewFacts[];
  approvals: ReviewFacts[];
  changesRequested: ReviewFacts[];
  /** When the last approval came in (the last that still holds, when some do). */
  approvedAt?: string;
  /**
   * Set when the change has approvals and every one of them was changed after it was given
   * (ReviewFacts.changedAfterApproval): what changed after the last one. Such a change was
   * approved once, but is not approved as it stands.
   */
  approvalVoid?: string;
  test?: TestFacts;
  testStatus: TestStatus;
  deployments: Array<{ env: string; time: string }>;
  rollbacks: Array<{ env: string; time: string; to: string; reason: string }>;
  status: DeployStatus;
  /** Where it is deployed now, or (when reverted) where it was rolled back. */
  environments: string[];
  paths: string[];
  lines: { ai: number; human: number; unknown: number };
}

/** `Name <email>` and `EMAIL` compare equal; otherwise case-insensitive text. */
export function identityKey(identity: string | undefined): string | undefined {
  if (!identity) return undefined;
  const match = /<([^>]+)>/.exec(identity);
  const key = (match ? match[1]! : identity).trim().toLowerCase();
  return key.length > 0 ? key : undefined;
}

export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  const ka = identityKey(a);
  return ka !== undefined && ka === identityKey(b);
}

export function inPeriod(time: string, period: Period | undefined): boolean {
  if (!period || (!period.since && !period.until)) return true;
  const t = Date.parse(time);
  if (Number.isNaN(t)) return false;
  if (period.since && t < Date.parse(period.since)) return false;
  if (period.until && t >= Date.parse(period.until)) return false;
  return true;
}

/** Lookups prepared once for many changes. */
export interface FactsContext {
  index: TrailIndex;
  /** Commits whose checkpoint was replaced by a rewrite (amend, rebase...). */
  superseded: Set<string>;
  /**
   * Approvals changed after they were given, by review record id: what changed. Only a
   * verification of the ledger knows this (trail verify's approval pass); without one it is
   * empty and every approval is taken as it reads.
   */
  changedAfterApproval: ReadonlyMap<string, string>;
}

export function factsContext(
  index: TrailIndex,
  changedAfterApproval: ReadonlyMap<string, string> = new Map(),
): FactsContext {
  const superseded = new Set<string>();
  for (const c of index.checkpoints) {
    const from = c.record.rewrittenFrom?.commit;
    if (from && from !== c.record.commit) superseded.add(from);
  }
  return { index, superseded, changedAfterApproval };
}

/** How a checkpoint is named to people: its key (`ckpt_…`), else the start of its id. */
export function checkpointLabelOf(c: StoredRecord<RecordOf<'checkpoint'>> | undefined): string {
  if (!c) return '';
  return c.record.key ?? c.id.slice(0, 12);
}

function eventsOf(
  index: TrailIndex,
  checkpoint: RecordOf<'checkpoint'>,
): Array<StoredRecord<RecordOf<'event'>>> {
  if (checkpoint.events.length > 0) {
    const out: Array<StoredRecord<RecordOf<'event'>>> = [];
    for (const id of checkpoint.events) {
      const stored = index.byId.get(id);
      if (stored?.record.kind === 'event') out.push(stored as StoredRecord<RecordOf<'event'>>);
    }
    return out;
  }
  // An older checkpoint may not list its events: take its sessions' events instead.
  return checkpoint.sessions.flatMap((s) => index.eventsBySession.get(s.sessionId) ?? []);
}

function reviewFacts(
  reviews: ReadonlyArray<StoredRecord<RecordOf<'review'>>>,
  requester: string | undefined,
  author: string | undefined,
  changedAfterApproval: ReadonlyMap<string, string>,
): ReviewFacts[] {
  if (reviews.length === 0) return [];
  const latest = new Map<string, ReviewFacts>();
  const requesterKey = identityKey(requester);
  const authorKey = identityKey(author);
  for (const { id, record: r } of reviews) {
    const reviewerKey = identityKey(r.reviewer) ?? r.reviewer;
    const conflicts: string[] = [];
    if (r.reviewerIsRequester || reviewerKey === requesterKey) conflicts.push('requester');
    if (r.reviewerIsAuthor || reviewerKey === authorKey) conflicts.push('author');
    const facts: ReviewFacts = {
      reviewer: r.reviewer,
      decision: r.decision,
      time: r.time,
      examinedReasoning: r.examinedReasoning,
      independent: conflicts.length === 0,
      conflicts,
      signed: r.signature !== undefined,
    };
    const changed = r.decision === 'approve' ? changedAfterApproval.get(id) : undefined;
    if (changed !== undefined) facts.changedAfterApproval = changed;
    const previous = latest.get(reviewerKey);
    // A comment keeps an earlier decision; it only stands alone when there is none.
    if (r.decision === 'comment' && previous && previous.decision !== 'comment') {
      if (r.examinedReasoning) previous.examinedReasoning = true;
      continue;
    }
    if (previous?.examinedReasoning && facts.decision === previous.decision) facts.examinedReasoning = true;
    latest.set(reviewerKey, facts);
  }
  return [...latest.values()];
}

function testFacts(results: ReadonlyArray<StoredRecord<RecordOf<'test-result'>>> | undefined): {
  test?: TestFacts;
  testStatus: TestStatus;
} {
  const latest = results?.[results.length - 1]?.record;
  if (!latest) return { testStatus: 'none' };
  const t = latest.totals;
  const test: TestFacts = {
    time: latest.time,
    tests: t.tests,
    passed: t.passed,
    failed: t.failed,
    skipped: t.skipped,
    errored: t.errored,
    suites: latest.suites.length,
    tool: latest.tool,
    coverage: latest.coverage?.lines.pct,
  };
  const testStatus: TestStatus = t.failed + t.errored > 0 ? 'failed' : t.tests === 0 ? 'empty' : 'passed';
  return { test, testStatus };
}

/**
 * Whether a checkpoint holds only a person's checks (`trail exec` outside any session, carried
 * by the next commit). Such a checkpoint records a hand-written commit: the policy and the
 * reports judge the commit as they would without it, so running checks never makes a
 * hand-written commit fare worse, nor counts it as AI work.
 */
function holdsOnlyPersonsChecks(checkpoint: StoredRecord<RecordOf<'checkpoint'>>): boolean {
  const sessions = checkpoint.record.sessions;
  return sessions.length > 0 && sessions.every((s) => isPersonsChecks(s.sessionId, s.agent));
}

/** The commit's checkpoint, where it records agent work (not only a person's checks). */
function agentCheckpoint(
  index: TrailIndex,
  commit: string,
): StoredRecord<RecordOf<'checkpoint'>> | undefined {
  const checkpoint = index.checkpointByCommit.get(commit);
  return checkpoint && !holdsOnlyPersonsChecks(checkpoint) ? checkpoint : undefined;
}

/**
 * What a change judged without a checkpoint lacks, in words that agree with `trail show`:
 * a commit whose checkpoint holds only a person's checks has a checkpoint, but no agent session.
 */
export function missingCheckpointText(facts: Pick<ChangeFacts, 'personsChecksLabel'>): string {
  return facts.personsChecksLabel
    ? `no agent session (its checkpoint ${facts.personsChecksLabel} holds only a person's checks)`
    : 'no checkpoint';
}

/** The cutoff of the latest purge that removed a commit's checkpoint (see purgedBefore). */
export function purgedCheckpoint(
  index: Pick<TrailIndex, 'purges'>,
  git: Pick<CommitInfo, 'date' | 'checkpointKey'> | undefined,
): { purgedBefore?: string } {
  if (!git?.checkpointKey || index.purges.length === 0) return {};
  const made = Date.parse(git.date);
  const cutoffs = index.purges.map((p) => p.record.cutoff).filter((cutoff) => Date.parse(cutoff) > made);
  return cutoffs.length === 0 ? {} : { purgedBefore: cutoffs.sort().at(-1)! };
}

/**
 * What the reports and the checklist say of commits whose checkpoint a logged purge removed
 * (`who`: "1 commit", "the commit"), and why they are not counted as missing one: here, so
 * every report words it alike (trail check only notes them, the gaps report leaves them out).
 */
export function purgedCheckpointText(who: string, before?: string): string {
  return `${who} had a checkpoint, removed by a logged retention purge${before ? ` of records before ${before}` : ''} (the retention policy at work, not a gap)`;
}

/**
 * Sessions a checkpoint names only as `overrodeSessionId` (a person changed a line the session
 * wrote in an earlier commit): none of their lines is in this commit as theirs, and none of
 * their events was sealed with it.
 */
function sessionsOnlyOverridden(
  c: RecordOf<'checkpoint'>,
  events: ReadonlyArray<{ record: { sessionId: string } }>,
): Set<string> {
  const overridden = new Set<string>();
  const wrote = new Set<string>();
  for (const spans of Object.values(c.attribution)) {
    for (const span of spans) {
      if (span.origin === 'ai' && span.sessionId) wrote.add(span.sessionId);
      if (span.overrodeSessionId) overridden.add(span.overrodeSessionId);
    }
  }
  for (const e of events) wrote.add(e.record.sessionId);
  return new Set([...overridden].filter((id) => !wrote.has(id)));
}

/** Everything known about one commit. */
export function changeFacts(ctx: FactsContext, commit: string, git?: CommitInfo): ChangeFacts {
  const { index } = ctx;
  const recorded = index.checkpointByCommit.get(commit);
  const checkpoint = agentCheckpoint(index, commit);
  const c = checkpoint?.record;
  const author = c?.author ?? git?.author;
  const sessions: SessionFacts[] = [];
  // Arrays, not sets: a change has a handful of each, and this runs once per change.
  const models: string[] = [];
  const tickets: Array<{ id: string; url?: string }> = [];
  const criteria: string[] = [];
  let requester: string | undefined;
  let requestSummary: string | undefined;
  const events = c ? eventsOf(index, c) : [];
  const onlyOverridden = c ? sessionsOnlyOverridden(c, events) : new Set<string>();
  for (const s of c?.sessions ?? []) {
    // A session this commit names only because a person changed one of its earlier lines did
    // no work here: its request, tickets and start are not this change's.
    if (onlyOverridden.has(s.sessionId)) continue;
    const session = index.sessions.get(s.sessionId)?.record;
    const model = s.model ?? session?.model;
    if (model && !models.includes(model)) models.push(model);
    sessions.push({
      sessionId: s.sessionId,
      agent: session?.agent.name ?? s.agent,
      agentVersion: session?.agent.version,
      model,
      startedAt: session?.startedAt,
      endedAt: session?.endedAt,
      hasBoundary: session?.boundary !== undefined,
    });
    if (!session) continue;
    requester ??= session.request.requester;
    requestSummary ??= session.request.summary;
    for (const t of session.request.tickets) {
      if (!tickets.some((x) => x.id === t.id)) tickets.push({ id: t.id, url: t.url });
    }
    for (const a of session.request.acceptanceCriteria) if (!criteria.includes(a)) criteria.push(a);
  }

  const eventCounts: Partial<Record<EventType, number>> = {};
  const contextSources: Record<string, number> = {};
  const commands: string[] = [];
  const risks: ChangeFacts['risks'] = [];
  const validations = { passed: 0, failed: 0, skipped: 0 };
  const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, records: 0 };
  let prompt: string | undefined;
  let promptTime: string | undefined;
  let firstEditTime: string | undefined;
  let alternatives = 0;
  let alternativesWithoutReason = 0;
  let repairs = 0;
  for (const stored of events) {
    const { record } = stored;
    const e = record.event;
    eventCounts[e.type] = (eventCounts[e.type] ?? 0) + 1;
    switch (e.type) {
      case 'prompt':
        if (prompt === undefined) {
          prompt = e.text;
          promptTime = record.time;
        }
        break;
      case 'context':
        contextSources[e.source] = (contextSources[e.source] ?? 0) + 1;
        break;
      case 'command':
        commands.push(e.command);
        break;
      case 'validation':
        validations[e.status]++;
        if (e.command) commands.push(e.command);
        break;
      case 'alternative':
        alternatives++;
        if (e.rejectedBecause.trim().length === 0) alternativesWithoutReason++;
        break;
      case 'risk':
        risks.push({ text: e.text, severity: e.severity });
        break;
      case 'repair':
        repairs++;
        break;
      case 'file-edit':
        if (firstEditTime === undefined || record.time < firstEditTime) firstEditTime = record.time;
        break;
      case 'usage': {
        // A sealed usage record is the session's total so far: the change is what it adds.
        const share = usageShare(index, stored);
        usage.records++;
        usage.inputTokens += share.inputTokens;
        usage.outputTokens += share.outputTokens;
        usage.costUsd += share.costUsd;
        // A model whose total did not grow was not used for this change.
        if (e.model && usageTokens(share) > 0 && !models.includes(e.model)) models.push(e.model);
        break;
      }
      default:
        break;
    }
  }

  // Reviews bound to the checkpoint and to the commit (usually the same records), in time order.
  const byCheckpoint = checkpoint ? (index.reviewsByCheckpoint.get(checkpoint.id) ?? []) : [];
  const byCommit = index.reviewsByCommit.get(commit) ?? [];
  let ordered = byCommit.length === 0 ? byCheckpoint : byCheckpoint.length === 0 ? byCommit : undefined;
  if (!ordered) {
    const seen = new Set(byCheckpoint.map((r) => r.id));
    ordered = [...byCheckpoint, ...byCommit.filter((r) => !seen.has(r.id))].sort(
      (a, b) => Date.parse(a.record.time) - Date.parse(b.record.time),
    );
  }
  const reviews = reviewFacts(ordered, requester, author, ctx.changedAfterApproval);
  const approvals = reviews.filter((r) => r.decision === 'approve');
  const changesRequested = reviews.filter((r) => r.decision === 'request-changes');
  // An approval changed after it was given no longer dates the change: the last one that holds
  // does, and only when none holds is the change's approval void (dated by the last one given).
  const holding = approvals.filter((r) => r.changedAfterApproval === undefined);
  const last = (holding.length > 0 ? holding : approvals).reduce<ReviewFacts | undefined>(
    (latest, r) => (latest === undefined || Date.parse(r.time) > Date.parse(latest.time) ? r : latest),
    undefined,
  );
  const approvedAt = last?.time;
  const approvalVoid = holding.length === 0 ? last?.changedAfterApproval : undefined;

  const paths: string[] = [];
  const lines = { ai: 0, human: 0, unknown: 0 };
  for (const f of c?.files ?? []) {
    paths.push(f.path);
    lines.ai += f.aiLines;
    lines.human += f.humanLines;
    lines.unknown += f.unknownLines;
  }
  if (git) {
    const known = new Set(paths);
    for (const p of git.paths) if (!known.has(p)) paths.push(p);
  }
  const { test, testStatus } = testFacts(index.testsByCommit.get(commit));
  const deployed = deployState(
    commit,
    (index.deploymentsByCommit.get(commit) ?? []).map((d) => d.record),
    (index.rollbacksByCommit.get(commit) ?? []).map((r) => r.record),
  );

  return {
    commit,
    git,
    checkpoint,
    checkpointLabel: checkpointLabelOf(checkpoint),
    ...(recorded && !checkpoint ? { personsChecksLabel: checkpointLabelOf(recorded) } : {}),
    ...(checkpoint ? {} : purgedCheckpoint(index, git)),
    time: c?.time ?? git?.date ?? '',
    author,
    sessions,
    models,
    requester,
    tickets,
    acceptanceCriteria: criteria,
    requestSummary,
    prompt,
    promptTime,
    eventCount: events.length,
    eventCounts,
    contextSources,
    firstEditTime,
    commands,
    alternatives,
    alternativesWithoutReason,
    risks,
    validations,
    repairs,
    usage,
    reviews,
    approvals,
    changesRequested,
    approvedAt,
    ...(approvalVoid === undefined ? {} : { approvalVoid }),
    test,
    testStatus,
    deployments: deployed.deployments,
    rollbacks: deployed.rollbacks,
    status: deployed.status,
    environments: deployed.environments,
    paths,
    lines,
  };
}

/** The facts of given commits, in the order given (for `trail check`). */
export function factsForCommits(index: TrailIndex, commits: readonly CommitInfo[]): ChangeFacts[] {
  const ctx = factsContext(index);
  return commits.map((commit) => changeFacts(ctx, commit.sha, commit));
}

/** A change chosen for a report, before its facts are gathered. */
export interface ChangeRef {
  sha: string;
  git?: CommitInfo;
}

/**
 * Every change in a period: the commits read from git and every checkpoint in the ledger
 * (also those of commits on other branches), less checkpoints replaced by a rewrite.
 * Oldest first. Cheap: the facts are gathered per change by `changeFacts`, so a large
 * report can turn each into a row and let it go.
 */
export function selectChanges(
  ctx: FactsContext,
  commits: readonly CommitInfo[],
  period?: Period,
): ChangeRef[] {
  const { index } = ctx;
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const chosen: Array<{ sha: string; ms: number; git?: CommitInfo }> = [];
  const since = period?.since ? Date.parse(period.since) : Number.NEGATIVE_INFINITY;
  const until = period?.until ? Date.parse(period.until) : Number.POSITIVE_INFINITY;
  const add = (sha: string, time: string, git?: CommitInfo) => {
    const ms = Date.parse(time);
    if (!Number.isNaN(ms) && ms >= since && ms < until) chosen.push({ sha, ms, git });
  };
  for (const commit of commits) {
    add(commit.sha, agentCheckpoint(index, commit.sha)?.record.time ?? commit.date, commit);
  }
  for (const [sha, checkpoint] of index.checkpointByCommit) {
    if (!bySha.has(sha) && !ctx.superseded.has(sha) && agentCheckpoint(index, sha))
      add(sha, checkpoint.record.time);
  }
  chosen.sort((a, b) => a.ms - b.ms || (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
  return chosen.map(({ sha, git }) => ({ sha, git }));
}

/** The facts of every change in a period, oldest first (see selectChanges). */
export function collectChanges(
  index: TrailIndex,
  commits: readonly CommitInfo[],
  period?: Period,
  changedAfterApproval?: ReadonlyMap<string, string>,
): ChangeFacts[] {
  const ctx = factsContext(index, changedAfterApproval);
  return selectChanges(ctx, commits, period).map((c) => changeFacts(ctx, c.sha, c.git));
}
