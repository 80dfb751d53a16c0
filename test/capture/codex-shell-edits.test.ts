/**
 * Codex's notify sees a turn only at its end, and a shell command's writes not at all: the
 * files a turn's commands changed (or, with no rollout to read, any the turn may have changed)
 * are `unknown`, never a person's, and the commit that holds them carries the Codex session.
 * A person's change from before the turn started stays `human`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { codexNotifyArgv, codexRepo, runNotify } from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

type Json = Record<string, unknown>;
const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const line = (at: number, type: string, payload: Json) =>
  JSON.stringify({ timestamp: iso(at), type, payload });

/** A turn as Codex's rollout has it: its prompt at `at`, then its calls. */
function rolloutTurn(
  at: number,
  cwd: string,
  prompt: string,
  calls: Array<{ name: string; callId: string; args?: Json; input?: string; output: string }>,
): string[] {
  return [
    line(at, 'turn_context', { cwd, model: 'gpt-5-codex' }),
    line(at, 'event_msg', { type: 'task_started' }),
    line(at, 'response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: prompt }],
    }),
    ...calls.flatMap((c) => [
      line(
        at + 1000,
        'response_item',
        c.input !== undefined
          ? { type: 'custom_tool_call', name: c.name, call_id: c.callId, input: c.input }
          : { type: 'function_call', name: c.name, call_id: c.callId, arguments: JSON.stringify(c.args) },
      ),
      line(at + 2000, 'response_item', { type: 'function_call_output', call_id: c.callId, output: c.output }),
    ]),
  ];
}

async function setUp(files: Record<string, string>): Promise<{ repo: TempRepo; home: string }> {
  const { repo, codexHome } = await codexRepo(cleanups, files);
  repo.commit('Trail set up');
  return { repo, home: codexHome };
}

function writeRollout(home: string, threadId: string, lines: string[]): void {
  const day = join(home, 'sessions', '2026', '12', '07');
  mkdirSync(day, { recursive: true });
  writeFileSync(join(day, `rollout-2026-12-07T00-00-00-${threadId}.jsonl`), `${lines.join('\n')}\n`);
}

function notify(repo: TempRepo, home: string, threadId: string, prompt: string): void {
  const payload = {
    type: 'agent-turn-complete',
    'thread-id': threadId,
    'turn-id': randomUUID(),
    cwd: repo.dir,
    'input-messages': [prompt],
    'last-assistant-message': 'Done.',
  };
  const run = runNotify(codexNotifyArgv(home), JSON.stringify(payload), {
    cwd: repo.dir,
    env: { CODEX_HOME: home },
  });
  assert.equal(run.code, 0, run.stderr);
}

/** A person's change, made (by its mtime) an hour before the turn. */
function personBefore(repo: TempRepo, path: string, text: string): void {
  repo.write(path, text);
  const old = (Date.now() - HOUR) / 1000;
  utimesSync(join(repo.dir, path), old, old);
}

/**
 * Each line's origin as `trail blame` gives it, with the commit that added it: lines from before
 * Trail was set up are `unknown` for that reason alone, so they are shown apart (`-`).
 */
async function origins(repo: TempRepo, path: string): Promise<string[]> {
  const blame = await trail(repo.dir, 'blame', path, '--json');
  assert.equal(blame.code, 0, blame.stderr);
  const lines = (JSON.parse(blame.stdout) as { lines: Array<{ origin: string; summary: string }> }).lines;
  return lines.map((l) => (l.summary === 'base' ? '-' : `${l.origin} (${l.summary})`));
}

async function commitAll(repo: TempRepo, message: string) {
  repo.git('commit', '-qam', message);
  const sha = repo.git('rev-parse', 'HEAD');
  const index = await loadIndex(await findRepo(repo.dir));
  const stored = index.checkpointByCommit.get(sha);
  const ids = new Set(stored?.record.events ?? []);
  const events = (stored?.record.sessions ?? []).flatMap((s) =>
    (index.eventsBySession.get(s.sessionId) ?? []).filter((e) => ids.has(e.id)).map((e) => e.record.event),
  );
  return {
    sessions: stored?.record.sessions.map((s) => s.sessionId) ?? [],
    events,
    gaps: index.gaps.map((g) => g.record.why),
  };
}

const UPLOAD = 'fn upload(body: &[u8]) {\n    send(body);\n}\n';
const UPLOAD_LOGGED =
  'fn upload(body: &[u8]) {\n    log::info!("size {}", body.len());\n    send(body);\n}\n';

describe('notify: a turn whose shell command edits a file', () => {
  test('the command’s lines are `unknown`, its commit carries the session, and the next commit does not', async () => {
    const { repo, home } = await setUp({
      'src/upload.rs': UPLOAD,
      'src/person.rs': 'fn person() {}\n',
      'docs/NOTES.md': '# Notes\n',
    });
    const threadId = randomUUID();
    personBefore(repo, 'src/person.rs', 'fn person() {}\nfn mine() {}\n');
    const sed = `sed -i 's/^    send(body);/    log::info!("size {}", body.len());\\n    send(body);/' src/upload.rs`;
    const first = [
      line(Date.now() - 60_000, 'session_meta', { id: threadId, cwd: repo.dir, cli_version: '0.60.1' }),
      ...rolloutTurn(Date.now() - 30_000, repo.dir, 'log the body size', [
        {
          name: 'exec_command',
          callId: 'c1',
          args: { cmd: sed, workdir: repo.dir },
          output: 'Chunk ID: 1\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\n',
        },
      ]),
    ];
    writeRollout(home, threadId, first);
    repo.write('src/upload.rs', UPLOAD_LOGGED); // What sed did.
    notify(repo, home, threadId, 'log the body size');

    const logged = await commitAll(repo, 'log');
    assert.deepEqual(logged.sessions, [threadId], 'the commit has a checkpoint naming the Codex session');
    assert.deepEqual(
      logged.events.flatMap((e) =>
        e.type === 'prompt' ? [e.text] : e.type === 'command' ? [e.command] : [],
      ),
      ['log the body size', sed],
    );
    assert.deepEqual(await origins(repo, 'src/upload.rs'), ['-', 'unknown (log)', '-', '-']);
    assert.deepEqual(await origins(repo, 'src/person.rs'), ['-', 'human (log)']);
    const why = logged.gaps.join('\n');
    assert.ok(why.includes('src/upload.rs'), why);
    assert.ok(!why.includes('src/person.rs'), why);

    // The next turn patches the notes: its commit carries that turn, not the earlier prompt.
    const patch =
      '*** Begin Patch\n*** Update File: docs/NOTES.md\n@@\n # Notes\n+Uploads log their size.\n*** End Patch\n';
    writeRollout(home, threadId, [
      ...first,
      ...rolloutTurn(Date.now(), repo.dir, 'note it in the docs', [
        {
          name: 'apply_patch',
          callId: 'c2',
          input: patch,
          output: 'Success. Updated the following files:\nM docs/NOTES.md\n',
        },
      ]),
    ]);
    repo.write('docs/NOTES.md', '# Notes\nUploads log their size.\n');
    notify(repo, home, threadId, 'note it in the docs');
    const doc = await commitAll(repo, 'doc');
    assert.deepEqual(doc.sessions, [threadId]);
    assert.deepEqual(
      doc.events.flatMap((e) => (e.type === 'prompt' ? [e.text] : e.type === 'command' ? [e.command] : [])),
      ['note it in the docs'],
    );
    assert.deepEqual(await origins(repo, 'docs/NOTES.md'), ['-', 'ai (doc)']);
  });
});

describe('notify: a turn whose rollout cannot be found', () => {
  test('what the turn changed is `unknown`, since the previous turn end; a person’s earlier change stays `human`', async () => {
    const { repo, home } = await setUp({ 'src/upload.rs': UPLOAD, 'src/person.rs': 'fn person() {}\n' });
    // A random (v4) id names no time: the previous turn end bounds the turn.
    const threadId = randomUUID();
    notify(repo, home, threadId, 'look around');
    personBefore(repo, 'src/person.rs', 'fn person() {}\nfn mine() {}\n');
    repo.write('src/upload.rs', UPLOAD_LOGGED);
    notify(repo, home, threadId, 'log the body size');

    const logged = await commitAll(repo, 'log');
    assert.deepEqual(logged.sessions, [threadId], 'the commit has a checkpoint naming the Codex session');
    assert.deepEqual(await origins(repo, 'src/upload.rs'), ['-', 'unknown (log)', '-', '-']);
    assert.deepEqual(await origins(repo, 'src/person.rs'), ['-', 'human (log)']);
    const why = logged.gaps.join('\n');
    assert.ok(why.includes('model, commands, edits and usage of this turn are missing'), why);
    assert.ok(why.includes("since the thread's previous turn ended"), why);
  });

  test('the first turn of a thread whose id is a UUIDv7 is bounded by when the thread was made', async () => {
    const { repo, home } = await setUp({ 'src/upload.rs': UPLOAD, 'src/person.rs': 'fn person() {}\n' });
    personBefore(repo, 'src/person.rs', 'fn person() {}\nfn mine() {}\n');
    // Codex's thread ids are UUIDv7: their first 48 bits are the time the thread was made.
    const made = (Date.now() - 60_000).toString(16).padStart(12, '0');
    const threadId = `${made.slice(0, 8)}-${made.slice(8)}-7abc-8def-${randomUUID().slice(-12)}`;
    repo.write('src/upload.rs', UPLOAD_LOGGED);
    notify(repo, home, threadId, 'log the body size');

    const logged = await commitAll(repo, 'log');
    assert.deepEqual(logged.sessions, [threadId]);
    assert.deepEqual(await origins(repo, 'src/upload.rs'), ['-', 'unknown (log)', '-', '-']);
    assert.deepEqual(await origins(repo, 'src/person.rs'), ['-', 'human (log)']);
  });
});
