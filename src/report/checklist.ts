/**
 * The eight-section audit checklist over a period: how many changes pass each box, each
 * change's verdict per section, and every failed box with its reason.
 */

import type { ChangeFacts } from '../core/change-facts.js';
import { purgedCheckpointText } from '../core/change-facts.js';
import { checkpointStatus, isExempt } from '../core/check.js';
import type { BoxStatus, ChangeChecklist } from '../core/checklist.js';
import { aggregateChecklist, CHECKLIST_SECTIONS, scoreChange } from '../core/checklist.js';
import type { Cell, ReportDocument, ReportInput } from './document.js';
import { countLabel, isoSeconds, periodText, reportChanges, reportHeading } from './document.js';

/** The changes the checklist scores: every change in the period outside the exempt paths. */
function scoredFacts(input: ReportInput): ChangeFacts[] {
  return reportChanges(input).filter((f) => !isExempt(f, input.policy));
}

function scoreAll(input: ReportInput, facts: readonly ChangeFacts[]): ChangeChecklist[] {
  const ctx = {
    policy: input.policy,
    policySource: input.policySource,
    problemWriters: input.problemWriters,
    ledgerOk: input.ledger.ok,
    now: input.generatedAt,
  };
  return facts.map((f) => scoreChange(f, ctx));
}

function sectionCell(status: BoxStatus, failed: number): string {
  if (status === 'failed') return `failed (${failed})`;
  return status;
}

export function buildChecklistReport(input: ReportInput): ReportDocument {
  const facts = scoredFacts(input);
  const scored = scoreAll(input, facts);
  const purged = facts.filter((f) => checkpointStatus(f, input.policy) === 'purged').length;
  const tallies = aggregateChecklist(scored);
  const totals = { passed: 0, failed: 0, 'not-applicable': 0 };
  for (const s of scored) {
    totals.passed += s.counts.passed;
    totals.failed += s.counts.failed;
    totals['not-applicable'] += s.counts['not-applicable'];
  }
  const boxRows: Cell[][] = [];
  for (const section of tallies) {
    for (const box of section.boxes) {
      boxRows.push([
        `${section.id}. ${section.title}`,
        box.id,
        box.text,
        box.passed,
        box.failed,
        box.notApplicable,
        box.status,
      ]);
    }
  }
  const changeRows: Cell[][] = scored.map((s) => [
    isoSeconds(s.time),
    s.commit,
    s.checkpoint,
    ...s.sections.map((section) =>
      sectionCell(section.status, section.boxes.filter((b) => b.status === 'failed').length),
    ),
  ]);
  const failureRows: Cell[][] = [];
  for (const s of scored) {
    for (const section of s.sections) {
      for (const box of section.boxes) {
        if (box.status === 'failed')
          failureRows.push([isoSeconds(s.time), s.commit, s.checkpoint, box.id, box.text, box.reason]);
      }
    }
  }
  // A change with nothing judged (its checkpoint purged: every box not applicable) passed no
  // box either: it is not counted as passing every one.
  const fullyPassing = scored.filter((s) => s.counts.failed === 0 && s.counts.passed > 0).length;
  return {
    ...reportHeading(input, 'Audit checklist: AI-generated code', 'checklist'),
    summary: [
      { label: 'Changes scored', value: scored.length },
      { label: 'Changes passing every box', value: fullyPassing },
      { label: 'Boxes passed', value: totals.passed },
      { label: 'Boxes failed', value: totals.failed },
      { label: 'Boxes not applicable', value: totals['not-applicable'] },
      ...tallies.map((t) => ({
        label: `${t.id}. ${t.title}`,
        value: `${t.status} (${t.passed} passed, ${t.failed} failed, ${t.notApplicable} n/a)`,
      })),
    ],
    sections: [
      {
        id: 'sections',
        title: 'The eight sections',
        intro: [
          `${countLabel(scored.length, 'change')} in ${periodText(input.period)} scored box by box. A box fails for the period when it fails for any change; not applicable means nothing to judge (no alternatives, no deployment, no rollback).`,
          ...(purged > 0
            ? [
                `${purgedCheckpointText(countLabel(purged, 'commit'))}: ${purged === 1 ? 'its' : 'their'} boxes are not applicable, where a commit without a checkpoint fails 1.1 and 7.1, and ${purged === 1 ? 'it is' : 'they are'} not counted as passing every box.`,
              ]
            : []),
        ],
        table: {
          columns: [
            { key: 'section', title: 'Section', weight: 1.6 },
            { key: 'box', title: 'Box', weight: 0.4 },
            { key: 'text', title: 'Requirement', weight: 3.4 },
            { key: 'passed', title: 'Passed', kind: 'number', weight: 0.6 },
            { key: 'failed', title: 'Failed', kind: 'number', weight: 0.6 },
            { key: 'notApplicable', title: 'N/A', kind: 'number', weight: 0.5 },
            { key: 'status', title: 'Status', kind: 'status', weight: 0.9 },
          ],
          rows: boxRows,
        },
      },
      {
        id: 'changes',
        title: 'Per change',
        intro: ['Each change’s verdict per section; "failed (n)" counts the boxes that failed.'],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.3 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 1 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.2 },
            ...CHECKLIST_SECTIONS.map((s) => ({
              key: `s${s.id}`,
              title: `${s.id}. ${s.title}`,
              kind: 'status' as const,
            })),
          ],
          rows: changeRows,
        },
      },
      {
        id: 'failures',
        title: 'Failed boxes',
        intro: ['Every failed box with the reason, so each verdict can be followed back to the records.'],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 0.9 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.1 },
            { key: 'box', title: 'Box', weight: 0.4 },
            { key: 'text', title: 'Requirement', weight: 2.6 },
            { key: 'reason', title: 'Reason', weight: 3.2 },
          ],
          rows: failureRows,
        },
        notes: failureRows.length === 0 ? ['No box failed.'] : [],
      },
    ],
  };
}
