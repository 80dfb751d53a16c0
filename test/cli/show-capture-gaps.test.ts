/**
 * `trail show` lists the capture gaps of the checkpoint's sessions (a hook names its session
 * in the gap it records), so a reviewer who sees no reasoning or usage also sees why; another
 * session's gap is not listed.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('trail show: capture gaps of its sessions', () => {
  const repos: TempRepo[] = [];
  after(() => {
    for (const r of repos) r.cleanup();
  });

  test("a Stop whose transcript is gone: the gap is shown with the session's checkpoint", async () => {
    const repo = tempRepo();
    repos.push(repo);
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    // ScriptedClaude names a transcript that does not exist: the Stop hook records a gap.
    const agent = new ScriptedClaude(repo.dir).start().prompt('write a.ts');
    agent.write('a.ts', 'export const a = 1;\n');
    agent.stop();
    // Another session, never committed, with a gap of its own.
    new ScriptedClaude(repo.dir).start().prompt('look around').stop();
    repo.git('add', 'a.ts');
    repo.git('commit', '-q', '-m', 'agent work');

    const json = await trail(repo.dir, 'show', 'HEAD', '--json');
    assert.equal(json.code, 0, json.stderr);
    const view = JSON.parse(json.stdout) as { captureGaps: Array<{ what: string; why: string }> };
    assert.deepEqual(
      view.captureGaps.map((g) => g.what),
      ['claude-code Stop hook'],
      'the gap of the committed session only',
    );
    assert.match(view.captureGaps[0]!.why, /ENOENT.*\.no-transcript\.jsonl/);

    const text = await trail(repo.dir, 'show', 'HEAD');
    assert.match(text.stderr, /\nCapture gaps\n- \S+: claude-code Stop hook: ENOENT/);
  });
});
