/**
 * A secret where a long text is cut to a record's bound. Adapters keep the head of a prompt
 * (64 Ki characters) and the tail of a command's output (2,000): a cut through a secret left a
 * piece no redaction rule matches, stored as it was (`…xxxx\nghp_1234567890abcdef`), with no
 * redaction recorded and no sign the text was cut. Through the real hooks of Gemini CLI and
 * Claude Code, secrets placed across the cut, where the cut was before the fix and where it is
 * now, must leave no piece under .git (spool, objects) or .trail, before or after the commit,
 * and what is stored must say it was cut. A secret of the repository's own `redact.patterns`
 * across the cut too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { HookAgent } from '../helpers/agent-hooks.js';
import { everythingStored, installedCommand, runShellHook, trailWithEnv } from '../helpers/agent-hooks.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const TOKEN = 'ghp_1234567890abcdefghijklmnopqrstuvwxyz12';
const LICENSE = 'ACME-LIC-ABCDEFGHIJ0123456789';
const PATTERN = { id: 'acme', pattern: 'ACME-LIC-[A-Z0-9]{20}' };
const TEXT_MAX = 64 * 1024;
const TAIL_MAX = 2000;

/** Every 10-character piece of a secret holding a letter: none may be stored. */
function pieces(secret: string): string[] {
  return Array.from({ length: secret.length - 9 }, (_, i) => secret.slice(i, i + 10)).filter((p) =>
    /[a-z]/i.test(p),
  );
}

function storedPieces(stored: string): string[] {
  return [...pieces(TOKEN), ...pieces(LICENSE.slice('ACME-LIC-'.length))].filter((p) => stored.includes(p));
}

/**
 * A prompt with a secret on a line of its own starting at `at`, then 300 KiB more. On its own
 * line, since glued to letters (`xxghp_…xx`) no rule takes it for a token, cut or not.
 */
function prompt(at: number, secret = TOKEN): string {
  return `${'x'.repeat(at - 1)}\n${secret}\n${'x'.repeat(300 * 1024)}`;
}

/** Command output whose last `after` characters follow the secret. */
function output(after: number): string {
  return `${'y'.repeat(20_000)} ${TOKEN}\n${'z'.repeat(after - 1)}`;
}

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

function send(
  repo: TempRepo,
  agent: HookAgent,
  sessionId: string,
  event: string,
  fields: object,
  tool?: string,
) {
  const command = installedCommand(repo.dir, agent, event, tool);
  assert.ok(command, `${agent} ${event} is installed`);
  const payload = { session_id: sessionId, cwd: repo.dir, hook_event_name: event, ...fields };
  const run = runShellHook(command, JSON.stringify(payload), { cwd: repo.dir });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
}

describe('a secret across the cut of a long text', () => {
  test('Gemini CLI and Claude Code: no piece of it stored, before or after the commit; the cut is marked', async () => {
    const repo = tempRepo();
    cleanups.push(repo.cleanup);
    repo.write('README.md', '# demo\n');
    repo.commit('base');
    const init = await trailWithEnv(repo.dir, {}, 'init', '--yes', '--agents', 'claude-code,gemini-cli');
    assert.equal(init.code, 0, init.stderr);
    const configFile = join(repo.dir, '.trail/config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.redact.patterns = [PATTERN];
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    repo.commit('Trail set up');

    // Where the secret starts: across the 64 Ki cut the adapters made before (65,516 is the
    // tester's payload), across the cut now (before the marker), and across both.
    const starts = [65_516, 65_500, 65_480, 65_470];
    const gemini = randomUUID();
    send(repo, 'gemini-cli', gemini, 'SessionStart', { source: 'startup' });
    for (const at of starts) send(repo, 'gemini-cli', gemini, 'BeforeAgent', { prompt: prompt(at) });
    // The repository's own pattern, which the built-in rules the adapter cuts with first do not know.
    for (const at of [65_520, 65_490])
      send(repo, 'gemini-cli', gemini, 'BeforeAgent', { prompt: prompt(at, LICENSE) });

    const claude = randomUUID();
    send(repo, 'claude-code', claude, 'SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' });
    for (const at of starts) send(repo, 'claude-code', claude, 'UserPromptSubmit', { prompt: prompt(at) });
    // Command output: the token across the start of the kept tail, before the fix and now.
    [1_980, 1_960, 1_940].forEach((after, i) => {
      const input = { tool_name: 'Bash', tool_input: { command: `make log${i}` }, tool_use_id: `toolu_${i}` };
      send(repo, 'claude-code', claude, 'PreToolUse', input, 'Bash');
      send(
        repo,
        'claude-code',
        claude,
        'PostToolUse',
        {
          ...input,
          tool_response: { stdout: output(after), stderr: '', interrupted: false, isImage: false },
        },
        'Bash',
      );
    });

    // Each agent writes a file, so the commit carries both sessions.
    const claudeWrite = {
      tool_name: 'Write',
      tool_input: { file_path: join(repo.dir, 'src/app.ts'), content: 'export const n = 1;\n' },
      tool_use_id: 'toolu_w',
    };
    send(repo, 'claude-code', claude, 'PreToolUse', claudeWrite, 'Write');
    repo.write('src/app.ts', 'export const n = 1;\n');
    send(repo, 'claude-code', claude, 'PostToolUse', { ...claudeWrite, tool_response: {} }, 'Write');
    const geminiWrite = {
      tool_name: 'write_file',
      tool_input: { file_path: join(repo.dir, 'src/gemini.ts'), content: 'export const g = 2;\n' },
    };
    send(repo, 'gemini-cli', gemini, 'BeforeTool', geminiWrite, 'write_file');
    repo.write('src/gemini.ts', 'export const g = 2;\n');
    send(
      repo,
      'gemini-cli',
      gemini,
      'AfterTool',
      { ...geminiWrite, tool_response: { llmContent: 'ok', returnDisplay: 'ok' } },
      'write_file',
    );

    const spool = everythingStored(repo.dir);
    assert.ok(spool.includes('x'.repeat(60_000)), 'the prompts are in the spool');
    assert.deepEqual(storedPieces(spool), [], 'a piece of a secret in the spool');

    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'agent work');
    assert.deepEqual(
      storedPieces(everythingStored(repo.dir)),
      [],
      'a piece of a secret under .git or .trail',
    );

    const index = await loadIndex(await findRepo(repo.dir));
    const events = (id: string) => (index.eventsBySession.get(id) ?? []).map((e) => e.record.event);
    const texts = (id: string, type: string) =>
      events(id)
        .filter((e) => e.type === type)
        .map((e) =>
          type === 'prompt' ? (e as { text: string }).text : (e as { outputTail?: string }).outputTail!,
        );
    const geminiPrompts = texts(gemini, 'prompt');
    const claudePrompts = texts(claude, 'prompt');
    const tails = texts(claude, 'command');
    assert.equal(geminiPrompts.length, starts.length + 2);
    assert.equal(claudePrompts.length, starts.length);
    assert.equal(tails.length, 3);
    for (const text of [...geminiPrompts, ...claudePrompts]) {
      assert.ok(text.length <= TEXT_MAX);
      assert.match(text, /…\[truncated \d+ characters\]$/, 'the cut is marked');
      assert.ok(text.startsWith('x'.repeat(60_000)));
    }
    for (const text of tails) {
      assert.ok(text.length <= TAIL_MAX);
      assert.match(text, /^\[truncated \d+ characters\]…/, 'the cut is marked');
      assert.ok(text.endsWith('z'.repeat(1000)));
    }
  });
});
