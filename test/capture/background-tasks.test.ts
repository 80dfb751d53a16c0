/**
 * A command Claude Code sends to the background is recorded as it starts, with no exit code.
 * Its end reaches Trail as a `<task-notification>` message that the UserPromptSubmit hook
 * delivers as if the person had typed it. Real hooks (bin/trail processes) in a real
 * repository: the notification is no prompt, and the command is recorded again with the exit
 * code it ended with, so the check it ran counts, with its result.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sessionKey } from '../../src/capture/spool.js';
import { claudeSession } from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const TOKEN = `ghp_${'Bq4xW9vN2m'.repeat(3)}135791`;

interface SpooledEvent {
  type: string;
  command?: string;
  exitCode?: number;
  durationMs?: number;
  outputTail?: string;
  text?: string;
  tool?: string;
  toolUseId?: string;
  summary?: string;
  ok?: boolean;
}

function spooledEvents(dir: string, session: string): SpooledEvent[] {
  const file = join(dir, '.git/trail/spool/sessions', `${sessionKey('claude-code', session)}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; event?: SpooledEvent })
    .flatMap((line) => (line.type === 'event' && line.event ? [line.event] : []));
}

/** The spool's notes of background commands not ended yet, file by file. */
function notes(dir: string): string[] {
  const folder = join(dir, '.git/trail/spool/background');
  try {
    return readdirSync(folder).map((name) => readFileSync(join(folder, name), 'utf8'));
  } catch {
    return [];
  }
}

const notification = (
  toolUseId: string | undefined,
  taskId: string,
  status: string,
  summary: string,
  outputFile = `/tmp/claude-1000/tasks/${taskId}.output`,
) =>
  [
    '<task-notification>',
    `<task-id>${taskId}</task-id>`,
    ...(toolUseId ? [`<tool-use-id>${toolUseId}</tool-use-id>`] : []),
    `<output-file>${outputFile}</output-file>`,
    `<status>${status}</status>`,
    `<summary>${summary}</summary>`,
    '</task-notification>',
    `Read the output file to retrieve the result: /tmp/claude-1000/tasks/${taskId}.output`,
  ].join('\n');

describe('background commands of Claude Code', () => {
  test('the end of a background command is recorded with its exit code, and is no prompt', async () => {
    const repo = initialisedRepo();
    const claudeTemp = tempDir('trail-claude-tasks-');
    try {
      const hook = claudeSession(repo.dir, 'background-session');
      const id = 'toolu_01Bg7aQ2cR3dS4eT5fU6gV7w';
      const command = `GITHUB_TOKEN=${TOKEN} npm run test:e2e`;
      const input = { command, description: 'Run the end-to-end tests', run_in_background: true };
      hook('UserPromptSubmit', { prompt: 'Run the end-to-end tests in the background' });
      hook('PreToolUse', { tool_name: 'Bash', tool_use_id: id, tool_input: input });
      hook('PostToolUse', {
        tool_name: 'Bash',
        tool_use_id: id,
        tool_input: input,
        tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false, backgroundTaskId: 'b1' },
      });
      // While it runs, the note holds the command as the spool would: without the token.
      const running = notes(repo.dir);
      assert.equal(running.length, 1);
      assert.match(running[0]!, /npm run test:e2e/);
      assert.doesNotMatch(running[0]!, /ghp_/);

      // Where Claude Code wrote the command's output: its tail is the command's.
      const tasks = join(claudeTemp, 'tasks');
      mkdirSync(tasks);
      const output = join(tasks, 'b1.output');
      writeFileSync(output, `${'x'.repeat(3000)}\n3 passing\n1 failing: login ${TOKEN} times out\n`);
      const ended = notification(
        id,
        'b1',
        'completed',
        'Background command "Run the end-to-end tests" completed (exit code 1)',
        output,
      );
      hook('UserPromptSubmit', { prompt: ended });
      const events = spooledEvents(repo.dir, 'background-session');
      assert.deepEqual(
        events.filter((e) => e.type === 'prompt').map((e) => e.text),
        ['Run the end-to-end tests in the background'],
      );
      const commands = events.filter((e) => e.type === 'command');
      assert.equal(commands.length, 2);
      // Taken as it started, then again as it ended.
      assert.equal(commands[0]!.exitCode, undefined);
      assert.equal(commands[1]!.exitCode, 1);
      assert.equal(commands[1]!.command, commands[0]!.command);
      assert.ok(commands[1]!.durationMs !== undefined && commands[1]!.durationMs >= 0);
      const tail = commands[1]!.outputTail ?? '';
      // The last 2,000 characters, then redacted: the token's 40 became 23.
      assert.equal(tail.length, 2000 - 40 + '[REDACTED:github-token]'.length);
      assert.match(tail, /^\[truncated \d+ characters\]…x+\n/);
      assert.match(tail, /3 passing\n1 failing: login \[REDACTED:github-token\] times out\n$/);
      assert.doesNotMatch(JSON.stringify(events), /ghp_/);
      assert.deepEqual(notes(repo.dir), [], 'the note is taken');

      // The same notification again (a retry) finds no note: the end alone, not the command.
      hook('UserPromptSubmit', { prompt: ended });
      // A file that is not a task's output is not read, whatever the notification names.
      const second = { ...input, command: 'npm run lint' };
      hook('PreToolUse', { tool_name: 'Bash', tool_use_id: 'toolu_lint', tool_input: second });
      hook('PostToolUse', {
        tool_name: 'Bash',
        tool_use_id: 'toolu_lint',
        tool_input: second,
        tool_response: { stdout: '', stderr: '', interrupted: false, isImage: false, backgroundTaskId: 'b2' },
      });
      hook('UserPromptSubmit', {
        prompt: notification(
          'toolu_lint',
          'b2',
          'completed',
          'Background command "Lint" completed (exit code 0)',
          join(repo.dir, 'README.md'),
        ),
      });
      const lint = spooledEvents(repo.dir, 'background-session').filter((e) => e.command === 'npm run lint');
      assert.deepEqual(lint.at(-1), {
        type: 'command',
        command: 'npm run lint',
        exitCode: 0,
        durationMs: lint.at(-1)?.durationMs,
      });
      // A task this session's hooks never saw start (a subagent, or hooks installed since).
      hook('UserPromptSubmit', {
        prompt: notification(undefined, 'a7', 'killed', 'Background command "Serve the app" was stopped'),
      });
      const after = spooledEvents(repo.dir, 'background-session');
      assert.equal(after.filter((e) => e.type === 'command' && e.command !== 'npm run lint').length, 2);
      assert.deepEqual(
        after.filter((e) => e.type === 'tool-call' && e.tool === 'background-task'),
        [
          {
            type: 'tool-call',
            tool: 'background-task',
            toolUseId: id,
            summary: 'Background command "Run the end-to-end tests" completed (exit code 1)',
            ok: false,
          },
          {
            type: 'tool-call',
            tool: 'background-task',
            toolUseId: 'a7',
            summary: 'Background command "Serve the app" was stopped',
            ok: false,
          },
        ],
      );

      // Sealed by a commit, the background runs are the change's checks, with their results:
      // the person's request is the prompt they typed, not a notification.
      const file = join(repo.dir, 'e2e.txt');
      const write = { file_path: file, content: 'the login flow fails on a slow network\n' };
      hook('PreToolUse', { tool_name: 'Write', tool_use_id: 'toolu_w', tool_input: write });
      writeFileSync(file, write.content);
      hook('PostToolUse', {
        tool_name: 'Write',
        tool_use_id: 'toolu_w',
        tool_input: write,
        tool_response: { type: 'create', filePath: file, content: write.content },
      });
      hook('Stop', { stop_hook_active: false });
      repo.commit('note the e2e failure');
      const shown = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout) as {
        prompts: Array<{ text: string }>;
        validations: Array<{ check: string; status: string; exitCode?: number; attempt: number }>;
      };
      assert.deepEqual(
        shown.prompts.map((p) => p.text),
        ['Run the end-to-end tests in the background'],
      );
      assert.deepEqual(
        shown.validations.map(({ check, status, exitCode, attempt }) => ({
          check,
          status,
          exitCode,
          attempt,
        })),
        [
          { check: 'test', status: 'failed', exitCode: 1, attempt: 1 },
          { check: 'lint', status: 'passed', exitCode: 0, attempt: 1 },
        ],
      );
      assert.doesNotMatch(JSON.stringify(shown), /task-notification|ghp_/);
    } finally {
      repo.cleanup();
      rmSync(claudeTemp, { recursive: true, force: true });
    }
  });
});
