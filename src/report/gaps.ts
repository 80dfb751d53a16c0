/**
 * Gaps: what an auditor will push back on, found before they do. Commits without a
 * checkpoint, checkpoints without an approval or tests, failing tests, unapproved models,
 * fields the policy requires but the record lacks, capture gaps the hooks recorded,
 * approvals given without examining the agent's reasoning, and approvals the change no longer
 * stands under (changed after approval, as trail verify found).
 */

import { trackedSinceSeconds, trackedSinceText } from '../core/before-tracking.js';
import type { ChangeFacts } from '../core/change-facts.js';
import { inPeriod, missingCheckpointText } from '../core/change-facts.js';
import { checkpointStatus, missingFields, unapprovedModels } from '../core/check.js';
import type { HostPush, ReportDocument, ReportInput, ReportTable } from './document.js';
import { countLabel, isoSeconds, periodText, reportChanges, reportHeading } from './document.js';

export const GAP_TYPES = [
  'no-checkpoint',
  'no-approval',
  'approval-void',
  'no-tests',
  'tests-failed',
  'unapproved-model',
  'missing-field',
  'reasoning-not-examined',
  'capture-gap',
  'unsent-commit',
  'force-push',
] as const;
export type GapType = (typeof GAP_TYPES)[number];

/** Gap types only the server finds, from code hosts' push webhooks: a clone's reports leave them out. */
const HOST_GAP_TYPES: ReadonlySet<GapType> = new Set(['unsent-commit', 'force-push']);

export interface Gap {
  time: string;
  commit: string;
  checkpoint: string;
  type: GapType;
  detail: string;
  fix: string;
}

/**
 * When a commit was authored before this clone's `trail init` (no hook could have recorded
 * it), that moment in whole seconds, as `trail init` suggests it for requireCheckpointsFrom,
 * which compares author dates too.
 */
function authoredBeforeTracking(f: ChangeFacts, input: ReportInput): string | undefined {
  const since = trackedSinceSeconds(input.trackedSince);
  const authored = f.git ? Date.parse(f.git.date) / 1000 : Number.NaN;
  return since !== undefined && authored < since ? trackedSinceText(input.trackedSince) : undefined;
}

function changeGaps(f: ChangeFacts, input: ReportInput): Gap[] {
  const gaps: Gap[] = [];
  const add = (type: GapType, detail: string, fix: string) =>
    gaps.push({ time: f.time, commit: f.commit, checkpoint: f.checkpointLabel, type, detail, fix });
  if (!f.checkpoint) {
    // Exempt, or removed by a logged retention purge (the policy at work): not a gap.
    if (checkpointStatus(f, input.policy) === 'missing') {
      const adoption = authoredBeforeTracking(f, input);
      add(
        'no-checkpoint',
        `"${f.git?.subject ?? ''}" by ${f.author ?? 'unknown'} has ${missingCheckpointText(f)}: ${adoption ? `authored before Trail tracked this repository (${adoption})` : 'hand-written, or capture failed'}`,
        adoption
          ? `leave the history from before Trail out: add "requireCheckpointsFrom: ${adoption}" to .trail/policy.yml`
          : 'if an agent wrote it, record its session with trail import (kept in the ledger, though not linked to the commit); if a person did, document how hand-written changes are reviewed',
      );
    }
    return gaps;
  }
  if (f.approvals.length === 0) {
    const requested = f.changesRequested.map((r) => r.reviewer);
    add(
      'no-approval',
      requested.length > 0
        ? `changes requested by ${requested.join(', ')}; never approved`
        : 'no approving review',
      'get a human approval before deployment',
    );
  } else if (f.approvalVoid) {
    add(
      'approval-void',
      `approved by ${f.approvals.map((a) => a.reviewer).join(', ')}, then changed after approval: ${f.approvalVoid}`,
      'review the change as it stands and approve it again',
    );
  }
  if (f.testStatus === 'none')
    add('no-tests', 'no test results linked to the commit', 'attach the CI test results');
  else if (f.testStatus === 'failed' && f.test) {
    add(
      'tests-failed',
      `${f.test.failed + f.test.errored} of ${f.test.tests} tests failed`,
      'fix and record a passing run',
    );
  }
  for (const m of unapprovedModels(f, input.policy)) {
    add(
      'unapproved-model',
      m.model ? m.reason : 'no model recorded',
      'use an approved model or approve it in the policy',
    );
  }
  for (const field of missingFields(f, input.policy)) {
    add('missing-field', `${field} missing (required by the policy)`, 'capture the field with the session');
  }
  if (f.approvals.length > 0 && !f.approvals.some((a) => a.examinedReasoning)) {
    add(
      'reasoning-not-examined',
      `approved by ${f.approvals.map((a) => a.reviewer).join(', ')} without examining the reasoning`,
      "have the reviewer read the agent's reasoning and confirm it",
    );
  }
  return gaps;
}

/**
 * What a code host's push to the default branch shows that the server's records do not: a
 * commit nobody sent with `trail push` (run late, not at all, or from a branch that left it
 * out) cannot be judged, so it is listed rather than silently missing from the report; a
 * forced push may have taken commits off the branch after they were judged.
 */
function hostPushGaps(push: HostPush): Gap[] {
  const where = `${push.branch} on ${push.host}`;
  const gaps: Gap[] = push.unsent.map((commit) => ({
    time: push.time,
    commit,
    checkpoint: '',
    type: 'unsent-commit',
    detail: `${push.host} reported it pushed to ${push.branch}, but trail push never sent it and no checkpoint names it: whether it needed one is unknown${push.truncated ? ` (${push.host} listed only part of that push: the rest are matched once trail push sends the branch)` : ''}`,
    fix: 'run trail push from a clone that has the commit (in CI, after each merge to the default branch)',
  }));
  if (push.forced) {
    gaps.push({
      time: push.time,
      commit: push.after,
      checkpoint: '',
      type: 'force-push',
      detail: `${where} was force-pushed from ${push.before.slice(0, 12)} to ${push.after.slice(0, 12)}: commits judged before may no longer be on it`,
      fix: 'protect the default branch against force pushes; run trail check over the rewritten range',
    });
  }
  return gaps;
}

/** Every gap in the period, oldest first. */
export function collectGaps(
  input: ReportInput,
  changes: readonly ChangeFacts[] = reportChanges(input),
): Gap[] {
  const gaps: Gap[] = [];
  for (const f of changes) gaps.push(...changeGaps(f, input));
  for (const { record: g } of input.index.gaps) {
    if (!inPeriod(g.time, input.period)) continue;
    gaps.push({
      time: g.time,
      commit: '',
      checkpoint: '',
      type: 'capture-gap',
      detail: `${g.what}: ${g.why}${g.agent ? ` (${g.agent}${g.hook ? ` ${g.hook}` : ''})` : ''}${g.sessionId ? ` in session ${g.sessionId}` : ''}`,
      fix: 'check the agent and git hooks (trail status); import the missed session if it matters',
    });
  }
  // A commit pushed again (after a force push back, say) is one gap, at its first push.
  const named = new Set<string>();
  for (const push of input.hostPushes ?? []) {
    const unsent = push.unsent.filter((sha) => !named.has(`${push.repo} ${sha}`));
    for (const sha of unsent) named.add(`${push.repo} ${sha}`);
    gaps.push(...hostPushGaps({ ...push, unsent }));
  }
  // Stable: a change's gaps stay in type order.
  return gaps
    .map((g, i) => ({ g, i, t: Date.parse(g.time) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.g);
}

export function gapsTable(gaps: readonly Gap[]): ReportTable {
  return {
    columns: [
      { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
      { key: 'commit', title: 'Commit', kind: 'id', weight: 0.9 },
      { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.1 },
      { key: 'gap', title: 'Gap', kind: 'status', weight: 1.3 },
      { key: 'detail', title: 'Detail', weight: 3.2 },
      { key: 'fix', title: 'What to do', weight: 2.4 },
    ],
    rows: gaps.map((g) => [isoSeconds(g.time), g.commit, g.checkpoint, g.type, g.detail, g.fix]),
  };
}

export function buildGapsReport(input: ReportInput): ReportDocument {
  const changes = reportChanges(input);
  const gaps = collectGaps(input, changes);
  const counts = new Map<GapType, number>(GAP_TYPES.map((t) => [t, 0]));
  for (const g of gaps) counts.set(g.type, counts.get(g.type)! + 1);
  const affected = new Set(gaps.filter((g) => g.commit).map((g) => g.commit));
  // The history from before adoption is most of a first report: say once how to leave it out.
  const history = changes.filter(
    (f) =>
      !f.checkpoint && checkpointStatus(f, input.policy) === 'missing' && authoredBeforeTracking(f, input),
  );
  const adoptedAt = history[0] && authoredBeforeTracking(history[0], input);
  const historyNote = adoptedAt
    ? ` ${history.length === 1 ? '1 commit without a checkpoint was' : `${history.length} commits without a checkpoint were`} authored before Trail tracked this repository (${adoptedAt}), when no hook could record them: "requireCheckpointsFrom: ${adoptedAt}" in .trail/policy.yml leaves them out.`
    : '';
  return {
    ...reportHeading(input, 'Audit gaps', 'gaps'),
    summary: [
      { label: 'Changes examined', value: changes.length },
      { label: 'Changes with gaps', value: affected.size },
      { label: 'Gaps', value: gaps.length },
      ...GAP_TYPES.filter((t) => input.hostPushes !== undefined || !HOST_GAP_TYPES.has(t)).map((t) => ({
        label: t,
        value: counts.get(t)!,
      })),
    ],
    sections: [
      {
        id: 'gaps',
        title: 'Gaps',
        intro: [
          `${countLabel(gaps.length, 'gap')} in ${periodText(input.period)}, oldest first. Commits that touch only the policy's exempt paths (${input.policy.exemptPaths.join(', ')})${input.policy.requireCheckpointsFrom ? `, or were authored before ${input.policy.requireCheckpointsFrom} (requireCheckpointsFrom),` : ''} need no checkpoint and are not listed.${historyNote}`,
        ],
        table: gapsTable(gaps),
        notes: gaps.length === 0 ? ['No gaps found.'] : [],
      },
    ],
  };
}
