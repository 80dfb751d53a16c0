/**
 * kill -9 at random points of a ledger append, of sealing at commit, and of capture, then
 * recovery: nothing lost that was acknowledged, nothing duplicated, nothing half-written that
 * verify accepts. Delays are random (seeded per run and printed, so a failure can be replayed).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sessionKey } from '../../src/capture/spool.js';
import { decodeEntry } from '../../src/core/log-entry.js';
import { listLogRefs, readLogs } from '../../src/ledger/log-store.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trail, trailProcess } from '../helpers/cli.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

const worker = fileURLToPath(new URL('../helpers/append-worker.ts', import.meta.url));
const seed = Number(process.env.TRAIL_FAULT_SEED ?? Date.now() % 100000);
let state = seed;
function random(): number {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
}

/** Starts a process, kills it with SIGKILL after `ms`, resolves when it is gone. */
async function killAfter(
  command: string,
  args: string[],
  cwd: string,
  ms: number,
  input?: string,
): Promise<void> {
  const child = spawn(command, args, {
    cwd,
    env: gitEnv,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
  });
  if (input !== undefined) child.stdin?.end(input);
  const closed = new Promise((resolve) => child.on('close', resolve));
  await sleep(ms);
  child.kill('SIGKILL');
  await closed;
}

describe(`kill -9 and recover (seed ${seed})`, () => {
  test('ledger appends: every surviving record once, in order; the next writer takes over the lock', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      for (let round = 0; round < 6; round++) {
        await killAfter(
          process.execPath,
          ['--import', 'tsx', worker, repo.dir, '500', `r${round}`],
          repo.dir,
          300 + random() * 900,
        );
        const verify = await trail(repo.dir, 'verify');
        assert.equal(verify.code, 0, `after kill in round ${round}: ${verify.stderr}`);
      }
      // A clean run after all the kills: the stale lock of a dead process does not block it.
      const done = spawn(process.execPath, ['--import', 'tsx', worker, repo.dir, '20', 'final'], {
        env: gitEnv,
        stdio: 'ignore',
      });
      assert.equal(await new Promise((r) => done.on('close', r)), 0);
      const ledger = await findRepo(repo.dir);
      const [log] = await readLogs(ledger, await listLogRefs(ledger));
      const labels = log!.entries.lines().map((l) => (decodeEntry(l).record as { what: string }).what);
      assert.equal(new Set(labels).size, labels.length, 'no record appended twice');
      // Within each round, appends are acknowledged in order: a surviving prefix, no holes.
      for (let round = 0; round < 6; round++) {
        const nums = labels
          .filter((l) => l.startsWith(`worker r${round} `))
          .map((l) => Number(l.split(' ').pop()));
        assert.deepEqual(
          nums,
          nums.map((_, i) => i),
          `round ${round} kept a prefix of its appends`,
        );
      }
      assert.equal(labels.filter((l) => l.startsWith('worker final')).length, 20);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('sealing at commit: killed at any point, the commit ends with exactly one checkpoint', async () => {
    const repo = tempRepo();
    try {
      assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
      repo.commit('trust');
      for (let round = 0; round < 5; round++) {
        const agent = new ScriptedClaude(repo.dir).start().prompt(`round ${round}`);
        agent.write(`f${round}.ts`, `export const round${round} = ${round};\n`);
        // Every other session ends, so sealing it also takes its spool away.
        if (round % 2 === 0) agent.end();
        else agent.stop();
        repo.git('add', '-A');
        // Commit without hooks, then run post-commit and kill it part-way.
        repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', `round ${round}`);
        await killAfter(
          process.execPath,
          [TRAIL_BIN, 'hook', 'git', 'post-commit'],
          repo.dir,
          40 + random() * 400,
        );
        // The next hook run (as the next commit would) recovers; running it twice changes nothing.
        trailProcess(repo.dir, ['hook', 'git', 'post-commit']);
        trailProcess(repo.dir, ['hook', 'git', 'post-commit']);
        const index = await loadIndex(await findRepo(repo.dir));
        const head = repo.git('rev-parse', 'HEAD');
        assert.equal(
          index.checkpoints.filter((c) => c.record.commit === head).length,
          1,
          `round ${round}: one checkpoint`,
        );
        const sessionEvents = index.eventsBySession.get(agent.sessionId) ?? [];
        const prompts = sessionEvents.filter((e) => e.record.event.type === 'prompt');
        assert.equal(prompts.length, 1, `round ${round}: the session's events sealed exactly once`);
        const spool = join(
          repo.dir,
          '.git/trail/spool/sessions',
          `${sessionKey('claude-code', agent.sessionId)}.jsonl`,
        );
        assert.equal(
          existsSync(spool),
          round % 2 !== 0,
          `round ${round}: only an ended session's spool is gone`,
        );
      }
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('closing an ended session: killed at any point, its end is sealed exactly once', async () => {
    const repo = tempRepo();
    try {
      assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
      repo.commit('trust');
      for (let round = 0; round < 4; round++) {
        const started = trailProcess(repo.dir, [
          'session',
          'start',
          '--agent',
          'aider',
          '--prompt',
          `round ${round}`,
        ]);
        const sessionId = started.stdout.trim();
        repo.write(`g${round}.ts`, `export const g${round} = ${round};\n`);
        repo.commit(`g${round}`);
        assert.equal(trailProcess(repo.dir, ['exec', '--check', 'test', '--', 'true']).code, 0);
        // `trail session end` writes the end line, then seals it: killed anywhere in between.
        await killAfter(process.execPath, [TRAIL_BIN, 'session', 'end'], repo.dir, 40 + random() * 400);
        const repoNow = await findRepo(repo.dir);
        const stillCurrent = trailProcess(repo.dir, ['session', 'current']).code === 0;
        if (stillCurrent) assert.equal(trailProcess(repo.dir, ['session', 'end']).code, 0);
        // What a crash left is recovered by the next seal: a commit, here a person's.
        repo.write(`notes${round}.md`, 'by hand\n');
        repo.git('add', '-A');
        repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', `notes ${round}`);
        trailProcess(repo.dir, ['hook', 'git', 'post-commit']);
        trailProcess(repo.dir, ['hook', 'git', 'post-commit']);

        const index = await loadIndex(repoNow);
        const records = index.records.filter(
          (r) => 'sessionId' in r.record && r.record.sessionId === sessionId,
        );
        const ends = records.filter((r) => r.record.kind === 'session' && r.record.endedAt);
        assert.equal(ends.length, 1, `round ${round}: one record of its end`);
        const checks = records.filter((r) => r.record.kind === 'event' && r.record.event.type === 'command');
        assert.equal(checks.length, 1, `round ${round}: its check sealed exactly once`);
        const spool = join(repo.dir, '.git/trail/spool/sessions', `${sessionKey('aider', sessionId)}.jsonl`);
        assert.equal(existsSync(spool), false, `round ${round}: its spool is gone`);
      }
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('capture: hooks killed mid-flight leave a readable spool, and sealing still works', async () => {
    const repo = tempRepo();
    try {
      assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
      repo.commit('trust');
      const agent = new ScriptedClaude(repo.dir).start().prompt('survives kills');
      const payload = (i: number) =>
        JSON.stringify({
          session_id: agent.sessionId,
          cwd: repo.dir,
          hook_event_name: 'UserPromptSubmit',
          prompt: `prompt ${i} ${'x'.repeat(2000)}`,
        });
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          killAfter(
            process.execPath,
            [TRAIL_BIN, 'hook', 'claude-code', 'UserPromptSubmit'],
            repo.dir,
            20 + random() * 150,
            payload(i),
          ),
        ),
      );
      // A torn line, as a crash mid-write would leave.
      const { readdirSync, appendFileSync } = await import('node:fs');
      const dir = join(repo.dir, '.git', 'trail', 'spool', 'sessions');
      appendFileSync(join(dir, readdirSync(dir)[0]!), '{"v":1,"at":"2026-');
      agent.write('k.ts', 'export const k = 1;\n');
      agent.stop();
      writeFileSync(join(repo.dir, 'k2.ts'), 'export const k2 = 2;\n');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'after kills');
      const show = await trail(repo.dir, 'show', 'HEAD', '--json');
      assert.equal(show.code, 0, show.stderr);
      const view = JSON.parse(show.stdout);
      assert.equal(view.lines.ai, 1);
      assert.ok(view.prompts.some((p: { text: string }) => p.text === 'survives kills'));
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });
});
