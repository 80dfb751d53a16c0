/**
 * `trail exec`: the command's output reaches the person, its exit status is Trail's, and the
 * session gets a command and a validation (with the attempt number) that sealing turns into
 * a repair when a failed check passes after the agent's edits.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OutputTail, stripTerminalCodes } from '../../src/capture/exec.js';
import { checkpointLabelOf } from '../../src/core/change-facts.js';
import type { EventBody } from '../../src/core/records.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import { spoolEvents } from '../helpers/spool.js';
import { git, gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const TOKEN = `ghp_${'Zq8xW2vB7n'.repeat(3)}987654`;

const setup = initialisedRepo;

async function spoolEventBodies(dir: string, agent: string, sessionId: string): Promise<EventBody[]> {
  return (await spoolEvents(dir, agent, sessionId)).map((l) => l.event);
}

function today(prefix: string): string {
  return `${prefix}-${new Date().toISOString().slice(0, 10)}`;
}

describe('output tail', () => {
  test('keeps the last 4 KiB whatever the chunking, without colour codes or half characters', () => {
    const tail = new OutputTail();
    for (let i = 0; i < 500; i++) tail.push(Buffer.from(`line ${i} é\n`));
    const text = tail.text();
    assert.ok(text.startsWith('…'));
    assert.ok(Buffer.byteLength(text) <= 4096 + 3);
    assert.ok(text.endsWith('line 499 é\n'));
    assert.doesNotMatch(text, /\uFFFD/);
    const big = new OutputTail();
    big.push(Buffer.alloc(10_000, 'x'));
    big.push(Buffer.from('end'));
    assert.equal(big.text(), `…${'x'.repeat(4093)}end`);
    assert.equal(stripTerminalCodes('\x1b[31mred\x1b[0m\n10%\r50%\r100%\r\nok'), 'red\n100%\nok');
  });

  test('a secret across the start of the kept 4 KiB is left out whole, not kept in part', () => {
    const token = 'ghp_1234567890abcdefghijklmnopqrstuvwxyz12';
    for (let after = 4060; after <= 4100; after += 4) {
      const tail = new OutputTail();
      tail.push(Buffer.from(`${'y'.repeat(30_000)}\n${token}\n`));
      for (let i = 0; i < after - 1; i += 100)
        tail.push(Buffer.from('z'.repeat(Math.min(100, after - 1 - i))));
      const text = tail.text();
      assert.ok(Buffer.byteLength(text) <= 4096 + 3);
      assert.ok(text.startsWith('…'));
      if (!text.includes(token)) assert.ok(!/[a-y0-9_]{6}/.test(text.slice(1)), text.slice(0, 60));
    }
  });
});

describe('trail exec', () => {
  test('passes output through, exits with the command’s status, records command and validation', async () => {
    const repo = setup();
    try {
      const failing = await trail(
        repo.dir,
        'exec',
        '--check',
        'unit',
        '--',
        'node',
        '-e',
        `console.log("out line"); console.error("err ${TOKEN}"); process.exit(3)`,
      );
      assert.equal(failing.code, 3);
      assert.equal(failing.stdout, 'out line\n');
      assert.match(failing.stderr, new RegExp(`err ${TOKEN}`), 'the person sees the output as it was');
      assert.match(
        failing.stderr,
        /trail: check unit failed \(attempt 1, exit 3\); recorded in session exec-\S+ \(no session is current here: the next commit made in this worktree carries it\)/,
      );

      const passing = await trail(
        repo.dir,
        'exec',
        '--check',
        'unit',
        '--json',
        '--',
        'node',
        '-e',
        'console.log(1)',
      );
      assert.equal(passing.code, 0, passing.stderr);
      const result = JSON.parse(passing.stdout);
      assert.deepEqual(
        { ...result, durationMs: typeof result.durationMs },
        {
          exitCode: 0,
          durationMs: 'number',
          recorded: true,
          sessionId: today('exec'),
          agent: 'generic',
          check: 'unit',
          status: 'passed',
          attempt: 2,
        },
      );
      assert.equal(passing.stderr, '1\n', 'with --json the command’s stdout goes to stderr');

      const events = await spoolEventBodies(repo.dir, 'generic', today('exec'));
      assert.deepEqual(
        events.map((e) => e.type),
        ['command', 'validation', 'command', 'validation'],
      );
      const [command, validation] = events as [
        Extract<EventBody, { type: 'command' }>,
        Extract<EventBody, { type: 'validation' }>,
      ];
      assert.equal(command.exitCode, 3);
      assert.ok(command.command.startsWith("node -e 'console.log"));
      assert.equal(validation.status, 'failed');
      assert.equal(validation.attempt, 1);
      assert.equal(validation.exitCode, 3);
      assert.match(validation.outputTail!, /out line\nerr \[REDACTED:github-token\]/);
      assert.doesNotMatch(JSON.stringify(events), /ghp_/);
    } finally {
      repo.cleanup();
    }
  });

  test('a command that cannot start is one line and exit 127; outside Trail the command still runs', async () => {
    const repo = setup();
    try {
      const missing = await trail(repo.dir, 'exec', '--', 'no-such-command-trail-test');
      assert.equal(missing.code, 127);
      assert.equal(missing.stderr, 'trail: cannot run no-such-command-trail-test: command not found\n');
      assert.deepEqual(await spoolEventBodies(repo.dir, 'generic', today('exec')), []);
    } finally {
      repo.cleanup();
    }
    const plain = tempRepo();
    try {
      const result = await trail(plain.dir, 'exec', '--', 'node', '-e', 'process.exit(4)');
      assert.equal(result.code, 4);
      assert.match(result.stderr, /trail: not recorded: Trail is not set up in this repository/);
    } finally {
      plain.cleanup();
    }
  });

  test('a failing check, the agent’s fix, the check passing: sealed as failed, repair, passed', async () => {
    // Inside node's test runner, a child `node --test` reports to it and exits 0 whatever happens.
    const context = process.env.NODE_TEST_CONTEXT;
    delete process.env.NODE_TEST_CONTEXT;
    delete gitEnv.NODE_TEST_CONTEXT;
    const repo = setup();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('PROJ-7: make sum correct');
      agent.write('src/sum.mjs', 'export const sum = (a, b) => a - b;\n');
      repo.write(
        'test/sum.test.mjs',
        "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n" +
          "import { sum } from '../src/sum.mjs';\ntest('sum', () => assert.equal(sum(2, 3), 5));\n",
      );
      // `node --test` matches the built-in `test` check: the seal must not count it twice.
      const check = ['exec', '--session', agent.sessionId, '--', 'node', '--test', 'test/sum.test.mjs'];
      const failed = await trail(repo.dir, ...check);
      assert.equal(failed.code, 1);
      assert.match(
        failed.stderr,
        new RegExp(`check test failed \\(attempt 1, exit 1\\); recorded in session ${agent.sessionId}`),
      );
      agent.write('src/sum.mjs', 'export const sum = (a, b) => a + b;\n');
      const passed = await trail(repo.dir, ...check);
      assert.equal(passed.code, 0, passed.stderr);
      assert.match(passed.stderr, /check test passed \(attempt 2, exit 0\)/);
      agent.stop();

      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'fix sum');
      const index = await loadIndex(await findRepo(repo.dir));
      const checkpoint = index.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))!.record;
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      const sealed = (index.eventsBySession.get(agent.sessionId) ?? []).map((s) => s.record.event);
      const checks = sealed.flatMap((e) =>
        e.type === 'validation'
          ? [`validation ${e.check} ${e.status} attempt ${e.attempt}`]
          : e.type === 'repair'
            ? [`repair ${e.check} ${e.outcome} attempt ${e.attempt} ${e.files.join(',')}`]
            : [],
      );
      assert.deepEqual(checks.sort(), [
        'repair test fixed attempt 2 src/sum.mjs',
        'validation test failed attempt 1',
        'validation test passed attempt 2',
      ]);
      const commands = sealed.filter((e) => e.type === 'command');
      assert.equal(commands.length, 2);
      assert.equal(checkpoint.attribution['src/sum.mjs']?.[0]?.origin, 'ai');
    } finally {
      repo.cleanup();
      if (context !== undefined) {
        process.env.NODE_TEST_CONTEXT = context;
        gitEnv.NODE_TEST_CONTEXT = context;
      }
    }
  });
});

describe('checks run outside any session', () => {
  test('the next commit carries them, with the lines still a person’s; a commit after it does not', async () => {
    const repo = setup();
    try {
      const check = (code: number) =>
        trail(repo.dir, 'exec', '--check', 'unit', '--', 'node', '-e', `process.exit(${code})`);
      assert.equal((await check(1)).code, 1);
      repo.write('src/limit.js', 'export const limit = 5;\n');
      assert.equal((await check(0)).code, 0);
      const first = repo.commit('limit logins');

      const ledger = await findRepo(repo.dir);
      let index = await loadIndex(ledger);
      const checkpoint = index.checkpointByCommit.get(first)?.record;
      assert.ok(checkpoint, 'a hand commit after recorded checks gets a checkpoint');
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [today('exec')],
      );
      assert.equal(checkpoint.actor.type, 'human');
      assert.deepEqual(checkpoint.files[0], {
        path: 'src/limit.js',
        status: 'added',
        added: 1,
        removed: 0,
        aiLines: 0,
        humanLines: 1,
        unknownLines: 0,
      });
      const validations = (index.eventsBySession.get(today('exec')) ?? []).flatMap(({ record }) =>
        record.event.type === 'validation' ? [`${record.event.status} ${record.event.attempt}`] : [],
      );
      assert.deepEqual(validations, ['failed 1', 'passed 2']);
      assert.equal(checkpoint.events.length, 4, 'two commands and two validations');
      const log = await trail(repo.dir, 'log', '-n', '1');
      assert.match(log.stderr, / trail exec \+0 AI\/\+1 human /, 'a person’s checks, not an agent');

      // The policy and the reports judge it as the hand-written commit it is: a checkpoint of a
      // person's checks asks for no ticket or model, and is no AI change.
      repo.write(
        '.trail/policy.yml',
        'version: 1\nallowCommitsWithoutCheckpoint: true\nrequired: [request.tickets, model]\n',
      );
      const gate = JSON.parse((await trail(repo.dir, 'check', `${first}~1..${first}`, '--json')).stdout);
      assert.equal(gate.ok, true, JSON.stringify(gate.violations));
      assert.deepEqual(
        gate.commits[0].notices.map((n: { rule: string }) => n.rule),
        ['checkpoint'],
      );
      // What they say of it agrees with trail show and log, which show its checkpoint: it has
      // one, holding no agent session.
      const label = checkpointLabelOf(index.checkpointByCommit.get(first));
      const noAgent = `no agent session (its checkpoint ${label} holds only a person's checks)`;
      assert.equal(gate.commits[0].checkpoint, '');
      assert.equal(gate.commits[0].personsChecksCheckpoint, label);
      assert.equal(gate.commits[0].notices[0].message, `${noAgent}: written by hand, or capture failed`);
      const gateText = await trail(repo.dir, 'check', `${first}~1..${first}`);
      assert.match(gateText.stderr, /\(0 with a checkpoint, 1 with only a person's checks\)/);
      const gaps = JSON.parse((await trail(repo.dir, 'report', 'gaps', '--format', 'json')).stdout);
      const gapRows = gaps.sections[0].table.rows.filter((r: { commit: string }) => r.commit === first);
      assert.deepEqual(
        gapRows.map((r: { gap: string; detail: string }) => [r.gap, r.detail]),
        [
          [
            'no-checkpoint',
            `"limit logins" by Test Author <author@example.com> has ${noAgent}: hand-written, or capture failed`,
          ],
        ],
      );
      const soc2 = JSON.parse((await trail(repo.dir, 'report', 'soc2', '--format', 'json')).stdout);
      const withCheckpoint = soc2.summary.find((f: { label: string }) => f.label === 'With a checkpoint');
      assert.equal(withCheckpoint.value, 0);
      const summary = JSON.parse(
        (await trail(repo.dir, 'pr-summary', '--base', `${first}~1`, '--format', 'json')).stdout,
      );
      assert.deepEqual(summary.run.agents, [], 'no agent ran');
      assert.deepEqual(
        summary.validation.checks.map((c: { check: string; outcome: string }) => `${c.check} ${c.outcome}`),
        ['unit repaired'],
        'the checks still count: failed, then passed after the change',
      );
      rmSync(join(repo.dir, '.trail/policy.yml'));

      // Nothing recorded since: a hand commit stays without a checkpoint, as before.
      repo.write('README.md', 'docs\n');
      const second = repo.commit('docs');
      index = await loadIndex(ledger);
      assert.equal(index.checkpointByCommit.get(second), undefined);

      // A later check goes with the commit after it, and only that check.
      assert.equal((await check(0)).code, 0);
      const third = repo.commit('empty');
      index = await loadIndex(ledger);
      const later = index.checkpointByCommit.get(third)?.record;
      assert.ok(later);
      assert.equal(later.events.length, 2);
      const status = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.equal(status.unsealedSessions, 0, 'nothing is left in the spool unsealed');
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a check run in a linked worktree waits for a commit made there', async () => {
    const repo = setup();
    const outside = tempDir();
    const worktree = join(outside, 'wt');
    try {
      repo.git('worktree', 'add', '-q', '-b', 'feature/limits', worktree);
      const inTree = await trail(worktree, 'exec', '--check', 'unit', '--json', '--', 'node', '-e', '0');
      const treeSession = JSON.parse(inTree.stdout).sessionId as string;
      assert.match(treeSession, new RegExp(`^${today('exec')}-[0-9a-f]{8}$`), 'its own day session');
      const onMain = await trail(repo.dir, 'exec', '--check', 'unit', '--json', '--', 'node', '-e', '0');
      assert.equal(JSON.parse(onMain.stdout).sessionId, today('exec'));

      const ledger = await findRepo(repo.dir);
      repo.write('main.txt', 'main\n');
      const mainCommit = repo.commit('on main');
      let index = await loadIndex(ledger);
      assert.deepEqual(
        index.checkpointByCommit.get(mainCommit)?.record.sessions.map((s) => s.sessionId),
        [today('exec')],
        'the main worktree’s commit carries its own checks only',
      );

      git(worktree, 'commit', '-q', '--allow-empty', '-m', 'in the worktree');
      index = await loadIndex(ledger);
      const treeCommit = git(worktree, 'rev-parse', 'HEAD');
      assert.deepEqual(
        index.checkpointByCommit.get(treeCommit)?.record.sessions.map((s) => s.sessionId),
        [treeSession],
      );
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
