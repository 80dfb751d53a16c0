import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  GEMINI_HOOK_EVENTS,
  installGeminiHooks,
  normalizeGeminiCli,
  parseGeminiTranscript,
  uninstallGeminiHooks,
} from '../../src/capture/agents/gemini-cli.js';
import type { Observation } from '../../src/capture/observation.js';
import { isTrailError } from '../../src/core/errors.js';
import { eventBodySchema } from '../../src/core/records.js';

const fixtures = new URL('../fixtures/gemini-cli/', import.meta.url);
const text = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const json = (name: string): unknown => JSON.parse(text(name));

const SESSION = '3f1c2a9b-7d4e-4c1a-9b2e-5a8d6f0e1c47';
const CWD = '/home/dev/shop';
const TRANSCRIPT = '/home/dev/.gemini/tmp/9c1e4f0a2b7d/chats/session-2026-01-14T09-12-3f1c2a9b.jsonl';

function invalidInput(fn: () => unknown): void {
  assert.throws(
    fn,
    (error: unknown) =>
      isTrailError(error) && error.code === 'INPUT_INVALID' && !error.message.includes('\n'),
  );
}

/** Every event an adapter emits must pass the strict record schema unchanged. */
function assertValidEvents(observations: Observation[]): void {
  for (const o of observations) {
    if (o.type === 'event') assert.deepEqual(eventBodySchema.parse(o.event), o.event);
  }
}

const hookCases: Array<[file: string, hook: string, at: string, observations: Observation[]]> = [
  [
    'session-start.json',
    'SessionStart',
    '2026-01-14T09:12:03.511Z',
    [{ type: 'session', info: { cwd: CWD, transcriptPath: TRANSCRIPT, source: 'startup' } }],
  ],
  [
    'session-end.json',
    'SessionEnd',
    '2026-01-14T09:41:57.020Z',
    [{ type: 'session', info: { cwd: CWD, transcriptPath: TRANSCRIPT }, ended: true, reason: 'exit' }],
  ],
  [
    'before-agent.json',
    'BeforeAgent',
    '2026-01-14T09:12:41.094Z',
    [
      {
        type: 'event',
        event: { type: 'prompt', text: 'Add a discount field to the cart total and cover it with a test' },
      },
    ],
  ],
  [
    'after-agent.json',
    'AfterAgent',
    '2026-01-14T09:14:58.377Z',
    [{ type: 'turn-end', transcriptPath: TRANSCRIPT }],
  ],
  [
    'before-model.json',
    'BeforeModel',
    '2026-01-14T09:12:41.310Z',
    [{ type: 'session', info: { model: 'gemini-2.5-pro' } }],
  ],
  [
    'after-model.json',
    'AfterModel',
    '2026-01-14T09:14:57.902Z',
    [
      { type: 'session', info: { model: 'gemini-2.5-pro' } },
      {
        type: 'event',
        // 11301 total − 11050 prompt: candidates plus the thinking tokens the hook does not list.
        event: {
          type: 'usage',
          model: 'gemini-2.5-pro',
          inputTokens: 11050,
          outputTokens: 251,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
        },
      },
    ],
  ],
  [
    'after-model-chunk.json',
    'AfterModel',
    '2026-01-14T09:14:57.410Z',
    [{ type: 'session', info: { model: 'gemini-2.5-pro' } }],
  ],
  [
    'before-tool-write-file.json',
    'BeforeTool',
    '2026-01-14T09:13:30.118Z',
    [
      {
        type: 'before-change',
        paths: ['/home/dev/shop/test/cart.test.ts'],
        via: 'edit-tool',
        intended: {
          content:
            "import { cartTotal } from '../src/cart';\n\ntest('applies the discount', () => {\n  expect(cartTotal([{ price: 10, qty: 2 }], 5)).toBe(15);\n});\n",
        },
      },
    ],
  ],
  [
    'after-tool-write-file.json',
    'AfterTool',
    '2026-01-14T09:13:31.004Z',
    [
      {
        type: 'after-change',
        paths: ['/home/dev/shop/test/cart.test.ts'],
        via: 'edit-tool',
        tool: 'write_file',
      },
    ],
  ],
  [
    'before-tool-replace.json',
    'BeforeTool',
    '2026-01-14T09:13:02.640Z',
    [
      {
        type: 'before-change',
        paths: ['/home/dev/shop/src/cart.ts'],
        via: 'edit-tool',
        // Every occurrence: Gemini's replace refuses a call whose count is not expected_replacements.
        intended: {
          edits: [
            {
              old: 'export function cartTotal(lines: Line[]): number {\n  return lines.reduce((sum, l) => sum + l.price * l.qty, 0);\n}',
              new: 'export function cartTotal(lines: Line[], discount = 0): number {\n  return lines.reduce((sum, l) => sum + l.price * l.qty, 0) - discount;\n}',
              all: true,
            },
          ],
        },
      },
    ],
  ],
  [
    'after-tool-replace.json',
    'AfterTool',
    '2026-01-14T09:13:03.217Z',
    [{ type: 'after-change', paths: ['/home/dev/shop/src/cart.ts'], via: 'edit-tool', tool: 'replace' }],
  ],
  [
    'before-tool-shell.json',
    'BeforeTool',
    '2026-01-14T09:13:40.551Z',
    [{ type: 'before-change', paths: [], via: 'shell' }],
  ],
  [
    'after-tool-shell.json',
    'AfterTool',
    '2026-01-14T09:13:46.902Z',
    [
      { type: 'after-change', paths: [], via: 'shell', tool: 'run_shell_command', command: 'npm test' },
      {
        type: 'event',
        event: {
          type: 'command',
          command: 'npm test',
          exitCode: 0,
          outputTail:
            '\n> shop@1.0.0 test\n> vitest run\n\n ✓ test/cart.test.ts (1 test) 3ms\n\n Test Files  1 passed (1)\n      Tests  1 passed (1)',
        },
      },
    ],
  ],
  [
    'after-tool-shell-failed.json',
    'AfterTool',
    '2026-01-14T09:13:20.115Z',
    [
      {
        type: 'after-change',
        paths: [],
        via: 'shell',
        tool: 'run_shell_command',
        command: 'npx tsc --noEmit',
      },
      {
        type: 'event',
        event: {
          type: 'command',
          command: 'npx tsc --noEmit',
          exitCode: 2,
          outputTail: "src/cart.ts(4,58): error TS2304: Cannot find name 'discount'.",
        },
      },
    ],
  ],
  [
    'after-tool-read-file.json',
    'AfterTool',
    '2026-01-14T09:12:49.870Z',
    [{ type: 'event', event: { type: 'context', source: 'file-read', ref: '/home/dev/shop/src/cart.ts' } }],
  ],
  [
    'after-tool-read-many-files.json',
    'AfterTool',
    '2026-01-14T09:12:52.336Z',
    [
      {
        type: 'event',
        event: { type: 'context', source: 'file-read', ref: 'src/**/*.ts', note: 'glob pattern' },
      },
      { type: 'event', event: { type: 'context', source: 'file-read', ref: 'README.md' } },
    ],
  ],
  [
    'after-tool-web-fetch.json',
    'AfterTool',
    '2026-01-14T09:12:55.002Z',
    [
      {
        type: 'event',
        event: {
          type: 'context',
          source: 'url',
          ref: 'https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Math/round',
        },
      },
      {
        type: 'event',
        event: { type: 'context', source: 'url', ref: 'https://tc39.es/ecma262/#sec-math.round' },
      },
    ],
  ],
  [
    'after-tool-google-web-search.json',
    'AfterTool',
    '2026-01-14T09:12:53.760Z',
    [
      {
        type: 'event',
        event: { type: 'context', source: 'search', ref: 'javascript currency rounding half even' },
      },
    ],
  ],
  ['before-tool-mcp.json', 'BeforeTool', '2026-01-14T09:12:44.018Z', []],
  [
    'after-tool-mcp.json',
    'AfterTool',
    '2026-01-14T09:12:45.733Z',
    [
      {
        type: 'event',
        event: { type: 'tool-call', tool: 'mcp__linear__get_issue', summary: '{"id":"SHOP-142"}', ok: true },
      },
      {
        type: 'event',
        event: { type: 'context', source: 'mcp-server', ref: 'linear', note: 'https://mcp.linear.app/sse' },
      },
    ],
  ],
  [
    'after-tool-glob.json',
    'AfterTool',
    '2026-01-14T09:12:47.208Z',
    [
      {
        type: 'event',
        event: { type: 'tool-call', tool: 'glob', summary: '{"pattern":"src/**/*.ts"}', ok: true },
      },
    ],
  ],
  ['notification.json', 'Notification', '2026-01-14T09:13:40.602Z', []],
  ['pre-compress.json', 'PreCompress', '2026-01-14T09:30:11.448Z', []],
];

describe('normalizeGeminiCli', () => {
  for (const [file, hook, at, observations] of hookCases) {
    it(`maps ${file}`, () => {
      const result = normalizeGeminiCli(json(file), hook);
      assert.deepEqual(result, { agent: 'gemini-cli', sessionId: SESSION, hook, at, cwd: CWD, observations });
      assertValidEvents(result.observations);
    });
  }

  it('takes the event name from the payload over the command line', () => {
    assert.equal(normalizeGeminiCli(json('before-agent.json'), 'AfterAgent').hook, 'BeforeAgent');
    const { hook_event_name: _, ...bare } = json('after-agent.json') as Record<string, unknown>;
    assert.equal(normalizeGeminiCli(bare, 'AfterAgent').observations[0]?.type, 'turn-end');
  });

  it('records nothing for events it does not know', () => {
    const payload = { ...(json('session-start.json') as object), hook_event_name: 'BeforeToolSelection' };
    assert.deepEqual(normalizeGeminiCli(payload, 'BeforeToolSelection').observations, []);
  });

  it('leaves out an empty transcript path and an unreadable time', () => {
    const payload = { ...(json('after-agent.json') as object), transcript_path: '', timestamp: 'soon' };
    const result = normalizeGeminiCli(payload, 'AfterAgent');
    assert.equal('at' in result, false);
    assert.deepEqual(result.observations, [{ type: 'turn-end' }]);
  });

  it('cuts a prompt longer than a record holds', () => {
    const payload = { ...(json('before-agent.json') as object), prompt: 'x'.repeat(70_000) };
    const [observation] = normalizeGeminiCli(payload, 'BeforeAgent').observations;
    assert.ok(observation?.type === 'event' && observation.event.type === 'prompt');
    assert.ok(observation.event.text.length <= 65_536);
    assert.match(observation.event.text, /^x{65000,}…\[truncated \d+ characters\]$/);
  });

  it('leaves a shell exit code unknown when the result does not say it', () => {
    const payload = json('after-tool-shell.json') as Record<string, unknown>;
    const cancelled = {
      ...payload,
      tool_response: {
        llmContent: 'Command was cancelled by user before it could complete.',
        returnDisplay: '',
      },
    };
    const [, ran] = normalizeGeminiCli(cancelled, 'AfterTool').observations;
    assert.deepEqual(ran, {
      type: 'event',
      event: {
        type: 'command',
        command: 'npm test',
        outputTail: 'Command was cancelled by user before it could complete.',
      },
    });
  });

  it('keeps sentence punctuation out of fetched URLs', () => {
    const payload = {
      ...(json('after-tool-web-fetch.json') as object),
      tool_input: { prompt: 'Summarize https://example.com/a.' },
    };
    assert.deepEqual(normalizeGeminiCli(payload, 'AfterTool').observations, [
      { type: 'event', event: { type: 'context', source: 'url', ref: 'https://example.com/a' } },
    ]);
  });

  it('reports a failed tool call as not ok instead of as context', () => {
    const payload = {
      ...(json('after-tool-read-file.json') as object),
      tool_response: {
        llmContent: 'File not found.',
        returnDisplay: '',
        error: { message: 'File not found.', type: 'file_not_found' },
      },
    };
    assert.deepEqual(normalizeGeminiCli(payload, 'AfterTool').observations, [
      {
        type: 'event',
        event: {
          type: 'tool-call',
          tool: 'read_file',
          summary: '{"file_path":"/home/dev/shop/src/cart.ts"}',
          ok: false,
        },
      },
    ]);
  });

  describe('refuses malformed payloads', () => {
    const base = json('before-agent.json') as Record<string, unknown>;
    const tool = json('after-tool-shell.json') as Record<string, unknown>;
    const cases: Array<[string, unknown, string]> = [
      ['null', null, 'BeforeAgent'],
      ['an array', [base], 'BeforeAgent'],
      ['a string', JSON.stringify(base), 'BeforeAgent'],
      ['no session id', { ...base, session_id: undefined }, 'BeforeAgent'],
      ['an empty session id', { ...base, session_id: '' }, 'BeforeAgent'],
      ['a numeric session id', { ...base, session_id: 42 }, 'BeforeAgent'],
      ['a numeric cwd', { ...base, cwd: 7 }, 'BeforeAgent'],
      ['a prompt that is not text', { ...base, prompt: ['fix it'] }, 'BeforeAgent'],
      ['BeforeAgent without a prompt', { ...base, prompt: undefined }, 'BeforeAgent'],
      ['a tool event without a tool name', { ...tool, tool_name: undefined }, 'AfterTool'],
      ['tool_input as a string', { ...tool, tool_input: '{"command":"npm test"}' }, 'AfterTool'],
      ['tool_response as a string', { ...tool, tool_response: 'ok' }, 'AfterTool'],
      [
        'llm_request as a string',
        { ...base, hook_event_name: 'BeforeModel', llm_request: 'gemini' },
        'BeforeModel',
      ],
    ];
    for (const [name, payload, hook] of cases) {
      it(name, () => invalidInput(() => normalizeGeminiCli(payload, hook)));
    }
  });
});

describe('parseGeminiTranscript', () => {
  it('reads the JSON-lines recording, last copy of each message winning', () => {
    const model = 'gemini-2.5-pro';
    assert.deepEqual(parseGeminiTranscript(text('session-2026-01-14T09-12-3f1c2a9b.jsonl')), {
      sessionId: SESSION,
      startedAt: '2026-01-14T09:12:03.498Z',
      endedAt: '2026-01-14T09:14:58.001Z',
      model,
      models: [model],
      events: [
        {
          at: '2026-01-14T09:12:41.090Z',
          event: { type: 'prompt', text: 'Add a discount field to the cart total and cover it with a test' },
        },
        {
          at: '2026-01-14T09:12:46.120Z',
          event: {
            type: 'reasoning',
            text: 'Locating the total: The total is computed in src/cart.ts; I need to see its signature before changing it.',
          },
        },
        {
          at: '2026-01-14T09:12:48.902Z',
          event: { type: 'reasoning', text: 'I will read the cart module first.' },
        },
        {
          at: '2026-01-14T09:12:49.870Z',
          event: { type: 'context', source: 'file-read', ref: '/home/dev/shop/src/cart.ts' },
        },
        {
          // input 9120 includes the 4096 cached; output adds the 312 thinking tokens.
          at: '2026-01-14T09:12:48.902Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 5024,
            outputTokens: 366,
            cacheReadTokens: 4096,
            cacheWriteTokens: 0,
          },
        },
        {
          at: '2026-01-14T09:13:03.217Z',
          event: {
            type: 'file-edit',
            path: '/home/dev/shop/src/cart.ts',
            change: 'modified',
            ranges: [],
            tool: 'replace',
            via: 'edit-tool',
          },
        },
        {
          at: '2026-01-14T09:13:46.902Z',
          event: {
            type: 'command',
            command: 'npm test',
            exitCode: 0,
            outputTail: '\n> shop@1.0.0 test\n> vitest run\n\n Test Files  1 passed (1)',
          },
        },
        {
          at: '2026-01-14T09:13:01.447Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 2208,
            outputTokens: 208,
            cacheReadTokens: 8192,
            cacheWriteTokens: 0,
          },
        },
        {
          at: '2026-01-14T09:14:57.988Z',
          event: {
            type: 'reasoning',
            text: 'Added `discount` to `cartTotal` and a test for it; `npm test` passes.',
          },
        },
        {
          at: '2026-01-14T09:14:57.988Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 2858,
            outputTokens: 95,
            cacheReadTokens: 8192,
            cacheWriteTokens: 0,
          },
        },
      ],
      usage: [{ model, inputTokens: 10090, outputTokens: 669, cacheReadTokens: 20480, cacheWriteTokens: 0 }],
      skippedLines: 1,
    });
  });

  it('reads the older single-JSON session record', () => {
    const model = 'gemini-2.5-flash';
    const summary = parseGeminiTranscript(text('session-2025-10-02T14-03-8a2d5f61.json'));
    assert.deepEqual(summary, {
      sessionId: '8a2d5f61-3b7e-4c09-a1d4-6e9f2b0c7d35',
      startedAt: '2025-10-02T14:03:11.204Z',
      endedAt: '2025-10-02T14:06:40.517Z',
      model,
      models: [model],
      events: [
        {
          at: '2025-10-02T14:03:30.118Z',
          event: {
            type: 'prompt',
            text: 'Write a CHANGELOG entry for the discount feature, then push the branch',
          },
        },
        {
          at: '2025-10-02T14:03:35.002Z',
          event: { type: 'reasoning', text: 'Checking conventions: Keep a Changelog is likely; confirm.' },
        },
        {
          at: '2025-10-02T14:03:41.650Z',
          event: { type: 'reasoning', text: 'Searching for the changelog conventions first.' },
        },
        {
          at: '2025-10-02T14:03:44.981Z',
          event: { type: 'context', source: 'search', ref: 'keep a changelog unreleased section format' },
        },
        {
          at: '2025-10-02T14:03:46.220Z',
          event: {
            type: 'tool-call',
            tool: 'mcp__github__get_pull_request',
            toolUseId: 'mcp__github__get_pull_request-1759413821650-1',
            summary: '{"owner":"acme","repo":"shop","pullNumber":88}',
            ok: true,
          },
        },
        { at: '2025-10-02T14:03:46.220Z', event: { type: 'context', source: 'mcp-server', ref: 'github' } },
        {
          at: '2025-10-02T14:03:41.650Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 6200,
            outputTokens: 220,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
          },
        },
        {
          at: '2025-10-02T14:05:05.871Z',
          event: {
            type: 'file-edit',
            path: '/home/dev/shop/CHANGELOG.md',
            change: 'created',
            ranges: [],
            tool: 'write_file',
            via: 'edit-tool',
          },
        },
        {
          // Cancelled before it ran: a refused call, not a command.
          at: '2025-10-02T14:06:31.400Z',
          event: {
            type: 'tool-call',
            tool: 'run_shell_command',
            toolUseId: 'run_shell_command-1759413902333-1',
            summary: 'Push the branch.',
            ok: false,
          },
        },
        {
          at: '2025-10-02T14:05:02.333Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 2804,
            outputTokens: 150,
            cacheReadTokens: 4096,
            cacheWriteTokens: 0,
          },
        },
        {
          at: '2025-10-02T14:06:40.500Z',
          event: { type: 'reasoning', text: 'Wrote the entry. I did not push: the push was cancelled.' },
        },
        {
          at: '2025-10-02T14:06:40.500Z',
          event: {
            type: 'usage',
            model,
            inputTokens: 3204,
            outputTokens: 21,
            cacheReadTokens: 4096,
            cacheWriteTokens: 0,
          },
        },
      ],
      usage: [{ model, inputTokens: 12208, outputTokens: 391, cacheReadTokens: 8192, cacheWriteTokens: 0 }],
      skippedLines: 0,
    });
    for (const { event } of summary.events) assert.deepEqual(eventBodySchema.parse(event), event);
  });

  it('reads a /chat save checkpoint, pairing calls with their responses', () => {
    assert.deepEqual(parseGeminiTranscript(text('checkpoint-discount.json')), {
      models: [],
      events: [
        { event: { type: 'prompt', text: 'Why does cartTotal go negative?' } },
        { event: { type: 'reasoning', text: 'The discount is never capped at the subtotal.' } },
        { event: { type: 'context', source: 'file-read', ref: '/home/dev/shop/src/cart.ts' } },
        {
          event: {
            type: 'reasoning',
            text: 'A discount larger than the subtotal is subtracted in full; clamp the result at 0.',
          },
        },
      ],
      usage: [],
      skippedLines: 0,
    });
    const legacy = JSON.stringify((json('checkpoint-discount.json') as { history: unknown[] }).history);
    assert.equal(parseGeminiTranscript(legacy).events.length, 4);
  });

  it('keeps turns that were later rewound', () => {
    const lines = [
      {
        sessionId: 's-1',
        projectHash: 'p',
        startTime: '2026-01-14T10:00:00.000Z',
        lastUpdated: '2026-01-14T10:00:00.000Z',
      },
      {
        id: 'u1',
        timestamp: '2026-01-14T10:00:01.000Z',
        type: 'user',
        content: [{ text: 'delete the tests' }],
      },
      { $rewindTo: 'u1' },
      { id: 'u2', timestamp: '2026-01-14T10:00:09.000Z', type: 'user', content: 'fix the tests' },
    ].map((l) => JSON.stringify(l));
    const prompts = parseGeminiTranscript(lines.join('\n')).events.map(
      (e) => e.event.type === 'prompt' && e.event.text,
    );
    assert.deepEqual(prompts, ['delete the tests', 'fix the tests']);
  });

  it('returns an empty summary for an empty file', () => {
    assert.deepEqual(parseGeminiTranscript('\n'), { models: [], events: [], usage: [], skippedLines: 0 });
  });

  for (const [name, input] of [
    ['plain text', 'not a session\nat all'],
    ['a JSON string', '"session"'],
    ['an object of another kind', '{"name":"shop","version":"1.0.0"}'],
    ['an array of non-contents', '[1, 2, 3]'],
  ] as const) {
    it(`refuses ${name}`, () => invalidInput(() => parseGeminiTranscript(input)));
  }
});

describe('installGeminiHooks / uninstallGeminiHooks', () => {
  const command = '/usr/local/bin/trail';

  it('creates the hooks object in a new settings file and removes it again', () => {
    const installed = installGeminiHooks(undefined, command);
    assert.ok(installed.endsWith('}\n'));
    assert.equal(installed, `${JSON.stringify(JSON.parse(installed), null, 2)}\n`);
    const settings = JSON.parse(installed) as { hooks: Record<string, unknown> };
    assert.deepEqual(Object.keys(settings.hooks), [...GEMINI_HOOK_EVENTS]);
    assert.deepEqual(settings.hooks.BeforeTool, [
      {
        hooks: [
          {
            type: 'command',
            command: `${command} hook gemini-cli BeforeTool`,
            name: 'trail',
            timeout: 15000,
          },
        ],
      },
    ]);
    assert.equal(uninstallGeminiHooks(installed), undefined);
  });

  it("keeps the user's hooks through install, install again, and uninstall", () => {
    const original = text('settings-with-user-hooks.json');
    const once = installGeminiHooks(original, command);
    const twice = installGeminiHooks(once, command);
    assert.equal(twice, once);
    const settings = JSON.parse(twice) as {
      hooks: Record<string, Array<{ hooks: Array<{ name?: string }> }>>;
    };
    assert.deepEqual(
      settings.hooks.BeforeTool?.map((group) => group.hooks.map((h) => h.name)),
      [['block-force-push'], ['trail']],
    );
    const removed = uninstallGeminiHooks(twice);
    assert.ok(removed !== undefined);
    assert.deepEqual(JSON.parse(removed), JSON.parse(original));
  });

  it("replaces Trail's hooks when the command changes", () => {
    const moved = installGeminiHooks(installGeminiHooks(undefined, command), 'npx trail-audit');
    const commands = [...moved.matchAll(/"command": "([^"]+)"/g)].map((m) => m[1]);
    assert.equal(commands.length, GEMINI_HOOK_EVENTS.length);
    assert.ok(commands.every((c) => c?.startsWith('npx trail-audit hook gemini-cli ')));
  });

  it('leaves a file without Trail hooks exactly as it was', () => {
    const original = text('settings-with-user-hooks.json');
    assert.equal(uninstallGeminiHooks(original), original);
  });

  it('keeps a user hook that shares a group with Trail', () => {
    const shared = {
      hooks: {
        AfterAgent: [
          {
            hooks: [
              {
                type: 'command',
                command: `${command} hook gemini-cli AfterAgent`,
                name: 'trail',
                timeout: 15000,
              },
              { type: 'command', command: './notify.sh', name: 'notify' },
            ],
          },
        ],
      },
    };
    assert.deepEqual(JSON.parse(uninstallGeminiHooks(JSON.stringify(shared)) ?? 'null'), {
      hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: './notify.sh', name: 'notify' }] }] },
    });
  });

  for (const [name, input] of [
    ['a settings file with comments', '{\n  // mine\n  "hooks": {}\n}'],
    ['a settings file that is an array', '[]'],
    ['hooks that are not an object', '{"hooks": []}'],
    ['an event that is not a list', '{"hooks": {"BeforeTool": {"hooks": []}}}'],
  ] as const) {
    it(`refuses ${name}`, () => invalidInput(() => installGeminiHooks(input, command)));
  }
});
