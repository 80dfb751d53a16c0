/** trail show / log / stats over a scripted session and commit. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('read side: show, log, stats', () => {
  let repo: TempRepo;
  let agent: ScriptedClaude;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.commit('trust this clone');
    agent = new ScriptedClaude(repo.dir)
      .start()
      .prompt('Implement <script>alert(1)</script> sanitizer for PROJ-7');
    agent.write(
      'src/sanitize.ts',
      'export function sanitize(s: string) {\n  return s.replace(/</g, "&lt;");\n}\n',
    );
    agent.bash('npm test', 1, 'not ok 1');
    agent.write(
      'src/sanitize.ts',
      'export function sanitize(s: string) {\n  return s.replace(/[<>]/g, "");\n}\n',
    );
    agent.bash('npm test', 0, 'ok 1');
    agent.stop();
    writeFileSync(join(repo.dir, 'src/extra.ts'), 'export const human = true;\n');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'Sanitizer');
  });
  after(() => repo.cleanup());

  test('show --json holds the request, prompt, model, checks, repair and files', async () => {
    const result = await trail(repo.dir, 'show', 'HEAD', '--json');
    assert.equal(result.code, 0, result.stderr);
    const view = JSON.parse(result.stdout);
    assert.equal(view.checkpoint.commit, repo.git('rev-parse', 'HEAD'));
    assert.equal(view.sessions[0].model, 'claude-sonnet-4-6');
    assert.deepEqual(
      view.sessions[0].request.tickets.map((t: { id: string }) => t.id),
      ['PROJ-7'],
    );
    assert.equal(view.prompts[0].text, 'Implement <script>alert(1)</script> sanitizer for PROJ-7');
    assert.deepEqual(
      view.validations.map((v: { status: string; attempt: number }) => `${v.status}:${v.attempt}`),
      ['failed:1', 'passed:2'],
    );
    assert.equal(view.repairs[0].outcome, 'fixed');
    assert.deepEqual(view.lines, { ai: 3, human: 1, unknown: 0, added: 4, removed: 0 });
    assert.equal(view.approval.state, 'none');
  });

  test('show --md escapes markup from records; show by checkpoint id and key; clear errors', async () => {
    const md = await trail(repo.dir, 'show', 'HEAD', '--md');
    assert.equal(md.code, 0);
    assert.match(md.stdout, /Implement \\<script\\>alert\(1\)\\<\/script\\> sanitizer/);
    const json = JSON.parse((await trail(repo.dir, 'show', '--json')).stdout);
    assert.equal(
      JSON.parse((await trail(repo.dir, 'show', json.id.slice(0, 10), '--json')).stdout).id,
      json.id,
    );
    assert.equal(
      JSON.parse((await trail(repo.dir, 'show', json.checkpoint.key, '--json')).stdout).id,
      json.id,
    );
    const none = await trail(repo.dir, 'show', 'HEAD~1');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^trail: commit [0-9a-f]{12} has no checkpoint/);
    const bad = await trail(repo.dir, 'show', 'no-such-ref');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'trail: no-such-ref is neither a commit, a checkpoint nor a session\n');
  });

  test('log and stats', async () => {
    const log = JSON.parse((await trail(repo.dir, 'log', '--json')).stdout);
    assert.equal(log.length, 1);
    assert.deepEqual(log[0].agents, ['claude-code']);
    // -n reads checkpoints first, then only what names them: the same line.
    assert.deepEqual(JSON.parse((await trail(repo.dir, 'log', '-n', '1', '--json')).stdout), log);
    const stats = JSON.parse((await trail(repo.dir, 'stats', '--json')).stdout);
    assert.equal(stats.totals.ai, 3);
    assert.ok(stats.totals.human >= 1);
    assert.deepEqual(
      stats.byModel.map((m: { key: string; ai: number }) => [m.key, m.ai]),
      [['claude-sonnet-4-6', 3]],
    );
    const badSince = await trail(repo.dir, 'log', '--since', 'yesterday-ish');
    assert.equal(badSince.code, 2);
    // --until takes whole days, as trail report does: the checkpoint's own day includes it.
    const day = (log[0].time as string).slice(0, 10);
    const upToItsDay = JSON.parse((await trail(repo.dir, 'log', '--until', day, '--json')).stdout);
    assert.equal(upToItsDay.length, 1);
    const sinceTomorrow = await trail(repo.dir, 'log', '--since', '0d', '--json');
    assert.equal(JSON.parse(sinceTomorrow.stdout).length, 0, 'an age counts back from now');
    const backwards = await trail(repo.dir, 'log', '--since', day, '--until', '2020-01-01');
    assert.equal(backwards.code, 2);
    assert.match(backwards.stderr, /is not before --until 2020-01-01/);
  });

  // Last: it rewrites the commit the tests above read.
  test('stats counts a rewritten commit once, and only the checkpoints of commits in --rev', async () => {
    const before = JSON.parse((await trail(repo.dir, 'stats', '--json')).stdout);
    repo.git('commit', '-q', '--amend', '-m', 'Sanitizer (reworded)');
    const after = JSON.parse((await trail(repo.dir, 'stats', '--json')).stdout);
    assert.deepEqual(after.totals, before.totals, 'the amended commit replaces its original');
    const earlier = JSON.parse((await trail(repo.dir, 'stats', '--rev', 'HEAD~1', '--json')).stdout);
    assert.equal(earlier.totals.ai, 0, 'the AI commit is not in HEAD~1');
  });
});
