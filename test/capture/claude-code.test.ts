import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  installClaudeHooks,
  isCursorCall,
  normalizeClaudeCode,
  parseClaudeTranscript,
  uninstallClaudeHooks,
} from '../../src/capture/agents/claude-code.js';
import type { Observation } from '../../src/capture/observation.js';
import { eventBodySchema } from '../../src/core/records.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const payload = (name: string): Record<string, unknown> => JSON.parse(fixture(name));

const SESSION = '3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44';
const CWD = '/home/dev/acme-api';
const TRANSCRIPT = `/home/dev/.claude/projects/-home-dev-acme-api/${SESSION}.jsonl`;
const LOGIN = `${CWD}/src/routes/login.ts`;
/** Tool payloads carry permission_mode, so each starts with this session observation. */
const SESSION_INFO: Observation = {
  type: 'session',
  info: { permissionMode: 'acceptEdits', transcriptPath: TRANSCRIPT },
};

function assertInputInvalid(fn: () => unknown, mentions?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal((error as { code?: string }).code, 'INPUT_INVALID');
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    if (mentions !== undefined) assert.match(error.message, new RegExp(mentions));
    return true;
  });
}

describe('normalizeClaudeCode', () => {
  const cases: Array<[string, Observation[]]> = [
    [
      'SessionStart.json',
      [
        {
          type: 'session',
          info: { source: 'startup', model: 'claude-sonnet-4-6', transcriptPath: TRANSCRIPT, cwd: CWD },
        },
      ],
    ],
    [
      'UserPromptSubmit.json',
      [
        SESSION_INFO,
        // The turn before it may have ended with no Stop (an interrupt): read if calls are held.
        { type: 'turn-end', transcriptPath: TRANSCRIPT, ifCallsHeld: true },
        {
          type: 'event',
          event: { type: 'prompt', text: 'Add rate limiting to the /login route and make the tests pass' },
        },
      ],
    ],
    [
      'PreToolUse-Edit.json',
      [
        SESSION_INFO,
        {
          type: 'before-change',
          toolUseId: 'toolu_01EdXq7wLk2mR9sT4vB8nC3d',
          paths: [LOGIN],
          via: 'edit-tool',
          intended: {
            edits: [
              {
                old: "router.post('/login', login);",
                new: "router.post('/login', rateLimit({ max: 5 }), login);",
                all: false,
              },
            ],
          },
        },
      ],
    ],
    [
      'PreToolUse-Write.json',
      [
        SESSION_INFO,
        {
          type: 'before-change',
          toolUseId: 'toolu_01WrA9bC8dE7fG6hJ5kL4mN3',
          paths: [`${CWD}/src/middleware/rate-limit.ts`],
          via: 'edit-tool',
          intended: { content: 'export function rateLimit(opts: { max: number }) {\n  return opts;\n}\n' },
        },
      ],
    ],
    [
      'PreToolUse-Bash.json',
      [
        SESSION_INFO,
        { type: 'before-change', toolUseId: 'toolu_01BsH2jK3lM4nP5qR6sT7uV8', paths: [], via: 'shell' },
      ],
    ],
    ['PreToolUse-Read.json', [SESSION_INFO]],
    [
      'PostToolUse-Edit.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01EdXq7wLk2mR9sT4vB8nC3d',
          paths: [LOGIN],
          via: 'edit-tool',
          tool: 'Edit',
        },
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'Edit',
            toolUseId: 'toolu_01EdXq7wLk2mR9sT4vB8nC3d',
            summary: LOGIN,
            ok: true,
          },
        },
      ],
    ],
    [
      'PostToolUse-Write.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01WrA9bC8dE7fG6hJ5kL4mN3',
          paths: [`${CWD}/src/middleware/rate-limit.ts`],
          via: 'edit-tool',
          tool: 'Write',
        },
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'Write',
            toolUseId: 'toolu_01WrA9bC8dE7fG6hJ5kL4mN3',
            summary: `${CWD}/src/middleware/rate-limit.ts`,
            ok: true,
          },
        },
      ],
    ],
    [
      'PostToolUse-MultiEdit.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01MeQ1wE2rT3yU4iO5pA6sD7',
          paths: [`${CWD}/src/config.ts`],
          via: 'edit-tool',
          tool: 'MultiEdit',
        },
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'MultiEdit',
            toolUseId: 'toolu_01MeQ1wE2rT3yU4iO5pA6sD7',
            summary: `${CWD}/src/config.ts`,
            ok: true,
          },
        },
      ],
    ],
    [
      'PostToolUse-Bash.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01BsH2jK3lM4nP5qR6sT7uV8',
          paths: [],
          via: 'shell',
          tool: 'Bash',
          command: 'npm test',
        },
        {
          type: 'event',
          event: {
            type: 'command',
            command: 'npm test',
            exitCode: 0,
            durationMs: 4187,
            outputTail: '> acme-api@1.0.0 test\n> node --test\n\n# tests 12\n# pass 12\n# fail 0\n',
          },
        },
      ],
    ],
    [
      // grep's exit 1 counts as success, so PostToolUse fires without revealing the code.
      'PostToolUse-Bash-grep-no-match.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01GrP0oI9uY8tR7eW6qA5sD4',
          paths: [],
          via: 'shell',
          tool: 'Bash',
          command: 'grep -rn TODO src/routes',
        },
        { type: 'event', event: { type: 'command', command: 'grep -rn TODO src/routes', durationMs: 31 } },
      ],
    ],
    [
      'PostToolUseFailure-Bash.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01FaL1kJ2hG3fD4sA5pO6iU7',
          paths: [],
          via: 'shell',
          tool: 'Bash',
          command: 'npm test',
        },
        {
          type: 'event',
          event: {
            type: 'command',
            command: 'npm test',
            exitCode: 1,
            durationMs: 3902,
            outputTail:
              '> acme-api@1.0.0 test\n> node --test\n\nnot ok 3 - login is rate limited\n# tests 12\n# pass 11\n# fail 1',
          },
        },
      ],
    ],
    [
      'PostToolUse-Read.json',
      [SESSION_INFO, { type: 'event', event: { type: 'context', source: 'file-read', ref: LOGIN } }],
    ],
    [
      'PostToolUse-WebFetch.json',
      [
        SESSION_INFO,
        {
          type: 'event',
          event: {
            type: 'context',
            source: 'url',
            ref: 'https://expressjs.com/en/advanced/best-practice-security.html',
          },
        },
      ],
    ],
    [
      'PostToolUse-WebSearch.json',
      [
        SESSION_INFO,
        {
          type: 'event',
          event: { type: 'context', source: 'search', ref: 'express-rate-limit login brute force' },
        },
      ],
    ],
    [
      'PostToolUse-mcp.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'toolu_01McP2oI3uY4tR5eW6qA7sD8',
          paths: [],
          via: 'mcp-tool',
          tool: 'mcp__github__get_issue',
        },
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'mcp__github__get_issue',
            toolUseId: 'toolu_01McP2oI3uY4tR5eW6qA7sD8',
            ok: true,
          },
        },
        { type: 'event', event: { type: 'context', source: 'mcp-server', ref: 'github' } },
      ],
    ],
    [
      'PostToolUse-Grep.json',
      [
        SESSION_INFO,
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'Grep',
            toolUseId: 'toolu_01GpL9kJ8hG7fD6sA5pO4iU3',
            summary: 'rateLimit',
            ok: true,
          },
        },
      ],
    ],
    ['Stop.json', [SESSION_INFO, { type: 'turn-end', transcriptPath: TRANSCRIPT }]],
    [
      'SubagentStop.json',
      [
        SESSION_INFO,
        {
          type: 'turn-end',
          transcriptPath: `/home/dev/.claude/projects/-home-dev-acme-api/${SESSION}/subagents/agent-a4d2c8f1e0b3a297.jsonl`,
        },
      ],
    ],
    [
      'SessionEnd.json',
      [{ type: 'session', info: { transcriptPath: TRANSCRIPT }, ended: true, reason: 'prompt_input_exit' }],
    ],
    ['Notification.json', [{ type: 'session', info: { transcriptPath: TRANSCRIPT } }]],
  ];

  for (const [name, observations] of cases) {
    it(`maps ${name}`, () => {
      const input = payload(name);
      const result = normalizeClaudeCode(input, input.hook_event_name as string);
      assert.deepEqual(result, {
        agent: 'claude-code',
        sessionId: SESSION,
        hook: input.hook_event_name,
        cwd: CWD,
        observations,
      });
      for (const o of result.observations) if (o.type === 'event') eventBodySchema.parse(o.event);
    });
  }

  it('takes the event name from the argument when the payload has none', () => {
    const input = payload('Stop.json');
    delete input.hook_event_name;
    assert.equal(normalizeClaudeCode(input, 'Stop').hook, 'Stop');
  });

  it('marks an interrupted command with a failed tool call', () => {
    const input = payload('PostToolUse-Bash.json');
    input.tool_response = { stdout: 'partial', stderr: '', interrupted: true, isImage: false };
    const events = normalizeClaudeCode(input, 'PostToolUse').observations.flatMap((o) =>
      o.type === 'event' ? [o.event] : [],
    );
    assert.deepEqual(events, [
      { type: 'command', command: 'npm test', durationMs: 4187, outputTail: 'partial' },
      {
        type: 'tool-call',
        tool: 'Bash',
        toolUseId: 'toolu_01BsH2jK3lM4nP5qR6sT7uV8',
        summary: 'interrupted',
        ok: false,
      },
    ]);
  });

  it('records a failed non-shell tool as a failed tool call', () => {
    const input: Record<string, unknown> = {
      ...payload('PostToolUse-Read.json'),
      hook_event_name: 'PostToolUseFailure',
      error: 'File does not exist.',
    };
    delete input.tool_response;
    assert.deepEqual(normalizeClaudeCode(input, 'PostToolUseFailure').observations.slice(1), [
      {
        type: 'event',
        event: {
          type: 'tool-call',
          tool: 'Read',
          toolUseId: 'toolu_01RdZ1yX2wV3uT4sR5qP6oN7',
          summary: 'File does not exist.',
          ok: false,
        },
      },
    ]);
  });

  it('compares an MCP tool call as a shell command: before, and after even when it failed', () => {
    const post = payload('PostToolUse-mcp.json');
    const id = post.tool_use_id;
    const pre: Record<string, unknown> = { ...post, hook_event_name: 'PreToolUse' };
    delete pre.tool_response;
    assert.deepEqual(normalizeClaudeCode(pre, 'PreToolUse').observations.slice(1), [
      { type: 'before-change', toolUseId: id, paths: [], via: 'mcp-tool' },
    ]);
    const failed: Record<string, unknown> = {
      ...pre,
      hook_event_name: 'PostToolUseFailure',
      error: 'MCP error -32603: disk full',
    };
    assert.deepEqual(normalizeClaudeCode(failed, 'PostToolUseFailure').observations.slice(1), [
      { type: 'after-change', toolUseId: id, paths: [], via: 'mcp-tool', tool: 'mcp__github__get_issue' },
      {
        type: 'event',
        event: {
          type: 'tool-call',
          tool: 'mcp__github__get_issue',
          toolUseId: id,
          summary: 'MCP error -32603: disk full',
          ok: false,
        },
      },
    ]);
  });

  it('PermissionDenied: takes the call’s marker and records it as a failed call with the reason', () => {
    // The documented example (hooks reference, "PermissionDenied input"), on this fixture's session.
    const denied = (tool: string, input: Record<string, unknown>) => ({
      session_id: SESSION,
      transcript_path: TRANSCRIPT,
      cwd: CWD,
      permission_mode: 'auto',
      hook_event_name: 'PermissionDenied',
      tool_name: tool,
      tool_input: input,
      tool_use_id: 'toolu_01ABC123',
      reason: 'Auto mode denied: command targets a path outside the project\nmore',
    });
    const observe = (tool: string, input: Record<string, unknown>) =>
      normalizeClaudeCode(denied(tool, input), 'PermissionDenied').observations.slice(1);
    const failed = (tool: string): Observation => ({
      type: 'event',
      event: {
        type: 'tool-call',
        tool,
        toolUseId: 'toolu_01ABC123',
        summary: 'denied: Auto mode denied: command targets a path outside the project',
        ok: false,
      },
    });
    assert.deepEqual(observe('Bash', { command: 'rm -rf /tmp/build' }), [
      { type: 'call-denied', toolUseId: 'toolu_01ABC123', paths: [], via: 'shell' },
      failed('Bash'),
    ]);
    assert.deepEqual(observe('Edit', { file_path: LOGIN, old_string: 'a', new_string: 'b' }), [
      { type: 'call-denied', toolUseId: 'toolu_01ABC123', paths: [LOGIN], via: 'edit-tool' },
      failed('Edit'),
    ]);
    assert.deepEqual(observe('mcp__fs__write_file', { path: LOGIN, content: '' }), [
      { type: 'call-denied', toolUseId: 'toolu_01ABC123', paths: [], via: 'mcp-tool' },
      failed('mcp__fs__write_file'),
    ]);
    // A tool with no before-hook has no marker to take.
    assert.deepEqual(observe('WebFetch', { url: 'https://example.com' }), [failed('WebFetch')]);
    const first = normalizeClaudeCode(denied('Bash', { command: 'ls' }), 'PermissionDenied').observations[0];
    assert.deepEqual(first, {
      type: 'session',
      info: { permissionMode: 'auto', transcriptPath: TRANSCRIPT },
    });
  });

  it('notes a command sent to the background, and takes its task notification for no prompt', () => {
    const started = normalizeClaudeCode(
      payload('PostToolUse-Bash-background.json'),
      'PostToolUse',
    ).observations;
    assert.deepEqual(
      started.filter((o) => o.type === 'event' || o.type === 'background-start'),
      [
        // Started, not ended: no exit code yet.
        { type: 'event', event: { type: 'command', command: 'npm run test:e2e', durationMs: 41 } },
        {
          type: 'background-start',
          toolUseId: 'toolu_01Bg7aQ2cR3dS4eT5fU6gV7w',
          command: 'npm run test:e2e',
        },
      ],
    );
    const ended = normalizeClaudeCode(payload('UserPromptSubmit-task-notification.json'), 'UserPromptSubmit');
    assert.deepEqual(ended.observations, [
      SESSION_INFO,
      {
        type: 'background-end',
        taskId: 'bslbv9989',
        toolUseId: 'toolu_01Bg7aQ2cR3dS4eT5fU6gV7w',
        status: 'completed',
        exitCode: 1,
        summary: 'Background command "Run the end-to-end tests" completed (exit code 1)',
        outputFile:
          '/tmp/claude-1000/-home-dev-acme-api/3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44/tasks/bslbv9989.output',
      },
    ]);
    // A prompt that only mentions the tag is the person's.
    const mention = { ...payload('UserPromptSubmit.json'), prompt: 'Why does <task-notification> show up?' };
    const observation = normalizeClaudeCode(mention, 'UserPromptSubmit').observations.at(-1);
    assert.equal(observation?.type === 'event' && observation.event.type, 'prompt');
  });

  it('keeps a long prompt within the record limit and says it was cut', () => {
    const input = { ...payload('UserPromptSubmit.json'), prompt: 'x'.repeat(200_000) };
    const prompt = normalizeClaudeCode(input, 'UserPromptSubmit').observations.at(-1);
    assert.ok(prompt?.type === 'event' && prompt.event.type === 'prompt');
    assert.equal(prompt.event.text.length, 64 * 1024);
    assert.match(prompt.event.text, /…\[truncated \d+ characters\]$/);
    eventBodySchema.parse(prompt.event);
  });

  describe('rejects malformed payloads with one INPUT_INVALID line', () => {
    it('not an object', () => {
      for (const value of [null, undefined, 42, 'text', [], [payload('Stop.json')]]) {
        assertInputInvalid(() => normalizeClaudeCode(value, 'Stop'), 'JSON object');
      }
    });
    it('missing or empty session_id', () => {
      const input = payload('Stop.json');
      delete input.session_id;
      assertInputInvalid(() => normalizeClaudeCode(input, 'Stop'), 'session_id');
      assertInputInvalid(() => normalizeClaudeCode({ ...input, session_id: '' }, 'Stop'), 'session_id');
    });
    it('wrong types', () => {
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('Stop.json'), session_id: 42 }, 'Stop'),
        'session_id',
      );
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('Stop.json'), hook_event_name: 7 }, 'Stop'),
        'hook_event_name',
      );
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('Stop.json'), cwd: ['/tmp'] }, 'Stop'),
        'cwd',
      );
      assertInputInvalid(
        () =>
          normalizeClaudeCode(
            { ...payload('UserPromptSubmit.json'), prompt: { text: 'hi' } },
            'UserPromptSubmit',
          ),
        'prompt',
      );
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('PostToolUse-Edit.json'), tool_name: 5 }, 'PostToolUse'),
        'tool_name',
      );
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('PostToolUse-Edit.json'), tool_input: ['a'] }, 'PostToolUse'),
        'tool_input',
      );
      assertInputInvalid(
        () =>
          normalizeClaudeCode(
            { ...payload('PreToolUse-Bash.json'), tool_input: { command: ['npm', 'test'] } },
            'PreToolUse',
          ),
        'command',
      );
      assertInputInvalid(
        () =>
          normalizeClaudeCode(
            { ...payload('PostToolUse-Bash.json'), tool_input: { command: 1 } },
            'PostToolUse',
          ),
        'command',
      );
      assertInputInvalid(
        () =>
          normalizeClaudeCode({ ...payload('PostToolUse-Bash.json'), duration_ms: 'slow' }, 'PostToolUse'),
        'duration_ms',
      );
    });
    it('missing fields the event needs', () => {
      const prompt = payload('UserPromptSubmit.json');
      delete prompt.prompt;
      assertInputInvalid(() => normalizeClaudeCode(prompt, 'UserPromptSubmit'), 'prompt');
      const tool = payload('PostToolUse-Edit.json');
      delete tool.tool_name;
      assertInputInvalid(() => normalizeClaudeCode(tool, 'PostToolUse'), 'tool_name');
    });
    it('huge identifier strings', () => {
      const huge = 'a'.repeat(100_000);
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('Stop.json'), session_id: huge }, 'Stop'),
        'session_id',
      );
      assertInputInvalid(() =>
        normalizeClaudeCode({ ...payload('Stop.json'), hook_event_name: huge }, 'Stop'),
      );
      assertInputInvalid(
        () => normalizeClaudeCode({ ...payload('PostToolUse-Edit.json'), tool_name: huge }, 'PostToolUse'),
        'tool_name',
      );
      assertInputInvalid(
        () =>
          normalizeClaudeCode(
            { ...payload('PreToolUse-Edit.json'), tool_input: { file_path: `/${huge}` } },
            'PreToolUse',
          ),
        'file_path',
      );
    });
  });
});

describe('isCursorCall', () => {
  it('tells a payload Cursor sent to a Claude Code hook by its cursor_version, and only by that', () => {
    const cursor = { conversation_id: 'c1', hook_event_name: 'preToolUse', workspace_roots: [CWD] };
    assert.equal(isCursorCall({ ...cursor, cursor_version: '2.1.46' }), true);
    assert.equal(isCursorCall(cursor), false, 'no marker: handled (and refused) as Claude Code');
    for (const version of [null, '', 2.1])
      assert.equal(isCursorCall({ ...cursor, cursor_version: version }), false);
    assert.equal(isCursorCall(payload('UserPromptSubmit.json')), false);
    for (const other of [null, [{ cursor_version: '2.1.46' }], 'cursor_version'])
      assert.equal(isCursorCall(other), false);
  });
});

describe('parseClaudeTranscript', () => {
  const summary = parseClaudeTranscript(fixture('transcript.jsonl'));

  it('reads the session facts', () => {
    assert.equal(summary.sessionId, SESSION);
    assert.equal(summary.cwd, CWD);
    assert.equal(summary.gitBranch, 'feat/rate-limit');
    assert.equal(summary.agentVersion, '2.1.12');
    assert.equal(summary.startedAt, '2026-03-02T10:00:00.000Z');
    assert.equal(summary.endedAt, '2026-03-02T10:01:41.000Z');
    assert.equal(summary.skippedLines, 1);
  });

  it('lists models, leaving out the <synthetic> ones, and names the principal one', () => {
    assert.deepEqual(summary.models, ['claude-sonnet-4-6', 'claude-haiku-4-5']);
    assert.equal(summary.model, 'claude-sonnet-4-6');
  });

  it('counts each message id once in the usage totals', () => {
    // msg_01A is on three lines and msg_01C on two with the same usage; msg_01D's two lines
    // report 40 then 150 output tokens. Counting every line would give 210*3 + 80*2 + 40 + 150...
    assert.deepEqual(summary.usage, [
      {
        model: 'claude-sonnet-4-6',
        inputTokens: 32,
        outputTokens: 665,
        cacheReadTokens: 63_550,
        cacheWriteTokens: 2_360,
      },
      {
        model: 'claude-haiku-4-5',
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      },
    ]);
  });

  it('turns the conversation into ordered events', () => {
    const failed =
      'Exit code 1\n> acme-api@1.0.0 test\n> node --test\n\nnot ok 3 - login is rate limited\n  expected 429, got 200\n# tests 12\n# pass 11\n# fail 1';
    assert.deepEqual(summary.events, [
      {
        at: '2026-03-02T10:00:01.000Z',
        event: { type: 'prompt', text: 'Add rate limiting to the /login route and make the tests pass' },
      },
      {
        at: '2026-03-02T10:00:03.000Z',
        event: {
          type: 'reasoning',
          text: 'The user wants rate limiting on /login. I should read the route first, then add a middleware.',
        },
      },
      {
        at: '2026-03-02T10:00:04.000Z',
        event: { type: 'reasoning', text: "I'll start by reading the login route." },
      },
      {
        at: '2026-03-02T10:00:04.500Z',
        event: {
          type: 'tool-call',
          tool: 'Read',
          toolUseId: 'toolu_01Read000000000000000001',
          summary: LOGIN,
          ok: true,
        },
      },
      {
        at: '2026-03-02T10:00:09.000Z',
        event: {
          type: 'tool-call',
          tool: 'Edit',
          toolUseId: 'toolu_01Edit000000000000000001',
          summary: LOGIN,
          ok: true,
        },
      },
      {
        at: '2026-03-02T10:00:14.000Z',
        event: {
          type: 'reasoning',
          text: 'Now run the tests to see whether the limiter is wired correctly.',
        },
      },
      {
        at: '2026-03-02T10:00:14.500Z',
        event: {
          type: 'command',
          command: 'npm test',
          exitCode: 1,
          outputTail: failed.slice('Exit code 1\n'.length),
        },
      },
      {
        at: '2026-03-02T10:00:25.000Z',
        event: {
          type: 'reasoning',
          text: 'The test expects 429 after five attempts; the limiter is imported but never created. Add the middleware file.',
        },
      },
      {
        at: '2026-03-02T10:00:26.000Z',
        event: {
          type: 'tool-call',
          tool: 'Write',
          toolUseId: 'toolu_01Write00000000000000001',
          summary: `${CWD}/src/middleware/rate-limit.ts`,
          ok: true,
        },
      },
      {
        at: '2026-03-02T10:00:40.000Z',
        event: { type: 'reasoning', text: 'Found 3 routes without rate limiting.' },
      },
      {
        at: '2026-03-02T10:01:00.000Z',
        event: {
          type: 'command',
          command: 'npm test',
          exitCode: 0,
          outputTail: '> acme-api@1.0.0 test\n> node --test\n\n# tests 12\n# pass 12\n# fail 0',
        },
      },
      {
        at: '2026-03-02T10:01:40.000Z',
        event: { type: 'reasoning', text: 'Rate limiting is in place and all 12 tests pass.' },
      },
    ]);
    for (const { event } of summary.events) eventBodySchema.parse(event);
  });

  it('caps each reasoning text at 8 KiB of UTF-8', () => {
    const line = (text: string) =>
      JSON.stringify({
        type: 'assistant',
        sessionId: 's',
        timestamp: '2026-03-02T10:00:00.000Z',
        message: {
          id: `msg_${text.length}`,
          model: 'claude-opus-4-6',
          role: 'assistant',
          content: [{ type: 'thinking', thinking: text }],
        },
      });
    const result = parseClaudeTranscript([line('a'.repeat(20_000)), line('é€😀'.repeat(3000))].join('\n'));
    assert.equal(result.events.length, 2);
    for (const { event } of result.events) {
      assert.ok(event.type === 'reasoning');
      assert.ok(new TextEncoder().encode(event.text).length <= 8 * 1024);
      assert.match(event.text, /…\[truncated \d+ characters\]$/);
      assert.ok(!event.text.includes('\uFFFD'));
    }
  });

  it('gives a background command the exit code its task notification reports, and takes no prompt from it', () => {
    const line = (at: string, type: 'user' | 'assistant', content: unknown, extra: object = {}) =>
      JSON.stringify({ type, sessionId: 's', timestamp: at, message: { role: type, content }, ...extra });
    const notification = payload('UserPromptSubmit-task-notification.json').prompt as string;
    const text = [
      line('2026-03-02T10:00:00.000Z', 'user', 'Run the end-to-end tests in the background'),
      line('2026-03-02T10:00:01.000Z', 'assistant', [
        {
          type: 'tool_use',
          id: 'toolu_01Bg7aQ2cR3dS4eT5fU6gV7w',
          name: 'Bash',
          input: { command: 'npm run test:e2e', run_in_background: true },
        },
      ]),
      line(
        '2026-03-02T10:00:01.050Z',
        'user',
        [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_01Bg7aQ2cR3dS4eT5fU6gV7w',
            content: 'Command running in background with ID: bslbv9989',
          },
        ],
        { toolUseResult: { stdout: '', stderr: '', interrupted: false, backgroundTaskId: 'bslbv9989' } },
      ),
      line('2026-03-02T10:02:31.000Z', 'user', notification),
      // A notification of a task this transcript never started: its end, as a tool call.
      line('2026-03-02T10:03:00.000Z', 'user', [
        {
          type: 'text',
          text: '<task-notification>\n<task-id>a1b2</task-id>\n<status>killed</status>\n<summary>Background command "Serve the app" was stopped</summary>\n</task-notification>',
        },
      ]),
    ].join('\n');
    const events = parseClaudeTranscript(text).events.map((e) => e.event);
    assert.deepEqual(events, [
      { type: 'prompt', text: 'Run the end-to-end tests in the background' },
      { type: 'command', command: 'npm run test:e2e', exitCode: 1, durationMs: 150_000 },
      {
        type: 'tool-call',
        tool: 'background-task',
        toolUseId: 'a1b2',
        summary: 'Background command "Serve the app" was stopped',
        ok: false,
      },
    ]);
    for (const event of events) eventBodySchema.parse(event);
  });

  it('names the calls answered with an error and who stopped each, and takes no prompt from what Claude Code adds on the user’s side', () => {
    const line = (at: string, type: 'user' | 'assistant', content: unknown) =>
      JSON.stringify({ type, sessionId: 's', timestamp: at, message: { role: type, content } });
    const rejection = (id: string) =>
      line('2026-03-02T10:00:02.000Z', 'user', [
        {
          type: 'tool_result',
          tool_use_id: id,
          is_error: true,
          content: "The user doesn't want to proceed with this tool use. The tool use was rejected.",
        },
      ]);
    const summary = parseClaudeTranscript(
      [
        line('2026-03-02T10:00:00.000Z', 'user', 'Tidy the build folder'),
        line('2026-03-02T10:00:01.000Z', 'assistant', [
          { type: 'tool_use', id: 'toolu_b', name: 'Bash', input: { command: 'rm -rf build' } },
          { type: 'tool_use', id: 'toolu_e', name: 'Edit', input: { file_path: '/r/a.py' } },
        ]),
        rejection('toolu_b'),
        rejection('toolu_e'),
        // Its call was read before (an earlier turn end): its tool is not known here.
        rejection('toolu_earlier'),
        line('2026-03-02T10:00:02.001Z', 'user', [
          { type: 'text', text: '[Request interrupted by user for tool use]' },
        ]),
        line('2026-03-02T10:00:09.000Z', 'user', '[Request interrupted by user]'),
        // What Claude Code adds on the user's side: a reminder beside the person's words, and a
        // local command's output.
        line('2026-03-02T10:00:09.500Z', 'user', [
          { type: 'text', text: 'Keep the build folder' },
          {
            type: 'text',
            text: '<system-reminder>\nThe file /r/a.py was modified by the user.\n</system-reminder>',
          },
        ]),
        line(
          '2026-03-02T10:00:09.600Z',
          'user',
          '<local-command-stdout>Total cost: $0.12</local-command-stdout>',
        ),
        // A failure of the tool itself: it may have run.
        line('2026-03-02T10:00:10.000Z', 'user', [
          { type: 'tool_result', tool_use_id: 'toolu_z', is_error: true, content: 'Exit code 1\nnpm ERR!' },
        ]),
        // Denials from before a call ran: the permission settings, then two PreToolUse hooks
        // (one that answered JSON `deny`, one that exited 2), its content as text blocks.
        line('2026-03-02T10:00:11.000Z', 'user', [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_p',
            is_error: true,
            content: 'Permission to use Bash with command curl x | sh has been denied.',
          },
        ]),
        line('2026-03-02T10:00:12.000Z', 'user', [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_h',
            is_error: true,
            content: [{ type: 'text', text: 'Hook PreToolUse:Edit denied this tool' }],
          },
        ]),
        line('2026-03-02T10:00:13.000Z', 'user', [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_h2',
            is_error: true,
            content:
              'PreToolUse:Bash hook error: [policy-check]: writes to deploy/ need a ticket\nsee the wiki',
          },
        ]),
        // A result that is no error names no call.
        line('2026-03-02T10:00:14.000Z', 'user', [
          { type: 'tool_result', tool_use_id: 'toolu_ok', content: 'Permission to use the file was granted' },
        ]),
      ].join('\n'),
    );
    assert.deepEqual(summary.failedCalls, [
      { toolUseId: 'toolu_b', tool: 'Bash', cause: 'person' },
      { toolUseId: 'toolu_e', tool: 'Edit', cause: 'person' },
      { toolUseId: 'toolu_earlier', cause: 'person' },
      { toolUseId: 'toolu_z', cause: 'error', reason: 'Exit code 1' },
      {
        toolUseId: 'toolu_p',
        cause: 'permission',
        reason: 'Permission to use Bash with command curl x | sh has been denied.',
      },
      { toolUseId: 'toolu_h', cause: 'hook', reason: 'Hook PreToolUse:Edit denied this tool' },
      {
        toolUseId: 'toolu_h2',
        cause: 'hook',
        reason: 'PreToolUse:Bash hook error: [policy-check]: writes to deploy/ need a ticket',
      },
    ]);
    assert.deepEqual(
      summary.events
        .filter((e) => e.event.type === 'prompt')
        .map((e) => e.event.type === 'prompt' && e.event.text),
      ['Tidy the build folder', 'Keep the build folder'],
    );
  });

  it('survives any text: empty, garbage, JSON that is not an object', () => {
    assert.deepEqual(parseClaudeTranscript(''), { models: [], events: [], usage: [], skippedLines: 0 });
    const odd = parseClaudeTranscript(
      'not json\n[1,2]\n"str"\n{"type":"assistant","message":"x"}\n{"type":"user"}\n',
    );
    assert.equal(odd.skippedLines, 3);
    assert.deepEqual(odd.events, []);
  });
});

describe('installClaudeHooks / uninstallClaudeHooks', () => {
  const userSettings = fixture('settings-with-user-hooks.json');

  it('creates settings with one Trail entry per event', () => {
    const text = installClaudeHooks(undefined, 'trail');
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n  "hooks": {\n    "SessionStart": ['));
    const hooks = JSON.parse(text).hooks as Record<string, Array<{ matcher?: string; hooks: unknown[] }>>;
    assert.deepEqual(Object.keys(hooks), [
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PostToolUse',
      'PostToolUseFailure',
      'PermissionDenied',
      'Stop',
      'SubagentStop',
      'SessionEnd',
    ]);
    assert.deepEqual(hooks.PostToolUse, [
      {
        matcher: '*',
        hooks: [{ type: 'command', command: 'trail hook claude-code PostToolUse', timeout: 10 }],
      },
    ]);
    assert.deepEqual(hooks.Stop, [
      { hooks: [{ type: 'command', command: 'trail hook claude-code Stop', timeout: 10 }] },
    ]);
    // Anchored: Claude Code takes a matcher holding `.` or `+` as an unanchored regex.
    const changing = '^(?:Write|Edit|MultiEdit|NotebookEdit|Bash|PowerShell|mcp__.+)$';
    assert.equal(hooks.PreToolUse?.[0]?.matcher, changing);
    assert.equal(hooks.PermissionDenied?.[0]?.matcher, changing);
    const matches = (tool: string) => new RegExp(changing).test(tool);
    for (const tool of [
      'Write',
      'Edit',
      'MultiEdit',
      'NotebookEdit',
      'Bash',
      'PowerShell',
      'mcp__fs__write_file',
    ])
      assert.ok(matches(tool), tool);
    for (const tool of ['TodoWrite', 'Read', 'BashOutput', 'WebFetch', 'mcp__', 'xmcp__fs__write'])
      assert.ok(!matches(tool), tool);
  });

  it('installing twice gives the same text and keeps the user hooks and settings', () => {
    const once = installClaudeHooks(userSettings, 'trail');
    const twice = installClaudeHooks(once, 'trail');
    assert.equal(twice, once);
    const original = JSON.parse(userSettings);
    const installed = JSON.parse(twice);
    assert.deepEqual(installed.permissions, original.permissions);
    assert.deepEqual(installed.env, original.env);
    assert.equal(installed.model, 'sonnet');
    assert.deepEqual(installed.hooks.Notification, original.hooks.Notification);
    assert.equal(installed.hooks.PostToolUse.length, 2);
    assert.deepEqual(installed.hooks.PostToolUse[0], original.hooks.PostToolUse[0]);
    assert.equal(installed.hooks.PostToolUse[1].hooks[0].command, 'trail hook claude-code PostToolUse');
  });

  it('a new command replaces Trail entries instead of adding more', () => {
    const moved = installClaudeHooks(installClaudeHooks(userSettings, 'trail'), '/opt/trail/bin/trail');
    const commands = Object.values(
      JSON.parse(moved).hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>,
    )
      .flat()
      .flatMap((group) => group.hooks.map((h) => h.command))
      .filter((c) => c.includes(' hook claude-code '));
    assert.equal(commands.length, 9);
    assert.ok(commands.every((c) => c.startsWith('/opt/trail/bin/trail hook claude-code ')));
  });

  it('installing over an older install updates its matchers and adds the events it lacked', () => {
    // Trail's entries as installed before MCP tools and denials were followed.
    const older = JSON.stringify({
      hooks: {
        PreToolUse: [
          {
            matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash|PowerShell',
            hooks: [{ type: 'command', command: 'trail hook claude-code PreToolUse', timeout: 10 }],
          },
        ],
        PostToolUse: [
          { matcher: '*', hooks: [{ type: 'command', command: 'trail hook claude-code PostToolUse' }] },
        ],
      },
    });
    const hooks = JSON.parse(installClaudeHooks(older, 'trail')).hooks as Record<
      string,
      Array<{ matcher?: string; hooks: Array<{ command: string }> }>
    >;
    assert.deepEqual(
      hooks.PreToolUse?.map((g) => g.matcher),
      ['^(?:Write|Edit|MultiEdit|NotebookEdit|Bash|PowerShell|mcp__.+)$'],
    );
    assert.equal(hooks.PermissionDenied?.length, 1);
    assert.equal(hooks.PermissionDenied?.[0]?.hooks[0]?.command, 'trail hook claude-code PermissionDenied');
    assert.equal(hooks.PostToolUse?.length, 1);
  });

  it('uninstall after installing twice gives back the user document', () => {
    const installed = installClaudeHooks(installClaudeHooks(userSettings, 'trail'), 'trail');
    const removed = uninstallClaudeHooks(installed);
    assert.ok(removed !== undefined);
    assert.deepEqual(JSON.parse(removed), JSON.parse(userSettings));
  });

  it('uninstall of a file Trail created leaves nothing', () => {
    assert.equal(uninstallClaudeHooks(installClaudeHooks(undefined, 'trail')), undefined);
    assert.equal(uninstallClaudeHooks(installClaudeHooks('{}', 'trail')), undefined);
  });

  it('uninstall leaves a text without Trail hooks untouched', () => {
    assert.equal(uninstallClaudeHooks(userSettings), userSettings);
  });

  it('keeps a user hook that shares a matcher group with a Trail hook', () => {
    const mixed = JSON.stringify({
      hooks: {
        Stop: [
          {
            hooks: [
              { type: 'command', command: 'trail hook claude-code Stop' },
              { type: 'command', command: './notify.sh' },
            ],
          },
        ],
      },
    });
    assert.deepEqual(JSON.parse(uninstallClaudeHooks(mixed)!), {
      hooks: { Stop: [{ hooks: [{ type: 'command', command: './notify.sh' }] }] },
    });
  });

  it('rejects settings it cannot merge into', () => {
    assertInputInvalid(() => installClaudeHooks('{ "hooks": ', 'trail'), 'not valid JSON');
    assertInputInvalid(() => installClaudeHooks('[]', 'trail'), 'JSON object');
    assertInputInvalid(() => installClaudeHooks('{"hooks": []}', 'trail'), '"hooks"');
    assertInputInvalid(() => installClaudeHooks('{"hooks": {"Stop": {}}}', 'trail'), 'hooks.Stop');
    assertInputInvalid(() => uninstallClaudeHooks('{"hooks": 1}'), '"hooks"');
    assertInputInvalid(() => installClaudeHooks('{}', '  '), 'command');
  });
});
