/**
 * Where a commit runs now, from its deployment and rollback records: in each environment the
 * latest of its successful deployments there and the rollbacks that took it out of there
 * decides. `trail log` (its tags and `--deployed`), the reports and the dashboard all read it
 * from here, so none of them shows a rolled-back commit as deployed.
 */
import type { RecordOf } from './records.js';

export type DeployStatus = 'deployed' | 'reverted' | 'pending';

export interface DeployState {
  /** Its successful deployments. */
  deployments: Array<{ env: string; time: string }>;
  /** The rollbacks that took it out of an environment. */
  rollbacks: Array<{ env: string; time: string; to: string; reason: string }>;
  /** Environments where a successful deployment of it is current. */
  live: string[];
  /** Environments it was last rolled back from. */
  rolledBack: string[];
  status: DeployStatus;
  /** Where it is deployed now, or (when reverted) where it was rolled back. */
  environments: string[];
}

/**
 * `rollbacks` may hold rollbacks to the commit as well (an index keeps them by both their
 * commits): only those from it take it out. A deployment and a rollback at the same instant
 * leave it rolled back: the rollback is the one that says something happened to it.
 */
export function deployState(
  commit: string,
  deployments: ReadonlyArray<Pick<RecordOf<'deployment'>, 'env' | 'time' | 'status'>>,
  rollbacks: ReadonlyArray<Pick<RecordOf<'rollback'>, 'env' | 'time' | 'from' | 'to' | 'reason'>>,
): DeployState {
  const deployed = deployments
    .filter((d) => d.status === 'success')
    .map((d) => ({ env: d.env, time: d.time }));
  const rolled = rollbacks
    .filter((r) => r.from === commit)
    .map((r) => ({ env: r.env, time: r.time, to: r.to, reason: r.reason }));
  const events = [
    ...deployed.map((d) => ({ env: d.env, time: d.time, deployed: true })),
    ...rolled.map((r) => ({ env: r.env, time: r.time, deployed: false })),
  ];
  // Stable: at equal times deployments (first in the list) come before rollbacks.
  events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const state = new Map<string, boolean>();
  for (const e of events) state.set(e.env, e.deployed);
  const live = [...state].filter(([, v]) => v).map(([env]) => env);
  const rolledBack = [...state].filter(([, v]) => !v).map(([env]) => env);
  const status: DeployStatus = live.length > 0 ? 'deployed' : rolledBack.length > 0 ? 'reverted' : 'pending';
  return {
    deployments: deployed,
    rollbacks: rolled,
    live,
    rolledBack,
    status,
    environments: status === 'deployed' ? live : rolledBack,
  };
}
