/**
 * Tool calls that overlap, as Claude Code's parallel tool use and subagents make them: one
 * call's before-hook runs after another call changed a file and before that call's
 * after-hook. The first call's lines must stay the agent's, not become a person's; a change
 * no hook can place while a shell command runs is `unknown`; a call that never reports holds
 * nothing for ever. Real hooks (bin/trail processes), real repositories and commits.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { sessionKey } from '../../src/capture/spool.js';
import { claudeSession, geminiSession, originsByLine } from '../helpers/agent-hooks.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { git, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

type Send = (event: string, fields: Record<string, unknown>) => void;

/** The hooks of one tool call, sent when the test says: its before-hook, then its after-hook. */
function call(send: Send, id: string, tool: string, input: Record<string, unknown>) {
  return {
    pre: () => send('PreToolUse', { tool_name: tool, tool_input: input, tool_use_id: id }),
    post: () =>
      send('PostToolUse', {
        tool_name: tool,
        tool_input: input,
        tool_response:
          tool === 'Bash'
            ? { stdout: '', stderr: '', interrupted: false, isImage: false }
            : { filePath: input.file_path, success: true },
        tool_use_id: id,
      }),
  };
}

/**
 * A person changes line 2 of `file` (two functions, at the top of the repository), then the
 * agent's next Edit (before- and after-hook) changes line 5, and the two are committed: the
 * origins of the file's lines, as blamed.
 */
async function personThenAgent(repo: TempRepo, send: Send, file: string): Promise<string[]> {
  writeFileSync(file, 'def one():\n    return 111  # a person\n\ndef two():\n    return 2\n');
  const edit = call(send, 'toolu_next', 'Edit', {
    file_path: file,
    old_string: '    return 2',
    new_string: '    return 222  # the agent',
  });
  edit.pre();
  writeFileSync(file, 'def one():\n    return 111  # a person\n\ndef two():\n    return 222  # the agent\n');
  edit.post();
  repo.commit('a person, then the agent');
  return originsByLine(repo.dir, basename(file));
}

const TWO_FUNCTIONS = 'def one():\n    return 1\n\ndef two():\n    return 2\n';

/** A repository with `name` (two functions) committed and a Claude Code session in it. */
async function withTwoFunctions(
  name: string,
  sessionName: string,
  body: (repo: TempRepo, send: Send, file: string) => Promise<void>,
): Promise<void> {
  const repo = initialisedRepo();
  try {
    repo.write(name, TWO_FUNCTIONS);
    repo.commit(name);
    await body(repo, claudeSession(repo.dir, sessionName), join(repo.dir, name));
  } finally {
    repo.cleanup();
  }
}

/** The before-hooks' markers of the main worktree (src/capture/in-flight.ts). */
function markers(dir: string): string[] {
  const pre = join(dir, '.git/trail/spool/pre');
  return readdirSync(pre, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(pre, e.name));
}

describe('tool calls in flight at once', () => {
  test('a Write whose PostToolUse comes after a Bash ran: its lines stay the agent’s', async () => {
    const repo = initialisedRepo();
    try {
      const send = claudeSession(repo.dir, 'parallel-bash');
      const file = join(repo.dir, 'a.py');
      const content = 'def one():\n    return 1\n\ndef two():\n    return 2\n';
      const write = call(send, 'toolu_a', 'Write', { file_path: file, content });
      const bash = call(send, 'toolu_b', 'Bash', { command: 'ls' });
      write.pre();
      writeFileSync(file, content);
      // A parallel call's shell command starts and ends before the Write reports.
      bash.pre();
      bash.post();
      write.post();
      repo.commit('a.py');
      assert.deepEqual(await originsByLine(repo.dir, 'a.py'), ['ai', 'ai', 'ai', 'ai', 'ai']);
      assert.deepEqual(markers(repo.dir), [], 'every call took its marker');
    } finally {
      repo.cleanup();
    }
  });

  test('two subagents edit the same file, the second before the first reports: both are the agent’s', () =>
    withTwoFunctions('m.py', 'parallel-edits', async (repo, send, file) => {
      const first = call(send, 'toolu_a', 'Edit', {
        file_path: file,
        old_string: '    return 1',
        new_string: '    return 111  # subagent one',
      });
      const second = call(send, 'toolu_b', 'Edit', {
        file_path: file,
        old_string: '    return 2',
        new_string: '    return 222  # subagent two',
      });
      first.pre();
      writeFileSync(file, 'def one():\n    return 111  # subagent one\n\ndef two():\n    return 2\n');
      second.pre();
      writeFileSync(
        file,
        'def one():\n    return 111  # subagent one\n\ndef two():\n    return 222  # subagent two\n',
      );
      second.post();
      first.post();
      repo.commit('both edits');
      const origins = await originsByLine(repo.dir, 'm.py');
      assert.equal(origins[1], 'ai', 'the first subagent’s line');
      assert.equal(origins[4], 'ai', 'the second subagent’s line');
    }));

  test('calls whose after-hooks never came hold nothing after 15 minutes', () =>
    withTwoFunctions('m.py', 'abandoned-edit', async (repo, send, file) => {
      // Their before-hooks ran; then the person denied the edit, and the command's agent was
      // killed a day ago.
      call(send, 'toolu_gone', 'Edit', {
        file_path: file,
        old_string: '    return 1',
        new_string: '    return 0',
      }).pre();
      call(send, 'toolu_killed', 'Bash', { command: 'npm run watch' }).pre();
      const abandoned = markers(repo.dir);
      const denied = abandoned.find((m) => m.includes('-edit-'))!;
      const killed = abandoned.find((m) => !m.includes('-edit-'))!;
      assert.ok(denied && killed, 'each before-hook left its marker');
      const minutesAgo = (n: number) => new Date(Date.now() - n * 60 * 1000);
      utimesSync(denied, minutesAgo(20), minutesAgo(20));
      utimesSync(killed, minutesAgo(25 * 60), minutesAgo(25 * 60));
      const origins = await personThenAgent(repo, send, file);
      assert.equal(origins[1], 'human', 'the person’s line');
      assert.equal(origins[4], 'ai', 'the agent’s line');
      // The edit's after-hook may still come (a permission prompt left open): its marker stays.
      // A day-old one is removed when a before-hook sees it.
      assert.deepEqual(markers(repo.dir), [denied]);
    }));

  test('an edit denied in the permission dialog holds only the lines it said it would write', () =>
    withTwoFunctions('m.py', 'denied-in-dialog', async (repo, send, file) => {
      // Its before-hook ran and the person said no: no PostToolUse, no PermissionDenied (that
      // hook fires for auto mode only), and its marker is minutes old, well inside 15.
      call(send, 'toolu_denied', 'Edit', {
        file_path: file,
        old_string: '    return 1',
        new_string: '    return 0  # the agent, denied',
      }).pre();
      // The person makes the change their own way.
      const origins = await personThenAgent(repo, send, file);
      assert.equal(origins[1], 'human', 'the person’s line is not the denied edit’s');
      assert.equal(origins[4], 'ai', 'the agent’s line');
    }));

  test('a person’s change made while a shell command runs is unknown, the edit after it the agent’s', () =>
    withTwoFunctions('g.py', 'shell-in-flight', async (repo, send, file) => {
      const bash = call(send, 'toolu_s', 'Bash', { command: 'npm test' });
      const edit = call(send, 'toolu_e', 'Edit', {
        file_path: file,
        old_string: '    return 2',
        new_string: '    return 222  # the agent',
      });
      bash.pre();
      // The command runs; someone changes line 2, the command or a person: nothing says which.
      writeFileSync(file, 'def one():\n    return 111  # who?\n\ndef two():\n    return 2\n');
      edit.pre();
      writeFileSync(file, 'def one():\n    return 111  # who?\n\ndef two():\n    return 222  # the agent\n');
      edit.post();
      bash.post();
      repo.commit('during the command');
      const origins = await originsByLine(repo.dir, 'g.py');
      assert.equal(origins[1], 'unknown', 'the line changed while the command ran');
      assert.equal(origins[4], 'ai', 'the agent’s edit');
    }));

  test('a person’s line typed while an Edit waits for permission is the person’s, not the edit’s', () =>
    withTwoFunctions('w.py', 'person-during-edit', async (repo, send, file) => {
      const edit = call(send, 'toolu_w', 'Edit', {
        file_path: file,
        old_string: '    return 2',
        new_string: '    return 222  # the agent',
      });
      // PreToolUse runs before the permission prompt; the person changes line 2 meanwhile.
      edit.pre();
      writeFileSync(file, 'def one():\n    return 111  # a person\n\ndef two():\n    return 2\n');
      writeFileSync(
        file,
        'def one():\n    return 111  # a person\n\ndef two():\n    return 222  # the agent\n',
      );
      edit.post();
      repo.commit('the edit, and a person meanwhile');
      const origins = await originsByLine(repo.dir, 'w.py');
      assert.equal(origins[1], 'human', 'the person’s line');
      assert.equal(origins[4], 'ai', 'the line the edit said it writes');
    }));

  test('a line no call said it writes, changed while an Edit and a Bash run, is unknown', () =>
    withTwoFunctions('w.py', 'bash-during-edit', async (repo, send, file) => {
      const edit = call(send, 'toolu_w', 'Edit', {
        file_path: file,
        old_string: '    return 2',
        new_string: '    return 222  # the agent',
      });
      const bash = call(send, 'toolu_b', 'Bash', { command: 'npm run fix' });
      edit.pre();
      bash.pre();
      // The command, or a person: nothing says which.
      writeFileSync(file, 'def one():\n    return 111  # who?\n\ndef two():\n    return 222  # the agent\n');
      edit.post();
      bash.post();
      repo.commit('the edit, and the command meanwhile');
      const origins = await originsByLine(repo.dir, 'w.py');
      assert.equal(origins[1], 'unknown', 'the line changed while the command ran');
      assert.equal(origins[4], 'ai', 'the line the edit said it writes');
    }));

  test('Gemini CLI: a replace says what it writes, so a person’s line typed meanwhile is the person’s', async () => {
    const repo = initialisedRepo();
    try {
      repo.write('w.py', TWO_FUNCTIONS);
      repo.commit('w.py');
      const send = geminiSession(repo.dir, 'gemini-person-during-replace');
      const file = join(repo.dir, 'w.py');
      const input = { file_path: file, old_string: '    return 2', new_string: '    return 222  # gemini' };
      send('BeforeTool', { tool_name: 'replace', tool_input: input });
      writeFileSync(file, 'def one():\n    return 111  # a person\n\ndef two():\n    return 222  # gemini\n');
      send('AfterTool', {
        tool_name: 'replace',
        tool_input: input,
        tool_response: {
          llmContent: `Successfully modified file: ${file} (1 replacements).`,
          returnDisplay: '',
        },
      });
      repo.commit('the replace, and a person meanwhile');
      const origins = await originsByLine(repo.dir, 'w.py');
      assert.equal(origins[1], 'human', 'the person’s line');
      assert.equal(origins[4], 'ai', 'the line the replace said it writes');
    } finally {
      repo.cleanup();
    }
  });

  test('a shell command that has reported holds nothing: a person’s change after it is a person’s', () =>
    withTwoFunctions('g.py', 'shell-done', async (repo, send, file) => {
      const bash = call(send, 'toolu_s', 'Bash', { command: 'ls' });
      bash.pre();
      bash.post();
      const origins = await personThenAgent(repo, send, file);
      assert.equal(origins[1], 'human');
      assert.equal(origins[4], 'ai');
    }));

  test('a shell command running in a linked worktree does not make the main one’s changes unknown', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      repo.write('g.py', 'def one():\n    return 1\n\ndef two():\n    return 2\n');
      repo.commit('g.py');
      const tree = join(outside, 'wt');
      repo.git('worktree', 'add', '-q', '-b', 'other', tree);
      call(claudeSession(tree, 'in-the-other-worktree'), 'toolu_s', 'Bash', { command: 'npm test' }).pre();
      const spool = join(repo.dir, '.git/trail/spool/sessions');
      assert.ok(
        existsSync(join(spool, `${sessionKey('claude-code', 'in-the-other-worktree')}.jsonl`)),
        'the hook in the other worktree ran',
      );
      const send = claudeSession(repo.dir, 'in-the-main-worktree');
      const file = join(repo.dir, 'g.py');
      const origins = await personThenAgent(repo, send, file);
      assert.equal(origins[1], 'human');
      assert.equal(origins[4], 'ai');
      assert.equal(git(tree, 'status', '--porcelain'), '', 'the other worktree is untouched');
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
