/**
 * `trail log --sessions`: the agent sessions the ledger holds, newest first, each with the
 * commits that carried it, including a session that changed nothing and was sealed alone,
 * which no checkpoint listing shows. Real hooks, real commits, read back from the ledger.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionListRow } from '../../src/read/session-list.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

type Row = SessionListRow;

describe('trail log --sessions', () => {
  test('lists every session with the commits that carried it; --carried none gives those sealed alone', async () => {
    const repo = initialisedRepo();
    try {
      const started = await trail(
        repo.dir,
        'session',
        'start',
        '--agent',
        'aider',
        '--model',
        'gpt-5',
        '--requester',
        'dana@acme.example',
        '--prompt',
        'Add a limiter',
      );
      const carried = started.stdout.trim();
      repo.write('src/limit.ts', 'export const LIMIT = 5;\n');
      const commit = repo.commit('add a limiter');
      assert.equal((await trail(repo.dir, 'session', 'end')).code, 0);
      // An agent that asked, ran the tests and changed nothing: sealed alone at its end.
      const alone = new ScriptedClaude(repo.dir)
        .start('claude-opus-4-6')
        .prompt('Why does CI take 20 minutes?')
        .bash('npm test', 0, '12 passed')
        .stop()
        .end();

      const list = async (...args: string[]) => {
        const out = await trail(repo.dir, 'log', '--sessions', '--json', ...args);
        assert.equal(out.code, 0, out.stderr);
        return JSON.parse(out.stdout) as Row[];
      };
      const all = await list();
      assert.deepEqual(
        all.map((r) => [r.sessionId, r.agent, r.model, r.commits]),
        [
          [alone.sessionId, 'claude-code', 'claude-opus-4-6', []],
          [carried, 'aider', 'gpt-5', [commit]],
        ],
        'newest first',
      );
      const aider = all[1]!;
      assert.equal(aider.requester, 'dana@acme.example');
      assert.equal(aider.summary, 'Add a limiter');
      assert.ok(aider.endedAt && aider.startedAt <= aider.endedAt);
      assert.deepEqual(
        (await list('--carried', 'none')).map((r) => r.sessionId),
        [alone.sessionId],
      );
      assert.deepEqual(
        (await list('--carried', 'some')).map((r) => r.sessionId),
        [carried],
      );
      assert.deepEqual(
        (await list('-n', '1')).map((r) => r.sessionId),
        [alone.sessionId],
      );
      assert.deepEqual(await list('--since', '2999-01-01'), []);
      assert.equal((await list('--until', '2999-01-01')).length, 2);

      const text = await trail(repo.dir, 'log', '--sessions');
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stderr,
        new RegExp(
          `^${alone.sessionId} \\S+ \\S+ claude-code/claude-opus-4-6  no commit  Why does CI take 20 minutes\\?$`,
          'm',
        ),
      );
      assert.match(
        text.stderr,
        new RegExp(
          `^${carried} \\S+ \\S+ aider/gpt-5 dana@acme\\.example  1 commit \\(${commit.slice(0, 10)}\\)  Add a limiter$`,
          'm',
        ),
      );
      // The checkpoint listing shows only the commit.
      const log = JSON.parse((await trail(repo.dir, 'log', '--json')).stdout) as Array<{ commit: string }>;
      assert.deepEqual(
        log.map((c) => c.commit),
        [commit],
      );
    } finally {
      repo.cleanup();
    }
  });

  test('mistakes are one line and exit 2', async () => {
    const repo = initialisedRepo();
    try {
      for (const [args, message] of [
        [['--sessions', '--carried', 'maybe'], 'trail: --carried must be none or some\n'],
        [['--carried', 'none'], 'trail: --carried goes with --sessions\n'],
        [
          ['--sessions', '--deployed', 'production'],
          'trail: --deployed lists commits: it does not go with --sessions\n',
        ],
      ] as const) {
        const out = await trail(repo.dir, 'log', ...args);
        assert.equal(out.code, 2, out.stderr);
        assert.equal(out.stderr, message);
      }
      const none = await trail(repo.dir, 'log', '--sessions');
      assert.equal(none.code, 0);
      assert.equal(none.stderr, 'no sessions\n');
    } finally {
      repo.cleanup();
    }
  });
});
