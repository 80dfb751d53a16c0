/**
 * A log this clone verified before, of which no copy is left (its ref and every remote copy
 * deleted), was deleted: `trail verify` says so and exits 1, as it does for a log cut short.
 * A log whose own ref is gone while a fetched copy still holds it is not deleted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trail } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

interface VerifyJson {
  ok: boolean;
  problems: Array<{ ref: string; kind: string; writerId: string; message: string }>;
}

async function verify(dir: string): Promise<{ code: number; report: VerifyJson; stderr: string }> {
  const result = await trail(dir, 'verify', '--json');
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyJson, stderr: result.stderr };
}

test('every copy of a verified log deleted: verify reports the log deleted, naming its ref', async () => {
  const repo = initialisedRepo();
  try {
    const sha = repo.git('rev-parse', 'HEAD').trim();
    for (const env of ['staging', 'prod']) {
      assert.equal((await trail(repo.dir, 'record', 'deployment', '--env', env, '--commit', sha)).code, 0);
    }
    assert.equal((await verify(repo.dir)).code, 0, 'verified once: the witness holds 2 records');
    const writerId = repo.git('for-each-ref', '--format=%(refname:lstrip=3)', 'refs/trail/logs/').trim();

    // A fetched copy keeps the log: losing only this clone's own ref is no deletion.
    repo.git('update-ref', `refs/trail/remotes/origin/logs/${writerId}`, `refs/trail/logs/${writerId}`);
    repo.git('update-ref', '-d', `refs/trail/logs/${writerId}`);
    const copyLeft = await verify(repo.dir);
    assert.equal(copyLeft.code, 0, copyLeft.stderr);

    repo.git('update-ref', '-d', `refs/trail/remotes/origin/logs/${writerId}`);
    const gone = await verify(repo.dir);
    assert.equal(gone.code, 1);
    assert.deepEqual(
      gone.report.problems.map((p) => [p.ref, p.kind, p.writerId]),
      [[`refs/trail/logs/${writerId}`, 'deleted', writerId]],
    );
    assert.match(gone.report.problems[0]!.message, /^the log was deleted: 2 records were seen before/);
    const human = await trail(repo.dir, 'verify');
    assert.equal(human.code, 1);
    assert.match(human.stderr, /the log was deleted: 2 records were seen before/);
    // Still reported the next time: the witness is not moved back by a failing verify.
    assert.equal((await verify(repo.dir)).code, 1);
  } finally {
    repo.cleanup();
  }
});
