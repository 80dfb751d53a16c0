/**
 * Who records evidence after the fact (test results, deployments, rollbacks): a CI job, when
 * its environment says so, or the person at the keyboard. Its own module, so recording a
 * deployment does not load the test-report parsers.
 */
import type { Actor, Provenance } from '../core/records.js';
import { localIdentity } from '../git/identity.js';

export async function attachingActor(
  workTree: string,
  env: NodeJS.ProcessEnv,
): Promise<{ actor: Actor; provenance: Provenance }> {
  if (env.CI && env.CI !== 'false') {
    const id = env.GITHUB_ACTIONS
      ? `github-actions${env.GITHUB_REPOSITORY ? `:${env.GITHUB_REPOSITORY}` : ''}`
      : env.GITLAB_CI
        ? `gitlab-ci${env.CI_PROJECT_PATH ? `:${env.CI_PROJECT_PATH}` : ''}`
        : 'ci';
    return { actor: { type: 'ci', id }, provenance: 'observed' };
  }
  return { actor: { type: 'human', id: (await localIdentity(workTree)).email }, provenance: 'human' };
}
