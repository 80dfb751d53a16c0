import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  codexNotifyConflict,
  installCodexNotify,
  normalizeCodexNotify,
  parseCodexRollout,
  patchFiles,
  uninstallCodexNotify,
} from '../../src/capture/agents/codex.js';
import type { Observation } from '../../src/capture/observation.js';
import { eventBodySchema } from '../../src/core/records.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/codex/${name}`, import.meta.url), 'utf8');
const payload = (name: string): Record<string, unknown> => JSON.parse(fixture(name));

const THREAD = '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b';
const CWD = '/home/dev/acme-api';
const ROLLOUT = `/home/dev/.codex/sessions/2026/03/02/rollout-2026-03-02T10-00-00-${THREAD}.jsonl`;
const SESSION_INFO: Observation = {
  type: 'session',
  info: { model: 'gpt-5-codex', transcriptPath: ROLLOUT, permissionMode: 'default' },
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

describe('normalizeCodexNotify: notify', () => {
  it('maps agent-turn-complete to prompts, the final message and a turn end', () => {
    assert.deepEqual(normalizeCodexNotify(payload('notify-agent-turn-complete.json'), 'notify'), {
      agent: 'codex',
      sessionId: THREAD,
      hook: 'agent-turn-complete',
      cwd: CWD,
      observations: [
        {
          type: 'event',
          event: {
            type: 'prompt',
            text: 'Add a request limit to the upload handler and make cargo test pass',
          },
        },
        {
          type: 'event',
          event: {
            type: 'reasoning',
            text: 'Added a 1 MiB limit to the upload handler; cargo test passes (4 tests).',
          },
          provenance: 'agent-reported',
        },
        { type: 'turn-end' },
      ],
    });
  });

  it('ignores notification types it does not know', () => {
    const input = { ...payload('notify-agent-turn-complete.json'), type: 'approval-requested' };
    assert.deepEqual(normalizeCodexNotify(input, 'notify').observations, []);
  });

  it('accepts a turn with no final message', () => {
    const input = { ...payload('notify-agent-turn-complete.json'), 'last-assistant-message': null };
    assert.deepEqual(normalizeCodexNotify(input, 'notify').observations.at(-1), { type: 'turn-end' });
    assert.equal(normalizeCodexNotify(input, 'notify').observations.length, 2);
  });

  it('rejects malformed notifications with one INPUT_INVALID line', () => {
    for (const value of [null, 'agent-turn-complete', 3, []])
      assertInputInvalid(() => normalizeCodexNotify(value, 'notify'));
    const good = payload('notify-agent-turn-complete.json');
    const { 'thread-id': _, ...noThread } = good;
    assertInputInvalid(() => normalizeCodexNotify(noThread, 'notify'), 'thread-id');
    assertInputInvalid(() => normalizeCodexNotify({ ...good, 'thread-id': 12 }, 'notify'), 'thread-id');
    assertInputInvalid(
      () => normalizeCodexNotify({ ...good, 'thread-id': 'x'.repeat(5000) }, 'notify'),
      'thread-id',
    );
    assertInputInvalid(() => normalizeCodexNotify({ ...good, type: 7 }, 'notify'), 'type');
    assertInputInvalid(
      () => normalizeCodexNotify({ ...good, 'input-messages': 'hi' }, 'notify'),
      'input-messages',
    );
    assertInputInvalid(
      () => normalizeCodexNotify({ ...good, 'input-messages': [1] }, 'notify'),
      'input-messages',
    );
    assertInputInvalid(
      () => normalizeCodexNotify({ ...good, 'last-assistant-message': {} }, 'notify'),
      'last-assistant',
    );
  });
});

describe('normalizeCodexNotify: hooks', () => {
  const patchPaths = ['src/upload.rs', 'src/limit.rs'];
  const cases: Array<[string, Observation[]]> = [
    [
      'SessionStart.json',
      [
        {
          type: 'session',
          info: {
            model: 'gpt-5-codex',
            transcriptPath: ROLLOUT,
            permissionMode: 'default',
            source: 'startup',
            cwd: CWD,
          },
        },
      ],
    ],
    [
      'UserPromptSubmit.json',
      [
        SESSION_INFO,
        // A turn aborted at an approval prompt may have had no Stop: read if calls are held.
        { type: 'turn-end', transcriptPath: ROLLOUT, ifCallsHeld: true },
        {
          type: 'event',
          event: {
            type: 'prompt',
            text: 'Add a request limit to the upload handler and make cargo test pass',
          },
        },
      ],
    ],
    [
      'PreToolUse-Bash.json',
      [SESSION_INFO, { type: 'before-change', toolUseId: 'call_9a8b7c6d5e4f', paths: [], via: 'shell' }],
    ],
    [
      'PostToolUse-Bash.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'call_9a8b7c6d5e4f',
          paths: [],
          via: 'shell',
          tool: 'Bash',
          command: 'cargo test',
        },
        {
          type: 'event',
          event: {
            type: 'command',
            command: 'cargo test',
            exitCode: 101,
            durationMs: 4200,
            outputTail:
              'running 4 tests\ntest upload::rejects_large_body ... FAILED\ntest result: FAILED. 3 passed; 1 failed',
          },
        },
      ],
    ],
    [
      'PreToolUse-apply_patch.json',
      [
        SESSION_INFO,
        { type: 'before-change', toolUseId: 'call_1b2c3d4e5f6a', paths: patchPaths, via: 'edit-tool' },
      ],
    ],
    [
      'PostToolUse-apply_patch.json',
      [
        SESSION_INFO,
        {
          type: 'after-change',
          toolUseId: 'call_1b2c3d4e5f6a',
          paths: patchPaths,
          via: 'edit-tool',
          tool: 'apply_patch',
        },
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'apply_patch',
            toolUseId: 'call_1b2c3d4e5f6a',
            summary: 'src/upload.rs, src/limit.rs',
            ok: true,
          },
        },
      ],
    ],
    [
      'PostToolUse-mcp.json',
      [
        SESSION_INFO,
        {
          type: 'event',
          event: {
            type: 'tool-call',
            tool: 'mcp__github__get_issue',
            toolUseId: 'call_7f6e5d4c3b2a',
            ok: true,
          },
        },
        { type: 'event', event: { type: 'context', source: 'mcp-server', ref: 'github' } },
      ],
    ],
    ['Stop.json', [SESSION_INFO, { type: 'turn-end', transcriptPath: ROLLOUT }]],
  ];

  for (const [name, observations] of cases) {
    it(`maps ${name}`, () => {
      const input = payload(name);
      const result = normalizeCodexNotify(input, input.hook_event_name as string);
      assert.deepEqual(result, {
        agent: 'codex',
        sessionId: THREAD,
        hook: input.hook_event_name,
        cwd: CWD,
        observations,
      });
      for (const o of result.observations) if (o.type === 'event') eventBodySchema.parse(o.event);
    });
  }

  it('keeps the final message of a Stop that has no rollout to read', () => {
    const input = { ...payload('Stop.json'), transcript_path: null };
    assert.deepEqual(normalizeCodexNotify(input, 'Stop').observations.slice(1), [
      { type: 'turn-end' },
      {
        type: 'event',
        event: {
          type: 'reasoning',
          text: 'Added a 1 MiB limit to the upload handler; cargo test passes (4 tests).',
        },
        provenance: 'agent-reported',
      },
    ]);
  });

  it('reads a structured Bash response too', () => {
    const input = {
      ...payload('PostToolUse-Bash.json'),
      tool_response: {
        exit_code: 0,
        duration: { secs: 1, nanos: 500_000_000 },
        stdout: 'ok',
        stderr: 'warn',
      },
    };
    const [, , command] = normalizeCodexNotify(input, 'PostToolUse').observations;
    assert.deepEqual(command, {
      type: 'event',
      event: {
        type: 'command',
        command: 'cargo test',
        exitCode: 0,
        durationMs: 1500,
        outputTail: 'ok\nwarn',
      },
    });
  });

  it('rejects malformed hook payloads with one INPUT_INVALID line', () => {
    const stop = payload('Stop.json');
    const { session_id: _, ...noSession } = stop;
    assertInputInvalid(() => normalizeCodexNotify(noSession, 'Stop'), 'session_id');
    assertInputInvalid(
      () => normalizeCodexNotify({ ...stop, session_id: 'x'.repeat(9999) }, 'Stop'),
      'session_id',
    );
    assertInputInvalid(() => normalizeCodexNotify({ ...stop, model: 5 }, 'Stop'), 'model');
    assertInputInvalid(
      () => normalizeCodexNotify({ ...payload('UserPromptSubmit.json'), prompt: 1 }, 'UserPromptSubmit'),
      'prompt',
    );
    assertInputInvalid(
      () =>
        normalizeCodexNotify(
          { ...payload('PostToolUse-Bash.json'), tool_input: 'cargo test' },
          'PostToolUse',
        ),
      'tool_input',
    );
    assertInputInvalid(
      () => normalizeCodexNotify({ ...payload('PreToolUse-Bash.json'), tool_name: null }, 'PreToolUse'),
      'tool_name',
    );
    assertInputInvalid(() => normalizeCodexNotify({ hook_event_name: 'Stop' }, 'Stop'), 'session_id');
  });
});

describe('patchFiles', () => {
  it('names every file of an apply_patch envelope with what happened to it', () => {
    const patch = [
      '*** Begin Patch',
      '*** Add File: docs/limits.md',
      '+# Limits',
      '*** Update File: src/old_name.rs',
      '*** Move to: src/new_name.rs',
      '@@',
      '-a',
      '+b',
      '*** Update File: src/lib.rs',
      '@@',
      '+*** Add File: not/a/header.rs',
      '*** Delete File: src/dead.rs',
      '*** End Patch',
    ].join('\n');
    assert.deepEqual(patchFiles(patch), [
      { path: 'docs/limits.md', change: 'created', writes: [{ old: '', new: '# Limits\n' }] },
      { path: 'src/old_name.rs', change: 'deleted', writes: [] },
      // A renamed file is written with the hunks that follow its move.
      { path: 'src/new_name.rs', change: 'created', writes: [{ old: 'a\n', new: 'b\n' }] },
      {
        path: 'src/lib.rs',
        change: 'modified',
        writes: [{ old: '', new: '*** Add File: not/a/header.rs\n' }],
      },
      { path: 'src/dead.rs', change: 'deleted', writes: [] },
    ]);
  });

  it('reads what each hunk finds and leaves: context on both sides, the marks taken off', () => {
    const patch = [
      '*** Begin Patch',
      '*** Update File: src/lib.rs',
      '@@ fn limit',
      ' fn limit() -> u32 {',
      '-    10',
      '+    20  ',
      ' }',
      '',
      '@@',
      '-// old note',
      '*** End of File',
      '*** Add File: empty.txt',
      '*** End Patch',
      '',
    ].join('\n');
    assert.deepEqual(patchFiles(patch), [
      {
        path: 'src/lib.rs',
        change: 'modified',
        writes: [
          // Trailing blanks are the file's; an empty line within a hunk is an empty context line.
          { old: 'fn limit() -> u32 {\n    10\n}\n\n', new: 'fn limit() -> u32 {\n    20  \n}\n\n' },
          { old: '// old note\n', new: '' },
        ],
      },
      { path: 'empty.txt', change: 'created', writes: [] },
    ]);
  });
});

describe('parseCodexRollout', () => {
  const summary = parseCodexRollout(fixture('rollout.jsonl'));

  it('reads session_meta and turn_context', () => {
    assert.equal(summary.sessionId, THREAD);
    assert.equal(summary.cwd, CWD);
    assert.equal(summary.agentVersion, '0.47.0');
    assert.equal(summary.gitBranch, 'feat/upload-limit');
    assert.equal(summary.originator, 'codex_cli_rs');
    assert.equal(summary.modelProvider, 'openai');
    assert.deepEqual(summary.models, ['gpt-5-codex', 'gpt-5']);
    assert.equal(summary.model, 'gpt-5-codex');
    assert.deepEqual(summary.boundary, {
      permissionMode: 'on-request',
      sandbox: 'workspace-write',
      network: 'restricted',
    });
    assert.equal(summary.startedAt, '2026-03-02T10:00:00.117Z');
    assert.equal(summary.endedAt, '2026-03-02T10:05:09.500Z');
    assert.equal(summary.skippedLines, 1);
  });

  it('takes usage from the last cumulative total, split by model, cached input apart', () => {
    assert.deepEqual(summary.usage, [
      {
        model: 'gpt-5-codex',
        inputTokens: 8_000,
        outputTokens: 1_500,
        cacheReadTokens: 22_000,
        cacheWriteTokens: 0,
      },
      { model: 'gpt-5', inputTokens: 3_000, outputTokens: 400, cacheReadTokens: 8_000, cacheWriteTokens: 0 },
    ]);
    // The last total_token_usage is input 41000 (30000 cached) and output 1900: nothing summed twice.
    const sum = summary.usage.reduce(
      (acc, u) => ({
        input: acc.input + u.inputTokens,
        cached: acc.cached + u.cacheReadTokens,
        output: acc.output + u.outputTokens,
      }),
      { input: 0, cached: 0, output: 0 },
    );
    assert.deepEqual(sum, { input: 41_000 - 30_000, cached: 30_000, output: 1_900 });
  });

  it('turns the items into ordered events, each said once', () => {
    assert.deepEqual(summary.events, [
      {
        at: '2026-03-02T10:00:00.200Z',
        event: { type: 'context', source: 'rule-file', ref: `${CWD}/AGENTS.md` },
      },
      {
        at: '2026-03-02T10:00:05.410Z',
        event: { type: 'prompt', text: 'Add a request limit to the upload handler and make cargo test pass' },
      },
      {
        at: '2026-03-02T10:00:08.000Z',
        event: {
          type: 'reasoning',
          text: '**Inspecting the upload handler**\n\nThe body is read without a limit; run the tests first.',
        },
      },
      {
        at: '2026-03-02T10:00:09.000Z',
        event: {
          type: 'command',
          command: 'cargo test',
          exitCode: 101,
          durationMs: 4200,
          outputTail:
            'running 4 tests\ntest upload::rejects_large_body ... FAILED\ntest result: FAILED. 3 passed; 1 failed',
        },
      },
      {
        at: '2026-03-02T10:00:15.000Z',
        event: { type: 'context', source: 'search', ref: 'axum request body size limit' },
      },
      {
        at: '2026-03-02T10:00:20.000Z',
        event: {
          type: 'tool-call',
          tool: 'apply_patch',
          toolUseId: 'call_B2',
          summary: 'src/upload.rs, src/limit.rs',
          ok: true,
        },
      },
      {
        at: '2026-03-02T10:00:20.000Z',
        event: {
          type: 'file-edit',
          path: `${CWD}/src/upload.rs`,
          change: 'modified',
          ranges: [],
          tool: 'apply_patch',
          via: 'edit-tool',
        },
        // What the patch wrote, to place its lines at the turn end (never recorded).
        writes: [
          {
            old: '    let body = req.into_body();\n',
            new: '    let body = Limited::new(req.into_body(), limit::MAX);\n',
          },
        ],
      },
      {
        at: '2026-03-02T10:00:20.000Z',
        event: {
          type: 'file-edit',
          path: `${CWD}/src/limit.rs`,
          change: 'created',
          ranges: [],
          tool: 'apply_patch',
          via: 'edit-tool',
        },
        writes: [{ old: '', new: 'pub const MAX: usize = 1 << 20;\n' }],
      },
      {
        at: '2026-03-02T10:00:22.000Z',
        event: {
          type: 'command',
          command: 'cargo test',
          exitCode: 0,
          durationMs: 5100,
          outputTail: 'running 4 tests\n....\ntest result: ok. 4 passed; 0 failed',
        },
      },
      {
        at: '2026-03-02T10:00:28.000Z',
        event: {
          type: 'reasoning',
          text: 'Added a 1 MiB limit to the upload handler; cargo test passes (4 tests).',
        },
      },
      { at: '2026-03-02T10:05:00.010Z', event: { type: 'prompt', text: 'Explain the limit in the README' } },
      {
        at: '2026-03-02T10:05:09.000Z',
        event: { type: 'reasoning', text: 'The README now documents the 1 MiB upload limit.' },
      },
    ]);
    for (const { event } of summary.events) eventBodySchema.parse(event);
  });

  it('falls back to event messages when a rollout has no response items', () => {
    const text = [
      { timestamp: '2026-03-02T10:00:00Z', type: 'session_meta', payload: { id: 't1' } },
      {
        timestamp: '2026-03-02T10:00:01Z',
        type: 'event_msg',
        payload: { type: 'user_message', message: 'fix it' },
      },
      {
        timestamp: '2026-03-02T10:00:02Z',
        type: 'event_msg',
        payload: { type: 'agent_reasoning', text: 'thinking' },
      },
      {
        timestamp: '2026-03-02T10:00:03Z',
        type: 'event_msg',
        payload: {
          type: 'exec_command_end',
          call_id: 'c1',
          command: ['bash', '-lc', 'make test'],
          exit_code: 2,
          duration: { secs: 3, nanos: 0 },
          aggregated_output: 'boom',
        },
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    assert.deepEqual(
      parseCodexRollout(text).events.map((e) => e.event),
      [
        { type: 'prompt', text: 'fix it' },
        { type: 'reasoning', text: 'thinking' },
        { type: 'command', command: 'make test', exitCode: 2, durationMs: 3000, outputTail: 'boom' },
      ],
    );
  });

  it('reads shell-wrapped apply_patch and local_shell_call', () => {
    const text = [
      {
        type: 'response_item',
        payload: {
          type: 'function_call',
          name: 'shell',
          call_id: 'p1',
          arguments: JSON.stringify({
            command: ['apply_patch', '*** Begin Patch\n*** Delete File: a.txt\n*** End Patch\n'],
          }),
        },
      },
      {
        type: 'response_item',
        payload: {
          type: 'function_call_output',
          call_id: 'p1',
          output: '{"output":"Done!","metadata":{"exit_code":1}}',
        },
      },
      {
        type: 'response_item',
        payload: {
          type: 'local_shell_call',
          call_id: 'l1',
          status: 'completed',
          action: { type: 'exec', command: ['ls', '-la', 'my dir'] },
        },
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    assert.deepEqual(
      parseCodexRollout(text).events.map((e) => e.event),
      [
        { type: 'tool-call', tool: 'apply_patch', toolUseId: 'p1', summary: 'a.txt', ok: false },
        {
          type: 'file-edit',
          path: 'a.txt',
          change: 'deleted',
          ranges: [],
          tool: 'apply_patch',
          via: 'edit-tool',
        },
        { type: 'command', command: "ls -la 'my dir'" },
      ],
    );
  });

  it('follows a command unified exec left running through its polls to its exit code', () => {
    const events = parseCodexRollout(fixture('unified-exec.jsonl')).events.map((e) => e.event);
    assert.deepEqual(events, [
      {
        type: 'command',
        command: 'cargo test',
        exitCode: 101,
        // From the call to the answer that reported the exit: the wall times are the yields'.
        durationMs: 65_500,
        outputTail: 'Compiling acme\nrunning 4 tests\ntest result: FAILED. 3 passed; 1 failed\n',
      },
      // A dev server, left running: no exit code, and no duration.
      { type: 'command', command: 'npm run dev', outputTail: 'ready on :3000\n' },
      // The polls did what they were asked, whatever the exit code of what they polled.
      { type: 'tool-call', tool: 'write_stdin', toolUseId: 'w1' },
      { type: 'tool-call', tool: 'write_stdin', toolUseId: 'w2' },
      // A session this rollout never started: the poll keeps the code it reported.
      { type: 'tool-call', tool: 'write_stdin', toolUseId: 'w3', ok: true },
    ]);
    for (const event of events) eventBodySchema.parse(event);
  });

  it('records a call declined before it ran, or a patch that failed its check, as a failed tool call: no command ran, no file was edited', () => {
    const item = (payload: object) => JSON.stringify({ type: 'response_item', payload });
    const event = (payload: object) => JSON.stringify({ type: 'event_msg', payload });
    const output = (callId: string, text: string) =>
      item({ type: 'function_call_output', call_id: callId, output: text });
    const rollout = [
      JSON.stringify({ type: 'turn_context', payload: { cwd: '/r', model: 'gpt-5-codex' } }),
      // The person declines a command at the approval prompt.
      item({
        type: 'function_call',
        name: 'exec_command',
        call_id: 'd1',
        arguments: '{"cmd":"npm publish"}',
      }),
      output('d1', 'exec command rejected by user'),
      // And a patch: its file is named by no edit.
      item({
        type: 'custom_tool_call',
        name: 'apply_patch',
        call_id: 'd2',
        input: '*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-fn b() {}\n+fn b() { 1 }\n*** End Patch\n',
      }),
      output('d2', 'patch rejected by user'),
      // The approval reviewer declines one; newer versions say so in the command's end event,
      // then in the output too: recorded once.
      item({
        type: 'function_call',
        name: 'shell',
        call_id: 'd3',
        arguments: '{"command":["rm","-rf","/srv"]}',
      }),
      event({
        type: 'exec_command_end',
        call_id: 'd3',
        exit_code: -1,
        status: 'declined',
        aggregated_output:
          'This action was rejected due to unacceptable risk.\nReason: it deletes the server data',
      }),
      output('d3', 'This action was rejected due to unacceptable risk.\nReason: it deletes the server data'),
      // A patch that failed Codex's check wrote nothing: a failed call, no file edit.
      item({
        type: 'custom_tool_call',
        name: 'apply_patch',
        call_id: 'f1',
        input:
          '*** Begin Patch\n*** Update File: src/main.rs\n@@\n-fn x() {}\n+fn x() { 2 }\n*** End Patch\n',
      }),
      output(
        'f1',
        'apply_patch verification failed: Failed to find expected lines in /r/src/main.rs:\nfn x() {}',
      ),
      // A command that ran and says the words later is a command.
      item({
        type: 'function_call',
        name: 'exec_command',
        call_id: 'r1',
        arguments: '{"cmd":"grep -r rejected log"}',
      }),
      output('r1', 'Process exited with code 0\nOutput:\nlog: exec command rejected by user\n'),
    ].join('\n');
    const summary = parseCodexRollout(rollout);
    const events = summary.events.map((e) => e.event);
    assert.deepEqual(events, [
      {
        type: 'tool-call',
        tool: 'exec_command',
        toolUseId: 'd1',
        summary: 'denied: the person rejected it',
        ok: false,
      },
      {
        type: 'tool-call',
        tool: 'apply_patch',
        toolUseId: 'd2',
        summary: 'denied: the person rejected it',
        ok: false,
      },
      {
        type: 'tool-call',
        tool: 'shell',
        toolUseId: 'd3',
        summary: 'denied: This action was rejected due to unacceptable risk.',
        ok: false,
      },
      {
        type: 'tool-call',
        tool: 'apply_patch',
        toolUseId: 'f1',
        summary: 'failed: apply_patch verification failed: Failed to find expected lines in /r/src/main.rs:',
        ok: false,
      },
      {
        type: 'command',
        command: 'grep -r rejected log',
        exitCode: 0,
        outputTail: 'log: exec command rejected by user\n',
      },
    ]);
    for (const e of events) eventBodySchema.parse(e);
    assert.deepEqual(summary.failedCalls, [
      { toolUseId: 'd1', tool: 'exec_command', cause: 'person' },
      { toolUseId: 'd2', tool: 'apply_patch', cause: 'person' },
      {
        toolUseId: 'd3',
        tool: 'shell',
        cause: 'permission',
        reason: 'This action was rejected due to unacceptable risk.',
      },
      {
        toolUseId: 'f1',
        tool: 'apply_patch',
        cause: 'error',
        reason: 'apply_patch verification failed: Failed to find expected lines in /r/src/main.rs:',
      },
    ]);
  });

  it('takes no prompt from what Codex writes on the user’s side', () => {
    const user = (text: string) => ({
      type: 'response_item',
      payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    const text = [
      user('Fix the flaky login test'),
      user(
        '<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background.\n</turn_aborted>',
      ),
      user('<user_shell_command>\n<command>git status</command>\n</user_shell_command>'),
      user('<environment_context>\n  <cwd>/repo</cwd>\n</environment_context>'),
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    assert.deepEqual(
      parseCodexRollout(text).events.map((e) => e.event),
      [{ type: 'prompt', text: 'Fix the flaky login test' }],
    );
    const notified = normalizeCodexNotify(
      {
        type: 'agent-turn-complete',
        'thread-id': THREAD,
        'turn-id': '2',
        'input-messages': ['<turn_aborted>\ninterrupted\n</turn_aborted>', 'Try again, slower'],
      },
      'notify',
    );
    assert.deepEqual(
      notified.observations.flatMap((o) =>
        o.type === 'event' && o.event.type === 'prompt' ? [o.event.text] : [],
      ),
      ['Try again, slower'],
    );
  });

  it('survives any text', () => {
    assert.deepEqual(parseCodexRollout(''), { models: [], events: [], usage: [], skippedLines: 0 });
    assert.equal(
      parseCodexRollout('{\n[]\n"x"\n{"type":"event_msg","payload":{"type":"token_count","info":null}}')
        .skippedLines,
      3,
    );
  });
});

describe('installCodexNotify / uninstallCodexNotify', () => {
  const config = fixture('config.toml');
  const userNotify = fixture('config-with-user-notify.toml');
  const trailLine = 'notify = ["trail", "hook", "codex", "notify"]\n';

  it('creates the key in an empty config', () => {
    assert.equal(installCodexNotify(undefined, 'trail'), trailLine);
    assert.equal(installCodexNotify('', 'trail'), trailLine);
  });

  it('adds the top-level key after the last root key, not inside a table', () => {
    assert.equal(
      codexNotifyConflict(config),
      undefined,
      'a notify inside [profiles.fast] is not the top-level key',
    );
    const installed = installCodexNotify(config, 'trail');
    assert.ok(installed.includes(`]\n${trailLine}\n# MCP servers\n[mcp_servers.github]`));
    assert.equal(installed.replace(trailLine, ''), config);
  });

  it('installing twice is idempotent and uninstalling restores the text', () => {
    const once = installCodexNotify(config, 'trail');
    assert.equal(installCodexNotify(once, 'trail'), once);
    assert.equal(uninstallCodexNotify(installCodexNotify(once, 'trail')), config);
  });

  it('a new command replaces Trail’s notify in place', () => {
    const moved = installCodexNotify(
      installCodexNotify(config, 'trail'),
      '"/Applications/My Tools/trail" --quiet',
    );
    assert.ok(
      moved.includes('notify = ["/Applications/My Tools/trail", "--quiet", "hook", "codex", "notify"]\n'),
    );
    assert.equal(moved.match(/"hook", "codex"/g)?.length, 1);
  });

  it('never overwrites the user’s own notify program', () => {
    assert.equal(codexNotifyConflict(userNotify), 'python3 /home/dev/.codex/notify.py');
    assert.equal(installCodexNotify(userNotify, 'trail'), userNotify);
    assert.equal(uninstallCodexNotify(userNotify), userNotify);
    assert.equal(codexNotifyConflict('notify = "oops"\n'), '"oops"');
  });

  it('uninstall of a file Trail created leaves nothing', () => {
    assert.equal(uninstallCodexNotify(installCodexNotify(undefined, 'trail')), undefined);
  });

  it('appends after a last line that has no newline', () => {
    assert.equal(installCodexNotify('model = "o3"', 'trail'), `model = "o3"\n${trailLine}`);
  });

  it('rejects TOML it cannot read', () => {
    assertInputInvalid(() => installCodexNotify('model = "o3\n', 'trail'), 'config.toml');
    assertInputInvalid(() => installCodexNotify('list = [1, 2\n', 'trail'), 'config.toml');
    assertInputInvalid(() => codexNotifyConflict('just words\n'), 'config.toml');
    assertInputInvalid(() => installCodexNotify(undefined, '   '), 'command');
  });
});
