/**
 * One scripted session per agent, end to end: `trail init --agents <agent>` writes the agent's
 * settings; the payloads (the fixtures in test/fixtures/<agent>/, moved to a temp repository)
 * go through the command read back from those settings, run as the agent runs it; the agent's
 * edits happen between its hooks; then a real `git commit` through the installed git hooks.
 * The ledger must then hold the session with what that agent really reports, and a credential
 * in the hooks' environment must be there by name only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RecordOf } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { HookAgent } from '../helpers/agent-hooks.js';
import {
  codexNotifyArgv,
  everythingStored,
  fixturePayload,
  installedCommand,
  runNotify,
  runShellHook,
  trailWithEnv,
} from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
/** Fake, in the GitHub token shape; it must never be stored, only its variable's name. */
const TOKEN = 'ghp_Q7vX2mK9pL4rT8wZ3nB6yH1cF5dJ0sA2eG4u';
const temps: Array<{ cleanup: () => void }> = [];
after(() => {
  for (const t of temps) t.cleanup();
});

type Event = RecordOf<'event'>['event'];
interface Captured {
  session: RecordOf<'session'>;
  events: Event[];
  checkpoint: RecordOf<'checkpoint'>;
}

async function setup(
  agent: string,
  files: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): Promise<TempRepo> {
  const repo = tempRepo();
  temps.push(repo);
  for (const [path, text] of Object.entries(files)) repo.write(path, text);
  repo.commit('base');
  const init = await trailWithEnv(repo.dir, env, 'init', '--yes', '--agents', agent);
  assert.equal(init.code, 0, init.stderr);
  repo.commit('Trail set up');
  return repo;
}

/** `git add -A && git commit` through the installed hooks, then what the ledger says. */
async function commitAndRead(repo: TempRepo, sessionId: string): Promise<Captured> {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'agent work');
  const sha = repo.git('rev-parse', 'HEAD');
  const index = await loadIndex(await findRepo(repo.dir));
  const checkpoint = index.checkpointByCommit.get(sha);
  assert.ok(
    checkpoint,
    `no checkpoint for the commit; gaps: ${JSON.stringify(index.gaps.map((g) => g.record))}`,
  );
  const session = index.sessions.get(sessionId);
  assert.ok(session, `no session ${sessionId} in the ledger`);
  const events = (index.eventsBySession.get(sessionId) ?? []).map(
    (e: StoredRecord<RecordOf<'event'>>) => e.record.event,
  );
  assert.deepEqual(
    index.gaps.map((g) => g.record.why),
    [],
    'no capture gaps',
  );
  return { session: session.record, events, checkpoint: checkpoint.record };
}

function ofType<T extends Event['type']>(events: Event[], type: T): Array<Extract<Event, { type: T }>> {
  return events.filter((e): e is Extract<Event, { type: T }> => e.type === type);
}

/** The boundary every agent gets from the hook's own process, and the credential by name only. */
function assertBoundary(repo: TempRepo, session: RecordOf<'session'>): void {
  const b = session.boundary;
  assert.ok(b);
  assert.equal(b.mode, 'local');
  assert.equal(b.host, hostname());
  assert.equal(b.user, userInfo().username);
  assert.equal(b.branch, 'main');
  assert.ok(b.credentialNames.includes('GITHUB_TOKEN'), `credential names: ${b.credentialNames.join(', ')}`);
  assert.ok(!everythingStored(repo.dir).includes(TOKEN), 'the token value is stored somewhere');
}

class Driver {
  constructor(
    readonly repo: TempRepo,
    readonly agent: HookAgent,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs Trail's hook for `event` if the agent would (matchers honoured); returns whether it ran. */
  send(event: string, payload: Record<string, unknown>, tool?: string): boolean {
    const command = installedCommand(this.repo.dir, this.agent, event, tool);
    if (command === undefined) return false;
    const run = runShellHook(command, JSON.stringify(payload), { cwd: this.repo.dir, env: this.env });
    assert.equal(run.code, 0, `${event}: ${run.stderr}`);
    assert.equal(run.stderr, '', `${event} printed to stderr`);
    return true;
  }
}

describe('agent sessions through the installed hooks, to the ledger', () => {
  test('Claude Code: prompt, model, context, commands, edits with ranges, transcript usage, boundary', async () => {
    const repo = await setup('claude-code', {
      'src/routes/login.ts': "import { Router } from 'express';\nrouter.post('/login', login);\n",
    });
    const sessionId = randomUUID();
    const transcriptDir = tempDir('trail-claude-home-');
    temps.push({ cleanup: () => rmSync(transcriptDir, { recursive: true, force: true }) });
    const transcript = join(transcriptDir, `${sessionId}.jsonl`);
    writeFileSync(transcript, readFileSync(join(FIXTURES, 'claude-code/transcript.jsonl')));
    const from = '/home/dev/acme-api';
    const oldTranscript =
      '/home/dev/.claude/projects/-home-dev-acme-api/3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44.jsonl';
    const replace: Array<[string, string]> = [
      [oldTranscript, transcript],
      [from, repo.dir],
      ['3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44', sessionId],
    ];
    const payload = (name: string, override: Record<string, unknown> = {}) =>
      fixturePayload(join(FIXTURES, 'claude-code', `${name}.json`), replace, override);
    const agent = new Driver(repo, 'claude-code', { GITHUB_TOKEN: TOKEN, CLAUDE_PROJECT_DIR: repo.dir });

    assert.ok(agent.send('SessionStart', payload('SessionStart')));
    assert.ok(
      agent.send('UserPromptSubmit', payload('UserPromptSubmit', { prompt: 'PROJ-7: rate limit /login' })),
    );
    assert.equal(agent.send('PreToolUse', payload('PreToolUse-Read'), 'Read'), false, 'Read is not matched');
    assert.ok(agent.send('PostToolUse', payload('PostToolUse-Read'), 'Read'));
    assert.ok(agent.send('PostToolUse', payload('PostToolUse-WebFetch'), 'WebFetch'));
    // The Edit: Pre, the change on disk, Post.
    assert.ok(agent.send('PreToolUse', payload('PreToolUse-Edit'), 'Edit'));
    const file = join(repo.dir, 'src/routes/login.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        "router.post('/login', login);",
        "router.post('/login', rateLimit({ max: 5 }), login);",
      ),
    );
    assert.ok(agent.send('PostToolUse', payload('PostToolUse-Edit'), 'Edit'));
    // A failing test run, then a passing one (Pre and Post of one call share its tool_use_id).
    const failing = { tool_use_id: payload('PostToolUseFailure-Bash').tool_use_id };
    assert.ok(agent.send('PreToolUse', payload('PreToolUse-Bash', failing), 'Bash'));
    assert.ok(agent.send('PostToolUseFailure', payload('PostToolUseFailure-Bash'), 'Bash'));
    assert.ok(agent.send('PreToolUse', payload('PreToolUse-Bash'), 'Bash'));
    assert.ok(agent.send('PostToolUse', payload('PostToolUse-Bash'), 'Bash'));
    assert.ok(agent.send('Stop', payload('Stop')));
    assert.ok(agent.send('SessionEnd', payload('SessionEnd')));

    const { session, events, checkpoint } = await commitAndRead(repo, sessionId);
    assert.equal(session.agent.name, 'claude-code');
    assert.equal(session.agent.version, '2.1.12');
    assert.equal(session.model, 'claude-sonnet-4-6');
    assert.deepEqual(
      session.request.tickets.map((t) => t.id),
      ['PROJ-7'],
    );
    assert.deepEqual(
      ofType(events, 'prompt').map((p) => p.text),
      ['PROJ-7: rate limit /login'],
    );
    assert.deepEqual(
      ofType(events, 'context').map((c) => [c.source, c.ref]),
      [
        ['file-read', 'src/routes/login.ts'],
        ['url', 'https://expressjs.com/en/advanced/best-practice-security.html'],
      ],
    );
    const commands = ofType(events, 'command').map((c) => [c.command, c.exitCode]);
    assert.deepEqual(commands, [
      ['npm test', 1],
      ['npm test', 0],
    ]);
    const edits = ofType(events, 'file-edit');
    assert.deepEqual(
      edits.map((e) => [e.path, e.change, e.ranges]),
      [['src/routes/login.ts', 'modified', [{ start: 2, end: 2 }]]],
    );
    const usage = ofType(events, 'usage').map((u) => [
      u.model,
      u.inputTokens,
      u.outputTokens,
      u.cacheReadTokens,
      u.cacheWriteTokens,
    ]);
    assert.deepEqual(usage.sort(), [
      ['claude-haiku-4-5', 100, 20, 0, 0],
      ['claude-sonnet-4-6', 32, 665, 63550, 2360],
    ]);
    assert.ok(ofType(events, 'reasoning').length > 0, 'reasoning from the transcript');
    assert.equal(session.boundary?.permissionMode, 'acceptEdits');
    assert.ok(session.endedAt);
    assertBoundary(repo, session);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/routes/login.ts')?.aiLines, 1);
  });

  test('Codex: notify with the JSON as last argument; the rollout gives model, commands, edits, usage', async () => {
    const codexHome = tempDir('trail-codex-home-');
    temps.push({ cleanup: () => rmSync(codexHome, { recursive: true, force: true }) });
    const repo = await setup(
      'codex',
      {
        'src/upload.rs':
          'pub fn upload(req: Request) {\n    let body = req.into_body();\n    store(body)\n}\n',
      },
      { CODEX_HOME: codexHome },
    );
    const threadId = randomUUID();
    const from = '/home/dev/acme-api';
    const fixtureThread = '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b';
    // The rollout Codex wrote during the turn, where Codex keeps it.
    const day = join(codexHome, 'sessions', '2026', '03', '02');
    mkdirSync(day, { recursive: true });
    const rollout = readFileSync(join(FIXTURES, 'codex/rollout.jsonl'), 'utf8')
      .split(from)
      .join(repo.dir)
      .split(fixtureThread)
      .join(threadId);
    writeFileSync(join(day, `rollout-2026-03-02T10-00-00-${threadId}.jsonl`), rollout);
    // The turn's apply_patch, on disk.
    repo.write(
      'src/upload.rs',
      'pub fn upload(req: Request) {\n    let body = Limited::new(req.into_body(), limit::MAX);\n    store(body)\n}\n',
    );
    repo.write('src/limit.rs', 'pub const MAX: usize = 1 << 20;\n');

    const argv = codexNotifyArgv(codexHome);
    const notify = fixturePayload(join(FIXTURES, 'codex/notify-agent-turn-complete.json'), [
      [from, repo.dir],
      [fixtureThread, threadId],
    ]);
    const run = runNotify(argv, JSON.stringify(notify), {
      cwd: repo.dir,
      env: { CODEX_HOME: codexHome, GITHUB_TOKEN: TOKEN },
    });
    assert.equal(run.code, 0, run.stderr);

    const { session, events, checkpoint } = await commitAndRead(repo, threadId);
    assert.equal(session.agent.name, 'codex');
    assert.equal(session.agent.version, '0.47.0');
    assert.equal(session.model, 'gpt-5-codex');
    assert.deepEqual(session.sources, { model: 'transcript' }, 'the model comes from the rollout');
    assert.deepEqual(
      ofType(events, 'prompt').map((p) => p.text),
      // The second turn is in the rollout already; its notify never came, so its prompt is
      // taken from the rollout (as when a notify is over Linux's 128 KiB argument limit).
      [
        'Add a request limit to the upload handler and make cargo test pass',
        'Explain the limit in the README',
      ],
    );
    assert.deepEqual(
      ofType(events, 'context').map((c) => [c.source, c.ref]),
      [
        ['rule-file', 'AGENTS.md'],
        ['search', 'axum request body size limit'],
      ],
    );
    assert.deepEqual(
      ofType(events, 'command').map((c) => [c.command, c.exitCode]),
      [
        ['cargo test', 101],
        ['cargo test', 0],
      ],
    );
    assert.deepEqual(
      ofType(events, 'file-edit')
        .map((e) => [e.path, e.change, e.ranges])
        .sort(),
      [
        ['src/limit.rs', 'created', [{ start: 1, end: 1 }]],
        ['src/upload.rs', 'modified', [{ start: 2, end: 2 }]],
      ],
    );
    const usage = ofType(events, 'usage').map((u) => [
      u.model,
      u.inputTokens,
      u.outputTokens,
      u.cacheReadTokens,
    ]);
    assert.deepEqual(usage.sort(), [
      ['gpt-5', 3000, 400, 8000],
      ['gpt-5-codex', 8000, 1500, 22000],
    ]);
    assert.equal(session.boundary?.permissionMode, 'on-request');
    assert.equal(session.boundary?.sandbox, 'workspace-write');
    assert.equal(session.boundary?.network, 'restricted');
    assertBoundary(repo, session);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/upload.rs')?.aiLines, 1);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/limit.rs')?.aiLines, 1);
  });

  test('Gemini CLI: prompt, model from BeforeModel, context, commands, edits, transcript usage, boundary', async () => {
    const before =
      'type Line = { price: number; qty: number };\n\nexport function cartTotal(lines: Line[]): number {\n  return lines.reduce((sum, l) => sum + l.price * l.qty, 0);\n}\n';
    const repo = await setup('gemini-cli', { 'src/cart.ts': before });
    const sessionId = randomUUID();
    const chats = tempDir('trail-gemini-home-');
    temps.push({ cleanup: () => rmSync(chats, { recursive: true, force: true }) });
    const transcript = join(chats, `session-2026-01-14T09-12-${sessionId.slice(0, 8)}.jsonl`);
    writeFileSync(
      transcript,
      readFileSync(join(FIXTURES, 'gemini-cli/session-2026-01-14T09-12-3f1c2a9b.jsonl')),
    );
    const replace: Array<[string, string]> = [
      ['/home/dev/.gemini/tmp/9c1e4f0a2b7d/chats/session-2026-01-14T09-12-3f1c2a9b.jsonl', transcript],
      ['/home/dev/shop', repo.dir],
      ['3f1c2a9b-7d4e-4c1a-9b2e-5a8d6f0e1c47', sessionId],
    ];
    const payload = (name: string) => fixturePayload(join(FIXTURES, 'gemini-cli', `${name}.json`), replace);
    const agent = new Driver(repo, 'gemini-cli', { GITHUB_TOKEN: TOKEN, GEMINI_PROJECT_DIR: repo.dir });

    assert.ok(agent.send('SessionStart', payload('session-start')));
    assert.ok(agent.send('BeforeAgent', payload('before-agent')));
    assert.ok(agent.send('BeforeModel', payload('before-model')));
    assert.equal(agent.send('AfterModel', payload('after-model')), false, 'AfterModel is not installed');
    assert.ok(agent.send('AfterTool', payload('after-tool-read-file'), 'read_file'));
    assert.ok(agent.send('BeforeTool', payload('before-tool-replace'), 'replace'));
    const replaced = JSON.parse(readFileSync(join(FIXTURES, 'gemini-cli/after-tool-replace.json'), 'utf8'));
    repo.write('src/cart.ts', replaced.tool_response.returnDisplay.newContent);
    assert.ok(agent.send('AfterTool', payload('after-tool-replace'), 'replace'));
    assert.ok(agent.send('BeforeTool', payload('before-tool-shell'), 'run_shell_command'));
    assert.ok(agent.send('AfterTool', payload('after-tool-shell-failed'), 'run_shell_command'));
    assert.ok(agent.send('BeforeTool', payload('before-tool-shell'), 'run_shell_command'));
    assert.ok(agent.send('AfterTool', payload('after-tool-shell'), 'run_shell_command'));
    assert.ok(agent.send('AfterAgent', payload('after-agent')));
    assert.ok(agent.send('SessionEnd', payload('session-end')));

    const { session, events, checkpoint } = await commitAndRead(repo, sessionId);
    assert.equal(session.agent.name, 'gemini-cli');
    assert.equal(session.model, 'gemini-2.5-pro');
    assert.deepEqual(
      ofType(events, 'prompt').map((p) => p.text),
      ['Add a discount field to the cart total and cover it with a test'],
    );
    assert.deepEqual(
      ofType(events, 'context').map((c) => [c.source, c.ref]),
      [['file-read', 'src/cart.ts']],
    );
    assert.deepEqual(
      ofType(events, 'command').map((c) => [c.command, c.exitCode]),
      [
        ['npx tsc --noEmit', 2],
        ['npm test', 0],
      ],
    );
    assert.deepEqual(
      ofType(events, 'file-edit').map((e) => [e.path, e.change, e.ranges]),
      [['src/cart.ts', 'modified', [{ start: 3, end: 4 }]]],
    );
    // Usage from the chat recording (AfterModel, which also has it, fires per streamed chunk
    // and is not installed).
    assert.deepEqual(
      ofType(events, 'usage').map((u) => [u.model, u.inputTokens, u.outputTokens, u.cacheReadTokens]),
      [['gemini-2.5-pro', 10090, 669, 20480]],
    );
    // Gemini CLI's hooks carry no approval mode: the boundary has none.
    assert.equal(session.boundary?.permissionMode, undefined);
    assertBoundary(repo, session);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/cart.ts')?.aiLines, 2);
  });

  test('Cursor: prompt with attachments, model, reads, a command without exit code, edits, no usage', async () => {
    const before =
      'type Line = { price: number; qty: number };\n\nexport function cartTotal(lines: Line[], discount = 0): number {\n  return lines.reduce((sum, l) => sum + l.price * l.qty, 0) - discount;\n}\n';
    const repo = await setup('cursor', { 'src/cart.ts': before });
    const conversation = randomUUID();
    const replace: Array<[string, string]> = [
      ['/Users/dev/shop', repo.dir],
      ['4b9e2c71-8d3a-4f05-a6e1-2c7d9b0f5e38', conversation],
    ];
    const payload = (name: string) => fixturePayload(join(FIXTURES, 'cursor', `${name}.json`), replace);
    const agent = new Driver(repo, 'cursor', { GITHUB_TOKEN: TOKEN, CURSOR_PROJECT_DIR: repo.dir });

    assert.ok(agent.send('sessionStart', payload('session-start')));
    assert.ok(agent.send('beforeSubmitPrompt', payload('before-submit-prompt')));
    assert.ok(agent.send('beforeReadFile', payload('before-read-file')));
    // Cursor has no hook before an edit: the change, then afterFileEdit.
    repo.write(
      'src/cart.ts',
      before.replace(
        '  return lines.reduce((sum, l) => sum + l.price * l.qty, 0) - discount;',
        '  const subtotal = lines.reduce((sum, l) => sum + l.price * l.qty, 0);\n  return Math.max(0, subtotal - discount);',
      ),
    );
    assert.ok(agent.send('afterFileEdit', payload('after-file-edit')));
    assert.ok(agent.send('beforeShellExecution', payload('before-shell-execution')));
    assert.ok(agent.send('afterShellExecution', payload('after-shell-execution')));
    assert.ok(agent.send('afterAgentResponse', payload('after-agent-response')));
    assert.ok(agent.send('stop', payload('stop')));
    assert.ok(agent.send('sessionEnd', payload('session-end')));

    const { session, events, checkpoint } = await commitAndRead(repo, conversation);
    assert.equal(session.agent.name, 'cursor');
    assert.equal(session.agent.version, '2.1.46');
    assert.equal(session.model, 'claude-4.5-sonnet-thinking');
    // Read off the hooks' own payloads: observed, the record's default, not "transcript".
    assert.equal(session.sources, undefined);
    assert.equal(session.request.requester, 'dev@example.com');
    assert.deepEqual(
      ofType(events, 'prompt').map((p) => p.text),
      ['Cap the cart discount at the subtotal and add a test for it'],
    );
    // The file the person attached, then the agent's read of it, with what it read's digest.
    assert.deepEqual(
      ofType(events, 'context').map((c) => [c.source, c.ref, c.note, c.digest !== undefined]),
      [
        ['file-read', 'src/cart.ts', 'attached to the prompt', false],
        ['rule-file', '.cursor/rules/testing.mdc', 'attached to the prompt', false],
        ['file-read', 'src/cart.ts', undefined, true],
      ],
    );
    // trail show lists the file once, with both.
    const shown = await trail(repo.dir, 'show', 'HEAD', '--md');
    assert.equal(shown.code, 0, shown.stderr);
    const cartLines = shown.stdout.split('\n').filter((l) => l.includes('file-read: src/cart.ts'));
    assert.equal(cartLines.length, 1, shown.stdout);
    assert.match(cartLines[0]!, /\([0-9a-f]{19}\) — attached to the prompt$/);
    // afterShellExecution documents output and duration, not an exit code.
    assert.deepEqual(
      ofType(events, 'command').map((c) => [c.command, c.exitCode, c.durationMs]),
      [['npm test -- --run', undefined, 2184]],
    );
    assert.deepEqual(
      ofType(events, 'file-edit').map((e) => [e.path, e.change, e.ranges]),
      [['src/cart.ts', 'modified', [{ start: 4, end: 5 }]]],
    );
    assert.deepEqual(ofType(events, 'usage'), [], 'Cursor reports no token usage to hooks');
    assert.equal(session.boundary?.permissionMode, 'agent');
    assertBoundary(repo, session);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/cart.ts')?.aiLines, 2);
  });

  test('Gemini CLI: a session that asks, runs a check and changes nothing is sealed at its end, alone', async () => {
    const repo = await setup('gemini-cli', { 'src/cart.ts': 'export const cart = 1;\n' });
    const sessionId = randomUUID();
    const replace: Array<[string, string]> = [
      ['/home/dev/shop', repo.dir],
      ['3f1c2a9b-7d4e-4c1a-9b2e-5a8d6f0e1c47', sessionId],
    ];
    const payload = (name: string) => fixturePayload(join(FIXTURES, 'gemini-cli', `${name}.json`), replace);
    const agent = new Driver(repo, 'gemini-cli', { GEMINI_PROJECT_DIR: repo.dir });
    assert.ok(agent.send('SessionStart', payload('session-start')));
    assert.ok(agent.send('BeforeAgent', payload('before-agent')));
    assert.ok(agent.send('BeforeTool', payload('before-tool-shell'), 'run_shell_command'));
    assert.ok(agent.send('AfterTool', payload('after-tool-shell'), 'run_shell_command'));
    assert.ok(agent.send('AfterAgent', payload('after-agent')));
    const waiting = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout).unsealedSessions;
    assert.equal(waiting, 1, 'until its end, it waits like any session');
    assert.ok(agent.send('SessionEnd', payload('session-end')));

    const index = await loadIndex(await findRepo(repo.dir));
    const session = index.sessions.get(sessionId)?.record;
    assert.ok(session?.endedAt, 'its record, ended, is in the ledger');
    assert.equal(session.agent.name, 'gemini-cli');
    const events = (index.eventsBySession.get(sessionId) ?? []).map((e) => e.record.event);
    assert.deepEqual(
      ofType(events, 'prompt').map((p) => p.text),
      ['Add a discount field to the cart total and cover it with a test'],
    );
    assert.deepEqual(
      ofType(events, 'command').map((c) => c.command),
      ['npm test'],
    );
    assert.equal(index.checkpoints.length, 0, 'no commit, no checkpoint');
    assert.equal(JSON.parse((await trail(repo.dir, 'status', '--json')).stdout).unsealedSessions, 0);
  });
});
