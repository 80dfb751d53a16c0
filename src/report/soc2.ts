/**
 * SOC 2 change control (CC8.1): every change in the period with what was asked, who asked,
 * which model wrote it, who approved it and when (or that the approval is void: the change
 * was corrected, rewritten or altered after it), how it was tested and whether it was
 * deployed, reverted or is still pending. Commits without a checkpoint are listed too, so
 * hand-written code is not invisible to the auditor; those whose checkpoint a logged
 * retention purge removed are counted apart, since nothing is missing there.
 */
import { purgedCheckpointText } from '../core/change-facts.js';
import { checkpointStatus } from '../core/check.js';
import type { Cell, ReportDocument, ReportInput } from './document.js';
import {
  APPROVAL_VOID,
  approvalHolds,
  approvedAtCell,
  countLabel,
  forEachChange,
  isoSeconds,
  PURGED_CHECKPOINT_CELL,
  periodText,
  reportHeading,
  requestCell,
  reviewersCell,
  reviewsNotCountedNotes,
  testsCell,
} from './document.js';

export function buildSoc2Report(input: ReportInput): ReportDocument {
  let withCheckpoint = 0;
  let purged = 0;
  let exempt = 0;
  let approved = 0;
  let approvalVoid = 0;
  let tested = 0;
  let failing = 0;
  const status = { deployed: 0, reverted: 0, pending: 0 };
  const rows: Cell[][] = [];
  forEachChange(input, (f) => {
    // Exempt by policy (no checkpoint was owed), or removed by a logged retention purge
    // (recorded once): neither is a commit without a checkpoint, as trail check judges.
    const checkpoint = checkpointStatus(f, input.policy);
    if (checkpoint === 'recorded') withCheckpoint++;
    else if (checkpoint === 'exempt') exempt++;
    else if (checkpoint === 'purged') purged++;
    if (approvalHolds(f)) approved++;
    if (f.approvalVoid !== undefined) approvalVoid++;
    if (f.testStatus === 'passed') tested++;
    if (f.testStatus === 'failed') failing++;
    status[f.status]++;
    rows.push([
      isoSeconds(f.time),
      f.checkpointLabel,
      f.commit,
      requestCell(f),
      f.requester ?? '',
      f.models.length === 1 ? f.models[0]! : f.models.join(', '),
      reviewersCell(f),
      approvedAtCell(f),
      testsCell(f),
      f.status,
      f.environments.length === 1 ? f.environments[0]! : f.environments.join(', '),
    ]);
  });
  const changes = rows.length;
  return {
    ...reportHeading(input, 'SOC 2 change control', 'soc2'),
    summary: [
      { label: 'Changes', value: changes },
      { label: 'With a checkpoint', value: withCheckpoint },
      { label: 'Without a checkpoint', value: changes - withCheckpoint - purged - exempt },
      { label: 'Without a checkpoint, exempt by policy', value: exempt },
      { label: 'Checkpoint removed by a retention purge', value: purged },
      { label: 'Approved', value: approved },
      { label: 'Approval void (changed after approval)', value: approvalVoid },
      { label: 'Tests passing', value: tested },
      { label: 'Tests failing', value: failing },
      { label: 'Deployed', value: status.deployed },
      { label: 'Reverted', value: status.reverted },
      { label: 'Pending', value: status.pending },
    ],
    sections: [
      {
        id: 'changes',
        title: 'Changes',
        intro: [
          `${countLabel(changes, 'change')} in ${periodText(input.period)}, oldest first. Each row joins the checkpoint (what was asked, by whom, with which model) to its reviews, test results, deployments and rollbacks in the ledger.`,
        ],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.35 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.15 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 1.2 },
            { key: 'prompt', title: 'Prompt summary', weight: 3.4, maxLines: 2 },
            { key: 'requester', title: 'Requester', weight: 1.5 },
            { key: 'model', title: 'Model', weight: 1.7 },
            { key: 'reviewer', title: 'Reviewer', weight: 1.5 },
            { key: 'approvedAt', title: 'Approved at', kind: 'time', weight: 1.35 },
            { key: 'tests', title: 'Tests', weight: 1.5 },
            { key: 'status', title: 'Status', kind: 'status', weight: 0.85 },
            { key: 'environments', title: 'Environments', weight: 1.1 },
          ],
          rows,
        },
        notes: [
          'Status: deployed = a successful deployment is current in at least one environment; reverted = rolled back from every environment it reached; pending = no deployment recorded.',
          'Approved at is the time of the last approving review; reviewers who requested changes or only commented are shown with their decision.',
          `"${APPROVAL_VOID}" in Approved at: trail verify found that the approved checkpoint, or a record it seals, was corrected, rewritten or altered after the approval; the approval does not cover the change as it now stands, and the change is not counted as approved (trail verify lists what changed).`,
          ...(purged > 0
            ? [
                `${purgedCheckpointText(countLabel(purged, 'commit'))}: counted apart from the changes without a checkpoint; the prompt summary reads "${PURGED_CHECKPOINT_CELL}; commit: …".`,
              ]
            : []),
          ...reviewsNotCountedNotes(input),
        ],
      },
    ],
  };
}
