/**
 * A session's end when it comes after the session's last commit: real hooks, real commits
 * sealed by the installed git hooks, read back from the ledger. The end must reach the ledger
 * (a session record with `endedAt`, and whatever the agent did after its commit) without a
 * commit of the session's own, and without breaking the link between edits and their commit.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { recordGap } from '../../src/capture/gaps.js';
import { sessionFile, sessionKey } from '../../src/capture/spool.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

async function index(dir: string) {
  return loadIndex(await findRepo(dir));
}

async function spoolExists(dir: string, agent: string, sessionId: string): Promise<boolean> {
  const repo = await findRepo(dir);
  return existsSync(sessionFile(repo.stateDir, sessionKey(agent, sessionId)));
}

/** A scripted session that commits once, then runs a check and ends; the lock, if given, is held meanwhile. */
async function commitThenEnd(repo: TempRepo, holdSealLock = false) {
  const agent = new ScriptedClaude(repo.dir).start('claude-opus-4-6').prompt('Fix PAY-7: refund rounding');
  agent.write('src/refund.ts', 'export const round = (x: number) => Math.round(x);\n');
  const first = repo.commit('round refunds');
  // A seal in progress elsewhere (this live process holds the lock): the hook gives up on it.
  const lock = join((await findRepo(repo.dir)).stateDir, 'locks', 'seal.lock');
  if (holdSealLock) writeFileSync(lock, `${process.pid} ${new Date().toISOString()}`);
  agent.bash('npm test', 0, '12 passed').stop().end();
  if (holdSealLock) rmSync(lock);
  return { agent, first };
}

/**
 * The session is closed in the ledger: a later record of it, with its end, repeating what the
 * first said; the command it ran after its commit filed under it, not under that checkpoint;
 * its spool gone; and the ledger verifies.
 */
async function assertClosed(repo: TempRepo, sessionId: string, first: string) {
  const ix = await index(repo.dir);
  const session = ix.sessions.get(sessionId)!.record;
  assert.ok(session.endedAt, 'the end reached the ledger');
  const firstCheckpoint = ix.checkpointByCommit.get(first)!.record;
  const firstSession = ix.byId.get(firstCheckpoint.sessions[0]!.record!)!.record;
  assert.ok(firstSession.kind === 'session');
  assert.equal(session.startedAt, firstSession.startedAt);
  assert.deepEqual(session.request, firstSession.request);
  assert.deepEqual(session.boundary, firstSession.boundary);
  const commands = (ix.eventsBySession.get(sessionId) ?? []).filter((e) => e.record.event.type === 'command');
  assert.equal(commands.length, 1);
  assert.ok(!firstCheckpoint.events.includes(commands[0]!.id));
  assert.equal(await spoolExists(repo.dir, 'claude-code', sessionId), false, 'its spool is gone');
  const verify = await trail(repo.dir, 'verify');
  assert.equal(verify.code, 0, verify.stderr);
}

describe('a session that ends after its last commit', () => {
  test('its end hook seals its end and its later commands at once, outside any checkpoint', async () => {
    const repo = initialisedRepo();
    try {
      const { agent, first } = await commitThenEnd(repo);
      await assertClosed(repo, agent.sessionId, first);
    } finally {
      repo.cleanup();
    }
  });

  test('an end the hook could not seal (the seal lock held) is sealed by the next commit, which is not its own', async () => {
    const repo = initialisedRepo();
    try {
      const { agent, first } = await commitThenEnd(repo, true);
      const ix = await index(repo.dir);
      assert.equal(ix.sessions.get(agent.sessionId)?.record.endedAt, undefined, 'not sealed yet');
      assert.ok(await spoolExists(repo.dir, 'claude-code', agent.sessionId));
      const unsealed = async () =>
        JSON.parse((await trail(repo.dir, 'status', '--json')).stdout).unsealedSessions;
      assert.equal(await unsealed(), 1, 'trail status shows the work waiting');

      repo.write('NOTES.md', 'typed by a person\n');
      const human = repo.commit('notes');
      assert.equal(await unsealed(), 0);
      const after = await index(repo.dir);
      assert.equal(
        after.checkpointByCommit.get(human),
        undefined,
        'a hand-made commit still gets no checkpoint',
      );
      await assertClosed(repo, agent.sessionId, first);
    } finally {
      repo.cleanup();
    }
  });

  test('an end with edits no commit carries yet waits for the commit that carries them', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('two files');
      agent.write('src/one.ts', 'export const one = 1;\n');
      repo.git('add', 'src/one.ts');
      repo.git('commit', '-q', '-m', 'one');
      agent.write('src/two.ts', 'export const two = 2;\n').stop().end();

      repo.write('NOTES.md', 'typed by a person\n');
      repo.git('add', 'NOTES.md');
      repo.git('commit', '-q', '-m', 'notes');
      let ix = await index(repo.dir);
      assert.equal(ix.sessions.get(agent.sessionId)?.record.endedAt, undefined, 'held back with its edit');

      repo.git('add', 'src/two.ts');
      repo.git('commit', '-q', '-m', 'two');
      const two = repo.git('rev-parse', 'HEAD');
      ix = await index(repo.dir);
      const checkpoint = ix.checkpointByCommit.get(two)!.record;
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      const edits = (ix.eventsBySession.get(agent.sessionId) ?? []).filter(
        (e) => e.record.event.type === 'file-edit' && e.record.event.path === 'src/two.ts',
      );
      assert.equal(edits.length, 1);
      assert.ok(checkpoint.events.includes(edits[0]!.id), 'the edit stays linked to its commit');
      assert.ok(ix.sessions.get(agent.sessionId)!.record.endedAt);
    } finally {
      repo.cleanup();
    }
  });

  test('a session resumed after an end not yet sealed is not closed', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('first');
      agent.write('src/a.ts', 'export const a = 1;\n');
      repo.commit('a');
      // The end cannot be sealed as it happens (the seal lock is held), and the session resumes.
      const lock = join((await findRepo(repo.dir)).stateDir, 'locks', 'seal.lock');
      writeFileSync(lock, `${process.pid} ${new Date().toISOString()}`);
      agent.stop().end();
      rmSync(lock);
      agent.resume().prompt('and one more thing');
      repo.write('NOTES.md', 'typed by a person\n');
      repo.commit('notes');
      let ix = await index(repo.dir);
      assert.equal(ix.sessions.get(agent.sessionId)?.record.endedAt, undefined, 'it is running again');
      assert.ok(await spoolExists(repo.dir, 'claude-code', agent.sessionId));
      // Its next commit carries it, still without an end.
      agent.write('src/b.ts', 'export const b = 2;\n');
      const second = repo.commit('b');
      ix = await index(repo.dir);
      assert.deepEqual(
        ix.checkpointByCommit.get(second)?.record.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      assert.equal(ix.sessions.get(agent.sessionId)?.record.endedAt, undefined);
    } finally {
      repo.cleanup();
    }
  });

  test('trail session end seals the end at once when a commit carried the session', async () => {
    const repo = initialisedRepo();
    try {
      const started = await trail(
        repo.dir,
        'session',
        'start',
        '--agent',
        'aider',
        '--prompt',
        'Add a limiter',
      );
      assert.equal(started.code, 0, started.stderr);
      const sessionId = started.stdout.trim();
      repo.write('src/limit.ts', 'export const LIMIT = 5;\n');
      repo.commit('add a limiter');
      assert.equal((await trail(repo.dir, 'exec', '--check', 'test', '--', 'true')).code, 0);
      // A capture gap since the commit travels with the closed session: no checkpoint is needed.
      recordGap(await findRepo(repo.dir), { what: 'a hook', why: 'lost an event' });

      const ended = await trail(repo.dir, 'session', 'end', '--json');
      assert.equal(ended.code, 0, ended.stderr);
      assert.deepEqual(JSON.parse(ended.stdout), {
        sessionId,
        agent: 'aider',
        ended: true,
        sealed: true,
        awaitingCommit: [],
        edited: [],
        changedSinceStart: [],
      });
      const ix = await index(repo.dir);
      assert.ok(ix.sessions.get(sessionId)!.record.endedAt);
      assert.deepEqual(
        ix.gaps.map((g) => g.record.why),
        ['lost an event'],
      );
      const types = (ix.eventsBySession.get(sessionId) ?? []).map((e) => e.record.event.type);
      assert.ok(types.includes('command'), `the exec after the commit is sealed: ${types.join(', ')}`);
      assert.equal(await spoolExists(repo.dir, 'aider', sessionId), false);

      // A session no commit carried, that changed no file, no commit will carry: it is sealed
      // at its end, alone, and leaves the spool (status has nothing waiting).
      const other = (
        await trail(repo.dir, 'session', 'start', '--agent', 'goose', '--prompt', 'Why is the build slow?')
      ).stdout.trim();
      assert.equal((await trail(repo.dir, 'exec', '--', 'true')).code, 0);
      const plain = await trail(repo.dir, 'session', 'end', '--json');
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(JSON.parse(plain.stdout), {
        sessionId: other,
        agent: 'goose',
        ended: true,
        sealed: true,
        awaitingCommit: [],
        edited: [],
        changedSinceStart: [],
      });
      const after = await index(repo.dir);
      const alone = after.sessions.get(other)?.record;
      assert.ok(alone?.endedAt, 'its record, ended, is in the ledger');
      assert.equal(alone.request.summary, 'Why is the build slow?');
      const aloneTypes = (after.eventsBySession.get(other) ?? []).map((e) => e.record.event.type);
      assert.deepEqual(aloneTypes.slice(0, 2), ['prompt', 'command'], aloneTypes.join(', '));
      assert.ok(
        ![...after.checkpointByCommit.values()].some((c) =>
          c.record.sessions.some((s) => s.sessionId === other),
        ),
        'no checkpoint names it',
      );
      assert.equal(await spoolExists(repo.dir, 'goose', other), false);
      const status = await trail(repo.dir, 'status');
      assert.doesNotMatch(status.stderr, /unsealed work|goes with the next commit/);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('an agent session no commit carried', () => {
  const unsealed = async (dir: string) =>
    JSON.parse((await trail(dir, 'status', '--json')).stdout).unsealedSessions as number;

  test('that changed nothing is sealed at its end, alone, and leaves the spool', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir)
        .start('claude-opus-4-6')
        .prompt('Why does CI take 20 minutes?')
        .bash('npm test -- --reporter=dot', 0, '412 passed')
        .stop();
      assert.equal(await unsealed(repo.dir), 1, 'running, it waits like any session');
      assert.equal((await index(repo.dir)).sessions.get(agent.sessionId), undefined);
      agent.end();

      const ix = await index(repo.dir);
      const session = ix.sessions.get(agent.sessionId)?.record;
      assert.ok(session?.endedAt, 'its record, ended, is in the ledger');
      assert.equal(session.request.summary, 'Why does CI take 20 minutes?');
      assert.equal(session.model, 'claude-opus-4-6');
      const types = (ix.eventsBySession.get(agent.sessionId) ?? []).map((e) => e.record.event.type);
      assert.ok(types.includes('prompt') && types.includes('command'), types.join(', '));
      assert.equal(ix.checkpoints.length, 0, 'no checkpoint: no commit was made');
      assert.equal(await spoolExists(repo.dir, 'claude-code', agent.sessionId), false);
      assert.equal(await unsealed(repo.dir), 0);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);

      // trail show finds it by its id (or a prefix of it), though no commit names it.
      const shown = await trail(repo.dir, 'show', agent.sessionId.slice(0, 13));
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stderr, new RegExp(`^Session ${agent.sessionId} \\(claude-code\\)$`, 'm'));
      assert.match(shown.stderr, /^- Model: claude-opus-4-6$/m);
      assert.match(shown.stderr, /^- Carried by: no commit: no checkpoint names it/m);
      assert.match(shown.stderr, /^Prompts\n- Why does CI take 20 minutes\?$/m);
      assert.match(shown.stderr, /^- `npm test -- --reporter=dot` → 0/m);
      const json = JSON.parse((await trail(repo.dir, 'show', agent.sessionId, '--json')).stdout);
      assert.equal(json.id, ix.sessions.get(agent.sessionId)!.id);
      assert.deepEqual(json.checkpoints, []);
      assert.deepEqual(
        json.prompts.map((p: { text: string }) => p.text),
        ['Why does CI take 20 minutes?'],
      );

      // Taken up again later, it edits and commits: the commit carries it, once more.
      agent.resume().prompt('Cache the node_modules folder');
      agent.write('ci/cache.yml', 'paths: [node_modules]\n').stop().end();
      const cached = repo.commit('cache node_modules in CI');
      const later = await index(repo.dir);
      const checkpoint = later.checkpointByCommit.get(cached)?.record;
      assert.deepEqual(
        checkpoint?.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      const records = later.records.filter(
        (r) => r.record.kind === 'session' && r.record.sessionId === agent.sessionId,
      );
      assert.equal(records.length, 2, 'sealed alone first, then with its commit');
      const again = JSON.parse((await trail(repo.dir, 'show', agent.sessionId, '--json')).stdout);
      assert.deepEqual(
        again.checkpoints.map((c: { commit: string }) => c.commit),
        [cached],
        'now carried by the commit of its edit',
      );
      assert.deepEqual(
        again.prompts.map((p: { text: string }) => p.text),
        ['Why does CI take 20 minutes?', 'Cache the node_modules folder'],
        'every prompt of the session, sealed alone or with the commit',
      );
      assert.deepEqual(
        again.edits.map((e: { path: string }) => e.path),
        ['ci/cache.yml'],
      );
    } finally {
      repo.cleanup();
    }
  });

  test('that edited a file, or whose shell command changed one, waits for a commit', async () => {
    const repo = initialisedRepo();
    try {
      const edited = new ScriptedClaude(repo.dir).start().prompt('Add a limiter');
      edited.write('src/limit.ts', 'export const LIMIT = 5;\n').stop().end();
      assert.equal(await spoolExists(repo.dir, 'claude-code', edited.sessionId), true);
      assert.equal((await index(repo.dir)).sessions.get(edited.sessionId), undefined);
      repo.commit('a limiter');

      const shell = new ScriptedClaude(repo.dir).start().prompt('Bump the limit');
      shell
        .bash("sed -i 's/5/10/' src/limit.ts", 0, '', () =>
          repo.write('src/limit.ts', 'export const LIMIT = 10;\n'),
        )
        .stop()
        .end();
      assert.equal(
        await spoolExists(repo.dir, 'claude-code', shell.sessionId),
        true,
        'a file changed since it started: a commit of it may yet carry the session',
      );
      assert.equal((await index(repo.dir)).sessions.get(shell.sessionId), undefined);
      const bumped = repo.commit('bump the limit');
      assert.deepEqual(
        (await index(repo.dir)).checkpointByCommit.get(bumped)?.record.sessions.map((s) => s.sessionId),
        [shell.sessionId],
        'the commit of what its command wrote carries it',
      );
    } finally {
      repo.cleanup();
    }
  });
});
