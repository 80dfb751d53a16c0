/**
 * The eight-section audit checklist for AI-generated code (code sourcing, intent capture,
 * reasoning transparency, human oversight, testing, model accountability, change
 * traceability, record retention), scored box by box for each change from what the ledger
 * holds. Each box is passed, failed or not applicable, always with the reason, so an auditor
 * can follow every verdict back to records. Pure.
 */

import type { ChangeFacts } from './change-facts.js';
import { missingCheckpointText, purgedCheckpointText } from './change-facts.js';
import { countedApprovals, formatPct } from './check.js';
import { countLabel } from './count-label.js';
import type { Policy } from './policy.js';
import { judgeModel, legalHoldsFor } from './policy.js';

export type BoxStatus = 'passed' | 'failed' | 'not-applicable';

export interface ChecklistBox {
  id: string;
  text: string;
  status: BoxStatus;
  reason: string;
}

export interface ChecklistSection {
  id: number;
  title: string;
  status: BoxStatus;
  boxes: ChecklistBox[];
}

export interface ChangeChecklist {
  commit: string;
  checkpoint: string;
  time: string;
  sections: ChecklistSection[];
  counts: Record<BoxStatus, number>;
}

export interface ChecklistContext {
  policy: Policy;
  /** Where the policy came from; undefined when no policy file exists. */
  policySource?: string;
  /** Writers whose logs failed `trail verify`; their records cannot be called immutable. */
  problemWriters: ReadonlySet<string>;
  ledgerOk: boolean;
  /** Reference time for record ages (the report's generation time). */
  now: string;
}

export const CHECKLIST_SECTIONS: ReadonlyArray<{
  id: number;
  title: string;
  boxes: ReadonlyArray<[string, string]>;
}> = [
  {
    id: 1,
    title: 'Code sourcing',
    boxes: [
      ['1.1', 'Every AI-generated line is traceable to a source'],
      ['1.2', 'Source includes: prompt, model, date, user'],
      ['1.3', "Source is immutable (can't be rewritten)"],
    ],
  },
  {
    id: 2,
    title: 'Intent capture',
    boxes: [
      ['2.1', 'Original requirement (prompt) is explicit'],
      ['2.2', 'Requirement is documented before code is written'],
      ['2.3', 'Requirement is complete (not vague)'],
    ],
  },
  {
    id: 3,
    title: 'Reasoning transparency',
    boxes: [
      ['3.1', "AI's constraints discovery is visible"],
      ['3.2', 'Alternatives considered are documented'],
      ['3.3', 'Rejected approaches are noted with reasons'],
      ['3.4', 'Risk notes or limitations are captured'],
    ],
  },
  {
    id: 4,
    title: 'Human oversight',
    boxes: [
      ['4.1', 'Code is reviewed by human (not auto-deployed)'],
      ['4.2', 'Reviewer has authority to approve'],
      ['4.3', 'Reviewer actually examined the reasoning (not just the diff)'],
      ['4.4', 'Approval is timestamped and immutable'],
    ],
  },
  {
    id: 5,
    title: 'Testing',
    boxes: [
      ['5.1', 'Code is tested before deployment'],
      ['5.2', 'Test coverage is documented'],
      ['5.3', 'Test data size and type are noted'],
      ['5.4', 'Test results are stored with the checkpoint'],
    ],
  },
  {
    id: 6,
    title: 'Model accountability',
    boxes: [
      ['6.1', 'Model version is recorded'],
      ['6.2', 'Model version is traceable to training/release date'],
      ['6.3', 'If multiple models can generate code, each use is tracked'],
      ['6.4', 'Model performance metrics (if available) are documented'],
    ],
  },
  {
    id: 7,
    title: 'Change traceability',
    boxes: [
      ['7.1', 'Each change is linked to a source (prompt)'],
      ['7.2', 'Changes can be reversed/audited'],
      ['7.3', 'Deployment history is linked to checkpoints'],
      ['7.4', 'Rollback events are recorded'],
    ],
  },
  {
    id: 8,
    title: 'Record retention',
    boxes: [
      ['8.1', 'Audit trail records are retained per policy'],
      ['8.2', 'Records are protected from modification'],
      ['8.3', 'Records are searchable and retrievable'],
      ['8.4', 'Retention policy is documented'],
    ],
  },
];

type Verdict = [BoxStatus, string];
const pass = (reason: string): Verdict => ['passed', reason];
const fail = (reason: string): Verdict => ['failed', reason];
const na = (reason: string): Verdict => ['not-applicable', reason];

function score(facts: ChangeFacts, ctx: ChecklistContext): Record<string, Verdict> {
  const c = facts.checkpoint;
  if (!c) {
    const none = na('no checkpoint to examine');
    const v: Record<string, Verdict> = {};
    for (const section of CHECKLIST_SECTIONS) for (const [id] of section.boxes) v[id] = none;
    if (facts.purgedBefore !== undefined) {
      // The checkpoint was recorded and the retention policy removed it: nothing is missing,
      // as trail check and the gaps report hold, so there is nothing left to judge.
      const purged = na(purgedCheckpointText('the commit', facts.purgedBefore));
      v['1.1'] = purged;
      v['7.1'] = purged;
      return v;
    }
    const missing = `commit has ${missingCheckpointText(facts)}`;
    v['1.1'] = fail(`${missing}: the source of its lines is not recorded`);
    v['7.1'] = fail(`${missing}: it is not linked to a prompt or ticket`);
    return v;
  }
  const { policy } = ctx;
  const v: Record<string, Verdict> = {};
  const immutable = !ctx.problemWriters.has(c.writerId);
  const model = facts.models[0];

  // 1. Code sourcing
  v['1.1'] =
    facts.sessions.length === 0
      ? fail('the checkpoint names no agent session')
      : pass(
          `${facts.lines.ai} AI line${facts.lines.ai === 1 ? '' : 's'} attributed to session ${facts.sessions.map((s) => s.sessionId).join(', ')}`,
        );
  const missing = [
    facts.prompt === undefined && 'prompt',
    model === undefined && 'model',
    facts.requester === undefined && 'user (requester)',
  ].filter(Boolean);
  v['1.2'] =
    missing.length === 0
      ? pass(`prompt, model ${model}, ${c.record.time}, requested by ${facts.requester}`)
      : fail(`missing: ${missing.join(', ')}`);
  v['1.3'] = immutable
    ? pass('held in a signed, hash-chained log that verifies')
    : fail("the writer's log fails trail verify");

  // 2. Intent capture
  const request = facts.prompt ?? facts.requestSummary;
  v['2.1'] = request === undefined ? fail('no prompt or request recorded') : pass('prompt recorded');
  if (facts.promptTime === undefined)
    v['2.2'] = request === undefined ? fail('no prompt recorded') : na('no prompt time recorded');
  else if (
    facts.firstEditTime !== undefined &&
    Date.parse(facts.promptTime) > Date.parse(facts.firstEditTime)
  ) {
    v['2.2'] = fail(`the first edit (${facts.firstEditTime}) precedes the prompt (${facts.promptTime})`);
  } else v['2.2'] = pass(`prompt at ${facts.promptTime}, before the first edit`);
  if (request === undefined) v['2.3'] = fail('no prompt recorded');
  else {
    const words = request.trim().split(/\s+/).filter(Boolean).length;
    const problems: string[] = [];
    if (words < policy.prompts.minWords)
      problems.push(`${words} words, fewer than ${policy.prompts.minWords}`);
    if (request.trim().length < policy.prompts.minLength) {
      problems.push(`${request.trim().length} characters, fewer than ${policy.prompts.minLength}`);
    }
    if (facts.acceptanceCriteria.length === 0) problems.push('no acceptance criteria');
    v['2.3'] =
      problems.length === 0
        ? pass(`${words} words with ${facts.acceptanceCriteria.length} acceptance criteria`)
        : fail(problems.join('; '));
  }

  // 3. Reasoning transparency
  const constraints = facts.eventCounts.constraint ?? 0;
  v['3.1'] =
    constraints > 0
      ? pass(`${constraints} constraint${constraints === 1 ? '' : 's'} recorded`)
      : fail('no constraints recorded');
  v['3.2'] =
    facts.alternatives > 0
      ? pass(`${facts.alternatives} alternative${facts.alternatives === 1 ? '' : 's'} recorded`)
      : fail('no alternatives recorded');
  v['3.3'] =
    facts.alternatives === 0
      ? na('no alternatives recorded')
      : facts.alternativesWithoutReason === 0
        ? pass('every rejected alternative has its reason')
        : fail(`${countLabel(facts.alternativesWithoutReason, 'alternative')} without a reason`);
  v['3.4'] =
    facts.risks.length > 0
      ? pass(`${facts.risks.length} risk note${facts.risks.length === 1 ? '' : 's'} recorded`)
      : fail('no risks or limitations recorded');

  // 4. Human oversight
  const counted = countedApprovals(facts, policy);
  const approvers = facts.approvals.map((a) => a.reviewer).join(', ');
  if (facts.approvals.length === 0) {
    v['4.1'] = fail(
      facts.status === 'deployed' ? 'deployed without an approving review' : 'no approving review recorded',
    );
    v['4.2'] = na('no approval');
    v['4.3'] = na('no approval');
    v['4.4'] = na('no approval');
  } else {
    v['4.1'] = pass(`approved by ${approvers}`);
    const conflicted = facts.approvals.filter((a) => !a.independent);
    if (counted.length > 0) {
      v['4.2'] = pass(
        policy.review.approvers
          ? `${counted.map((a) => a.reviewer).join(', ')}: listed approver, independent of requester and author`
          : `${counted.map((a) => a.reviewer).join(', ')}: independent of requester and author`,
      );
    } else if (conflicted.length > 0 && policy.review.twoPerson) {
      v['4.2'] = fail(
        `${conflicted.map((a) => `${a.reviewer} is the ${a.conflicts.join(' and ')}`).join('; ')} (two-person rule)`,
      );
    } else v['4.2'] = fail(`${approvers} not among the policy's approvers`);
    v['4.3'] = facts.approvals.some((a) => a.examinedReasoning)
      ? pass('the approver recorded that they examined the reasoning')
      : fail('approved without examining the reasoning');
    v['4.4'] = facts.approvalVoid
      ? fail(`changed after approval: ${facts.approvalVoid}`)
      : immutable
        ? pass(
            `approved at ${facts.approvedAt} in the signed ledger${facts.approvals.some((a) => a.signed) ? ', signed by the reviewer' : ''}`,
          )
        : fail('approval held in a log that fails trail verify');
  }

  // 5. Testing
  const t = facts.test;
  const firstDeploy = facts.deployments[0]?.time;
  if (!t)
    v['5.1'] = fail(firstDeploy ? 'deployed with no test results recorded' : 'no test results recorded');
  else if (facts.testStatus === 'failed')
    v['5.1'] = fail(`${t.failed + t.errored} of ${t.tests} tests failed`);
  else if (facts.testStatus === 'empty') v['5.1'] = fail('the recorded run had no tests');
  else if (firstDeploy && Date.parse(t.time) > Date.parse(firstDeploy)) {
    v['5.1'] = fail(`tests recorded at ${t.time}, after deployment at ${firstDeploy}`);
  } else v['5.1'] = pass(`${t.passed}/${t.tests} passed${firstDeploy ? ' before deployment' : ''}`);
  v['5.2'] = !t
    ? fail('no test results recorded')
    : t.coverage === undefined
      ? fail('no coverage recorded')
      : policy.tests.minCoverage !== undefined && t.coverage < policy.tests.minCoverage
        ? fail(
            `line coverage ${formatPct(t.coverage)}, below the policy's ${formatPct(policy.tests.minCoverage)}`,
          )
        : pass(`line coverage ${formatPct(t.coverage)}`);
  v['5.3'] = !t
    ? fail('no test results recorded')
    : pass(
        `${t.tests} tests in ${t.suites} suite${t.suites === 1 ? '' : 's'}${t.tool ? ` (${t.tool})` : ''}`,
      );
  v['5.4'] = t
    ? pass(`test results linked to commit ${facts.commit.slice(0, 12)}`)
    : fail('no test results recorded');

  // 6. Model accountability
  v['6.1'] = model === undefined ? fail('no model recorded') : pass(facts.models.join(', '));
  if (model === undefined) v['6.2'] = fail('no model recorded');
  else {
    const verdicts = facts.models.map((m) => ({ m, verdict: judgeModel(policy, m) }));
    const undated = verdicts.filter((x) => x.verdict.released === undefined);
    v['6.2'] =
      undated.length === 0
        ? pass(verdicts.map((x) => `${x.m} released ${x.verdict.released}`).join('; '))
        : fail(
            `${undated.map((x) => x.m).join(', ')}: no release date (list the model with its release date in models.approved)`,
          );
  }
  const unmodelled = facts.sessions.filter((s) => s.model === undefined);
  v['6.3'] =
    facts.sessions.length === 0
      ? fail('no sessions recorded')
      : unmodelled.length === 0
        ? pass(
            `${facts.sessions.length} session${facts.sessions.length === 1 ? '' : 's'}, each with its model`,
          )
        : fail(`${countLabel(unmodelled.length, 'session')} without a model`);
  v['6.4'] =
    facts.usage.records > 0
      ? pass(
          `${facts.usage.inputTokens + facts.usage.outputTokens} tokens${facts.usage.costUsd > 0 ? `, $${facts.usage.costUsd.toFixed(2)}` : ''}`,
        )
      : na('no usage metrics recorded (optional)');

  // 7. Change traceability
  v['7.1'] =
    request !== undefined || facts.tickets.length > 0
      ? pass(
          facts.tickets.length > 0
            ? `prompt and ticket ${facts.tickets.map((t) => t.id).join(', ')}`
            : 'prompt recorded',
        )
      : fail('not linked to a prompt or ticket');
  v['7.2'] =
    c.record.files.length > 0
      ? pass(
          `commit ${facts.commit.slice(0, 12)} with ${countLabel(c.record.files.length, 'file')} and line attribution`,
        )
      : fail('the checkpoint lists no files');
  v['7.3'] =
    facts.deployments.length > 0
      ? pass(`deployed to ${[...new Set(facts.deployments.map((d) => d.env))].join(', ')}`)
      : na('not deployed');
  v['7.4'] =
    facts.rollbacks.length > 0
      ? pass(`rolled back in ${facts.rollbacks.map((r) => `${r.env} (${r.reason})`).join(', ')}`)
      : na('no rollback');

  // 8. Record retention
  const days = policy.retention.days;
  const holds = legalHoldsFor(policy, {
    checkpointId: c.id,
    checkpointKey: c.record.key,
    commit: facts.commit,
    paths: facts.paths,
  });
  if (days === undefined) v['8.1'] = fail('the policy sets no retention period');
  else {
    const age = Math.floor((Date.parse(ctx.now) - Date.parse(c.record.time)) / 86_400_000);
    v['8.1'] = pass(
      holds.length > 0
        ? `under legal hold (${holds.map((h) => h.reason).join('; ')})`
        : `${age} days old, kept for ${days} days`,
    );
  }
  v['8.2'] = immutable
    ? pass('its log verifies: hashes, chain and signatures hold')
    : fail("the writer's log fails trail verify");
  v['8.3'] = pass(`found by commit ${facts.commit.slice(0, 12)} and checkpoint ${facts.checkpointLabel}`);
  v['8.4'] =
    ctx.policySource && days !== undefined
      ? pass(
          `${ctx.policySource}: ${days} days${policy.retention.legalHolds.length > 0 ? `, ${countLabel(policy.retention.legalHolds.length, 'legal hold')}` : ''}`,
        )
      : fail(
          ctx.policySource
            ? `${ctx.policySource} sets no retention period`
            : 'no policy file (.trail/policy.yml)',
        );
  return v;
}

function sectionStatus(boxes: readonly ChecklistBox[]): BoxStatus {
  if (boxes.some((b) => b.status === 'failed')) return 'failed';
  if (boxes.some((b) => b.status === 'passed')) return 'passed';
  return 'not-applicable';
}

/** One change scored against every box of the eight sections. */
export function scoreChange(facts: ChangeFacts, ctx: ChecklistContext): ChangeChecklist {
  const verdicts = score(facts, ctx);
  const counts: Record<BoxStatus, number> = { passed: 0, failed: 0, 'not-applicable': 0 };
  const sections = CHECKLIST_SECTIONS.map((section) => {
    const boxes = section.boxes.map(([id, text]) => {
      const [status, reason] = verdicts[id]!;
      counts[status]++;
      return { id, text, status, reason };
    });
    return { id: section.id, title: section.title, status: sectionStatus(boxes), boxes };
  });
  return { commit: facts.commit, checkpoint: facts.checkpointLabel, time: facts.time, sections, counts };
}

export interface BoxTally {
  id: string;
  text: string;
  passed: number;
  failed: number;
  notApplicable: number;
  status: BoxStatus;
}

export interface SectionTally {
  id: number;
  title: string;
  status: BoxStatus;
  /** Changes whose section passed / failed / was not applicable. */
  passed: number;
  failed: number;
  notApplicable: number;
  boxes: BoxTally[];
}

/** The checklist over a period: per box and per section, how many changes passed or failed. */
export function aggregateChecklist(changes: readonly ChangeChecklist[]): SectionTally[] {
  return CHECKLIST_SECTIONS.map((section, si) => {
    const boxes: BoxTally[] = section.boxes.map(([id, text], bi) => {
      const tally = { id, text, passed: 0, failed: 0, notApplicable: 0 };
      for (const change of changes) {
        const status = change.sections[si]!.boxes[bi]!.status;
        if (status === 'passed') tally.passed++;
        else if (status === 'failed') tally.failed++;
        else tally.notApplicable++;
      }
      return {
        ...tally,
        status: tally.failed > 0 ? 'failed' : tally.passed > 0 ? 'passed' : 'not-applicable',
      };
    });
    let passed = 0;
    let failed = 0;
    let notApplicable = 0;
    for (const change of changes) {
      const status = change.sections[si]!.status;
      if (status === 'passed') passed++;
      else if (status === 'failed') failed++;
      else notApplicable++;
    }
    const status: BoxStatus = failed > 0 ? 'failed' : passed > 0 ? 'passed' : 'not-applicable';
    return { id: section.id, title: section.title, status, passed, failed, notApplicable, boxes };
  });
}
