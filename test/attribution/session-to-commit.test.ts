/**
 * Scripted sessions through the real hooks, then human edits, then real `git commit`s (the
 * installed git hooks seal checkpoints): `trail blame` must give every line the origin the
 * script gave it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

interface BlameJson {
  lines: Array<{
    line: number;
    text: string;
    origin: string;
    sessionId?: string;
    overrodeSessionId?: string;
    agent?: string;
    model?: string;
    prompt?: string;
  }>;
}

async function blame(repo: TempRepo, path: string): Promise<BlameJson['lines']> {
  const result = await trail(repo.dir, 'blame', path, '--json');
  assert.equal(result.code, 0, result.stderr);
  const lines = (JSON.parse(result.stdout) as BlameJson).lines;
  for (const line of lines as unknown as Array<{ authorTime: string; committerTime: string }>) {
    // Both times in the one form every other time Trail prints takes.
    assert.match(line.authorTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    assert.match(line.committerTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  }
  return lines;
}

function originsByText(lines: BlameJson['lines']): Record<string, string> {
  return Object.fromEntries(lines.map((l) => [l.text, l.origin + (l.overrodeSessionId ? '*' : '')]));
}

function setup(): TempRepo {
  const repo = tempRepo();
  repo.write('src/app.ts', 'export const a = 1;\nexport const b = 2;\n');
  repo.git('add', '-A');
  // Committed well before Trail was set up: its lines' origin is unknown.
  execFileSync('git', ['commit', '-q', '-m', 'base before Trail'], {
    cwd: repo.dir,
    env: { ...gitEnv, GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z' },
  });
  const init = trailProcess(repo.dir, ['init', '--yes']);
  assert.equal(init.code, 0, init.stderr);
  repo.commit('trust this clone');
  return repo;
}

describe('attribution from session to commit', () => {
  test('a session sealed across two commits keeps its start, request and boundary in its later record', async () => {
    const repo = setup();
    try {
      const agent = new ScriptedClaude(repo.dir)
        .start('claude-opus-4-6')
        .prompt('Fix PAY-42: rounding of refunds');
      agent.write('src/refund.ts', 'export const round = (x: number) => Math.round(x);\n');
      repo.commit('round refunds');
      const first = JSON.parse((await trail(repo.dir, 'show', '--json')).stdout).sessions[0];
      agent.write('src/refund-test.ts', 'export const cases = [1.5, 2.5];\n').stop().end();
      repo.commit('refund cases');

      const latest = JSON.parse((await trail(repo.dir, 'show', '--json')).stdout).sessions[0];
      assert.equal(latest.sessionId, agent.sessionId);
      assert.ok(latest.endedAt, 'the end was sealed with the second commit');
      assert.equal(latest.startedAt, first.startedAt, 'it started when it started, not at its second batch');
      assert.equal(latest.model, 'claude-opus-4-6');
      assert.deepEqual(
        latest.request.tickets.map((t: { id: string }) => t.id),
        ['PAY-42'],
      );
      assert.equal(latest.request.summary, 'Fix PAY-42: rounding of refunds');
      assert.deepEqual(latest.boundary, { ...first.boundary }, 'where it ran is still known');
    } finally {
      repo.cleanup();
    }
  });

  test('AI edits, a failing then passing check, a human edit after the AI, and a commit', async () => {
    const repo = setup();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('PROJ-42: add a rate limiter to login');
      agent.write(
        'src/app.ts',
        'export const a = 1;\nexport const b = 2;\nexport function limit(n: number) {\n  return Math.min(n, 5);\n}\n',
      );
      agent.bash('npm test', 1, 'not ok 1 - limit caps at 5');
      agent.write(
        'src/app.ts',
        'export const a = 1;\nexport const b = 2;\nexport function limit(n: number) {\n  return Math.max(0, Math.min(n, 5));\n}\n',
      );
      agent.bash('npm test', 0, '# pass 1');
      agent.stop();
      // The person reviews, rewrites one AI line and adds one of their own.
      const file = join(repo.dir, 'src/app.ts');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('Math.max(0, Math.min(n, 5))', 'Math.max(0, Math.min(n, LIMIT))') +
          'export const LIMIT = 5; // chosen by a human\n',
      );
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'Add rate limiter');
      const message = repo.git('log', '-1', '--format=%B');
      assert.match(message, /Trail-Checkpoint: ckpt_[0-9a-f]{16}/);

      const lines = await blame(repo, 'src/app.ts');
      assert.deepEqual(originsByText(lines), {
        'export const a = 1;': 'unknown',
        'export const b = 2;': 'unknown',
        'export function limit(n: number) {': 'ai',
        '  return Math.max(0, Math.min(n, LIMIT));': 'human*',
        '}': 'ai',
        'export const LIMIT = 5; // chosen by a human': 'human',
      });
      const ai = lines.find((l) => l.origin === 'ai')!;
      assert.equal(ai.sessionId, agent.sessionId);
      assert.equal(ai.agent, 'claude-code');
      assert.equal(ai.model, 'claude-sonnet-4-6');
      assert.equal(ai.prompt, 'PROJ-42: add a rate limiter to login');

      const show = await trail(repo.dir, 'show', 'HEAD', '--json');
      if (show.code === 0) {
        const shown = JSON.parse(show.stdout);
        assert.ok(shown);
      }
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
    } finally {
      repo.cleanup();
    }
  });

  test('partial staging: unstaged AI lines stay pending and land with the next commit', async () => {
    const repo = setup();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('write two helpers');
      agent.write('src/one.ts', 'export const one = () => 1;\n');
      agent.write('src/two.ts', 'export const two = () => 2;\n');
      agent.stop();
      repo.git('add', 'src/one.ts');
      repo.git('commit', '-q', '-m', 'one');
      assert.deepEqual(originsByText(await blame(repo, 'src/one.ts')), {
        'export const one = () => 1;': 'ai',
      });
      // A commit with no AI work gets no checkpoint and no trailer.
      repo.write('NOTES.md', 'human notes\n');
      repo.git('add', 'NOTES.md');
      repo.git('commit', '-q', '-m', 'notes');
      assert.doesNotMatch(repo.git('log', '-1', '--format=%B'), /Trail-Checkpoint/);
      assert.deepEqual(originsByText(await blame(repo, 'NOTES.md')), { 'human notes': 'human' });
      repo.git('add', 'src/two.ts');
      repo.git('commit', '-q', '-m', 'two');
      assert.deepEqual(originsByText(await blame(repo, 'src/two.ts')), {
        'export const two = () => 2;': 'ai',
      });
    } finally {
      repo.cleanup();
    }
  });

  test('edits made through a shell command are the agent’s; two sessions in one commit', async () => {
    const repo = setup();
    try {
      const first = new ScriptedClaude(repo.dir).start().prompt('generate config');
      first.bash("printf 'port=8080\\nhost=localhost\\n' > app.conf", 0, '', () =>
        writeFileSync(join(repo.dir, 'app.conf'), 'port=8080\nhost=localhost\n'),
      );
      first.stop();
      const second = new ScriptedClaude(repo.dir).start('claude-opus-4-1').prompt('add a readme');
      second.write('README.md', '# Service\n');
      second.stop();
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'config and readme');
      const conf = await blame(repo, 'app.conf');
      assert.deepEqual(originsByText(conf), { 'port=8080': 'ai', 'host=localhost': 'ai' });
      assert.equal(conf[0]!.sessionId, first.sessionId);
      const readme = await blame(repo, 'README.md');
      assert.equal(readme[0]!.sessionId, second.sessionId);
      assert.equal(readme[0]!.model, 'claude-opus-4-1');
    } finally {
      repo.cleanup();
    }
  });
});
