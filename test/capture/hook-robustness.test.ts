/**
 * A broken payload, a crash or a full disk must never break the agent or the commit: every
 * hook exits 0 quickly and writes down what it could not capture as a capture gap. The hooks
 * run as the agents run them, from the commands `trail init --agents` installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shellCommand } from '../../src/capture/install-agents.js';
import { readSpool, sessionKey } from '../../src/capture/spool.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { HookAgent } from '../helpers/agent-hooks.js';
import {
  codexNotifyArgv,
  installedCommand,
  runNotify,
  runShellHook,
  runShellHookAsync,
  trailWithEnv,
} from '../helpers/agent-hooks.js';
import { TRAIL_BIN, trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

let repo: TempRepo;
let codexHome: string;
const cleanups: Array<() => void> = [];

async function setUp(): Promise<TempRepo> {
  const r = tempRepo();
  const home = tempDir('trail-codex-');
  cleanups.push(r.cleanup, () => rmSync(home, { recursive: true, force: true }));
  r.write('README.md', '# demo\n');
  r.commit('base');
  const init = await trailWithEnv(r.dir, { CODEX_HOME: home }, 'init', '--yes', '--agents', 'all,codex');
  assert.equal(init.code, 0, init.stderr);
  r.commit('Trail set up');
  codexHome = home;
  return r;
}

before(async () => {
  repo = await setUp();
});
after(() => {
  for (const c of cleanups) c();
});

function gapsFile(dir: string): string {
  return join(dir, '.git/trail/spool/gaps.jsonl');
}

function gapCount(dir: string): number {
  const file = gapsFile(dir);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

function spoolFile(dir: string, agent: string, sessionId: string): string {
  return join(dir, '.git/trail/spool/sessions', `${sessionKey(agent, sessionId)}.jsonl`);
}

function command(dir: string, agent: HookAgent, event: string, tool?: string): string {
  const c = installedCommand(dir, agent, event, tool);
  assert.ok(c, `no installed ${agent} ${event} hook`);
  return c;
}

function claudePrompt(dir: string, sessionId: string, prompt: string): string {
  return JSON.stringify({
    session_id: sessionId,
    transcript_path: join(dir, '.none.jsonl'),
    cwd: dir,
    permission_mode: 'default',
    hook_event_name: 'UserPromptSubmit',
    prompt,
  });
}

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

interface Case {
  name: string;
  agent: HookAgent | 'codex' | 'copilot';
  event: string;
  payload: string | Buffer;
  tool?: string;
}

const S = '0b6c1f9e-2f7a-4c43-9d1e-5a8b7c6d4e21';
const NO_ROLLOUT = '7d0e5b2a-93c1-4f6e-8a47-2b9c1d3e5f60';
const base = { session_id: S, transcript_path: '/nonexistent.jsonl', permission_mode: 'default' };
const claude = (fields: Record<string, unknown>) => JSON.stringify({ ...base, cwd: '.', ...fields });
const FIVE_MIB = 5 * 1024 * 1024;

function cases(dir: string): Case[] {
  const c = (
    agent: Case['agent'],
    event: string,
    payload: string | Buffer,
    name: string,
    tool?: string,
  ): Case => ({
    name,
    agent,
    event,
    payload,
    ...(tool ? { tool } : {}),
  });
  const ups = 'UserPromptSubmit';
  return [
    c('claude-code', ups, '', 'empty'),
    c('claude-code', ups, '  \n\t\n', 'only whitespace'),
    c('claude-code', ups, 'not json at all', 'not JSON'),
    c('claude-code', ups, '{"session_id": "s1", "prompt": "hi"', 'truncated object'),
    c('claude-code', ups, '{"session_id":', 'truncated after a key'),
    c('claude-code', ups, '{"session_id": "s1", "prompt": "unterminated', 'truncated string'),
    c('claude-code', ups, randomBytes(512), 'binary bytes'),
    c(
      'claude-code',
      ups,
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80, 0x81]),
      'binary with a BOM and NUL',
    ),
    c('claude-code', ups, '[]', 'an empty array'),
    c('claude-code', ups, `[${claude({ prompt: 'x' })}]`, 'the right payload inside an array'),
    c('claude-code', ups, '42', 'a number'),
    c('claude-code', ups, '"a string"', 'a JSON string'),
    c('claude-code', ups, 'null', 'null'),
    c('claude-code', ups, 'true', 'a boolean'),
    c('claude-code', ups, claude({ hook_event_name: ups, prompt: 'a'.repeat(FIVE_MIB) }), '5 MiB prompt'),
    c('claude-code', ups, 'x'.repeat(FIVE_MIB), '5 MiB of non-JSON'),
    c('claude-code', ups, nested(100_000, '[', ']'), '100k nested arrays'),
    c('claude-code', ups, nested(100_000, '{"a":', '}'), '100k nested objects'),
    c(
      'claude-code',
      ups,
      claude({ hook_event_name: ups, prompt: 'PLACEHOLDER' }).replace(
        '"PLACEHOLDER"',
        nested(100_000, '{"a":', '}'),
      ),
      '100k nested object as the prompt',
    ),
    c('claude-code', ups, JSON.stringify({ ...base, session_id: 7, prompt: 'x' }), 'session_id is a number'),
    c('claude-code', ups, JSON.stringify({ ...base, session_id: '', prompt: 'x' }), 'session_id is empty'),
    c('claude-code', ups, JSON.stringify({ prompt: 'x', hook_event_name: ups }), 'no session_id'),
    c('claude-code', ups, claude({ hook_event_name: ups }), 'UserPromptSubmit without a prompt'),
    c('claude-code', ups, claude({ hook_event_name: ups, prompt: ['x'] }), 'prompt is an array'),
    c(
      'claude-code',
      'PostToolUse',
      claude({ hook_event_name: 'PostToolUse', tool_input: {} }),
      'no tool_name',
      'Bash',
    ),
    c(
      'claude-code',
      'PostToolUse',
      claude({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: 'ls' }),
      'tool_input is a string',
      'Bash',
    ),
    c(
      'claude-code',
      'PostToolUse',
      claude({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 12 } }),
      'command is a number',
      'Bash',
    ),
    c(
      'claude-code',
      'PostToolUse',
      claude({ hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: {}, duration_ms: -5 }),
      'negative duration',
      'Read',
    ),
    c('claude-code', ups, claude({ hook_event_name: 99, prompt: 'x' }), 'hook_event_name is a number'),
    c('claude-code', 'Stop', claude({ hook_event_name: 'BogusEvent' }), 'an event Claude Code does not have'),
    c(
      'claude-code',
      ups,
      claude({ session_id: 's'.repeat(1000), prompt: 'x' }),
      'a 1000-character session id',
    ),
    c('claude-code', ups, JSON.stringify({ ...base, cwd: 17, prompt: 'x' }), 'cwd is a number'),
    c(
      'claude-code',
      ups,
      JSON.stringify({ session_id: S, cwd: dir, hook_event_name: 'BeforeAgent', prompt: 'x' }),
      'a Gemini CLI payload sent to Claude Code',
    ),
    c(
      'claude-code',
      ups,
      JSON.stringify({
        conversation_id: S,
        hook_event_name: 'beforeSubmitPrompt',
        prompt: 'x',
        workspace_roots: [dir],
      }),
      'a Cursor payload sent to Claude Code',
    ),
    c('gemini-cli', 'BeforeAgent', '', 'Gemini: empty'),
    c('gemini-cli', 'BeforeAgent', '{"session_id": tru', 'Gemini: truncated'),
    c('gemini-cli', 'BeforeAgent', '[1,2,3]', 'Gemini: an array'),
    c('gemini-cli', 'BeforeAgent', JSON.stringify({ cwd: dir, prompt: 'x' }), 'Gemini: no session_id'),
    c(
      'gemini-cli',
      'BeforeAgent',
      JSON.stringify({ session_id: S, cwd: dir }),
      'Gemini: BeforeAgent without prompt',
    ),
    c(
      'gemini-cli',
      'AfterTool',
      JSON.stringify({ session_id: S, cwd: dir, hook_event_name: 'AfterTool', tool_input: {} }),
      'Gemini: AfterTool without tool_name',
      'read_file',
    ),
    c(
      'gemini-cli',
      'BeforeAgent',
      JSON.stringify({ session_id: S, cwd: dir, hook_event_name: 'AfterEverything' }),
      'Gemini: an unknown event',
    ),
    c(
      'gemini-cli',
      'BeforeAgent',
      claude({ hook_event_name: ups, prompt: 'x' }),
      'Gemini: a Claude Code payload',
    ),
    c('cursor', 'beforeSubmitPrompt', '', 'Cursor: empty'),
    c('cursor', 'beforeSubmitPrompt', '3.14', 'Cursor: a number'),
    c(
      'cursor',
      'beforeSubmitPrompt',
      JSON.stringify({ prompt: 'x', workspace_roots: [dir] }),
      'Cursor: no conversation_id',
    ),
    c(
      'cursor',
      'beforeSubmitPrompt',
      JSON.stringify({ conversation_id: S, prompt: 'x', workspace_roots: dir }),
      'Cursor: workspace_roots is a string',
    ),
    c(
      'cursor',
      'afterShellExecution',
      JSON.stringify({ conversation_id: S, command: 'ls', duration: 'fast', workspace_roots: [dir] }),
      'Cursor: duration is a string',
    ),
    c(
      'cursor',
      'stop',
      JSON.stringify({ conversation_id: S, hook_event_name: 'afterEverything', workspace_roots: [dir] }),
      'Cursor: an unknown event',
    ),
    c(
      'cursor',
      'beforeSubmitPrompt',
      claude({ hook_event_name: ups, prompt: 'x' }),
      'Cursor: a Claude Code payload',
    ),
    c('codex', 'notify', 'not json', 'Codex notify: not JSON'),
    c('codex', 'notify', '{"type":"agent-turn-complete"}', 'Codex notify: no thread-id'),
    c(
      'codex',
      'notify',
      JSON.stringify({ type: 'agent-turn-complete', 'thread-id': 't1', cwd: dir, 'input-messages': 'hi' }),
      'Codex notify: input-messages is a string',
    ),
    c(
      'codex',
      'notify',
      JSON.stringify({ type: 'agent-turn-started', 'thread-id': 't1', cwd: dir }),
      'Codex notify: unknown type',
    ),
    c(
      'codex',
      'notify',
      JSON.stringify({
        type: 'agent-turn-complete',
        'thread-id': NO_ROLLOUT,
        cwd: dir,
        'input-messages': ['the prompt still counts'],
      }),
      'Codex notify: no rollout for the thread',
    ),
    c(
      'claude-code',
      ups,
      Buffer.concat([
        Buffer.from(claude({ hook_event_name: ups, prompt: 'caf' }).slice(0, -2)),
        Buffer.from([0xe9, 0x22, 0x7d]),
      ]),
      'Latin-1 byte inside a prompt (not UTF-8)',
    ),
    c(
      'gemini-cli',
      'BeforeAgent',
      Buffer.concat([
        Buffer.from(`{"session_id":"${S}","cwd":"${dir}","hook_event_name":"BeforeAgent","prompt":"x`),
        Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
      'Gemini: overlong and surrogate UTF-8 sequences',
    ),
    c('copilot', 'userPromptSubmitted', claude({ prompt: 'x' }), 'an agent Trail does not know'),
  ];
}

function run(dir: string, k: Case, cwd = dir): { code: number; ms: number; stderr: string } {
  if (k.agent === 'codex') {
    const argv = codexNotifyArgv(codexHome);
    return runNotify(argv, k.payload.toString(), { cwd, env: { CODEX_HOME: codexHome } });
  }
  const cmd =
    k.agent === 'copilot'
      ? command(dir, 'claude-code', 'UserPromptSubmit').replace(
          / hook claude-code \S+$/,
          ` hook copilot ${k.event}`,
        )
      : command(dir, k.agent, k.event, k.tool);
  return runShellHook(cmd, k.payload, { cwd, env: { CODEX_HOME: codexHome } });
}

describe('hooks under malformed input, concurrency, crashes and full disks', () => {
  test('50+ malformed payloads: each exits 0 in under 3 s and leaves one capture gap', async (t) => {
    const list = cases(repo.dir);
    assert.ok(list.length >= 50, `${list.length} cases`);
    let slowest = { name: '', ms: 0 };
    for (const k of list) {
      const gaps = gapCount(repo.dir);
      const result = run(repo.dir, k);
      if (result.ms > slowest.ms) slowest = { name: k.name, ms: result.ms };
      assert.equal(result.code, 0, `${k.name}: exit ${result.code} ${result.stderr}`);
      assert.ok(result.ms < 3000, `${k.name}: took ${Math.round(result.ms)} ms`);
      assert.equal(gapCount(repo.dir), gaps + 1, `${k.name}: one gap recorded`);
      const last = JSON.parse(readFileSync(gapsFile(repo.dir), 'utf8').trim().split('\n').at(-1)!);
      assert.ok(last.why.length > 0 && last.why.length <= 500, `${k.name}: a short reason`);
    }
    const status = await trail(repo.dir, 'status', '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.ok(JSON.parse(status.stdout).gaps.length >= list.length);
    // A payload with non-UTF-8 bytes still recorded what it could, and said it is not exact.
    const lossy = readFileSync(gapsFile(repo.dir), 'utf8')
      .split('\n')
      .filter((l) => l.includes('not valid UTF-8'));
    assert.equal(lossy.length, 2);
    // A Codex turn without its rollout keeps its prompt; only the rest of the turn is a gap.
    const codexTurn = readFileSync(spoolFile(repo.dir, 'codex', NO_ROLLOUT), 'utf8');
    assert.match(codexTurn, /"text":"the prompt still counts"/);
    t.diagnostic(`${list.length} malformed payloads; slowest: ${slowest.name}, ${Math.round(slowest.ms)} ms`);
  });

  test('a payload that is not JSON leaves none of its text in the gap: V8 quotes it, cut short', () => {
    // Cut short, a secret no longer looks like one, so redaction cannot be relied on here.
    const secret = `zq${randomBytes(12).toString('hex')}`;
    for (const payload of [`{"session_id": ${secret}}`, `not json ${secret}`, `[1, ${secret}]`]) {
      const result = runShellHook(command(repo.dir, 'claude-code', 'UserPromptSubmit'), payload, {
        cwd: repo.dir,
      });
      assert.equal(result.code, 0, result.stderr);
      const last = readFileSync(gapsFile(repo.dir), 'utf8').trim().split('\n').at(-1)!;
      assert.match(last, /payload is not JSON: Unexpected token/, 'the reason is kept');
      assert.ok(!last.includes(secret.slice(0, 4)), `${payload}: ${last}`);
    }
  });

  test('a cwd outside any repository: nowhere to record, exit 0', () => {
    const outside = tempDir('trail-outside-');
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const gaps = gapCount(repo.dir);
    // Trail's own hook program, as a per-user setting (Codex's notify) runs it from anywhere.
    const program = `${shellCommand([process.execPath, TRAIL_BIN])} hook claude-code UserPromptSubmit`;
    for (const payload of [claudePrompt(outside, randomUUID(), 'hello'), 'not json']) {
      const result = runShellHook(program, payload, { cwd: outside });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.ms < 3000);
    }
    assert.equal(gapCount(repo.dir), gaps, 'nothing written into an unrelated repository');
    assert.ok(!existsSync(join(outside, '.git')));
    // The committed Claude Code hook starts in CLAUDE_PROJECT_DIR, wherever the session's folder is.
    const sessionId = randomUUID();
    const installed = runShellHook(
      command(repo.dir, 'claude-code', 'UserPromptSubmit'),
      claudePrompt(outside, sessionId, 'asked from outside'),
      { cwd: outside, env: { CLAUDE_PROJECT_DIR: repo.dir } },
    );
    assert.equal(installed.code, 0, installed.stderr);
    assert.ok(existsSync(spoolFile(repo.dir, 'claude-code', sessionId)), 'recorded in the project');
  });

  test('a clone that has not run trail init, or a repository without Trail: nothing blocks, nothing written', () => {
    const plain = tempRepo();
    cleanups.push(plain.cleanup);
    // The committed settings call `git trail`, which only `trail init` defines in a clone's
    // config. Without it git fails with 1: every agent treats that as a non-blocking error
    // (only 2 blocks Claude Code and Gemini CLI; Cursor fails open).
    for (const agent of ['claude-code', 'gemini-cli', 'cursor'] as const) {
      const event =
        agent === 'claude-code' ? 'UserPromptSubmit' : agent === 'gemini-cli' ? 'BeforeAgent' : 'stop';
      const result = runShellHook(
        command(repo.dir, agent, event),
        claudePrompt(plain.dir, randomUUID(), 'hi'),
        {
          cwd: plain.dir,
        },
      );
      assert.equal(result.code, 1, `${agent}: ${result.stderr}`);
      assert.match(result.stderr, /'trail' is not a git command/);
    }
    // Codex's notify is per user, so it runs in every repository, Trail or not: exit 0.
    const notify = JSON.stringify({ type: 'agent-turn-complete', 'thread-id': randomUUID(), cwd: plain.dir });
    for (const json of [notify, '{"type":']) {
      const result = runNotify(codexNotifyArgv(codexHome), json, {
        cwd: plain.dir,
        env: { CODEX_HOME: codexHome },
      });
      assert.equal(result.code, 0, result.stderr);
    }
    assert.ok(
      !existsSync(join(plain.dir, '.git/trail')),
      'no Trail state made in a repository without Trail',
    );
  });

  test('8 hooks at a time x 100 events each: all 800 lines in the spool, none interleaved', async () => {
    const sessionId = randomUUID();
    const cmd = command(repo.dir, 'claude-code', 'UserPromptSubmit');
    const gaps = gapCount(repo.dir);
    const worker = async (w: number) => {
      for (let i = 0; i < 100; i++) {
        const payload = claudePrompt(
          repo.dir,
          sessionId,
          `worker ${w} prompt ${i} ${'x'.repeat(2000 + w * 7 + i)}`,
        );
        const result = await runShellHookAsync(cmd, payload, { cwd: repo.dir });
        assert.equal(result.code, 0, result.stderr);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    const text = readFileSync(spoolFile(repo.dir, 'claude-code', sessionId), 'utf8');
    const lines = text.split('\n').filter(Boolean);
    const prompts = new Set<string>();
    for (const line of lines) {
      const parsed = JSON.parse(line); // throws on an interleaved line
      if (parsed.type === 'event' && parsed.event.type === 'prompt')
        prompts.add(parsed.event.text.split(' x')[0]);
    }
    assert.equal(prompts.size, 800);
    for (let w = 0; w < 8; w++)
      for (let i = 0; i < 100; i++) assert.ok(prompts.has(`worker ${w} prompt ${i}`));
    assert.equal(gapCount(repo.dir), gaps, 'no gaps');
  });

  test('a crash mid-write: the torn line is skipped, later hooks and sealing still work', async () => {
    const r = await setUp();
    const sessionId = randomUUID();
    const send = (event: string, fields: Record<string, unknown>, tool?: string) => {
      const payload = JSON.stringify({
        session_id: sessionId,
        cwd: r.dir,
        hook_event_name: event,
        ...fields,
      });
      const result = runShellHook(command(r.dir, 'claude-code', event, tool), payload, { cwd: r.dir });
      assert.equal(result.code, 0, result.stderr);
    };
    send('SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' });
    send('UserPromptSubmit', { prompt: 'before the crash' });
    const file = spoolFile(r.dir, 'claude-code', sessionId);
    appendFileSync(
      file,
      '{"v":1,"at":"2026-01-01T00:00:00Z","agent":"claude-code","type":"event","event":{"type":"prompt","text":"torn',
    );
    send('UserPromptSubmit', { prompt: 'after the crash' });
    const read = readSpool(join(r.dir, '.git/trail'), sessionKey('claude-code', sessionId));
    const prompts = read.lines.flatMap((l) =>
      l.type === 'event' && l.event.type === 'prompt' ? [l.event.text] : [],
    );
    assert.deepEqual(prompts, ['before the crash', 'after the crash']);
    // The agent writes a file; the commit seals the session.
    const input = { file_path: join(r.dir, 'src/new.ts'), content: 'export const answer = 42;\n' };
    send('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: 'toolu_1' }, 'Write');
    r.write('src/new.ts', input.content);
    send(
      'PostToolUse',
      { tool_name: 'Write', tool_input: input, tool_use_id: 'toolu_1', tool_response: {} },
      'Write',
    );
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'after a crash');
    const index = await loadIndex(await findRepo(r.dir));
    assert.ok(index.checkpointByCommit.get(r.git('rev-parse', 'HEAD')), 'sealed');
    const events = (index.eventsBySession.get(sessionId) ?? []).map((e) => e.record.event);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'prompt' ? [e.text] : [])),
      ['before the crash', 'after the crash'],
    );
    assert.ok(events.some((e) => e.type === 'file-edit' && e.path === 'src/new.ts'));
  });

  test('the spool file is a directory (a write that cannot happen): exit 0, a gap, the commit succeeds', async () => {
    const r = await setUp();
    const sessionId = randomUUID();
    mkdirSync(spoolFile(r.dir, 'claude-code', sessionId), { recursive: true });
    const gaps = gapCount(r.dir);
    const result = runShellHook(
      command(r.dir, 'claude-code', 'UserPromptSubmit'),
      claudePrompt(r.dir, sessionId, 'hi'),
      {
        cwd: r.dir,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(gapCount(r.dir), gaps + 1);
    assert.match(readFileSync(gapsFile(r.dir), 'utf8'), /EISDIR/);
    // The gap names the session its payload named, so a reader can tie it to that session.
    const last = JSON.parse(readFileSync(gapsFile(r.dir), 'utf8').trim().split('\n').at(-1)!);
    assert.equal(last.sessionId, sessionId);
    r.write('notes.txt', 'a human change\n');
    const head = r.git('rev-parse', 'HEAD');
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'still commits');
    assert.notEqual(r.git('rev-parse', 'HEAD'), head);
  });

  test('a full disk (spool writes go to /dev/full, ENOSPC): exit 0, a gap, the commit succeeds', async (t) => {
    if (!existsSync('/dev/full')) {
      t.skip('no /dev/full here: a full disk cannot be simulated');
      return;
    }
    const r = await setUp();
    const sessionId = randomUUID();
    const file = spoolFile(r.dir, 'claude-code', sessionId);
    mkdirSync(dirname(file), { recursive: true });
    symlinkSync('/dev/full', file);
    const gaps = gapCount(r.dir);
    const prompt = () =>
      runShellHook(command(r.dir, 'claude-code', 'UserPromptSubmit'), claudePrompt(r.dir, sessionId, 'hi'), {
        cwd: r.dir,
      });
    const first = prompt();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(gapCount(r.dir), gaps + 1);
    assert.match(readFileSync(gapsFile(r.dir), 'utf8'), /ENOSPC/);

    // The gaps file fills up too: there is nowhere left to record, and still nothing stops.
    const kept = readFileSync(gapsFile(r.dir));
    rmSync(gapsFile(r.dir));
    symlinkSync('/dev/full', gapsFile(r.dir));
    const second = prompt();
    assert.equal(second.code, 0, second.stderr);
    rmSync(gapsFile(r.dir));
    writeFileSync(gapsFile(r.dir), kept);

    r.write('notes.txt', 'a change on a full disk\n');
    const head = r.git('rev-parse', 'HEAD');
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'commits on a full disk');
    assert.notEqual(r.git('rev-parse', 'HEAD'), head);
    // Sealing read the /dev/full "spool" as empty rather than hanging on its endless zeros.
    const verify = await trail(r.dir, 'verify');
    assert.equal(verify.code, 0, verify.stderr);
  });

  test('no spool folder can be made (a file in its place): exit 0 with nowhere to record, the commit succeeds', async () => {
    const r = await setUp();
    rmSync(join(r.dir, '.git/trail/spool'), { recursive: true, force: true });
    writeFileSync(join(r.dir, '.git/trail/spool'), 'not a folder');
    const started = Date.now();
    const result = runShellHook(
      command(r.dir, 'claude-code', 'UserPromptSubmit'),
      claudePrompt(r.dir, randomUUID(), 'hi'),
      {
        cwd: r.dir,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started < 3000);
    r.write('src/a.ts', 'export const a = 1;\n');
    const head = r.git('rev-parse', 'HEAD');
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'commits anyway');
    assert.notEqual(r.git('rev-parse', 'HEAD'), head);
  });

  test('a read-only spool folder: exit 0, a gap, the commit succeeds', async (t) => {
    const r = await setUp();
    const sessions = join(r.dir, '.git/trail/spool/sessions');
    mkdirSync(sessions, { recursive: true });
    chmodSync(sessions, 0o555);
    // root ignores modes; the immutable attribute stops root too, where the filesystem has it.
    const asRoot = process.getuid?.() === 0;
    if (asRoot && spawnSync('chattr', ['+i', sessions]).status !== 0) {
      chmodSync(sessions, 0o755);
      t.skip('running as root without chattr: a read-only folder cannot be simulated');
      return;
    }
    try {
      const sessionId = randomUUID();
      const gaps = gapCount(r.dir);
      const result = runShellHook(
        command(r.dir, 'claude-code', 'UserPromptSubmit'),
        claudePrompt(r.dir, sessionId, 'hi'),
        { cwd: r.dir },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!existsSync(spoolFile(r.dir, 'claude-code', sessionId)), 'the write was refused');
      assert.equal(gapCount(r.dir), gaps + 1);
      r.write('b.txt', 'b\n');
      const head = r.git('rev-parse', 'HEAD');
      r.git('add', '-A');
      r.git('commit', '-q', '-m', 'read-only spool');
      assert.notEqual(r.git('rev-parse', 'HEAD'), head);
    } finally {
      if (asRoot) spawnSync('chattr', ['-i', sessions]);
      chmodSync(sessions, 0o755);
    }
  });
});
