/**
 * The checkpoint page's "Deployed" fact uses the rule `trail log` and the reports use
 * (deploy-state.ts): a commit deployed again after a rollback is deployed, and one rolled
 * back after its last deployment is not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointView } from '../../src/read/checkpoint-view.js';
import { deployFact } from '../../src/server/dashboard/pages/checkpoint.js';

const COMMIT = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

function view(
  deployments: Array<{ env: string; time: string; status?: string }>,
  rollbacks: Array<{ env: string; time: string; from?: string }>,
): CheckpointView {
  return {
    checkpoint: { commit: COMMIT },
    deployments: deployments.map((d) => ({ status: 'success', ...d })),
    rollbacks: rollbacks.map((r) => ({ from: COMMIT, to: OTHER, reason: 'error rate rose', ...r })),
  } as unknown as CheckpointView;
}

test('rolled back after its last deployment: shown as rolled back, with the reason', () => {
  const fact = deployFact(
    view([{ env: 'prod', time: '2026-03-01T10:00:00Z' }], [{ env: 'prod', time: '2026-03-01T11:00:00Z' }]),
  );
  assert.deepEqual(fact, {
    label: 'Deployed',
    tone: 'fail',
    value: 'Rolled back in prod',
    note: 'error rate rose',
  });
});

test('deployed again after a rollback: shown as deployed, the rollback noted', () => {
  const fact = deployFact(
    view(
      [
        { env: 'prod', time: '2026-03-01T10:00:00Z' },
        { env: 'prod', time: '2026-03-02T10:00:00Z' },
        { env: 'staging', time: '2026-03-01T09:00:00Z' },
      ],
      [{ env: 'prod', time: '2026-03-01T11:00:00Z' }],
    ),
  );
  assert.equal(fact.tone, 'pass');
  assert.equal(fact.value, 'staging, prod');
});

test('live in one environment and rolled back from another: deployed, with the rollback in the note', () => {
  const fact = deployFact(
    view(
      [
        { env: 'staging', time: '2026-03-01T09:00:00Z' },
        { env: 'prod', time: '2026-03-01T10:00:00Z' },
      ],
      [
        { env: 'prod', time: '2026-03-01T11:00:00Z' },
        { env: 'prod', time: '2026-03-01T12:00:00Z', from: OTHER },
      ],
    ),
  );
  assert.equal(fact.tone, 'pass');
  assert.equal(fact.value, 'staging');
  assert.match(String(fact.note), /rolled back in prod$/);
});
