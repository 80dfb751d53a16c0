/**
 * Cursor runs Claude Code's project hooks as well as its own ("Third Party Hooks",
 * cursor.com/docs/reference/third-party-hooks), so each of its calls also reaches Trail's
 * Claude Code hook, with Cursor's payload (its event names, `conversation_id`,
 * `workspace_roots`, `cursor_version`; the sessionStart shape as captured in herdrdev/herdr#2832,
 * the rest from Cursor's hooks reference). With Trail's Cursor hooks installed too, those calls
 * are skipped: no claude-code session, no gap. Without them, each is a gap saying what to run.
 * Real hooks as installed, real repositories and commits.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sessionKey } from '../../src/capture/spool.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { HookAgent } from '../helpers/agent-hooks.js';
import { installedCommand, runShellHook, trailWithEnv } from '../helpers/agent-hooks.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const temps: TempRepo[] = [];
after(() => {
  for (const t of temps) t.cleanup();
});

const BEFORE = 'export const limit = 10;\nexport const name = "cart";\n';
const AFTER = 'export const limit = 25;\nexport const name = "cart";\n';

async function setup(agents: string): Promise<TempRepo> {
  const repo = tempRepo();
  temps.push(repo);
  repo.write('src/limits.ts', BEFORE);
  repo.commit('base');
  const init = await trailWithEnv(repo.dir, {}, 'init', '--yes', '--agents', agents);
  assert.equal(init.code, 0, init.stderr);
  repo.commit('Trail set up');
  return repo;
}

/** Claude Code's hook each Cursor event reaches, as Cursor maps them (the event, the tool). */
const CLAUDE_HOOK: Record<string, [string, string?]> = {
  sessionStart: ['SessionStart'],
  beforeSubmitPrompt: ['UserPromptSubmit'],
  preToolUse: ['PreToolUse', 'Write'],
  postToolUse: ['PostToolUse', 'Write'],
  stop: ['Stop'],
  sessionEnd: ['SessionEnd'],
};

/** One Cursor conversation, each event sent to every hook of Trail's Cursor would run. */
function cursorSession(repo: TempRepo) {
  const conversation = randomUUID();
  const file = join(repo.dir, 'src/limits.ts');
  const common = {
    conversation_id: conversation,
    generation_id: randomUUID(),
    model: 'claude-4.5-sonnet-thinking',
    cursor_version: '2.1.46',
    workspace_roots: [repo.dir],
    user_email: 'dev@example.com',
    transcript_path: null,
  };
  const fields: Record<string, Record<string, unknown>> = {
    sessionStart: { session_id: conversation, is_background_agent: false, composer_mode: 'agent' },
    beforeSubmitPrompt: { prompt: 'Raise the limit to 25', attachments: [] },
    preToolUse: { tool_name: 'Write', tool_input: { file_path: file }, tool_use_id: 'tool_1', cwd: '' },
    afterFileEdit: {
      file_path: file,
      edits: [{ old_string: 'export const limit = 10;', new_string: 'export const limit = 25;' }],
    },
    postToolUse: { tool_name: 'Write', tool_input: { file_path: file }, tool_use_id: 'tool_1', cwd: '' },
    stop: { status: 'completed', loop_count: 0 },
    sessionEnd: { session_id: conversation, reason: 'user_close' },
  };
  const run = (agent: HookAgent, event: string, payload: object, tool?: string) => {
    const command = installedCommand(repo.dir, agent, event, tool);
    if (!command) return false;
    // Cursor names the project in CURSOR_PROJECT_DIR, not in Claude Code's variable.
    const result = runShellHook(command, JSON.stringify(payload), {
      cwd: repo.dir,
      env: { CURSOR_PROJECT_DIR: repo.dir, CLAUDE_PROJECT_DIR: '' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, agent === 'cursor' ? '{}\n' : '', `${agent} ${event}`);
    return true;
  };
  return {
    conversation,
    /** Sends a Cursor event; returns how many of Trail's hooks ran for it. */
    send(event: string): number {
      const payload = { ...common, hook_event_name: event, ...fields[event] };
      let ran = 0;
      if (existsSync(join(repo.dir, '.cursor/hooks.json')) && run('cursor', event, payload)) ran++;
      const claude = CLAUDE_HOOK[event];
      if (
        claude &&
        existsSync(join(repo.dir, '.claude/settings.json')) &&
        run('claude-code', claude[0], payload, claude[1])
      )
        ran++;
      return ran;
    },
  };
}

function gaps(repo: TempRepo): string[] {
  const file = join(repo.dir, '.git/trail/spool/gaps.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { why: string }).why);
}

function spooled(repo: TempRepo, agent: string, id: string): boolean {
  return existsSync(join(repo.dir, '.git/trail/spool/sessions', `${sessionKey(agent, id)}.jsonl`));
}

const EVENTS = [
  'sessionStart',
  'beforeSubmitPrompt',
  'preToolUse',
  'afterFileEdit',
  'postToolUse',
  'stop',
  'sessionEnd',
];

describe("Cursor's runs of Claude Code's hooks", () => {
  test("with Trail's Cursor hooks installed too, they are skipped: one cursor session, no gap", async () => {
    const repo = await setup('claude-code,cursor');
    const cursor = cursorSession(repo);
    const ran: Record<string, number> = {};
    for (const event of EVENTS) {
      if (event === 'afterFileEdit') repo.write('src/limits.ts', AFTER);
      ran[event] = cursor.send(event);
    }
    // Both agents' hooks ran where Cursor would run both: the test sent what Cursor sends.
    assert.deepEqual(ran, {
      sessionStart: 2,
      beforeSubmitPrompt: 2,
      preToolUse: 1,
      afterFileEdit: 1,
      postToolUse: 1,
      stop: 2,
      sessionEnd: 2,
    });
    assert.deepEqual(gaps(repo), []);
    assert.equal(spooled(repo, 'claude-code', cursor.conversation), false, 'no claude-code session');
    assert.equal(spooled(repo, 'cursor', cursor.conversation), true);

    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'limit');
    const index = await loadIndex(await findRepo(repo.dir));
    assert.deepEqual(
      [...index.sessions.values()].map((s) => [s.record.sessionId, s.record.agent.name]),
      [[cursor.conversation, 'cursor']],
    );
    assert.deepEqual(index.gaps, []);
    const checkpoint = index.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))?.record;
    assert.equal(checkpoint?.files.find((f) => f.path === 'src/limits.ts')?.aiLines, 1);
  });

  test("without Trail's Cursor hooks, a conversation's calls make one gap that says what to run, and record nothing", async () => {
    const repo = await setup('claude-code');
    const cursor = cursorSession(repo);
    let calls = 0;
    for (const event of EVENTS) calls += cursor.send(event);
    assert.equal(calls, 6);
    const why =
      "Cursor ran Trail's claude-code hook (it runs Claude Code's hooks): nothing of this Cursor conversation is recorded by it, as Trail records Cursor through its own hooks, not installed here; run `trail init --agents cursor`";
    assert.deepEqual(gaps(repo), [why], 'one gap for the conversation, not one per call');
    assert.equal(spooled(repo, 'claude-code', cursor.conversation), false);
    // Another conversation is told of again.
    const second = cursorSession(repo);
    for (const event of EVENTS) second.send(event);
    assert.deepEqual(gaps(repo), [why, why]);

    // Claude Code's own payloads, which carry no cursor_version, are recorded as ever.
    const claude = installedCommand(repo.dir, 'claude-code', 'UserPromptSubmit');
    assert.ok(claude);
    const session = randomUUID();
    const prompt = {
      session_id: session,
      transcript_path: join(repo.dir, '.none.jsonl'),
      cwd: repo.dir,
      permission_mode: 'default',
      hook_event_name: 'UserPromptSubmit',
      prompt: 'hello',
    };
    const result = runShellHook(claude, JSON.stringify(prompt), {
      cwd: repo.dir,
      env: { CLAUDE_PROJECT_DIR: repo.dir },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(spooled(repo, 'claude-code', session), true);
    assert.equal(gaps(repo).length, 2);
  });
});
