/**
 * Everything known about one checkpoint, gathered from the index: the request, the agent
 * runs, what they were told and decided, what they ran and how checks went, which lines
 * they wrote, who reviewed it, how it was tested, where it runs. Pure, so `trail show`,
 * `trail pr-summary`, reports and the dashboard all say the same thing.
 */
import type { SetAsideReview } from '../chain/review-trust.js';
import type { EventBody, RecordOf } from '../core/records.js';
import { decisionsThatCount, reviewOutcome } from '../core/review-decision.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { compareStored } from '../core/trail-index.js';
import type { UsageCounts } from '../core/usage-share.js';
import { usageShare } from '../core/usage-share.js';

type Ev<T extends EventBody['type']> = Extract<EventBody, { type: T }> & {
  at: string;
  sessionId: string;
  provenance: string;
};

export interface ApprovalState {
  state: 'approved' | 'changes-requested' | 'commented' | 'none';
  /** For an approval: whether the checkpoint it is bound to is still the commit's latest. */
  unchangedSinceApproval?: boolean;
  detail: string;
}

/** A set of events sorted by what they tell: what a checkpoint's or a session's view lists. */
export interface EventsByType {
  prompts: Ev<'prompt'>[];
  reasoning: Ev<'reasoning'>[];
  decisions: Ev<'decision'>[];
  constraints: Ev<'constraint'>[];
  alternatives: Ev<'alternative'>[];
  risks: Ev<'risk'>[];
  context: Ev<'context'>[];
  commands: Ev<'command'>[];
  validations: Ev<'validation'>[];
  repairs: Ev<'repair'>[];
  edits: Ev<'file-edit'>[];
  toolCalls: Ev<'tool-call'>[];
}

/** An event record as a view lists it: its body, with when, whose and how it is known. */
export type ViewEvent = EventBody & { at: string; sessionId: string; provenance: string };

export function eventsByType(events: readonly ViewEvent[]): EventsByType {
  const of = <T extends EventBody['type']>(type: T) => events.filter((e) => e.type === type) as Ev<T>[];
  return {
    prompts: of('prompt'),
    reasoning: of('reasoning'),
    decisions: of('decision'),
    constraints: of('constraint'),
    alternatives: of('alternative'),
    risks: of('risk'),
    context: of('context'),
    commands: of('command'),
    validations: of('validation'),
    repairs: of('repair'),
    edits: of('file-edit'),
    toolCalls: of('tool-call'),
  };
}

export interface CheckpointView extends EventsByType {
  id: string;
  checkpoint: RecordOf<'checkpoint'>;
  writerId: string;
  sessions: Array<RecordOf<'session'> & { id?: string }>;
  /**
   * The usage records sealed with this checkpoint. Each one's figures are its session's
   * running total for the model as of this commit (the agents report cumulative usage), not
   * this commit's share; `added` is what the session used since its previous seal
   * (usageShare), and the shares of a session's checkpoints add up to its total.
   */
  usage: Array<Ev<'usage'> & { added: UsageCounts }>;
  /** The cost this commit added (the sum of `usage[].added.costUsd`), not its sessions' totals. */
  costUsd: number;
  lines: { ai: number; human: number; unknown: number; added: number; removed: number };
  /**
   * The reviews that count. `countedOnTimestamp` says why one whose key is revoked since still
   * counts: an RFC 3161 timestamp shows it came first (review-trust.ts).
   */
  reviews: Array<RecordOf<'review'> & { id: string; countedOnTimestamp?: string }>;
  /** Reviews of this change that do not count (review-trust.ts), with why: shown, not counted. */
  reviewsNotCounted: Array<{ id: string; reviewer: string; decision: string; time: string; why: string }>;
  approval: ApprovalState;
  tests: Array<RecordOf<'test-result'> & { id: string }>;
  deployments: Array<RecordOf<'deployment'> & { id: string }>;
  rollbacks: Array<RecordOf<'rollback'> & { id: string }>;
  corrections: Array<RecordOf<'correction'> & { id: string }>;
  /** Older checkpoints of this commit or of the commit it was rewritten from. */
  history: Array<{ id: string; commit: string; how?: string }>;
  /**
   * What the hooks of this checkpoint's sessions could not capture (a transcript gone, a
   * payload cut short): why a session may show no reasoning or usage.
   */
  captureGaps: Array<{ id: string; time: string; what: string; why: string }>;
}

/**
 * Everything shown about one checkpoint. `trail show` and `trail log -n` build it from an
 * index holding only the records that name the checkpoint (loadCheckpointsFirst in
 * ledger/read.ts): a lookup of another kind, or by another field, needs its key there too.
 */
export function buildCheckpointView(
  index: TrailIndex,
  stored: StoredRecord<RecordOf<'checkpoint'>>,
  /** Reviews countedReviews set aside: those of this change are listed, not counted. */
  setAside: readonly SetAsideReview[] = [],
  /** Reviews that count on a timestamp (countedReviews' `onTimestamp`), by id, with why. */
  onTimestamp: ReadonlyMap<string, string> = new Map(),
): CheckpointView {
  const c = stored.record;
  const eventIds = new Set(c.events);
  const events = c.sessions.flatMap((s) =>
    (index.eventsBySession.get(s.sessionId) ?? [])
      .filter((e) => eventIds.has(e.id))
      .map((e) => ({
        ...e.record.event,
        at: e.record.time,
        sessionId: s.sessionId,
        provenance: e.record.provenance,
        ...(e.record.event.type === 'usage' ? { added: usageShare(index, e) } : {}),
      })),
  );
  const byType = eventsByType(events);
  // The session record read is the session's newest; the model is the one this checkpoint
  // names (what the session ran on when the commit was sealed, as `trail blame` says), not
  // the one a later turn switched to.
  const sessions = c.sessions.flatMap((s) => {
    const found = index.sessions.get(s.sessionId);
    return found ? [{ ...found.record, id: found.id, ...(s.model ? { model: s.model } : {}) }] : [];
  });
  const usage = events.filter((e) => e.type === 'usage') as CheckpointView['usage'];
  const reviews = [
    ...(index.reviewsByCheckpoint.get(stored.id) ?? []),
    ...(index.reviewsByCommit.get(c.commit) ?? []).filter((r) => r.record.checkpoint !== stored.id),
  ]
    .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i)
    .map((r) => {
      const note = onTimestamp.get(r.id);
      return { ...r.record, id: r.id, ...(note ? { countedOnTimestamp: note } : {}) };
    });
  const latest = index.checkpointByCommit.get(c.commit);
  // Looked up by commit, not by scanning every checkpoint: `trail log` builds a view per checkpoint.
  const related = new Set([
    ...(index.checkpointsByCommit.get(c.commit) ?? []),
    ...(c.rewrittenFrom ? (index.checkpointsByCommit.get(c.rewrittenFrom.commit) ?? []) : []),
  ]);
  const history = [...related]
    .filter((other) => other.id !== stored.id)
    .sort(compareStored)
    .map((other) => ({
      id: other.id,
      commit: other.record.commit,
      ...(other.record.rewrittenFrom ? { how: other.record.rewrittenFrom.how } : {}),
    }));
  const deployments = (index.deploymentsByCommit.get(c.commit) ?? []).map((d) => ({ ...d.record, id: d.id }));
  const rollbacks = (index.rollbacksByCommit.get(c.commit) ?? []).map((r) => ({ ...r.record, id: r.id }));
  return {
    id: stored.id,
    checkpoint: c,
    writerId: stored.writerId,
    sessions,
    ...byType,
    usage,
    costUsd: Math.round(usage.reduce((sum, u) => sum + u.added.costUsd, 0) * 1e6) / 1e6,
    lines: c.files.reduce(
      (t, f) => ({
        ai: t.ai + f.aiLines,
        human: t.human + f.humanLines,
        unknown: t.unknown + f.unknownLines,
        added: t.added + f.added,
        removed: t.removed + f.removed,
      }),
      { ai: 0, human: 0, unknown: 0, added: 0, removed: 0 },
    ),
    reviews,
    reviewsNotCounted: setAside
      .filter(({ review: { record: r } }) => r.checkpoint === stored.id || r.commit === c.commit)
      .map(({ review, why }) => ({
        id: review.id,
        reviewer: review.record.reviewer,
        decision: review.record.decision,
        time: review.record.time,
        why,
      })),
    approval: approvalOf(reviews, stored.id, latest?.id),
    tests: (index.testsByCommit.get(c.commit) ?? []).map((t) => ({ ...t.record, id: t.id })),
    deployments,
    rollbacks,
    corrections: (index.corrections.get(stored.id) ?? []).map((x) => ({ ...x.record, id: x.id })),
    history,
    captureGaps: sessionGaps(index, new Set(c.sessions.map((s) => s.sessionId))),
  };
}

export function sessionGaps(
  index: TrailIndex,
  sessionIds: ReadonlySet<string>,
): CheckpointView['captureGaps'] {
  return index.gaps
    .filter((g) => g.record.sessionId !== undefined && sessionIds.has(g.record.sessionId))
    .map((g) => ({ id: g.id, time: g.record.time, what: g.record.what, why: g.record.why }));
}

/**
 * The latest decision of each reviewer counts, and any open request for changes wins
 * (core/review-decision.ts, the rule the server's review status follows too). An approval is bound to the checkpoint it
 * names; if the commit has a newer checkpoint since (rewrite, correction), the approval no
 * longer covers what is there, and the view says so.
 */
export function approvalOf(
  reviews: ReadonlyArray<RecordOf<'review'>>,
  checkpointId: string,
  latestId: string | undefined,
): ApprovalState {
  // The rule itself is shared with the server's review status (core/review-decision.ts).
  const decisions = decisionsThatCount(reviews);
  const outcome = reviewOutcome(reviews);
  if (outcome === 'changes-requested') return { state: 'changes-requested', detail: 'changes requested' };
  if (outcome === 'commented') return { state: 'commented', detail: 'commented, not approved' };
  if (outcome === 'none') return { state: 'none', detail: 'not reviewed' };
  const approvals = decisions.filter((r) => r.decision === 'approve');
  const bound = approvals.filter((a) => a.checkpoint === undefined || a.checkpoint === checkpointId);
  const unchanged = bound.length > 0 && latestId === checkpointId;
  const who = approvals.map((a) => a.reviewer).join(', ');
  return {
    state: 'approved',
    unchangedSinceApproval: unchanged,
    detail: unchanged
      ? `approved by ${who}, unchanged since approval`
      : `approved by ${who}, but the checkpoint changed after approval`,
  };
}

export function findCheckpoint(
  index: TrailIndex,
  ref: { commit?: string; idOrKey?: string },
): StoredRecord<RecordOf<'checkpoint'>> | undefined {
  if (ref.commit) return index.checkpointByCommit.get(ref.commit);
  const key = ref.idOrKey ?? '';
  if (key.startsWith('ckpt_')) return index.checkpointByKey.get(key);
  if (/^[0-9a-f]{8,64}$/.test(key)) {
    const matches = index.checkpoints.filter((c) => c.id.startsWith(key));
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}
