/**
 * Lines committed before Trail tracked the repository (`trackedSince`, set by `trail init`)
 * are `unknown` (docs/attribution.md), in `trail stats` as in `trail blame`; lines of a
 * later commit with no checkpoint are `human` in both.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { originWithoutCheckpoint, trackedSinceSeconds } from '../../src/core/before-tracking.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

type Origin = 'ai' | 'human' | 'unknown';

describe('commits from before Trail tracked the repository', () => {
  let repo: TempRepo;

  before(() => {
    repo = tempRepo();
    repo.write('old.txt', 'l1\nl2\n');
    repo.git('add', '-A');
    execFileSync('git', ['commit', '-q', '-m', 'before Trail'], {
      cwd: repo.dir,
      env: { ...gitEnv, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
    });
    const init = trailProcess(repo.dir, ['init', '--yes']);
    assert.equal(init.code, 0, init.stderr);
    repo.commit('trust this clone');
    const agent = new ScriptedClaude(repo.dir).start().prompt('write ai.ts');
    agent.write('ai.ts', 'export const a = 1;\n');
    agent.stop();
    repo.git('add', 'ai.ts');
    repo.git('commit', '-q', '-m', 'agent work');
    repo.write('new.txt', 'n1\nn2\nn3\n');
    repo.commit('a person, after Trail');
  });
  after(() => repo.cleanup());

  test('stats counts each file as blame calls its lines', async () => {
    const stats = JSON.parse((await trail(repo.dir, 'stats', '--json')).stdout) as {
      totals: Record<Origin, number> & { share: number | null };
      byFile: Array<{ key: string; share: number | null } & Record<Origin, number>>;
    };
    for (const file of ['old.txt', 'ai.ts', 'new.txt']) {
      const result = await trail(repo.dir, 'blame', file, '--json');
      assert.equal(result.code, 0, result.stderr);
      const counts: Record<Origin, number> = { ai: 0, human: 0, unknown: 0 };
      for (const l of (JSON.parse(result.stdout) as { lines: Array<{ origin: Origin }> }).lines) {
        counts[l.origin]++;
      }
      const row = stats.byFile.find((f) => f.key === file);
      assert.deepEqual(row && { ai: row.ai, human: row.human, unknown: row.unknown }, counts, file);
    }
    assert.deepEqual(
      { ai: stats.totals.ai, human: stats.totals.human, unknown: stats.totals.unknown },
      { ai: 1, human: 3, unknown: 2 },
    );
    const text = (await trail(repo.dir, 'stats')).stderr;
    assert.match(text, /\(1 AI, 3 human, 2 unknown\)/);
    // A file of unknown lines alone has no AI share to give: not 0%, which reads as "no AI".
    assert.equal(stats.byFile.find((f) => f.key === 'old.txt')?.share, null);
    assert.match(text, /\n {2}old\.txt {34} {5}— AI {2}\(0 AI, 0 human, 2 unknown\)\n/);
    assert.equal(stats.totals.share, 16.7, 'unknown lines stay in the denominator');
  });

  test('a range of commits all from before Trail: the AI share is not known, not 0%', async () => {
    const result = await trail(repo.dir, 'stats', '--rev', 'HEAD~3');
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^AI share of added lines: not known: none of the 2 added lines has a known origin \(all were committed before Trail tracked this repository\)\n/,
    );
    const json = JSON.parse((await trail(repo.dir, 'stats', '--rev', 'HEAD~3', '--json')).stdout) as {
      totals: { share: number | null; unknown: number };
    };
    assert.deepEqual(json.totals, { key: 'all', ai: 0, human: 0, unknown: 2, share: null });
  });

  test('the gaps report says which commits came before Trail, and how to leave them out', async () => {
    const gapsOf = async () => {
      const result = await trail(repo.dir, 'report', 'gaps', '--format', 'json');
      assert.equal(result.code, 0, result.stderr);
      const doc = JSON.parse(result.stdout) as {
        sections: Array<{ intro: string[]; table: { rows: Array<Record<string, string>> } }>;
      };
      const section = doc.sections[0]!;
      return {
        intro: section.intro.join(' '),
        noCheckpoint: section.table.rows
          .filter((r) => r.gap === 'no-checkpoint')
          .map((r) => [r.detail, r.fix]),
      };
    };
    const since = (
      JSON.parse(readFileSync(join(repo.dir, '.trail/config.json'), 'utf8')) as { trackedSince: string }
    ).trackedSince;
    const adopted = new Date(Math.floor(Date.parse(since) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const before = await gapsOf();
    assert.deepEqual(before.noCheckpoint, [
      [
        `"before Trail" by Test Author <author@example.com> has no checkpoint: authored before Trail tracked this repository (${adopted})`,
        `leave the history from before Trail out: add "requireCheckpointsFrom: ${adopted}" to .trail/policy.yml`,
      ],
      [
        '"a person, after Trail" by Test Author <author@example.com> has no checkpoint: hand-written, or capture failed',
        'if an agent wrote it, record its session with trail import (kept in the ledger, though not linked to the commit); if a person did, document how hand-written changes are reviewed',
      ],
    ]);
    assert.match(
      before.intro,
      new RegExp(
        `1 commit without a checkpoint was authored before Trail tracked this repository \\(${adopted}\\), when no hook could record them: "requireCheckpointsFrom: ${adopted}" in \\.trail/policy\\.yml leaves them out\\.$`,
      ),
    );
    // As the report says: the history leaves, the hand-written commit after adoption stays.
    repo.write('.trail/policy.yml', `requireCheckpointsFrom: ${adopted}\n`);
    try {
      const after = await gapsOf();
      assert.deepEqual(
        after.noCheckpoint.map((r) => r[0]),
        [
          '"a person, after Trail" by Test Author <author@example.com> has no checkpoint: hand-written, or capture failed',
        ],
      );
      assert.doesNotMatch(after.intro, /authored before Trail tracked/);
    } finally {
      rmSync(join(repo.dir, '.trail/policy.yml'));
    }
  });

  test('text blame lines up its columns whatever the origin', async () => {
    const columns = new Set<number>();
    const origins = new Set<string>();
    for (const file of ['old.txt', 'ai.ts', 'new.txt']) {
      const result = await trail(repo.dir, 'blame', file);
      assert.equal(result.code, 0, result.stderr);
      for (const line of result.stderr.trimEnd().split('\n')) {
        origins.add(line.split(/\s+/)[1]!);
        columns.add(line.indexOf('| '));
      }
    }
    assert.deepEqual([...origins].sort(), ['ai', 'human', 'unknown']);
    assert.deepEqual([...columns], [44], 'the text starts in one column for ai, human and unknown lines');
  });

  test('the rule: before trackedSince (in whole seconds) is unknown, from it on human', () => {
    const since = trackedSinceSeconds('2026-03-01T10:00:00.900Z');
    assert.equal(since, Date.parse('2026-03-01T10:00:00Z') / 1000);
    assert.equal(originWithoutCheckpoint(since! - 1, since).origin, 'unknown');
    assert.equal(
      originWithoutCheckpoint(since!, since).origin,
      'human',
      'the same second as init is tracked',
    );
    assert.equal(originWithoutCheckpoint(0, undefined).origin, 'human', 'no trackedSince: all tracked');
    assert.equal(trackedSinceSeconds(undefined), undefined);
  });
});
