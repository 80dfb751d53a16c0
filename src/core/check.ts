/**
 * The policy gate: each change judged against `.trail/policy.yml`. Pure: it takes the facts
 * of the commits to check (from the TrailIndex and git) and the policy, and says what is
 * wrong with each and what to do about it. `trail check` prints the result; the gaps report
 * reuses the same findings so the two never disagree.
 */
import type { ChangeFacts } from './change-facts.js';
import { missingCheckpointText } from './change-facts.js';
import { countLabel as plural } from './count-label.js';
import type { Policy, RequiredField } from './policy.js';
import {
  checkpointsRequiredFrom,
  disallowedCommandParts,
  judgeModel,
  matchesAnyPath,
  matchesPattern,
} from './policy.js';

export const RULES = [
  'checkpoint',
  'required-field',
  'prompt',
  'model',
  'review',
  'two-person',
  'examined-reasoning',
  'high-risk',
  'tests',
  'coverage',
  'command',
] as const;
export type RuleId = (typeof RULES)[number];

export interface Violation {
  commit: string;
  /** The checkpoint's label (`ckpt_…`), empty for a commit without one. */
  checkpoint: string;
  rule: RuleId;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** `notice`: reported so it is visible, but allowed by the policy. */
  level: 'error' | 'notice';
}

export interface CommitCheck {
  commit: string;
  subject?: string;
  checkpoint: string;
  /** Its checkpoint's label where that holds only a person's checks (`checkpoint` is then empty). */
  personsChecksCheckpoint?: string;
  violations: Violation[];
  notices: Violation[];
}

export interface CheckResult {
  ok: boolean;
  commits: CommitCheck[];
  violations: Violation[];
  notices: Violation[];
}

const FIELD_FIXES: Record<RequiredField, string> = {
  'request.tickets': 'link the ticket or issue that asked for the change to the session',
  'request.requester': 'record who asked for the change in the session request',
  'request.acceptanceCriteria': 'record the acceptance criteria with the request',
  'request.summary': 'record a summary of the request in the session',
  prompt: 'capture the prompt (agent hooks, or trail import of the transcript)',
  model: 'capture the model and version the agent ran',
  'agent.version': 'capture the agent’s version with the session',
  reasoning: 'capture the agent’s reasoning or decisions for the change',
  constraints: 'record the constraints the agent found',
  alternatives: 'record the alternatives considered and why they were rejected',
  risks: 'record the risks or limitations of the change',
  boundary: 'record the execution boundary (mode, permissions) of the session',
  review: 'get an approval (trail review, or the code host review)',
  tests: 'run the tests and attach the results (trail tests attach)',
  coverage: 'attach coverage with the test results',
};

/** True when the change carries the field (review, tests and coverage are judged by their own rules). */
export function hasField(facts: ChangeFacts, field: RequiredField): boolean {
  switch (field) {
    case 'request.tickets':
      return facts.tickets.length > 0;
    case 'request.requester':
      return facts.requester !== undefined;
    case 'request.acceptanceCriteria':
      return facts.acceptanceCriteria.length > 0;
    case 'request.summary':
      return facts.requestSummary !== undefined;
    case 'prompt':
      return facts.prompt !== undefined;
    case 'model':
      return facts.sessions.length > 0 && facts.sessions.every((s) => s.model !== undefined);
    case 'agent.version':
      return facts.sessions.length > 0 && facts.sessions.every((s) => s.agentVersion !== undefined);
    case 'reasoning':
      return (facts.eventCounts.reasoning ?? 0) + (facts.eventCounts.decision ?? 0) > 0;
    case 'constraints':
      return (facts.eventCounts.constraint ?? 0) > 0;
    case 'alternatives':
      return facts.alternatives > 0;
    case 'risks':
      return (facts.eventCounts.risk ?? 0) > 0;
    case 'boundary':
      return facts.sessions.some((s) => s.hasBoundary);
    case 'review':
      return facts.approvals.length > 0;
    case 'tests':
      return facts.test !== undefined;
    case 'coverage':
      return facts.test?.coverage !== undefined;
  }
}

/** Required fields the change lacks, other than review, tests and coverage. */
export function missingFields(facts: ChangeFacts, policy: Policy): RequiredField[] {
  return policy.required.filter(
    (f) => f !== 'review' && f !== 'tests' && f !== 'coverage' && !hasField(facts, f),
  );
}

/** Approvals that count under the policy: independent (two-person rule) and by an approver. */
export function countedApprovals(facts: ChangeFacts, policy: Policy): ChangeFacts['approvals'] {
  const approvers = policy.review.approvers;
  return facts.approvals.filter(
    (a) =>
      (!policy.review.twoPerson || a.independent) &&
      (!approvers || approvers.some((p) => matchesPattern(a.reviewer, p, 'identity'))),
  );
}

/** Models the change used that the policy does not approve, with the reason. */
export function unapprovedModels(
  facts: ChangeFacts,
  policy: Policy,
): Array<{ model?: string; reason: string }> {
  if (!policy.models.approved) return [];
  const out: Array<{ model?: string; reason: string }> = [];
  for (const model of facts.models) {
    const verdict = judgeModel(policy, model);
    if (verdict.approved === false) out.push({ model, reason: verdict.reason });
  }
  if (facts.models.length === 0 && facts.sessions.length > 0) out.push({ reason: 'no model recorded' });
  return out;
}

function words(text: string): number {
  return text.trim().split(/\s+/).filter(Boolean).length;
}

function quoteCommand(command: string): string {
  const flat = command.replace(/\s+/g, ' ').trim();
  return `\`${flat.length > 80 ? `${flat.slice(0, 79)}…` : flat}\``;
}

function listPaths(paths: readonly string[]): string {
  return paths.length <= 2 ? paths.join(', ') : `${paths.slice(0, 2).join(', ')} (+${paths.length - 2} more)`;
}

/**
 * Is the commit without a checkpoint outside the gate: it touches only exempt paths (or
 * nothing at all), or it was authored before the policy's `requireCheckpointsFrom` day?
 * A commit with a checkpoint is always judged.
 */
export function isExempt(facts: ChangeFacts, policy: Policy): boolean {
  if (facts.checkpoint || !facts.git) return false;
  const from = checkpointsRequiredFrom(policy);
  if (from !== undefined && Date.parse(facts.git.date) < from) return true;
  return facts.git.paths.every((p) => matchesAnyPath(p, policy.exemptPaths));
}

/**
 * Where a commit stands as to its checkpoint, as trail check judges it (exempt first, then a
 * logged purge), so that every report sorts commits alike: it has one (`recorded`), none was
 * owed (`exempt`), the retention policy removed it (`purged`, the policy at work, not a gap),
 * or it has none (`missing`: hand-written, or capture failed).
 */
export type CheckpointStatus = 'recorded' | 'exempt' | 'purged' | 'missing';

export function checkpointStatus(facts: ChangeFacts, policy: Policy): CheckpointStatus {
  if (facts.checkpoint) return 'recorded';
  if (isExempt(facts, policy)) return 'exempt';
  return facts.purgedBefore !== undefined ? 'purged' : 'missing';
}

/** Every finding of the policy on one change, errors and notices, in rule order. */
export function checkChange(facts: ChangeFacts, policy: Policy): Violation[] {
  const out: Violation[] = [];
  const add = (rule: RuleId, message: string, fix: string, level: Violation['level'] = 'error') =>
    out.push({ commit: facts.commit, checkpoint: facts.checkpointLabel, rule, message, fix, level });
  if (isExempt(facts, policy)) return out;
  const required = new Set(policy.required);

  if (!facts.checkpoint && facts.purgedBefore) {
    // Policy at work, not a gap: the retention policy removed what was recorded.
    add(
      'checkpoint',
      `its checkpoint was removed by a logged retention purge of records before ${facts.purgedBefore}`,
      'nothing to do: retention.days in .trail/policy.yml',
      'notice',
    );
  } else if (!facts.checkpoint) {
    const message = facts.personsChecksLabel
      ? `${missingCheckpointText(facts)}: written by hand, or capture failed`
      : 'no checkpoint: written without a captured agent session (by hand, or capture failed)';
    if (policy.allowCommitsWithoutCheckpoint) {
      add('checkpoint', message, 'allowed by policy (allowCommitsWithoutCheckpoint: true)', 'notice');
    } else {
      add(
        'checkpoint',
        message,
        'if an agent wrote it, record its session with trail import (kept in the ledger, though not linked to the commit); if a person did, allowCommitsWithoutCheckpoint: true keeps such commits as notes, or exemptPaths leaves out the paths no agent writes',
      );
    }
  } else {
    for (const field of missingFields(facts, policy)) {
      add('required-field', `${field} missing`, FIELD_FIXES[field]);
    }
    const request = facts.prompt ?? facts.requestSummary;
    const { minWords, minLength, requireAcceptanceCriteria } = policy.prompts;
    if ((minWords > 0 || minLength > 0) && request === undefined && !required.has('prompt')) {
      add('prompt', 'no prompt recorded, so its specificity cannot be judged', FIELD_FIXES.prompt);
    } else if (request !== undefined) {
      const n = words(request);
      const length = request.trim().length;
      if (n < minWords || length < minLength) {
        add(
          'prompt',
          `the prompt is vague: ${plural(n, 'word')}, ${plural(length, 'character')} (the policy asks for at least ${minWords} words and ${minLength} characters)`,
          'state the requirement specifically: what to change, the limits, and how to tell it is done',
        );
      }
    }
    if (
      requireAcceptanceCriteria &&
      facts.acceptanceCriteria.length === 0 &&
      !required.has('request.acceptanceCriteria')
    ) {
      add(
        'prompt',
        'no acceptance criteria recorded for the request',
        FIELD_FIXES['request.acceptanceCriteria'],
      );
    }
    for (const m of unapprovedModels(facts, policy)) {
      add(
        'model',
        m.model ? `model ${m.reason}` : 'no model recorded, so it cannot be matched to an approved model',
        m.model
          ? 'use an approved model, or add it with its release date to models.approved in .trail/policy.yml'
          : FIELD_FIXES.model,
      );
    }
    const allowed = policy.commands.allowed;
    if (allowed) {
      const seen = new Set<string>();
      for (const command of facts.commands) {
        for (const part of disallowedCommandParts(command, allowed)) {
          if (seen.has(part)) continue;
          seen.add(part);
          add(
            'command',
            `ran ${quoteCommand(part)}, which is outside the allowed commands`,
            'keep the agent to the allowed commands, or add a pattern to commands.allowed in .trail/policy.yml',
          );
        }
      }
    }
  }

  // Review: the two-person rule, approvers, outstanding change requests, the count.
  const counted = countedApprovals(facts, policy);
  let explained = 0;
  for (const a of facts.approvals) {
    if (policy.review.twoPerson && !a.independent) {
      explained++;
      add(
        'two-person',
        `approved by ${a.reviewer}, who is also the change's ${a.conflicts.join(' and ')}`,
        'have someone other than the requester and the author approve it',
      );
    } else if (
      policy.review.approvers &&
      !policy.review.approvers.some((p) => matchesPattern(a.reviewer, p, 'identity'))
    ) {
      explained++;
      add(
        'review',
        `approved by ${a.reviewer}, who is not one of the policy's approvers`,
        'have an approver listed in review.approvers approve it',
      );
    }
  }
  for (const r of facts.changesRequested) {
    add(
      'review',
      `changes requested by ${r.reviewer} and not approved since`,
      'address the review and get it approved',
    );
  }
  if (required.has('review') && counted.length < policy.review.minApprovals && explained === 0) {
    add(
      'review',
      facts.approvals.length === 0
        ? 'not approved: no approving review recorded'
        : `${plural(counted.length, 'approval')}, the policy needs ${policy.review.minApprovals}`,
      FIELD_FIXES.review,
    );
  }
  if (
    policy.review.requireExaminedReasoning &&
    counted.length > 0 &&
    !counted.some((a) => a.examinedReasoning)
  ) {
    add(
      'examined-reasoning',
      `approved by ${counted.map((a) => a.reviewer).join(', ')} without examining the agent's reasoning`,
      'the reviewer reads the reasoning (trail show) and records that it was examined when approving',
    );
  }
  for (const rule of policy.highRisk) {
    const touched = facts.paths.filter((p) => matchesAnyPath(p, rule.paths));
    if (touched.length === 0 || counted.length >= rule.approvals) continue;
    add(
      'high-risk',
      `touches ${rule.name ? `${rule.name} (${listPaths(touched)})` : listPaths(touched)}: ${plural(counted.length, 'approval')}, high-risk paths need ${rule.approvals}`,
      `get ${rule.approvals - counted.length} more independent approval${rule.approvals - counted.length === 1 ? '' : 's'}`,
    );
  }

  // Tests and coverage.
  const t = facts.test;
  if (!t) {
    if (required.has('tests')) add('tests', 'no test results recorded', FIELD_FIXES.tests);
  } else if (facts.testStatus === 'failed' && policy.tests.mustPass) {
    add(
      'tests',
      `${t.failed + t.errored} of ${plural(t.tests, 'test')} failed in the latest run`,
      'fix the failing tests and record a passing run',
    );
  } else if (facts.testStatus === 'empty' && required.has('tests')) {
    add(
      'tests',
      'the recorded test run ran no tests',
      'run the tests that cover the change and attach the results',
    );
  }
  const minCoverage = policy.tests.minCoverage;
  if (t && (minCoverage !== undefined || required.has('coverage'))) {
    if (t.coverage === undefined)
      add('coverage', 'no coverage recorded with the tests', FIELD_FIXES.coverage);
    else if (minCoverage !== undefined && t.coverage < minCoverage) {
      add(
        'coverage',
        `line coverage ${formatPct(t.coverage)} is below the policy's ${formatPct(minCoverage)}`,
        'add tests for the uncovered lines',
      );
    }
  } else if (!t && required.has('coverage') && !required.has('tests')) {
    add('coverage', 'no coverage recorded (no test results)', FIELD_FIXES.coverage);
  }
  return out;
}

export function formatPct(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(1)}%`;
}

/** The policy over every change given (oldest first). */
export function checkChanges(changes: readonly ChangeFacts[], policy: Policy): CheckResult {
  const commits: CommitCheck[] = [];
  const violations: Violation[] = [];
  const notices: Violation[] = [];
  for (const facts of changes) {
    const found = checkChange(facts, policy);
    const errors = found.filter((v) => v.level === 'error');
    const notes = found.filter((v) => v.level === 'notice');
    commits.push({
      commit: facts.commit,
      subject: facts.git?.subject,
      checkpoint: facts.checkpointLabel,
      ...(facts.personsChecksLabel ? { personsChecksCheckpoint: facts.personsChecksLabel } : {}),
      violations: errors,
      notices: notes,
    });
    violations.push(...errors);
    notices.push(...notes);
  }
  return { ok: violations.length === 0, commits, violations, notices };
}
