/**
 * NIST AI Risk Management Framework: the evidence the ledger holds for each of the four
 * functions. Govern (policy, approvals, tamper evidence), Map (requests, prompts, context,
 * agents and models), Measure (tests, coverage, checks), Manage (constraints, risks,
 * alternatives, rollbacks, gaps). Each row says what was found and whether it is complete.
 */
import type { ChangeFacts } from '../core/change-facts.js';
import { inPeriod, purgedCheckpointText } from '../core/change-facts.js';
import { checkChanges, checkpointStatus } from '../core/check.js';
import type { Cell, ReportDocument, ReportInput, ReportSection } from './document.js';
import {
  approvalHolds,
  countLabel,
  isoSeconds,
  ledgerSentence,
  oneLine,
  periodText,
  reportChanges,
  reportHeading,
} from './document.js';

type Status = 'evidence' | 'partial' | 'missing';

function ratio(found: number, of: number): Status {
  if (of === 0 || found === 0) return 'missing';
  return found === of ? 'evidence' : 'partial';
}

function tally(entries: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} (${n})`)
    .join(', ');
}

function fn(id: string, title: string, intro: string, rows: Array<[string, string, Status]>): ReportSection {
  return {
    id,
    title,
    intro: [intro],
    table: {
      columns: [
        { key: 'evidence', title: 'Evidence', weight: 1.6 },
        { key: 'finding', title: 'Finding', weight: 4.4, maxLines: 4 },
        { key: 'status', title: 'Status', kind: 'status', weight: 0.8 },
      ],
      rows,
    },
  };
}

/** The finding on commits without a checkpoint: those missing one, then those a purge emptied. */
function checkpointFinding(missing: number, purged: number): string {
  const purgedText = purgedCheckpointText(countLabel(purged, 'commit'));
  if (missing > 0) {
    const missingText = `${countLabel(missing, 'commit')} without a checkpoint (hand-written or not captured)`;
    return purged > 0 ? `${missingText}; ${purgedText}` : missingText;
  }
  const rest =
    'commit in scope has a checkpoint or is exempt (exempt paths only, or before requireCheckpointsFrom)';
  return purged > 0 ? `${purgedText}; every other ${rest}` : `every ${rest}`;
}

export function buildNistAiRmfReport(input: ReportInput): ReportDocument {
  const { policy } = input;
  const all = reportChanges(input);
  const changes: ChangeFacts[] = all.filter((f) => f.checkpoint);
  const n = changes.length;
  const count = (pred: (f: ChangeFacts) => boolean) => changes.filter(pred).length;
  const sum = (get: (f: ChangeFacts) => number) => changes.reduce((s, f) => s + get(f), 0);

  // A void approval (changed after it was given) approves nothing: it counts nowhere here.
  const approved = count(approvalHolds);
  const approvalVoid = count((f) => f.approvalVoid !== undefined);
  const independent = count((f) => approvalHolds(f) && f.approvals.every((a) => a.independent));
  const examined = count((f) => approvalHolds(f) && f.approvals.some((a) => a.examinedReasoning));
  const check = checkChanges(all, policy);
  const violating = check.commits.filter((c) => c.violations.length > 0).length;
  // A checkpoint a logged retention purge removed is the policy at work, not a missing one:
  // trail check only notes it and the gaps report leaves it out, so it is only noted here.
  const checkpointStatuses = all.map((f) => checkpointStatus(f, policy));
  const purged = checkpointStatuses.filter((s) => s === 'purged').length;
  const withoutCheckpoint = checkpointStatuses.filter((s) => s === 'missing').length;

  const govern: Array<[string, string, Status]> = [
    [
      'Policy for AI-written code',
      input.policySource
        ? `${input.policySource}: required ${policy.required.join(', ') || 'nothing'}; two-person rule ${policy.review.twoPerson ? 'on' : 'off'}; ${countLabel(policy.models.approved?.length ?? 0, 'approved model')}; ${countLabel(policy.highRisk.length, 'high-risk path rule')}; commands ${policy.commands.allowed ? `limited to ${countLabel(policy.commands.allowed.length, 'pattern')}` : 'unrestricted'}`
        : 'no .trail/policy.yml: the default policy applies and nothing is required',
      input.policySource ? 'evidence' : 'missing',
    ],
    [
      'Human approval of changes',
      `${approved} of ${countLabel(n, 'change')} approved by a reviewer${approvalVoid > 0 ? `; the approval of ${approvalVoid} more is void: changed after approval (trail verify)` : ''}`,
      ratio(approved, n),
    ],
    [
      'Independent approval (two-person rule)',
      `${independent} of ${approved} approved changes were approved only by people other than the requester and the author`,
      ratio(independent, approved),
    ],
    [
      'Policy compliance (trail check)',
      check.violations.length === 0
        ? `no violations in ${countLabel(all.length, 'change')}`
        : `${countLabel(check.violations.length, 'violation')} in ${countLabel(violating, 'change')}: ${tally(check.violations.map((v) => v.rule))}`,
      check.violations.length === 0 ? 'evidence' : 'partial',
    ],
    [
      'Commits without a checkpoint',
      checkpointFinding(withoutCheckpoint, purged),
      withoutCheckpoint === 0 ? 'evidence' : 'partial',
    ],
    ['Tamper-evident record', ledgerSentence(input.ledger), input.ledger.ok ? 'evidence' : 'missing'],
    [
      'Signing keys',
      `${countLabel(input.trustedKeys ?? 0, 'trusted key')} ${input.trustedKeysWhere ?? 'in .trail/keys'}; records from ${countLabel(input.ledger.writers, 'writer')}`,
      (input.trustedKeys ?? 0) > 0 ? 'evidence' : 'missing',
    ],
    [
      'Retention and legal holds',
      policy.retention.days === undefined
        ? 'no retention period set'
        : `records kept ${policy.retention.days} days; ${countLabel(policy.retention.legalHolds.length, 'legal hold')}`,
      policy.retention.days === undefined ? 'missing' : 'evidence',
    ],
  ];

  const withTicket = count((f) => f.tickets.length > 0);
  const withPrompt = count((f) => f.prompt !== undefined);
  const withRequester = count((f) => f.requester !== undefined);
  const withCriteria = count((f) => f.acceptanceCriteria.length > 0);
  const contexts = new Map<string, number>();
  for (const f of changes) {
    for (const [k, v] of Object.entries(f.contextSources)) contexts.set(k, (contexts.get(k) ?? 0) + v);
  }
  const contextTotal = [...contexts.values()].reduce((a, b) => a + b, 0);
  const sessions = changes.flatMap((f) => f.sessions);
  const bounded = sessions.filter((s) => s.hasBoundary).length;
  const lines = {
    ai: sum((f) => f.lines.ai),
    human: sum((f) => f.lines.human),
    unknown: sum((f) => f.lines.unknown),
  };
  const map: Array<[string, string, Status]> = [
    [
      'Requests linked to tickets',
      `${withTicket} of ${countLabel(n, 'change')} cite a ticket or issue`,
      ratio(withTicket, n),
    ],
    [
      'Requesters recorded',
      `${withRequester} of ${countLabel(n, 'change')} name who asked`,
      ratio(withRequester, n),
    ],
    ['Prompts captured', `${withPrompt} of ${countLabel(n, 'change')} hold the prompt`, ratio(withPrompt, n)],
    [
      'Acceptance criteria',
      `${withCriteria} of ${countLabel(n, 'change')} state acceptance criteria`,
      ratio(withCriteria, n),
    ],
    [
      'Context sources',
      contextTotal === 0
        ? 'no context sources recorded'
        : `${countLabel(contextTotal, 'source')}: ${[...contexts.entries()].map(([k, v]) => `${k} (${v})`).join(', ')}`,
      contextTotal === 0 ? 'missing' : 'evidence',
    ],
    [
      'Agents and models',
      sessions.length === 0
        ? 'no sessions'
        : `agents: ${tally(sessions.map((s) => `${s.agent}${s.agentVersion ? ` ${s.agentVersion}` : ''}`))}; models: ${tally(sessions.map((s) => s.model ?? 'not recorded'))}`,
      ratio(sessions.filter((s) => s.model).length, sessions.length),
    ],
    [
      'Execution boundaries',
      `${bounded} of ${countLabel(sessions.length, 'session')} record mode, permissions and credentials' names`,
      ratio(bounded, sessions.length),
    ],
    [
      'Line attribution',
      `${lines.ai.toLocaleString('en-US')} AI lines, ${lines.human.toLocaleString('en-US')} human lines, ${lines.unknown.toLocaleString('en-US')} of unknown origin`,
      lines.ai + lines.human + lines.unknown === 0 ? 'missing' : lines.unknown === 0 ? 'evidence' : 'partial',
    ],
  ];

  const tested = count((f) => f.test !== undefined);
  const failing = count((f) => f.testStatus === 'failed');
  const coverages = changes.flatMap((f) => (f.test?.coverage === undefined ? [] : [f.test.coverage]));
  const validations = {
    passed: sum((f) => f.validations.passed),
    failed: sum((f) => f.validations.failed),
    skipped: sum((f) => f.validations.skipped),
  };
  const repairs = sum((f) => f.repairs);
  const tokens = sum((f) => f.usage.inputTokens + f.usage.outputTokens);
  const cost = sum((f) => f.usage.costUsd);
  const measure: Array<[string, string, Status]> = [
    [
      'Test results',
      `${tested} of ${countLabel(n, 'change')} have test results; ${failing} failing`,
      failing > 0 ? 'partial' : ratio(tested, n),
    ],
    [
      'Coverage',
      coverages.length === 0
        ? 'no coverage recorded'
        : `${countLabel(coverages.length, 'change')} with coverage; mean ${(coverages.reduce((a, b) => a + b, 0) / coverages.length).toFixed(1)}%, lowest ${Math.min(...coverages).toFixed(1)}%`,
      ratio(coverages.length, n),
    ],
    [
      'Validation checks run by the agent',
      `${validations.passed} passed, ${validations.failed} failed, ${validations.skipped} skipped`,
      validations.passed + validations.failed + validations.skipped === 0 ? 'missing' : 'evidence',
    ],
    ['Repair attempts', `${countLabel(repairs, 'repair attempt')} recorded`, 'evidence'],
    [
      'Usage and cost',
      `${tokens.toLocaleString('en-US')} tokens${cost > 0 ? `, $${cost.toFixed(2)}` : ''} in ${countLabel(
        count((f) => f.usage.records > 0),
        'change',
      )}`,
      count((f) => f.usage.records > 0) === 0 ? 'missing' : 'evidence',
    ],
  ];

  const constraints = sum((f) => f.eventCounts.constraint ?? 0);
  const alternatives = sum((f) => f.alternatives);
  const risks = changes.flatMap((f) => f.risks.map((r) => ({ f, r })));
  const rollbacks = input.index.rollbacks.filter((r) => inPeriod(r.record.time, input.period));
  const captureGaps = input.index.gaps.filter((g) => inPeriod(g.record.time, input.period)).length;
  const manage: Array<[string, string, Status]> = [
    [
      'Constraints recorded',
      `${countLabel(constraints, 'constraint')} in ${count((f) => (f.eventCounts.constraint ?? 0) > 0)} of ${countLabel(n, 'change')}`,
      ratio(
        count((f) => (f.eventCounts.constraint ?? 0) > 0),
        n,
      ),
    ],
    [
      'Risks noted',
      risks.length === 0
        ? 'no risks recorded'
        : `${countLabel(risks.length, 'risk')}: ${tally(risks.map(({ r }) => r.severity ?? 'unrated'))}`,
      ratio(
        count((f) => f.risks.length > 0),
        n,
      ),
    ],
    [
      'Alternatives rejected with reasons',
      `${countLabel(alternatives, 'alternative')} in ${count((f) => f.alternatives > 0)} of ${countLabel(n, 'change')}`,
      ratio(
        count((f) => f.alternatives > 0),
        n,
      ),
    ],
    [
      'Reviews that examined the reasoning',
      `${examined} of ${approved} approved changes`,
      ratio(examined, approved),
    ],
    [
      'Rollbacks',
      rollbacks.length === 0
        ? 'no rollbacks in the period'
        : rollbacks
            .map(
              (r) =>
                `${r.record.env}: ${r.record.from.slice(0, 12)} to ${r.record.to.slice(0, 12)} (${oneLine(r.record.reason, 80)})`,
            )
            .join('; '),
      'evidence',
    ],
    [
      'Capture gaps',
      captureGaps === 0
        ? 'no capture gaps recorded'
        : `${countLabel(captureGaps, 'capture gap')} recorded by the hooks`,
      captureGaps === 0 ? 'evidence' : 'partial',
    ],
  ];

  const riskRows: Cell[][] = risks.map(({ f, r }) => [
    isoSeconds(f.time),
    f.commit,
    f.checkpointLabel,
    r.severity ?? '',
    r.text,
  ]);
  const statuses = [...govern, ...map, ...measure, ...manage].map((r) => r[2]);
  return {
    ...reportHeading(input, 'NIST AI RMF evidence', 'nist-ai-rmf'),
    summary: [
      { label: 'Changes with a checkpoint', value: n },
      { label: 'Evidence complete', value: statuses.filter((s) => s === 'evidence').length },
      { label: 'Evidence partial', value: statuses.filter((s) => s === 'partial').length },
      { label: 'Evidence missing', value: statuses.filter((s) => s === 'missing').length },
    ],
    sections: [
      fn(
        'govern',
        'Govern',
        'How the use of coding agents is governed: policy, approvals, the tamper-evident record.',
        govern,
      ),
      fn(
        'map',
        'Map',
        "The system's inputs, processes and outputs: requests, prompts, context, agents and models.",
        map,
      ),
      fn(
        'measure',
        'Measure',
        'How the output is measured: tests, coverage, checks, repairs, usage.',
        measure,
      ),
      fn(
        'manage',
        'Manage',
        'How risks are managed: constraints, risks, alternatives, review of reasoning, rollbacks, gaps.',
        manage,
      ),
      {
        id: 'risks',
        title: 'Risks recorded',
        intro: [`${countLabel(riskRows.length, 'risk')} noted by agents in ${periodText(input.period)}.`],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 0.9 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.1 },
            { key: 'severity', title: 'Severity', kind: 'status', weight: 0.7 },
            { key: 'risk', title: 'Risk', weight: 5, maxLines: 4 },
          ],
          rows: riskRows,
        },
      },
    ],
  };
}
