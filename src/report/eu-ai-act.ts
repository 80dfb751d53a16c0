/**
 * EU AI Act record keeping: the automatically recorded event logs over the period
 * (Article 12), the model versions in use, the evidence of human oversight (Article 14),
 * the gaps in the record, and the retention the policy sets (Articles 19 and 26(6) ask
 * for at least six months).
 */
import { inPeriod } from '../core/change-facts.js';
import { judgeModel } from '../core/policy.js';
import type { Cell, ReportDocument, ReportInput } from './document.js';
import {
  APPROVAL_VOID,
  approvalHolds,
  approvedAtCell,
  countLabel,
  isoSeconds,
  periodText,
  reportChanges,
  reportHeading,
  reviewsNotCountedNotes,
  shortSha,
} from './document.js';
import { collectGaps, gapsTable } from './gaps.js';

const SIX_MONTHS_DAYS = 183;

export function buildEuAiActReport(input: ReportInput): ReportDocument {
  const { index, policy } = input;
  const changes = reportChanges(input);

  const commitsBySession = new Map<string, string[]>();
  for (const [commit, c] of index.checkpointByCommit) {
    for (const s of c.record.sessions) {
      const list = commitsBySession.get(s.sessionId);
      if (list) list.push(commit);
      else commitsBySession.set(s.sessionId, [commit]);
    }
  }

  // Article 12: the sessions (agent runs) and their events in the period.
  const sessionRows: Cell[][] = [];
  const eventTotals = new Map<string, number>();
  let events = 0;
  const models = new Map<string, { sessions: number; changes: number; first: string; last: string }>();
  const useModel = (model: string, time: string, what: 'sessions' | 'changes') => {
    const m = models.get(model) ?? { sessions: 0, changes: 0, first: time, last: time };
    m[what]++;
    if (Date.parse(time) < Date.parse(m.first)) m.first = time;
    if (Date.parse(time) > Date.parse(m.last)) m.last = time;
    models.set(model, m);
  };
  const sessions = [...index.sessions.values()]
    .map((s) => ({ s, start: s.record.startedAt }))
    .filter(({ start }) => inPeriod(start, input.period))
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const { s } of sessions) {
    const r = s.record;
    const list = index.eventsBySession.get(r.sessionId) ?? [];
    const counts: Record<string, number> = {};
    for (const e of list) counts[e.record.event.type] = (counts[e.record.event.type] ?? 0) + 1;
    for (const [type, n] of Object.entries(counts)) eventTotals.set(type, (eventTotals.get(type) ?? 0) + n);
    events += list.length;
    if (r.model) useModel(r.model, r.startedAt, 'sessions');
    sessionRows.push([
      isoSeconds(r.startedAt),
      isoSeconds(r.endedAt),
      r.sessionId,
      `${r.agent.name}${r.agent.version ? ` ${r.agent.version}` : ''}`,
      r.model ?? '',
      r.request.requester ?? '',
      list.length,
      counts.prompt ?? 0,
      (counts.command ?? 0) + (counts['tool-call'] ?? 0),
      counts['file-edit'] ?? 0,
      counts.validation ?? 0,
      (commitsBySession.get(r.sessionId) ?? []).map(shortSha).join(', '),
    ]);
  }
  for (const f of changes) for (const m of f.models) useModel(m, f.time, 'changes');

  const modelRows: Cell[][] = [...models.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([model, m]) => {
      const verdict = judgeModel(policy, model);
      return [
        model,
        verdict.approved === undefined ? 'no approved list' : verdict.approved ? 'approved' : 'NOT approved',
        verdict.released ?? '',
        m.sessions,
        m.changes,
        isoSeconds(m.first),
        isoSeconds(m.last),
      ];
    });

  // Article 14: who oversaw each change, and how.
  const oversightRows: Cell[][] = [];
  let approved = 0;
  let approvalVoid = 0;
  let examined = 0;
  for (const f of changes) {
    if (!f.checkpoint) continue;
    const holds = approvalHolds(f);
    if (holds) approved++;
    if (f.approvalVoid !== undefined) approvalVoid++;
    if (holds && f.approvals.some((a) => a.examinedReasoning)) examined++;
    const decisive = f.approvals.length > 0 ? f.approvals : f.reviews;
    oversightRows.push([
      isoSeconds(f.time),
      f.commit,
      f.checkpointLabel,
      f.requester ?? '',
      decisive.map((r) => r.reviewer).join('; '),
      f.approvalVoid !== undefined
        ? 'approval void'
        : f.approvals.length > 0
          ? 'approved'
          : f.changesRequested.length > 0
            ? 'changes requested'
            : 'no review',
      f.approvals.length === 0 ? '' : f.approvals.some((a) => a.examinedReasoning) ? 'yes' : 'no',
      approvedAtCell(f),
      f.approvals.length === 0
        ? ''
        : f.approvals.every((a) => a.independent)
          ? 'yes'
          : `no: ${f.approvals
              .filter((a) => !a.independent)
              .map((a) => `${a.reviewer} is the ${a.conflicts.join(' and ')}`)
              .join('; ')}`,
    ]);
  }
  const withCheckpoint = oversightRows.length;

  const gaps = collectGaps(input, changes);
  const days = policy.retention.days;
  const retention =
    days === undefined
      ? 'The policy sets no retention period: records are kept until someone purges them. Set retention.days in .trail/policy.yml (Articles 19 and 26(6) ask for at least six months).'
      : days >= SIX_MONTHS_DAYS
        ? `The policy keeps records for ${days} days, at least the six months Articles 19 and 26(6) ask for.`
        : `The policy keeps records for ${days} days, LESS than the six months Articles 19 and 26(6) ask for.`;
  return {
    ...reportHeading(input, 'EU AI Act record keeping', 'eu-ai-act'),
    summary: [
      { label: 'Agent sessions logged', value: sessions.length },
      { label: 'Events logged', value: events },
      ...[...eventTotals.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([type, n]) => ({ label: `  ${type} events`, value: n })),
      { label: 'Model versions in use', value: models.size },
      { label: 'Changes with a checkpoint', value: withCheckpoint },
      { label: 'Approved by a person', value: approved },
      { label: 'Approval void (changed after approval)', value: approvalVoid },
      { label: 'Reviewer examined the reasoning', value: examined },
      { label: 'Gaps in the record', value: gaps.length },
      { label: 'Retention (days)', value: days ?? 'not set' },
    ],
    sections: [
      {
        id: 'event-logs',
        title: 'Event logs (Article 12)',
        intro: [
          `${countLabel(sessions.length, 'agent session')} started in ${periodText(input.period)}, with ${countLabel(events, 'event')} recorded automatically by the agent and git hooks. Each event is a record in the tamper-evident ledger; the commits column links a session to the checkpoints it produced.`,
        ],
        table: {
          columns: [
            { key: 'started', title: 'Started', kind: 'time', weight: 1.25 },
            { key: 'ended', title: 'Ended', kind: 'time', weight: 1.25 },
            { key: 'session', title: 'Session', weight: 1.4 },
            { key: 'agent', title: 'Agent', weight: 1.1 },
            { key: 'model', title: 'Model', weight: 1.5 },
            { key: 'requester', title: 'Requester', weight: 1.4 },
            { key: 'events', title: 'Events', kind: 'number', weight: 0.55 },
            { key: 'prompts', title: 'Prompts', kind: 'number', weight: 0.6 },
            { key: 'commands', title: 'Commands', kind: 'number', weight: 0.7 },
            { key: 'edits', title: 'Edits', kind: 'number', weight: 0.5 },
            { key: 'validations', title: 'Checks', kind: 'number', weight: 0.55 },
            { key: 'commits', title: 'Commits', weight: 1.2 },
          ],
          rows: sessionRows,
        },
      },
      {
        id: 'models',
        title: 'Model versions in use',
        intro: [
          'Each model id recorded by a session or a checkpoint in the period, judged against the approved models in the policy.',
        ],
        table: {
          columns: [
            { key: 'model', title: 'Model', weight: 2 },
            { key: 'approved', title: 'Policy', kind: 'status', weight: 1 },
            { key: 'released', title: 'Released', weight: 0.9 },
            { key: 'sessions', title: 'Sessions', kind: 'number', weight: 0.7 },
            { key: 'changes', title: 'Changes', kind: 'number', weight: 0.7 },
            { key: 'first', title: 'First used', kind: 'time', weight: 1.2 },
            { key: 'last', title: 'Last used', kind: 'time', weight: 1.2 },
          ],
          rows: modelRows,
        },
      },
      {
        id: 'oversight',
        title: 'Human oversight (Article 14)',
        intro: [
          `${approved} of ${countLabel(withCheckpoint, 'change')} with a checkpoint were approved by a person${approvalVoid > 0 ? ` (and ${approvalVoid} more whose approval is void: changed after approval)` : ''}; in ${examined} the reviewer recorded that they examined the agent's reasoning.`,
        ],
        notes: [
          `"approval void" (Approved at "${APPROVAL_VOID}"): trail verify found that the approved checkpoint, or a record it seals, was corrected, rewritten or altered after the approval; the approval does not cover the change as it now stands, and the change is not counted as approved (trail verify lists what changed).`,
          ...reviewsNotCountedNotes(input),
        ],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 0.9 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.1 },
            { key: 'requester', title: 'Requester', weight: 1.3 },
            { key: 'reviewer', title: 'Reviewer', weight: 1.3 },
            { key: 'decision', title: 'Decision', kind: 'status', weight: 1 },
            { key: 'examinedReasoning', title: 'Examined reasoning', weight: 0.8 },
            { key: 'approvedAt', title: 'Approved at', kind: 'time', weight: 1.2 },
            { key: 'independent', title: 'Independent reviewer', weight: 1.5 },
          ],
          rows: oversightRows,
        },
      },
      {
        id: 'gaps',
        title: 'Gaps in the record',
        intro: [`${countLabel(gaps.length, 'gap')}: what the logs do not show.`],
        table: gapsTable(gaps),
      },
      {
        id: 'retention',
        title: 'Retention (Articles 19 and 26(6))',
        intro: [retention, `${countLabel(policy.retention.legalHolds.length, 'legal hold')} in force.`],
        notes: [
          'Coding assistants are generally not high-risk AI systems; this report follows the structure of Article 12 so that the record can serve where the use is high-risk or a customer asks for it.',
        ],
      },
    ],
  };
}
