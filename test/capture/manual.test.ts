/**
 * Sessions without hooks: `trail session start|end|current`, the SDK's Recorder (through the
 * package's public entry point, as a user's script imports it), and `trail redact`. Each ends
 * in real commits sealed by the installed git hooks, read back from the ledger.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { currentSession } from '../../src/capture/manual-session.js';
import type { SpoolLine } from '../../src/capture/spool.js';
import { readSpool, sessionKey } from '../../src/capture/spool.js';
import type { RecordOf } from '../../src/core/records.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { Recorder } from '../../src/sdk/recorder.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { git, gitEnv, tempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}123456`;

const setup = initialisedRepo;

async function spoolOf(dir: string, agent: string, sessionId: string): Promise<SpoolLine[]> {
  const repo = await findRepo(dir);
  return readSpool(repo.stateDir, sessionKey(agent, sessionId)).lines;
}

async function index(dir: string) {
  return loadIndex(await findRepo(dir));
}

function events(ix: Awaited<ReturnType<typeof index>>, sessionId: string) {
  return (ix.eventsBySession.get(sessionId) ?? []).map((s) => s.record);
}

describe('trail session', () => {
  test('start records the request and becomes current; end closes it; the seal keeps the request', async () => {
    const repo = setup();
    try {
      const started = await trail(
        repo.dir,
        'session',
        'start',
        '--agent',
        'aider',
        '--model',
        'gpt-5',
        '--ticket',
        'PROJ-12',
        '--ticket',
        'https://github.com/acme/api/issues/7',
        '--requester',
        'lead@example.com',
        '--approval',
        'approved',
        '--criteria',
        'login is rate limited',
        '--criteria',
        'tests pass',
        '--prompt',
        `Add rate limiting; the token is ${TOKEN}`,
      );
      assert.equal(started.code, 0, started.stderr);
      const sessionId = started.stdout.trim();
      assert.match(sessionId, /^[0-9a-f-]{36}$/);
      assert.match(started.stderr, /started session/);

      const current = await trail(repo.dir, 'session', 'current');
      assert.equal(current.stdout.trim(), sessionId);
      const state = currentSession(await findRepo(repo.dir));
      assert.equal(state?.agent, 'aider');

      const lines = await spoolOf(repo.dir, 'aider', sessionId);
      const first = lines[0]!;
      assert.equal(first.type, 'session');
      assert.deepEqual(first.type === 'session' && first.info.request, {
        tickets: [
          { id: 'PROJ-12', system: 'jira' },
          { id: 'acme/api#7', url: 'https://github.com/acme/api/issues/7', system: 'github' },
        ],
        requester: 'lead@example.com',
        approvalState: 'approved',
        acceptanceCriteria: ['login is rate limited', 'tests pass'],
      });
      const prompt = lines[1]!;
      assert.ok(prompt.type === 'event' && prompt.event.type === 'prompt');
      assert.equal(prompt.provenance, 'human');
      assert.doesNotMatch(JSON.stringify(lines), /ghp_/, 'the token never reaches the spool');

      // The agent's edits reach the manual session through the SDK continuing it.
      const r = await Recorder.start({ cwd: repo.dir, agent: 'aider', sessionId });
      await r.writeFile('src/limit.ts', 'export const LIMIT = 5;\nexport const WINDOW_MS = 60_000;\n');
      r.decision('Fixed window: simplest that meets the criteria');

      const ended = await trail(repo.dir, 'session', 'end', '--reason', 'done');
      assert.equal(ended.code, 0, ended.stderr);
      assert.equal(currentSession(await findRepo(repo.dir)), undefined);
      const none = await trail(repo.dir, 'session', 'current');
      assert.equal(none.code, 1);
      const again = await trail(repo.dir, 'session', 'end');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^trail: no current session: start one with trail session start\n$/);

      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'rate limit');
      const ix = await index(repo.dir);
      const session = ix.sessions.get(sessionId)!.record;
      assert.equal(session.agent.name, 'aider');
      assert.equal(session.model, 'gpt-5');
      assert.equal(session.request.requester, 'lead@example.com');
      assert.equal(session.request.approvalState, 'approved');
      assert.deepEqual(session.request.acceptanceCriteria, ['login is rate limited', 'tests pass']);
      assert.ok(session.request.tickets.some((t) => t.id === 'acme/api#7'));
      assert.ok(session.endedAt, 'the end line is sealed');
      const kinds = events(ix, sessionId).map((e) => `${e.event.type}:${e.provenance}`);
      assert.deepEqual(kinds, ['prompt:human', 'file-edit:observed', 'decision:agent-reported']);
      const checkpoint = ix.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))!.record;
      assert.deepEqual(checkpoint.attribution['src/limit.ts'], [
        { start: 1, end: 2, origin: 'ai', sessionId },
      ]);
    } finally {
      repo.cleanup();
    }
  });

  test('an agent without hooks: commits made while its session is current are its, their lines unknown', async () => {
    const repo = setup();
    try {
      repo.write('before.txt', 'typed by hand\n');
      const before = repo.commit('before the session');
      const started = await trail(
        repo.dir,
        'session',
        'start',
        '--agent',
        'aider',
        '--model',
        'gpt-5',
        '--prompt',
        'Add a limiter',
      );
      const sessionId = started.stdout.trim();
      const status = await trail(repo.dir, 'status');
      assert.match(status.stderr, new RegExp(`current session: ${sessionId} \\(aider, since `));
      assert.equal((await trail(repo.dir, 'exec', '--check', 'test', '--', 'true')).code, 0);
      // aider edits and commits on its own: Trail sees neither the edits nor who typed them.
      repo.write('src/limit.ts', 'export const LIMIT = 5;\nexport const WINDOW = 60;\n');
      const during = repo.commit('add a limiter');
      assert.equal((await trail(repo.dir, 'session', 'end')).code, 0);
      const ended = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.equal(ended.currentSession, null);
      repo.write('after.txt', 'typed by hand\n');
      const after = repo.commit('after the session');

      const ix = await index(repo.dir);
      assert.equal(ix.checkpointByCommit.get(before), undefined, 'no session was current');
      assert.equal(ix.checkpointByCommit.get(after), undefined, 'the session had ended');
      const checkpoint = ix.checkpointByCommit.get(during)!.record;
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [sessionId],
      );
      assert.deepEqual(checkpoint.attribution['src/limit.ts'], [{ start: 1, end: 2, origin: 'unknown' }]);
      assert.equal(ix.sessions.get(sessionId)!.record.agent.name, 'aider');
      const kinds = events(ix, sessionId).map((e) => e.event.type);
      assert.deepEqual(kinds, ['prompt', 'command', 'validation']);

      const log = await trail(repo.dir, 'log');
      assert.match(log.stderr, /aider\/gpt-5 \+0 AI\/\+0 human\/\+2 unknown/);
    } finally {
      repo.cleanup();
    }
  });

  test('an agent without hooks whose work is committed after trail session end: that commit carries it', async () => {
    const repo = setup();
    try {
      repo.write('notes.txt', 'typed by hand\n');
      repo.commit('before the session');
      // A person's change pending from before the session is not its work.
      repo.write('pending.txt', 'typed by hand, not committed yet\n');
      const earlier = new Date(Date.now() - 10 * 60_000);
      utimesSync(join(repo.dir, 'pending.txt'), earlier, earlier);
      const started = await trail(
        repo.dir,
        'session',
        'start',
        '--agent',
        'aider',
        '--prompt',
        'Add a limiter',
      );
      const sessionId = started.stdout.trim();
      assert.equal((await trail(repo.dir, 'exec', '--check', 'test', '--', 'true')).code, 0);
      // aider edits without committing; the person reviews, ends the session, then commits.
      repo.write('src/limit.ts', 'export const LIMIT = 5;\nexport const WINDOW = 60;\n');
      const ended = await trail(repo.dir, 'session', 'end');
      assert.equal(ended.code, 0, ended.stderr);
      assert.match(
        ended.stderr,
        new RegExp(
          `^ended session ${sessionId}; it goes with the next commit that holds one of the 1 file changed since it started \\(src/limit\\.ts\\)$`,
          'm',
        ),
      );
      const waiting = await trail(repo.dir, 'status');
      assert.match(
        waiting.stderr,
        new RegExp(
          `^ended session ${sessionId} \\(aider\\) goes with the next commit of src/limit\\.ts$`,
          'm',
        ),
      );
      // A file written after the end, committed alone first, does not carry it.
      repo.write('later.txt', 'typed by hand\n');
      repo.git('add', 'later.txt');
      repo.git('commit', '-q', '-m', 'a note, by hand');
      const unrelated = repo.git('rev-parse', 'HEAD');
      const reviewed = repo.commit('add a limiter');

      const ix = await index(repo.dir);
      assert.equal(ix.checkpointByCommit.get(unrelated), undefined, 'not a file of the session');
      const checkpoint = ix.checkpointByCommit.get(reviewed)?.record;
      assert.ok(checkpoint, 'the commit of its work carries the session');
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [sessionId],
      );
      assert.deepEqual(checkpoint.attribution['src/limit.ts'], [{ start: 1, end: 2, origin: 'unknown' }]);
      assert.deepEqual(
        events(ix, sessionId).map((e) => e.event.type),
        ['prompt', 'command', 'validation'],
      );
      assert.ok(ix.sessions.get(sessionId)!.record.endedAt, 'its end is sealed with it');
      const done = await trail(repo.dir, 'status');
      assert.doesNotMatch(done.stderr, /unsealed work|goes with the next commit/);
      assert.equal(JSON.parse((await trail(repo.dir, 'status', '--json')).stdout).awaitingCommit, null);

      // A session that changed nothing and carried no commit says so, rather than promising
      // one, and is sealed at once: nothing is left waiting.
      await trail(repo.dir, 'session', 'start', '--agent', 'aider', '--prompt', 'Look around');
      const idle = await trail(repo.dir, 'session', 'end');
      assert.match(
        idle.stderr,
        /no commit carried it and no file changed since it started, so it is sealed in the ledger now, with no checkpoint$/m,
      );
      assert.doesNotMatch((await trail(repo.dir, 'status')).stderr, /unsealed work/);
    } finally {
      repo.cleanup();
    }
  });

  test("an ended session whose work was discarded is not carried by a person's later commit of those files", async () => {
    const repo = setup();
    try {
      repo.write('notes.txt', 'typed by hand\n');
      repo.commit('notes');
      await trail(repo.dir, 'session', 'start', '--agent', 'aider', '--prompt', 'Reword the notes');
      repo.write('notes.txt', 'reworded by the agent\n');
      const ended = await trail(repo.dir, 'session', 'end');
      assert.match(
        ended.stderr,
        /goes with the next commit that holds one of the 1 file changed since it started \(notes\.txt\)/,
      );
      // The person throws the agent's change away, and commits something else.
      repo.git('checkout', '--', 'notes.txt');
      repo.write('other.txt', 'typed by hand\n');
      const other = repo.commit('other');
      assert.doesNotMatch((await trail(repo.dir, 'status')).stderr, /goes with the next commit/);
      // Days later, their own edit of the same file is theirs.
      repo.write('notes.txt', 'typed by hand, again\n');
      const mine = repo.commit('my notes');
      const ix = await index(repo.dir);
      assert.equal(ix.checkpointByCommit.get(other), undefined);
      assert.equal(ix.checkpointByCommit.get(mine), undefined, 'the discarded session does not carry it');
    } finally {
      repo.cleanup();
    }
  });

  test('each worktree has its own current session: two agents at once, each commit to its own', async () => {
    const repo = setup();
    const linked = `${repo.dir}-linked`;
    try {
      repo.git('worktree', 'add', '-q', '-b', 'side', linked);
      const side = (
        await trail(linked, 'session', 'start', '--agent', 'aider', '--prompt', 'work on side')
      ).stdout.trim();
      const none = await trail(repo.dir, 'session', 'current');
      assert.equal(none.code, 1, "the linked worktree's session is not the main worktree's");
      repo.write('by-hand.txt', 'main worktree\n');
      const byHand = repo.commit('by hand on main');
      const main = (
        await trail(repo.dir, 'session', 'start', '--agent', 'goose', '--prompt', 'work on main')
      ).stdout.trim();
      assert.equal((await trail(linked, 'session', 'current')).stdout.trim(), side, 'still current there');

      repo.write('main.txt', 'main worktree\n');
      const onMain = repo.commit('on main');
      writeFileSync(join(linked, 'side.txt'), 'linked worktree\n');
      git(linked, 'add', '-A');
      git(linked, 'commit', '-q', '-m', 'on side');
      const onSide = git(linked, 'rev-parse', 'HEAD');

      const ix = await index(repo.dir);
      const sessionsOf = (commit: string) =>
        ix.checkpointByCommit.get(commit)?.record.sessions.map((s) => s.sessionId);
      assert.equal(sessionsOf(byHand), undefined, 'no session was current in the main worktree');
      assert.deepEqual(sessionsOf(onMain), [main]);
      assert.deepEqual(sessionsOf(onSide), [side]);
    } finally {
      rmSync(linked, { recursive: true, force: true });
      repo.cleanup();
    }
  });

  test('a session current in another worktree is ended there: from here only with --seal-now, and no worktree records into it after', async () => {
    const repo = setup();
    const linked = `${repo.dir}-linked`;
    try {
      repo.git('worktree', 'add', '-q', '-b', 'side', linked);
      const side = (
        await trail(linked, 'session', 'start', '--agent', 'aider', '--prompt', 'side work')
      ).stdout.trim();
      writeFileSync(join(linked, 'side.txt'), 'written by the session\n');

      // Seen from the main worktree: current over there, named by that worktree's path.
      const list = await trail(repo.dir, 'session', 'list', '--json');
      const row = (
        JSON.parse(list.stdout) as Array<{ sessionId: string; waits: string; currentIn?: string }>
      ).find((s) => s.sessionId === side);
      assert.equal(row?.waits, 'current-elsewhere');
      assert.equal(realpathSync(row?.currentIn ?? ''), realpathSync(linked));
      assert.match(
        (await trail(repo.dir, 'session', 'list')).stderr,
        /current in the worktree .*-linked: a commit made there carries it/,
      );

      // Ended from here, side.txt would not wait for its commit: refused, one line, nothing written.
      const before = await spoolOf(repo.dir, 'aider', side);
      const refused = await trail(repo.dir, 'session', 'end', '--session', side);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /^trail: session \S+ is current in the worktree .*-linked: end it there \(cd '.*-linked' && trail session end\)/,
      );
      assert.equal(refused.stderr.trim().split('\n').length, 1);
      assert.deepEqual(await spoolOf(repo.dir, 'aider', side), before);
      assert.equal((await trail(linked, 'session', 'current')).stdout.trim(), side, 'still current there');

      // With --seal-now it ends and is sealed from here, and stops being current over there.
      const sealed = await trail(repo.dir, 'session', 'end', '--session', side, '--seal-now', '--json');
      assert.equal(sealed.code, 0, sealed.stderr);
      assert.equal(JSON.parse(sealed.stdout).sealed, true);
      assert.equal(
        (await trail(linked, 'session', 'current')).code,
        1,
        'the linked worktree no longer records into it',
      );
      assert.equal((await index(repo.dir)).sessions.get(side)?.record.endedAt !== undefined, true);

      // A worktree removed with its session current leaves a pointer behind: that session is
      // open, not current anywhere, and ends from any worktree.
      const gone = (
        await trail(linked, 'session', 'start', '--agent', 'aider', '--prompt', 'more')
      ).stdout.trim();
      repo.git('worktree', 'remove', '--force', linked);
      const left = JSON.parse((await trail(repo.dir, 'session', 'list', '--json')).stdout) as Array<{
        sessionId: string;
        waits: string;
      }>;
      assert.equal(left.find((s) => s.sessionId === gone)?.waits, 'open');
      const ended = await trail(repo.dir, 'session', 'end', '--session', gone);
      assert.equal(ended.code, 0, ended.stderr);
      const spool = join((await findRepo(repo.dir)).stateDir, 'spool');
      assert.deepEqual(
        readdirSync(spool).filter((name) => name.startsWith('current-session')),
        [],
        'no pointer to an ended session is left',
      );
    } finally {
      rmSync(linked, { recursive: true, force: true });
      repo.cleanup();
    }
  });

  test('TRAIL_SESSION_ID overrides the current session; mistakes are one line', async () => {
    const repo = setup();
    try {
      const a = (await trail(repo.dir, 'session', 'start', '--agent', 'one', '--json')).stdout;
      const b = (await trail(repo.dir, 'session', 'start', '--agent', 'two', '--json')).stdout;
      const first = JSON.parse(a) as { sessionId: string };
      const second = JSON.parse(b) as { sessionId: string; replaced: string };
      assert.equal(second.replaced, first.sessionId);
      // The first one is no longer current, but TRAIL_SESSION_ID still reaches it.
      const ended = trailProcess(repo.dir, ['session', 'end', '--json'], undefined, {
        TRAIL_SESSION_ID: first.sessionId,
      });
      assert.equal(ended.code, 0, ended.stderr);
      assert.equal(JSON.parse(ended.stdout).sessionId, first.sessionId);
      assert.equal(currentSession(await findRepo(repo.dir))?.sessionId, second.sessionId);
      // It changed nothing and no commit carried it: sealed at its end, alone, like a current one.
      assert.equal(JSON.parse(ended.stdout).sealed, true);
      assert.deepEqual(await spoolOf(repo.dir, 'one', first.sessionId), [], 'it left the spool');
      const sealed = (await loadIndex(await findRepo(repo.dir))).sessions.get(first.sessionId)?.record;
      assert.ok(sealed?.endedAt, 'its record, ended, is in the ledger');
      assert.equal(sealed.agent.name, 'one');

      const bad = await trail(repo.dir, 'session', 'start', '--approval', 'maybe');
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr, 'trail: --approval must be one of approved, pending, rejected, unknown\n');
      const unknown = await trail(repo.dir, 'session', 'end', '--session', 'nope');
      assert.equal(unknown.stderr, "trail: no session nope in this clone's spool\n");
    } finally {
      repo.cleanup();
    }

    const plain = tempRepo();
    try {
      const result = await trail(plain.dir, 'session', 'start');
      assert.equal(result.code, 1);
      assert.equal(result.stderr, 'trail: Trail is not set up in this repository: run `trail init`\n');
    } finally {
      plain.cleanup();
    }
  });

  test('trail record keeps appending straight to the ledger', async () => {
    const repo = setup();
    try {
      await trail(repo.dir, 'session', 'start', '--agent', 'aider');
      const head = repo.git('rev-parse', 'HEAD');
      const result = await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', head);
      assert.equal(result.code, 0, result.stderr);
      assert.equal((await index(repo.dir)).deploymentsByCommit.get(head)?.length, 1);
    } finally {
      repo.cleanup();
    }
  });
});

describe('SDK Recorder', () => {
  test("a script importing 'trail-audit' records a session; the commit attributes its lines to it", async () => {
    const repo = setup();
    try {
      repo.write('src/app.ts', 'export const a = 1;\n');
      repo.commit('app');
      // A person edits app.ts before the agent touches it.
      writeFileSync(join(repo.dir, 'src/app.ts'), 'export const a = 1;\nexport const byHand = "person";\n');
      const script = `
        import { appendFileSync, writeFileSync } from 'node:fs';
        import { join } from 'node:path';
        import { Recorder } from 'trail-audit';
        const cwd = process.env.REPO_DIR;
        const r = await Recorder.start({ cwd, agent: 'my-agent', model: 'gpt-5', ticket: 'PROJ-9', prompt: 'add limits' });
        r.decision('A token bucket per client');
        r.constraint('No new dependencies');
        r.alternative('Redis counter', 'no Redis in this deployment');
        r.risk('Clients behind one NAT share a bucket', 'medium');
        r.context('file', 'src/app.ts');
        r.command('npm run lint', 0, 1200, 'all good; token ${TOKEN}');
        r.usage({ model: 'gpt-5', inputTokens: 1000, outputTokens: 200 });
        await r.willEdit('src/app.ts');
        appendFileSync(join(cwd, 'src/app.ts'), 'export const limit = (n) => Math.min(n, 5);\\n');
        await r.fileEdited('src/app.ts');
        await r.writeFile('src/bucket.ts', 'export class Bucket {\\n  take() { return true; }\\n}\\n');
        const run = await r.run(['node', '-e', 'process.exit(0)'], { check: 'smoke' });
        r.end();
        console.log(JSON.stringify({ sessionId: r.sessionId, run }));
      `;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { ...gitEnv, REPO_DIR: repo.dir },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      const { sessionId, run } = JSON.parse(result.stdout) as {
        sessionId: string;
        run: { exitCode: number; check: string; status: string; attempt: number };
      };
      assert.deepEqual(
        { exitCode: run.exitCode, check: run.check, status: run.status, attempt: run.attempt },
        { exitCode: 0, check: 'smoke', status: 'passed', attempt: 1 },
      );

      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'limits');
      const ix = await index(repo.dir);
      const checkpoint = ix.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))!.record;
      assert.deepEqual(
        checkpoint.sessions.map((s) => [s.sessionId, s.agent, s.model]),
        [[sessionId, 'my-agent', 'gpt-5']],
      );
      assert.deepEqual(checkpoint.attribution['src/bucket.ts'], [
        { start: 1, end: 3, origin: 'ai', sessionId },
      ]);
      assert.deepEqual(checkpoint.attribution['src/app.ts'], [
        { start: 2, end: 2, origin: 'human' },
        { start: 3, end: 3, origin: 'ai', sessionId },
      ]);

      const recorded = events(ix, sessionId);
      const byType = (type: string) =>
        recorded.filter((e) => e.event.type === type) as Array<RecordOf<'event'>>;
      assert.equal(byType('decision')[0]!.provenance, 'agent-reported');
      assert.deepEqual(byType('alternative')[0]!.event, {
        type: 'alternative',
        approach: 'Redis counter',
        rejectedBecause: 'no Redis in this deployment',
      });
      assert.deepEqual(byType('risk')[0]!.event, {
        type: 'risk',
        text: 'Clients behind one NAT share a bucket',
        severity: 'medium',
      });
      assert.deepEqual(byType('context')[0]!.event, {
        type: 'context',
        source: 'file-read',
        ref: 'src/app.ts',
      });
      const [lint, smoke] = byType('command');
      assert.equal(lint!.provenance, 'agent-reported');
      assert.equal(
        lint!.event.type === 'command' && lint!.event.outputTail,
        'all good; token [REDACTED:github-token]',
      );
      assert.equal(smoke!.provenance, 'observed');
      const edits = byType('file-edit').map((e) => [
        e.event.type === 'file-edit' && e.event.path,
        e.provenance,
      ]);
      assert.deepEqual(edits, [
        ['src/app.ts', 'agent-reported'],
        ['src/bucket.ts', 'observed'],
      ]);
      const usage = byType('usage')[0]!.event;
      assert.ok(usage.type === 'usage' && usage.costUsd !== undefined && usage.costUsd > 0);
      const session = ix.sessions.get(sessionId)!.record;
      assert.deepEqual(session.request.tickets, [{ id: 'PROJ-9', system: 'jira' }]);
      assert.equal(session.request.summary, 'add limits');
      assert.ok(session.endedAt);
      assert.doesNotMatch(JSON.stringify(recorded), /ghp_/);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('an ended recorder refuses more events; paths outside the repository are refused', async () => {
    const repo = setup();
    try {
      const r = await Recorder.start({ cwd: repo.dir });
      assert.equal(r.agent, 'generic');
      await assert.rejects(r.fileEdited('../elsewhere.ts'), /is not a file inside/);
      assert.throws(() => r.risk('x', 'extreme' as never), /invalid event: field "severity"/);
      r.end();
      assert.throws(() => r.decision('late'), /has ended/);
      assert.ok(
        existsSync(
          join(repo.dir, '.git/trail/spool/sessions', `${sessionKey('generic', r.sessionId)}.jsonl`),
        ),
      );
    } finally {
      repo.cleanup();
    }
  });
});

describe('trail redact', () => {
  test('reports rule, line, column and a masked preview, never the secret', async () => {
    const repo = setup();
    try {
      const text = [
        '# config',
        `GITHUB_TOKEN=${TOKEN}`,
        'db: postgres://app:Sup3r-S3cret-Pa55@db.internal:5432/app',
        'internal id ACME-SECRET-0042 here',
        '',
      ].join('\n');
      repo.write('config.txt', text);
      const before = await trail(repo.dir, 'redact', 'config.txt', '--json');
      assert.equal(before.code, 0, before.stderr);
      const report = JSON.parse(before.stdout) as {
        count: number;
        findings: Array<{ rule: string; line: number; column: number; length: number; preview: string }>;
      };
      assert.deepEqual(
        report.findings.map((f) => [f.rule, f.line, f.column, f.length]),
        [
          ['github-token', 2, 14, TOKEN.length],
          ['url-password', 3, 20, 'Sup3r-S3cret-Pa55'.length],
        ],
      );
      assert.equal(report.findings[0]!.preview, `ghp_****… (${TOKEN.length} chars)`);
      assert.doesNotMatch(before.stdout, /a1B2c3D4e5|Sup3r-S3cret/);

      // The repository's own patterns apply inside it.
      const configPath = join(repo.dir, '.trail/config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8'));
      config.redact.patterns = [{ id: 'acme-id', pattern: 'ACME-SECRET-\\d{4}' }];
      writeFileSync(configPath, JSON.stringify(config));
      const human = await trail(repo.dir, 'redact', 'config.txt');
      assert.equal(human.code, 0);
      assert.equal(human.stdout, '');
      assert.match(human.stderr, /config\.txt:4:13 {2}acme-id {2}ACME\*\*\*\*… \(16 chars\)/);
      assert.match(human.stderr, /3 secrets would be redacted/);

      const stdin = trailProcess(repo.dir, ['redact', '-', '--json'], `x\n  token ${TOKEN}\n`);
      assert.equal(stdin.code, 0, stdin.stderr);
      assert.deepEqual(
        JSON.parse(stdin.stdout).findings.map((f: { line: number; column: number }) => [f.line, f.column]),
        [[2, 9]],
      );
      const clean = await trail(repo.dir, 'redact', 'README.md');
      assert.equal(clean.stderr, 'README.md: nothing to redact\n');
      const missing = await trail(repo.dir, 'redact', 'nope.txt');
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'trail: cannot read nope.txt: no such file\n');
    } finally {
      repo.cleanup();
    }
  });
});
