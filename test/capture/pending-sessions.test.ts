/**
 * Sessions left waiting in the spool: `trail session list` says what each waits for,
 * `trail status` counts those no commit will carry, and `trail session end --session ID`
 * seals such a session (an agent's, ended or not) with no checkpoint. Real hooks, real
 * commits, read back from the ledger.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { PendingSession } from '../../src/capture/pending-sessions.js';
import { readSpool, sessionFile, sessionKey } from '../../src/capture/spool.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

/** A row of `trail session list --json`: a pending session without its spool key. */
type Listed = Omit<PendingSession, 'key'>;

async function listed(dir: string): Promise<Listed[]> {
  const out = await trail(dir, 'session', 'list', '--json');
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

const waits = async (dir: string) =>
  Object.fromEntries((await listed(dir)).map((s) => [s.sessionId, s.waits] as const));

async function inSpool(dir: string, sessionId: string): Promise<boolean> {
  return existsSync(sessionFile((await findRepo(dir)).stateDir, sessionKey('claude-code', sessionId)));
}

/**
 * An agent session that asked, ran a check and ended having changed nothing, whose end hook
 * could not seal it (another seal held the lock), as sessions that ended before idle ends
 * were sealed at once still sit in spools.
 */
async function idleLeftWaiting(repo: TempRepo, question: string): Promise<ScriptedClaude> {
  const agent = new ScriptedClaude(repo.dir).start().prompt(question).bash('npm test', 0, '12 passed').stop();
  const lock = join((await findRepo(repo.dir)).stateDir, 'locks', 'seal.lock');
  writeFileSync(lock, `${process.pid} ${new Date().toISOString()}`);
  agent.end();
  rmSync(lock);
  return agent;
}

describe('sessions waiting in the spool', () => {
  test('trail session list names each and what it waits for; trail status counts those no commit will carry', async () => {
    const repo = initialisedRepo();
    try {
      assert.deepEqual(await listed(repo.dir), []);
      const empty = await trail(repo.dir, 'session', 'list');
      assert.match(empty.stderr, /^no session is waiting in this clone's spool$/m);

      const idle = await idleLeftWaiting(repo, 'Why is the build slow?');
      const editing = new ScriptedClaude(repo.dir).start().prompt('Add a limiter');
      editing.write('src/limit.ts', 'export const LIMIT = 5;\n').stop();
      const open = new ScriptedClaude(repo.dir).start().prompt('Look around').stop();
      const manual = (await trail(repo.dir, 'session', 'start', '--agent', 'aider')).stdout.trim();

      assert.deepEqual(await waits(repo.dir), {
        [idle.sessionId]: 'nothing',
        [editing.sessionId]: 'edits',
        [open.sessionId]: 'open',
        [manual]: 'current',
      });
      const all = await listed(repo.dir);
      const idleRow = all.find((s) => s.sessionId === idle.sessionId)!;
      assert.equal(idleRow.agent, 'claude-code');
      assert.equal(idleRow.ended, true);
      assert.equal(idleRow.carried, false);
      assert.deepEqual(all.find((s) => s.sessionId === editing.sessionId)!.edited, ['src/limit.ts']);
      // Last activity is the spool's mtime, which the kernel's coarse clock may set a few ms
      // before the time the hook wrote into its first line: a second's slack.
      for (const s of all) {
        assert.ok(s.startedAt, `${s.sessionId} has a start`);
        assert.ok(Date.parse(s.lastActivity) >= Date.parse(s.startedAt) - 1000, JSON.stringify(s));
      }

      const text = await trail(repo.dir, 'session', 'list');
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stderr,
        new RegExp(
          `^${idle.sessionId}  claude-code  .*ended having changed nothing, and no commit will carry it: trail session end --session ${idle.sessionId} seals it$`,
          'm',
        ),
      );
      assert.match(text.stderr, /edited 1 file \(src\/limit\.ts\): the commit that holds them carries it$/m);

      const status = await trail(repo.dir, 'status');
      assert.match(status.stderr, /^unsealed work: 4 sessions/m);
      assert.match(
        status.stderr,
        /^ {2}1 of them ended having changed nothing, so no commit will: trail session list/m,
      );
      assert.doesNotMatch(status.stderr, /never ended/, 'the open one recorded something today');
      let json = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.equal(json.unsealedSessions, 4);
      assert.equal(json.idleSessions, 1);
      assert.equal(json.staleSessions, 0);

      // The open session's agent went away two days ago without ending it.
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      const openSpool = sessionFile(
        (await findRepo(repo.dir)).stateDir,
        sessionKey('claude-code', open.sessionId),
      );
      utimesSync(openSpool, twoDaysAgo, twoDaysAgo);
      const stale = await trail(repo.dir, 'status');
      assert.match(
        stale.stderr,
        /^ {2}1 of them never ended and recorded nothing for a day: trail session list names them, trail session end --session ID ends one$/m,
      );
      json = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.equal(json.staleSessions, 1);

      // The commit of the edit carries its session; the idle one still waits for nothing.
      repo.commit('a limiter');
      assert.equal((await waits(repo.dir))[editing.sessionId], undefined);
      assert.equal((await waits(repo.dir))[idle.sessionId], 'nothing');
    } finally {
      repo.cleanup();
    }
  });

  test('a session a seal scanned without taking anything is still named by its id and agent', async () => {
    const repo = initialisedRepo();
    try {
      const open = new ScriptedClaude(repo.dir).start().prompt('Look around');
      // A commit that carries nothing: its seal scans the spool, keeps what it read in the scan
      // cache and writes no seal state.
      repo.write('NOTES.md', 'typed by a person\n');
      repo.commit('notes');
      assert.equal((await loadIndex(await findRepo(repo.dir))).checkpoints.length, 0);
      const [row] = await listed(repo.dir);
      assert.equal(row?.sessionId, open.sessionId);
      assert.equal(row.agent, 'claude-code');
      assert.equal(row.waits, 'open');
    } finally {
      repo.cleanup();
    }
  });

  test('trail session end --session seals an idle agent session alone, with its end as the hook wrote it', async () => {
    const repo = initialisedRepo();
    try {
      const idle = await idleLeftWaiting(repo, 'Why does CI take 20 minutes?');
      // The end its hook wrote: the last line of its spool.
      const spool = readSpool((await findRepo(repo.dir)).stateDir, sessionKey('claude-code', idle.sessionId));
      const endLine = spool.lines.at(-1);
      assert.ok(endLine?.type === 'session' && endLine.ended === true);
      const ended = await trail(repo.dir, 'session', 'end', '--session', idle.sessionId, '--json');
      assert.equal(ended.code, 0, ended.stderr);
      assert.deepEqual(JSON.parse(ended.stdout), {
        sessionId: idle.sessionId,
        agent: 'claude-code',
        ended: true,
        sealed: true,
        awaitingCommit: [],
        edited: [],
        changedSinceStart: [],
      });
      const ix = await loadIndex(await findRepo(repo.dir));
      const record = ix.sessions.get(idle.sessionId)?.record;
      assert.ok(record?.endedAt, 'its record, ended, is in the ledger');
      assert.equal(record.endedAt, endLine.at, 'ended when its hook said, not again now');
      assert.equal(record.request.summary, 'Why does CI take 20 minutes?');
      const types = (ix.eventsBySession.get(idle.sessionId) ?? []).map((e) => e.record.event.type);
      assert.ok(types.includes('command'), types.join(', '));
      assert.equal(ix.checkpoints.length, 0, 'no checkpoint names it');
      assert.equal(await inSpool(repo.dir, idle.sessionId), false);
      assert.deepEqual(await listed(repo.dir), []);
      assert.doesNotMatch((await trail(repo.dir, 'status')).stderr, /unsealed work/);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('an agent session that never ended is ended and sealed alone when nothing changed since it started', async () => {
    const repo = initialisedRepo();
    try {
      const open = new ScriptedClaude(repo.dir).start().prompt('Read the payment code').stop();
      const ended = await trail(
        repo.dir,
        'session',
        'end',
        '--session',
        open.sessionId,
        '--reason',
        'terminal closed',
      );
      assert.equal(ended.code, 0, ended.stderr);
      assert.match(
        ended.stderr,
        /no commit carried it and no file changed since it started, so it is sealed/,
      );
      const record = (await loadIndex(await findRepo(repo.dir))).sessions.get(open.sessionId)?.record;
      assert.ok(record?.endedAt);
      assert.equal(await inSpool(repo.dir, open.sessionId), false);
    } finally {
      repo.cleanup();
    }
  });

  test('with files changed since it started it waits, in case they are its work, until --seal-now', async () => {
    const repo = initialisedRepo();
    try {
      const idle = await idleLeftWaiting(repo, 'What does the cron job do?');
      repo.write('NOTES.md', 'typed by a person\n');
      const ended = await trail(repo.dir, 'session', 'end', '--session', idle.sessionId, '--json');
      assert.equal(ended.code, 0, ended.stderr);
      const body = JSON.parse(ended.stdout);
      assert.equal(body.sealed, false);
      assert.deepEqual(body.changedSinceStart, ['NOTES.md']);
      const said = await trail(repo.dir, 'session', 'end', '--session', idle.sessionId);
      assert.match(
        said.stderr,
        new RegExp(
          `files changed here since it started \\(NOTES\\.md\\).*--session ${idle.sessionId} --seal-now$`,
          'm',
        ),
      );
      assert.equal(await inSpool(repo.dir, idle.sessionId), true);

      const now = await trail(
        repo.dir,
        'session',
        'end',
        '--session',
        idle.sessionId,
        '--seal-now',
        '--json',
      );
      assert.equal(now.code, 0, now.stderr);
      assert.equal(JSON.parse(now.stdout).sealed, true);
      assert.equal(await inSpool(repo.dir, idle.sessionId), false);
      // The person's file is not the session's: its commit gets no checkpoint.
      const notes = repo.commit('notes');
      const ix = await loadIndex(await findRepo(repo.dir));
      assert.equal(ix.checkpointByCommit.get(notes), undefined);
      assert.ok(ix.sessions.get(idle.sessionId)?.record.endedAt);
    } finally {
      repo.cleanup();
    }
  });

  test('--seal-now refuses a session with edits no commit carried, and changes nothing', async () => {
    const repo = initialisedRepo();
    try {
      const editing = new ScriptedClaude(repo.dir).start().prompt('Add a limiter');
      editing.write('src/limit.ts', 'export const LIMIT = 5;\n').stop();
      const refused = await trail(repo.dir, 'session', 'end', '--session', editing.sessionId, '--seal-now');
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /^trail: session \S+ edited 1 file no commit has carried yet \(src\/limit\.ts\): it goes with the commit that holds them, so --seal-now does not apply$/m,
      );
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(await waits(repo.dir), { [editing.sessionId]: 'edits' });
      assert.equal((await listed(repo.dir))[0]!.ended, false, 'not ended either');

      // Ended without the flag, it waits for the commit of its edit, which then carries it.
      const ended = await trail(repo.dir, 'session', 'end', '--session', editing.sessionId);
      assert.match(
        ended.stderr,
        /it goes with the next commit that holds what it edited \(src\/limit\.ts\)$/m,
      );
      const commit = repo.commit('a limiter');
      const ix = await loadIndex(await findRepo(repo.dir));
      assert.deepEqual(
        ix.checkpointByCommit.get(commit)?.record.sessions.map((s) => s.sessionId),
        [editing.sessionId],
      );
      assert.ok(ix.sessions.get(editing.sessionId)?.record.endedAt);
    } finally {
      repo.cleanup();
    }
  });
});
