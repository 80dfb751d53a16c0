import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CURSOR_HOOK_EVENTS,
  hasTrailCursorHooks,
  installCursorHooks,
  normalizeCursor,
  uninstallCursorHooks,
} from '../../src/capture/agents/cursor.js';
import type { Observation, SessionInfo } from '../../src/capture/observation.js';
import { isTrailError } from '../../src/core/errors.js';
import { eventBodySchema } from '../../src/core/records.js';

const fixtures = new URL('../fixtures/cursor/', import.meta.url);
const text = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const json = (name: string): Record<string, unknown> => JSON.parse(text(name));

const SESSION = '4b9e2c71-8d3a-4f05-a6e1-2c7d9b0f5e38';
const CWD = '/Users/dev/shop';
const TRANSCRIPT =
  '/Users/dev/.cursor/projects/Users-dev-shop/agent-transcripts/4b9e2c71-8d3a-4f05-a6e1-2c7d9b0f5e38.txt';
const INFO: SessionInfo = {
  model: 'claude-4.5-sonnet-thinking',
  agentVersion: '2.1.46',
  userEmail: 'dev@example.com',
  transcriptPath: TRANSCRIPT,
  cwd: CWD,
};

function invalidInput(fn: () => unknown): void {
  assert.throws(
    fn,
    (error: unknown) =>
      isTrailError(error) && error.code === 'INPUT_INVALID' && !error.message.includes('\n'),
  );
}

const hookCases: Array<[file: string, hook: string, observations: Observation[]]> = [
  ['session-start.json', 'sessionStart', [{ type: 'session', info: { ...INFO, permissionMode: 'agent' } }]],
  ['session-end.json', 'sessionEnd', [{ type: 'session', info: INFO, ended: true, reason: 'user_close' }]],
  [
    'before-submit-prompt.json',
    'beforeSubmitPrompt',
    [
      { type: 'session', info: INFO },
      {
        type: 'event',
        event: {
          type: 'prompt',
          text: 'Cap the cart discount at the subtotal and add a test for it',
          promptId: 'e0a7c3d5-19b4-4e8f-b2c6-7d1f5a9e3b04',
        },
      },
      {
        type: 'event',
        event: {
          type: 'context',
          source: 'file-read',
          ref: '/Users/dev/shop/src/cart.ts',
          note: 'attached to the prompt',
        },
      },
      {
        type: 'event',
        event: {
          type: 'context',
          source: 'rule-file',
          ref: '/Users/dev/shop/.cursor/rules/testing.mdc',
          note: 'attached to the prompt',
        },
      },
    ],
  ],
  [
    'before-shell-execution.json',
    'beforeShellExecution',
    [{ type: 'before-change', paths: [], via: 'shell' }],
  ],
  [
    'after-shell-execution.json',
    'afterShellExecution',
    [
      { type: 'after-change', paths: [], via: 'shell', tool: 'shell', command: 'npm test -- --run' },
      {
        type: 'event',
        event: {
          type: 'command',
          command: 'npm test -- --run',
          durationMs: 2184,
          outputTail:
            '\n> shop@1.0.0 test\n> vitest run --run\n\n ✓ test/cart.test.ts (2 tests) 4ms\n\n Test Files  1 passed (1)\n      Tests  2 passed (2)\n',
        },
      },
    ],
  ],
  [
    'after-file-edit.json',
    'afterFileEdit',
    [
      {
        type: 'after-change',
        paths: ['/Users/dev/shop/src/cart.ts'],
        via: 'edit-tool',
        tool: 'edit',
        written: [
          {
            old: '  return lines.reduce((sum, l) => sum + l.price * l.qty, 0) - discount;',
            new: '  const subtotal = lines.reduce((sum, l) => sum + l.price * l.qty, 0);\n  return Math.max(0, subtotal - discount);',
          },
        ],
      },
    ],
  ],
  [
    'after-tab-file-edit.json',
    'afterTabFileEdit',
    [
      {
        type: 'after-change',
        paths: ['/Users/dev/shop/test/cart.test.ts'],
        via: 'edit-tool',
        tool: 'tab',
        written: [{ old: '', new: '  expect(cartTotal([{ price: 10, qty: 1 }], 25)).toBe(0);' }],
      },
    ],
  ],
  [
    'before-read-file.json',
    'beforeReadFile',
    [
      {
        type: 'event',
        event: {
          type: 'context',
          source: 'file-read',
          ref: '/Users/dev/shop/src/cart.ts',
          digest: createHash('sha256').update('type Line = { price: number; qty: number };\n').digest('hex'),
        },
      },
    ],
  ],
  ['before-mcp-execution.json', 'beforeMCPExecution', []],
  [
    'after-mcp-execution.json',
    'afterMCPExecution',
    [
      {
        type: 'event',
        event: { type: 'tool-call', tool: 'mcp__linear__get_issue', summary: '{"id":"SHOP-151"}', ok: true },
      },
      {
        type: 'event',
        event: { type: 'context', source: 'mcp-server', ref: 'linear', note: 'https://mcp.linear.app/sse' },
      },
    ],
  ],
  [
    'after-mcp-execution-stdio.json',
    'afterMCPExecution',
    [
      {
        type: 'event',
        event: {
          type: 'tool-call',
          tool: 'mcp__postgres__query',
          summary: '{"sql":"select count(*) from orders where total < 0"}',
          ok: false,
        },
      },
      // The launch arguments (here a connection string with a password) stay out of the record.
      {
        type: 'event',
        event: { type: 'context', source: 'mcp-server', ref: 'postgres', note: 'stdio: npx' },
      },
    ],
  ],
  [
    'after-agent-response.json',
    'afterAgentResponse',
    [
      {
        type: 'event',
        event: {
          type: 'reasoning',
          text: 'Capped the total at zero with Math.max and added a test where the discount exceeds the subtotal; all tests pass.',
        },
      },
    ],
  ],
  [
    'after-agent-thought.json',
    'afterAgentThought',
    [
      {
        type: 'event',
        event: {
          type: 'reasoning',
          text: 'The subtraction happens after the reduce, so clamping the final value is the smallest change; no caller relies on negative totals.',
        },
      },
    ],
  ],
  ['stop.json', 'stop', [{ type: 'turn-end', transcriptPath: TRANSCRIPT }]],
  ['pre-compact.json', 'preCompact', []],
];

describe('normalizeCursor', () => {
  for (const [file, hook, observations] of hookCases) {
    it(`maps ${file}`, () => {
      const result = normalizeCursor(json(file), hook);
      // Every payload names the session's model and version, whatever its event.
      assert.deepEqual(result, {
        agent: 'cursor',
        sessionId: SESSION,
        hook,
        cwd: CWD,
        observations,
        sessionInfo: INFO,
      });
      for (const o of result.observations) {
        if (o.type === 'event') assert.deepEqual(eventBodySchema.parse(o.event), o.event);
      }
    });
  }

  it('falls back to session_id when conversation_id is missing', () => {
    const { conversation_id: _, ...payload } = json('session-start.json');
    assert.equal(normalizeCursor(payload, 'sessionStart').sessionId, SESSION);
  });

  it('prefers the command cwd and leaves out unknown (null) values', () => {
    const payload = {
      ...json('before-submit-prompt.json'),
      user_email: null,
      transcript_path: null,
      model: null,
      cursor_version: null,
      workspace_roots: [],
      attachments: [{ type: 'file', filePath: '/Users/dev/shop/README.md' }, { type: 'file' }, 'junk'],
    };
    const result = normalizeCursor(payload, 'beforeSubmitPrompt');
    assert.equal('cwd' in result, false);
    // Nothing known about the session: no session observation at all.
    assert.deepEqual(result.observations, [
      {
        type: 'event',
        event: {
          type: 'prompt',
          text: 'Cap the cart discount at the subtotal and add a test for it',
          promptId: 'e0a7c3d5-19b4-4e8f-b2c6-7d1f5a9e3b04',
        },
      },
      {
        type: 'event',
        event: {
          type: 'context',
          source: 'file-read',
          ref: '/Users/dev/shop/README.md',
          note: 'attached to the prompt',
        },
      },
    ]);
    const shell = normalizeCursor(
      { ...json('after-shell-execution.json'), cwd: '/Users/dev/shop/web' },
      'afterShellExecution',
    );
    assert.equal(shell.cwd, '/Users/dev/shop/web');
  });

  it('records an exit code when a payload carries one', () => {
    const payload = { ...json('after-shell-execution.json'), exit_code: 1, output: '' };
    const [, ran] = normalizeCursor(payload, 'afterShellExecution').observations;
    assert.deepEqual(ran, {
      type: 'event',
      event: { type: 'command', command: 'npm test -- --run', exitCode: 1, durationMs: 2184 },
    });
  });

  it('records nothing for hooks it does not handle', () => {
    for (const hook of ['preToolUse', 'postToolUse', 'subagentStop', 'beforeTabFileRead']) {
      assert.deepEqual(
        normalizeCursor({ ...json('stop.json'), hook_event_name: hook }, hook).observations,
        [],
      );
    }
  });

  describe('refuses malformed payloads', () => {
    const prompt = json('before-submit-prompt.json');
    const shell = json('after-shell-execution.json');
    const edit = json('after-file-edit.json');
    const mcp = json('after-mcp-execution.json');
    const cases: Array<[string, unknown, string]> = [
      ['null', null, 'stop'],
      ['an array', [prompt], 'beforeSubmitPrompt'],
      ['a number', 7, 'stop'],
      ['no conversation or session id', { ...prompt, conversation_id: undefined }, 'beforeSubmitPrompt'],
      ['a numeric conversation id', { ...prompt, conversation_id: 12 }, 'beforeSubmitPrompt'],
      [
        'workspace_roots as a string',
        { ...prompt, workspace_roots: '/Users/dev/shop' },
        'beforeSubmitPrompt',
      ],
      ['a numeric model', { ...prompt, model: 4 }, 'beforeSubmitPrompt'],
      ['beforeSubmitPrompt without a prompt', { ...prompt, prompt: undefined }, 'beforeSubmitPrompt'],
      ['attachments as an object', { ...prompt, attachments: { type: 'file' } }, 'beforeSubmitPrompt'],
      ['afterShellExecution without a command', { ...shell, command: undefined }, 'afterShellExecution'],
      ['a duration that is text', { ...shell, duration: '2184ms' }, 'afterShellExecution'],
      ['output that is not text', { ...shell, output: ['ok'] }, 'afterShellExecution'],
      ['afterFileEdit without a file path', { ...edit, file_path: undefined }, 'afterFileEdit'],
      ['edits as a string', { ...edit, edits: 'old → new' }, 'afterFileEdit'],
      ['afterMCPExecution without a tool name', { ...mcp, tool_name: undefined }, 'afterMCPExecution'],
    ];
    for (const [name, payload, hook] of cases) {
      it(name, () => invalidInput(() => normalizeCursor(payload, hook)));
    }
  });
});

describe('installCursorHooks / uninstallCursorHooks', () => {
  const command = '/usr/local/bin/trail';

  it('creates hooks.json and removes it again', () => {
    const installed = installCursorHooks(undefined, command);
    assert.equal(installed, `${JSON.stringify(JSON.parse(installed), null, 2)}\n`);
    const doc = JSON.parse(installed) as { version: number; hooks: Record<string, unknown> };
    assert.equal(doc.version, 1);
    assert.deepEqual(Object.keys(doc.hooks), [...CURSOR_HOOK_EVENTS]);
    assert.deepEqual(doc.hooks.afterFileEdit, [{ command: `${command} hook cursor afterFileEdit` }]);
    assert.equal(uninstallCursorHooks(installed), undefined);
  });

  it("keeps the user's hooks through install, install again, and uninstall", () => {
    const original = text('hooks-with-user-hooks.json');
    const once = installCursorHooks(original, command);
    const twice = installCursorHooks(once, command);
    assert.equal(twice, once);
    const doc = JSON.parse(twice) as { hooks: Record<string, Array<{ command: string }>> };
    assert.deepEqual(
      doc.hooks.stop?.map((e) => e.command),
      ['.cursor/hooks/audit.sh', `${command} hook cursor stop`],
    );
    const removed = uninstallCursorHooks(twice);
    assert.ok(removed !== undefined);
    assert.deepEqual(JSON.parse(removed), JSON.parse(original));
  });

  it("replaces Trail's hooks when the command changes", () => {
    const moved = installCursorHooks(installCursorHooks(undefined, command), 'npx trail-audit');
    const commands = [...moved.matchAll(/"command": "([^"]+)"/g)].map((m) => m[1]);
    assert.equal(commands.length, CURSOR_HOOK_EVENTS.length);
    assert.ok(commands.every((c) => c?.startsWith('npx trail-audit hook cursor ')));
  });

  it('leaves a file without Trail hooks exactly as it was', () => {
    const original = text('hooks-with-user-hooks.json');
    assert.equal(uninstallCursorHooks(original), original);
  });

  it('never takes a user entry for Trail when it sits under another event', () => {
    const doc = { version: 1, hooks: { stop: [{ command: './relay hook cursor afterFileEdit' }] } };
    assert.deepEqual(
      JSON.parse(uninstallCursorHooks(installCursorHooks(JSON.stringify(doc), command)) ?? 'null'),
      doc,
    );
  });

  it('keeps keys other than version and hooks when nothing else is left', () => {
    const doc = { $schema: 'https://unpkg.com/cursor-hooks@latest/schema/hooks.schema.json', version: 1 };
    assert.deepEqual(
      JSON.parse(uninstallCursorHooks(installCursorHooks(JSON.stringify(doc), command)) ?? 'null'),
      {
        ...doc,
        hooks: {},
      },
    );
  });

  it("tells whether a hooks.json holds Trail's hooks", () => {
    const users = text('hooks-with-user-hooks.json');
    assert.equal(hasTrailCursorHooks(installCursorHooks(users, command)), true);
    assert.equal(hasTrailCursorHooks(users), false);
    // A user's entry naming Trail's command under another event is not Trail's.
    assert.equal(
      hasTrailCursorHooks(JSON.stringify({ hooks: { stop: [{ command: 'x hook cursor afterFileEdit' }] } })),
      false,
    );
    for (const broken of [undefined, '', '{ version: 1 }', '[]', 'null', '{"hooks": []}'])
      assert.equal(hasTrailCursorHooks(broken), false, String(broken));
  });

  for (const [name, input] of [
    ['a file that is not JSON', '{ version: 1 }'],
    ['a file that is an array', '[]'],
    ['hooks that are not an object', '{"version": 1, "hooks": []}'],
    ['an event that is not a list', '{"version": 1, "hooks": {"stop": {"command": "x"}}}'],
  ] as const) {
    it(`refuses ${name}`, () => invalidInput(() => installCursorHooks(input, command)));
  }
});
