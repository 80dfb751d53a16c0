/**
 * Agent hooks that arrive in awkward shapes must never turn the agent's lines into a person's,
 * nor a person's into the agent's: a payload over the size limit, an edit whose before-hook
 * never ran, a failed edit, a session whose cwd is another repository, and subagents with
 * transcripts of their own. Real hooks (bin/trail processes), real repositories and commits.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sessionKey } from '../../src/capture/spool.js';
import { claudeSession, originsByLine } from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import { git, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const MODEL = 'claude-opus-4-1-20250805';

async function originCounts(dir: string, path: string): Promise<Record<string, number>> {
  const blame = JSON.parse((await trail(dir, 'blame', path, '--json')).stdout) as {
    lines: Array<{ origin: string }>;
  };
  const counts: Record<string, number> = {};
  for (const line of blame.lines) counts[line.origin] = (counts[line.origin] ?? 0) + 1;
  return counts;
}

function gaps(dir: string): Array<{ why: string }> {
  const file = join(dir, '.git/trail/spool/gaps.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { why: string });
}

interface SpoolRecord {
  type: string;
  info?: { model?: string };
  event?: { type: string; text?: string; model?: string; inputTokens?: number; outputTokens?: number };
}

function spoolLines(dir: string, id: string): SpoolRecord[] {
  const file = join(dir, '.git/trail/spool/sessions', `${sessionKey('claude-code', id)}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SpoolRecord);
}

describe('hook attribution in awkward cases', () => {
  test('a Write whose PostToolUse is over 4 MiB still credits its lines to the agent', async () => {
    const repo = initialisedRepo();
    try {
      const hook = claudeSession(repo.dir, 'big-write-session');
      const file = join(repo.dir, 'data.csv');
      const lines = Array.from(
        { length: 20_000 },
        (_, i) => `row ${i}, value ${i * 7}, some descriptive text to pad the line out a bit`,
      );
      const content = `${lines.join('\n')}\n`;
      const input = { file_path: file, content };
      hook('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: 'toolu_big' });
      writeFileSync(file, content);
      // As Claude Code sends it: the content again, and every line once more in the patch.
      const response = {
        type: 'create',
        filePath: file,
        content,
        structuredPatch: [
          { oldStart: 0, oldLines: 0, newStart: 1, newLines: lines.length, lines: lines.map((l) => `+${l}`) },
        ],
        originalFile: null,
      };
      const post = {
        tool_name: 'Write',
        tool_input: input,
        tool_response: response,
        tool_use_id: 'toolu_big',
      };
      assert.ok(Buffer.byteLength(JSON.stringify(post)) > 4 * 1024 * 1024, 'the payload is over the limit');
      const sent = hook('PostToolUse', post);
      repo.commit('data');
      assert.deepEqual(await originCounts(repo.dir, 'data.csv'), { ai: 20_000 });
      const shortened = gaps(repo.dir).map((g) => g.why);
      assert.deepEqual(shortened, [
        `payload of ${sent} bytes is over the 4194304-byte limit: its long texts were shortened before recording`,
      ]);
    } finally {
      repo.cleanup();
    }
  });

  test('an Edit with no PreToolUse leaves a person’s earlier change unknown, never the agent’s', async () => {
    const repo = initialisedRepo();
    try {
      repo.write('m.py', 'def one():\n    return 1\n\ndef two():\n    return 2\n');
      repo.commit('m.py');
      const hook = claudeSession(repo.dir, 'no-pre-session');
      const file = join(repo.dir, 'm.py');
      // A person changes line 2; then the agent edits line 5, and only its PostToolUse arrives.
      writeFileSync(file, 'def one():\n    return 111  # a person\n\ndef two():\n    return 2\n');
      writeFileSync(
        file,
        'def one():\n    return 111  # a person\n\ndef two():\n    return 222  # the agent\n',
      );
      const input = {
        file_path: file,
        old_string: '    return 2',
        new_string: '    return 222  # the agent',
      };
      hook('PostToolUse', {
        tool_name: 'Edit',
        tool_input: input,
        tool_response: { filePath: file, structuredPatch: [] },
        tool_use_id: 'toolu_e1',
      });
      repo.commit('both');
      const origins = await originsByLine(repo.dir, 'm.py');
      assert.notEqual(origins[1], 'ai', 'the person’s line is not credited to the agent');
      assert.equal(origins[1], 'unknown');
      assert.equal(origins[4], 'unknown');
      assert.ok(
        gaps(repo.dir).some((g) => g.why.includes('no before-hook')),
        'the missing before-hook is a gap',
      );
    } finally {
      repo.cleanup();
    }
  });

  test('a failed Edit that changed nothing does not tie the next commit of the file to the session', async () => {
    const repo = initialisedRepo();
    try {
      repo.write('m.txt', 'a\nb\nc\n');
      repo.commit('m.txt');
      const hook = claudeSession(repo.dir, 'failed-edit-session');
      const input = { file_path: join(repo.dir, 'm.txt'), old_string: 'zzz', new_string: 'yyy' };
      hook('PreToolUse', { tool_name: 'Edit', tool_input: input, tool_use_id: 'toolu_f1' });
      hook('PostToolUseFailure', {
        tool_name: 'Edit',
        tool_input: input,
        tool_use_id: 'toolu_f1',
        error: '<tool_use_error>String to replace not found in file.\nString: zzz</tool_use_error>',
        is_interrupt: false,
      });
      repo.write('m.txt', 'a\nb by hand\nc\n');
      repo.commit('by hand');
      const show = await trail(repo.dir, 'show', 'HEAD', '--json');
      assert.notEqual(show.code, 0, `a person's commit has no checkpoint: ${show.stdout.slice(0, 300)}`);
      const edits = spoolLines(repo.dir, 'failed-edit-session').filter((l) => l.event?.type === 'file-edit');
      assert.deepEqual(edits, []);
    } finally {
      repo.cleanup();
    }
  });

  test('an edit into the project from a cwd in another repository is recorded in the project', async () => {
    const repo = initialisedRepo();
    const sibling = tempDir('trail-sibling-');
    try {
      git(sibling, 'init', '-q', '-b', 'main');
      repo.write('m.txt', 'a\nb\nc\n');
      repo.commit('m.txt');
      const hook = claudeSession(repo.dir, 'moved-cwd-session');
      const file = join(repo.dir, 'm.txt');
      const input = { file_path: file, old_string: 'b', new_string: 'b edited by claude' };
      hook('UserPromptSubmit', { prompt: 'now fix m.txt in the main project' }, sibling);
      hook('PreToolUse', { tool_name: 'Edit', tool_input: input, tool_use_id: 'toolu_c1' }, sibling);
      writeFileSync(file, 'a\nb edited by claude\nc\n');
      hook(
        'PostToolUse',
        { tool_name: 'Edit', tool_input: input, tool_response: { filePath: file }, tool_use_id: 'toolu_c1' },
        sibling,
      );
      repo.commit('edit');
      assert.deepEqual(await originsByLine(repo.dir, 'm.txt'), ['human', 'ai', 'human']);
      assert.ok(
        gaps(repo.dir).some((g) => g.why.includes('where Trail is not set up')),
        'the prompt given in the other repository is a gap in the project',
      );
    } finally {
      repo.cleanup();
      rmSync(sibling, { recursive: true, force: true });
    }
  });

  test('a subagent’s transcript has its own cursor, its usage adds up, and it sets no model', async () => {
    const repo = initialisedRepo();
    const transcripts = tempDir('trail-transcripts-');
    try {
      const assistant = (id: string, text: string, model: string, output: number) =>
        JSON.stringify({
          type: 'assistant',
          sessionId: 'subagent-session',
          timestamp: '2026-12-01T10:00:02.000Z',
          message: {
            id,
            role: 'assistant',
            model,
            content: [{ type: 'text', text }],
            usage: {
              input_tokens: 10,
              output_tokens: output,
              cache_read_input_tokens: 0,
              cache_creation_input_tokens: 0,
            },
          },
        });
      const main = join(transcripts, 'main.jsonl');
      const sub = join(transcripts, 'subagents', 'agent-abc.jsonl');
      mkdirSync(join(transcripts, 'subagents'));
      writeFileSync(
        main,
        `${assistant('msg_1', 'Main reasoning A', MODEL, 5000)}\n${assistant('msg_2', 'Main reasoning B', MODEL, 3000)}\n`,
      );
      writeFileSync(
        sub,
        `${assistant('msg_3', 'Sub reasoning only', MODEL, 200)}\n${assistant('msg_4', 'Sub on haiku', 'claude-haiku-4-5', 5)}\n`,
      );
      const hook = claudeSession(repo.dir, 'subagent-session', main);
      hook('Stop', { stop_hook_active: false });
      hook('SubagentStop', { stop_hook_active: false, agent_id: 'abc', agent_transcript_path: sub });
      hook('Stop', { stop_hook_active: false });

      const lines = spoolLines(repo.dir, 'subagent-session');
      const reasoning = lines.filter((l) => l.event?.type === 'reasoning').map((l) => l.event?.text);
      assert.deepEqual(reasoning, [
        'Main reasoning A',
        'Main reasoning B',
        'Sub reasoning only',
        'Sub on haiku',
      ]);
      const models = lines.filter((l) => l.type === 'session' && l.info?.model).map((l) => l.info?.model);
      assert.deepEqual([...new Set(models)], [MODEL], 'the subagent’s haiku is not the session’s model');
      const latest = new Map<string | undefined, SpoolRecord['event']>();
      for (const l of lines) if (l.event?.type === 'usage') latest.set(l.event.model, l.event);
      assert.equal(latest.get(MODEL)?.outputTokens, 8200);
      assert.equal(latest.get(MODEL)?.inputTokens, 30);
      assert.equal(latest.get('claude-haiku-4-5')?.outputTokens, 5);
    } finally {
      repo.cleanup();
      rmSync(transcripts, { recursive: true, force: true });
    }
  });
});
