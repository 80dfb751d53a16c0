/**
 * Where a commit stands as to its checkpoint (core/check.ts checkpointStatus), the one sorting
 * every report and trail check share: exempt before purged, so a purged commit that touched
 * only exempt paths is exempt everywhere, as trail check has always judged it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChangeFacts, CommitInfo } from '../../src/core/change-facts.js';
import { checkpointStatus } from '../../src/core/check.js';
import { defaultPolicy, parsePolicy } from '../../src/core/policy.js';

function commit(paths: string[], extra: Partial<ChangeFacts> = {}): ChangeFacts {
  const git: CommitInfo = {
    sha: 'a'.repeat(40),
    parents: [],
    author: 'Dana <dana@example.com>',
    authorEmail: 'dana@example.com',
    date: '2026-11-02T10:00:00Z',
    subject: 'change',
    paths,
  };
  return { commit: git.sha, git, ...extra } as ChangeFacts;
}

describe('checkpointStatus', () => {
  const policy = parsePolicy('exemptPaths: ["docs/**"]\nrequireCheckpointsFrom: "2026-11-01"\n');

  test('recorded, exempt, purged or missing, exempt judged before a purge', () => {
    const purged = { purgedBefore: '2026-11-20T00:00:00Z' };
    assert.equal(
      checkpointStatus(commit(['src/a.ts'], { checkpoint: {} } as Partial<ChangeFacts>), policy),
      'recorded',
    );
    assert.equal(checkpointStatus(commit(['docs/a.md']), policy), 'exempt');
    assert.equal(checkpointStatus(commit(['docs/a.md'], purged), policy), 'exempt');
    assert.equal(checkpointStatus(commit(['src/a.ts'], purged), policy), 'purged');
    assert.equal(checkpointStatus(commit(['src/a.ts']), policy), 'missing');
    assert.equal(checkpointStatus(commit(['src/a.ts']), defaultPolicy()), 'missing');
  });

  test('a commit made before checkpoints were required is exempt', () => {
    const early = commit(['src/a.ts']);
    early.git!.date = '2026-10-30T10:00:00Z';
    assert.equal(checkpointStatus(early, policy), 'exempt');
  });
});
