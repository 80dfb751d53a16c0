/**
 * Two kinds of Claude Code tool call that once escaped the hooks around changes. An MCP tool
 * (`mcp__<server>__<tool>`, a filesystem server's `write_file`) writes files: its before- and
 * after-hooks compare the dirty files around it, as a shell command's do, so what it wrote is
 * the agent's (`via: mcp-tool`), not a person's. A call denied after its PreToolUse ran
 * (PermissionDenied) never runs: its marker is taken, so a person's change to the file a denied
 * Edit named is the person's. A call the person rejects in the permission dialog fires no
 * hook at all: the transcript says so, and the Stop hook that reads it takes the marker. Real
 * repositories, the hook commands `trail init --agents claude-code` installed (matchers
 * honoured), real commits.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readGaps } from '../../src/capture/gaps.js';
import { sessionKey } from '../../src/capture/spool.js';
import type { RecordOf } from '../../src/core/records.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { everythingStored, installedCommand, originsByLine, runShellHook } from '../helpers/agent-hooks.js';
import { trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

const repos: TempRepo[] = [];
after(() => {
  for (const r of repos) r.cleanup();
});

/** A repository with `a.py` committed and Trail's Claude Code hooks installed and committed. */
function setup(): TempRepo {
  const repo = tempRepo();
  repos.push(repo);
  repo.write('a.py', 'def one():\n    return 1\n\ndef two():\n    return 2\n');
  repo.commit('base');
  const init = trailProcess(repo.dir, ['init', '--yes', '--agents', 'claude-code']);
  assert.equal(init.code, 0, init.stderr);
  repo.commit('Trail set up');
  return repo;
}

type Send = (event: string, tool: string, fields: Record<string, unknown>) => boolean;

/**
 * One Claude Code session: each hook is run through the command installed for it, when Claude
 * Code would run one for that tool (false when no matcher takes it).
 */
function session(repo: TempRepo, id: string, transcript = join(repo.dir, '.no-transcript.jsonl')): Send {
  return (event, tool, fields) => {
    const command = installedCommand(repo.dir, 'claude-code', event, tool);
    if (command === undefined) return false;
    const payload = {
      session_id: id,
      transcript_path: transcript,
      cwd: repo.dir,
      permission_mode: 'auto',
      hook_event_name: event,
      tool_name: tool,
      ...fields,
    };
    const run = runShellHook(command, JSON.stringify(payload), {
      cwd: repo.dir,
      env: { CLAUDE_PROJECT_DIR: repo.dir },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', `${event} printed to stderr`);
    return true;
  };
}

/** The hooks of one tool call: before, after (PostToolUse), and a denial (PermissionDenied). */
function call(send: Send, id: string, tool: string, input: Record<string, unknown>) {
  return {
    pre: () => send('PreToolUse', tool, { tool_input: input, tool_use_id: id }),
    post: () =>
      send('PostToolUse', tool, {
        tool_input: input,
        tool_response: tool.startsWith('mcp__')
          ? [{ type: 'text', text: 'Successfully wrote to the file' }]
          : { filePath: input.file_path, success: true },
        tool_use_id: id,
      }),
    // Hooks reference, "PermissionDenied input": the call's tool fields and a reason.
    denied: () =>
      send('PermissionDenied', tool, {
        tool_input: input,
        tool_use_id: id,
        reason: 'Auto mode denied: the action was not requested',
      }),
  };
}

/**
 * The agent's Edit of a.py's line 5 (before-hook, the edit, after-hook) over what is there,
 * then the commit: the origins of a.py's lines, as blamed.
 */
async function agentEditThenCommit(
  repo: TempRepo,
  send: Send,
  id: string,
  message: string,
): Promise<string[]> {
  const file = join(repo.dir, 'a.py');
  const edit = call(send, id, 'Edit', {
    file_path: file,
    old_string: '    return 2',
    new_string: '    return 222  # the agent',
  });
  assert.ok(edit.pre());
  writeFileSync(file, BOTH);
  assert.ok(edit.post());
  repo.commit(message);
  return originsByLine(repo.dir, 'a.py');
}

type Event = RecordOf<'event'>['event'];

/** The session's events in the ledger, and the capture gaps (there should be none). */
async function ledger(dir: string, sessionId: string): Promise<{ events: Event[]; gaps: string[] }> {
  const index = await loadIndex(await findRepo(dir));
  return {
    events: (index.eventsBySession.get(sessionId) ?? []).map((e) => e.record.event),
    gaps: index.gaps.map((g) => g.record.why),
  };
}

/** The before-hooks' markers of the main worktree (src/capture/in-flight.ts). */
function markers(dir: string): string[] {
  return readdirSync(join(dir, '.git/trail/spool/pre'), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

const PERSON = 'def one():\n    return 111  # a person\n\ndef two():\n    return 2\n';
const BOTH = 'def one():\n    return 111  # a person\n\ndef two():\n    return 222  # the agent\n';

/**
 * After an Edit `toolu_x` was denied: a person's change to a.py, then the agent's edit and the
 * commit. The person's line is the person's, the agent's the agent's, and the denial is the
 * one failed call the session recorded.
 */
async function personThenAgent(repo: TempRepo, send: Send, sessionId: string, denial: string): Promise<void> {
  writeFileSync(join(repo.dir, 'a.py'), PERSON);
  const origins = await agentEditThenCommit(repo, send, 'toolu_y', 'a person, then the agent');
  assert.equal(origins[1], 'human', 'the person’s line, not the denied edit’s');
  assert.equal(origins[4], 'ai', 'the agent’s line');
  const { events, gaps } = await ledger(repo.dir, sessionId);
  assert.deepEqual(gaps, []);
  assert.deepEqual(
    events.filter((e) => e.type === 'tool-call' && e.ok === false),
    [{ type: 'tool-call', tool: 'Edit', toolUseId: 'toolu_x', summary: denial, ok: false }],
  );
}

describe('Claude Code: MCP tools that write files', () => {
  test('an MCP write_file call: the lines it wrote are the agent’s (`via: mcp-tool`), a person’s before it the person’s', async () => {
    const repo = setup();
    const send = session(repo, 'mcp-write');
    const file = join(repo.dir, 'a.py');
    writeFileSync(file, PERSON);
    const written = `${PERSON}\ndef three():\n    return 3\n`;
    const mcp = call(send, 'toolu_mcp', 'mcp__fs__write_file', { path: file, content: written });
    assert.ok(mcp.pre(), 'the installed PreToolUse matcher takes MCP tools');
    writeFileSync(file, written);
    assert.ok(mcp.post());
    assert.deepEqual(markers(repo.dir), [], 'the after-hook took the call’s marker');
    repo.commit('through an MCP server');
    const origins = await originsByLine(repo.dir, 'a.py');
    assert.equal(origins[1], 'human', 'the person’s line, changed before the call');
    assert.deepEqual(origins.slice(5), ['ai', 'ai', 'ai'], 'the lines the MCP tool wrote');
    const { events, gaps } = await ledger(repo.dir, 'mcp-write');
    assert.deepEqual(gaps, []);
    // A file-edit's ranges skip lines whose text the file already held (the empty line 6).
    const edits = events.filter((e): e is Extract<Event, { type: 'file-edit' }> => e.type === 'file-edit');
    assert.deepEqual(
      edits.map((e) => [e.path, e.via, e.tool, e.ranges]),
      [['a.py', 'mcp-tool', 'mcp__fs__write_file', [{ start: 7, end: 8 }]]],
    );
  });
});

describe('Claude Code: MCP tools under settings installed before they had a before-hook', () => {
  test('an MCP call with no PreToolUse is not compared: a person’s change pending at it stays the person’s', async () => {
    const repo = setup();
    // The PreToolUse matcher of an install made before MCP tools were followed, not yet updated
    // by `trail init`: Claude Code runs no before-hook for an MCP call.
    const path = join(repo.dir, '.claude/settings.json');
    const settings = JSON.parse(readFileSync(path, 'utf8'));
    settings.hooks.PreToolUse[0].matcher = 'Write|Edit|MultiEdit|NotebookEdit|Bash|PowerShell';
    writeFileSync(path, JSON.stringify(settings, null, 2));
    repo.commit('an older install');
    const send = session(repo, 'mcp-old-install');
    const file = join(repo.dir, 'a.py');
    writeFileSync(file, PERSON);
    const mcp = call(send, 'toolu_mcp', 'mcp__github__get_issue', { owner: 'acme', issue_number: 42 });
    assert.equal(mcp.pre(), false, 'no before-hook for the MCP call');
    assert.ok(mcp.post());
    const origins = await agentEditThenCommit(repo, send, 'toolu_e', 'a person, an MCP call, the agent');
    assert.equal(origins[1], 'human', 'the person’s line, not `unknown`');
    assert.equal(origins[4], 'ai');
    assert.deepEqual((await ledger(repo.dir, 'mcp-old-install')).gaps, []);
  });
});

describe('Claude Code: calls denied after their before-hook ran (PermissionDenied)', () => {
  test('a denied Edit holds its file no more: a person’s change to it is the person’s, the next edit the agent’s', async () => {
    const repo = setup();
    const send = session(repo, 'denied-edit');
    const file = join(repo.dir, 'a.py');
    const denied = call(send, 'toolu_x', 'Edit', {
      file_path: file,
      old_string: '    return 1',
      new_string: '    return 0',
    });
    assert.ok(denied.pre());
    assert.ok(denied.denied(), 'the installed PermissionDenied matcher takes Edit');
    assert.deepEqual(markers(repo.dir), [], 'the denial took the call’s marker');
    await personThenAgent(
      repo,
      send,
      'denied-edit',
      'denied: Auto mode denied: the action was not requested',
    );
  });

  test('a denied shell command no longer makes a person’s changes unknown', async () => {
    const repo = setup();
    const send = session(repo, 'denied-bash');
    const file = join(repo.dir, 'a.py');
    const denied = call(send, 'toolu_x', 'Bash', { command: 'rm -rf build' });
    assert.ok(denied.pre());
    assert.ok(denied.denied());
    writeFileSync(file, PERSON);
    const origins = await agentEditThenCommit(repo, send, 'toolu_y', 'a person, then the agent');
    assert.equal(origins[1], 'human', 'the person’s line, not `unknown`');
    assert.equal(origins[4], 'ai');
    assert.deepEqual(markers(repo.dir), []);
  });

  test('a denied MCP call takes its marker too', async () => {
    const repo = setup();
    const send = session(repo, 'denied-mcp');
    const file = join(repo.dir, 'a.py');
    const denied = call(send, 'toolu_x', 'mcp__fs__write_file', { path: file, content: '' });
    assert.ok(denied.pre());
    assert.equal(markers(repo.dir).length, 1);
    assert.ok(denied.denied());
    assert.deepEqual(markers(repo.dir), []);
  });
});

/** An Edit of a.py that would write the very line a person then types (PERSON's line 2). */
function editWritingPersonLine(repo: TempRepo) {
  return {
    file_path: join(repo.dir, 'a.py'),
    old_string: '    return 1',
    new_string: '    return 111  # a person',
  };
}

const REJECTED =
  "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.";

/**
 * A Claude Code transcript in which each of `calls` is answered with an error: by default the
 * person's rejection in the permission dialog, then its interrupt line.
 */
function rejectionTranscript(
  path: string,
  calls: Array<{ id: string; tool: string; input: object; answer?: string }>,
): void {
  const line = (at: string, type: 'user' | 'assistant', content: unknown) =>
    JSON.stringify({
      type,
      sessionId: 'rejected',
      timestamp: at,
      message: {
        role: type,
        content,
        ...(type === 'assistant' ? { id: `msg_${at}`, model: 'claude-opus-4-6' } : {}),
      },
    });
  const lines = calls.flatMap(({ id, tool, input, answer }, i) => [
    line(`2026-03-02T10:0${i}:00.000Z`, 'assistant', [{ type: 'tool_use', id, name: tool, input }]),
    line(`2026-03-02T10:0${i}:05.000Z`, 'user', [
      { type: 'tool_result', tool_use_id: id, is_error: true, content: answer ?? REJECTED },
    ]),
    ...(answer === undefined
      ? [
          line(`2026-03-02T10:0${i}:05.001Z`, 'user', [
            { type: 'text', text: '[Request interrupted by user for tool use]' },
          ]),
        ]
      : []),
  ]);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('Claude Code: calls the person rejected in the permission dialog (no hook; the transcript at Stop)', () => {
  test('a rejected Edit credits no line to itself once the turn ends, and the denial is recorded', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'rejected-edit', transcript);
    const file = join(repo.dir, 'a.py');
    // It would have written the very line the person types next.
    const input = editWritingPersonLine(repo);
    const rejected = call(send, 'toolu_x', 'Edit', input);
    assert.ok(rejected.pre());
    assert.equal(markers(repo.dir).length, 1);
    rejectionTranscript(transcript, [
      { id: 'toolu_x', tool: 'Edit', input },
      // A call with no before-hook marker: nothing to take, nothing recorded.
      { id: 'toolu_r', tool: 'Read', input: { file_path: file } },
    ]);
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    assert.deepEqual(markers(repo.dir), [], 'the Stop hook took the rejected call’s marker');
    assert.ok(send('Stop', '', { stop_hook_active: false }), 'a second Stop over the same transcript');
    await personThenAgent(repo, send, 'rejected-edit', 'denied: the person rejected it');
  });

  test('a rejected shell command no longer makes a person’s changes unknown once the turn ends', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'rejected-bash', transcript);
    const input = { command: 'rm -rf build' };
    assert.ok(call(send, 'toolu_x', 'Bash', input).pre());
    rejectionTranscript(transcript, [{ id: 'toolu_x', tool: 'Bash', input }]);
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    writeFileSync(join(repo.dir, 'a.py'), PERSON);
    const origins = await agentEditThenCommit(repo, send, 'toolu_y', 'a person, then the agent');
    assert.equal(origins[1], 'human', 'the person’s line, not `unknown`');
    assert.equal(origins[4], 'ai');
    assert.deepEqual(markers(repo.dir), []);
  });
});

const TOKEN = `ghp_${'Ry3Kp8Wd2Q'.repeat(3)}246801`;

describe('Claude Code: a rejection interrupts the turn, so no Stop comes (the next prompt reads the transcript)', () => {
  test('a rejected Edit credits no line to itself once the person prompts again, with no Stop between', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'rejected-no-stop', transcript);
    const input = editWritingPersonLine(repo);
    assert.ok(call(send, 'toolu_x', 'Edit', input).pre());
    // A call of the same session still in flight (a background subagent's edit of another
    // file): no answer in this transcript.
    const other = { file_path: join(repo.dir, 'b.py'), old_string: '', new_string: 'x = 1\n' };
    assert.ok(call(send, 'toolu_bg', 'Edit', other).pre());
    rejectionTranscript(transcript, [{ id: 'toolu_x', tool: 'Edit', input }]);
    // The person makes the change themselves, then tells the agent what to do instead.
    writeFileSync(join(repo.dir, 'a.py'), PERSON);
    assert.ok(send('UserPromptSubmit', '', { prompt: 'I changed one() myself; now change two()' }));
    assert.equal(markers(repo.dir).length, 1, 'the rejected call’s marker was taken, the running one’s kept');
    assert.ok(call(send, 'toolu_bg', 'Edit', other).post());
    await personThenAgent(repo, send, 'rejected-no-stop', 'denied: the person rejected it');
  });

  test('a call a subagent had rejected is read in its own transcript at the next prompt', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.session.jsonl');
    writeFileSync(transcript, '');
    const send = session(repo, 'rejected-in-subagent', transcript);
    const input = editWritingPersonLine(repo);
    assert.ok(call(send, 'toolu_x', 'Edit', input).pre());
    // Claude Code keeps a subagent's transcript in `<session>/subagents/` beside the session's.
    const subagents = join(repo.dir, '.session', 'subagents');
    mkdirSync(subagents, { recursive: true });
    rejectionTranscript(join(subagents, 'agent-a1.jsonl'), [{ id: 'toolu_x', tool: 'Edit', input }]);
    writeFileSync(join(repo.dir, 'a.py'), PERSON);
    assert.ok(send('UserPromptSubmit', '', { prompt: 'Leave one() to me' }));
    assert.deepEqual(markers(repo.dir), [], 'the subagent’s rejected call’s marker was taken');
    await personThenAgent(repo, send, 'rejected-in-subagent', 'denied: the person rejected it');
  });

  test('a transcript it cannot read costs the prompt nothing: the prompt is recorded, the read a gap', async () => {
    const repo = setup();
    // The transcript named is not there (moved, or another machine's path).
    const send = session(repo, 'prompt-no-transcript', join(repo.dir, '.gone.jsonl'));
    assert.ok(call(send, 'toolu_x', 'Edit', editWritingPersonLine(repo)).pre());
    assert.ok(send('UserPromptSubmit', '', { prompt: 'Keep going' }));
    const spool = readFileSync(
      join(
        repo.dir,
        '.git/trail/spool/sessions',
        `${sessionKey('claude-code', 'prompt-no-transcript')}.jsonl`,
      ),
      'utf8',
    );
    assert.ok(spool.includes('"text":"Keep going"'), 'the prompt is in the spool');
    const gaps = readGaps((await findRepo(repo.dir)).stateDir).map((g) => g.why);
    assert.ok(
      gaps.some((why) => why.includes('.gone.jsonl could not be read at the next prompt')),
      gaps.join('\n'),
    );
  });

  test('a prompt while no call is held reads no transcript', () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'prompt-only', transcript);
    rejectionTranscript(transcript, [{ id: 'toolu_x', tool: 'Edit', input: {} }]);
    assert.ok(send('UserPromptSubmit', '', { prompt: 'Tidy up' }));
    assert.deepEqual(
      readdirSync(join(repo.dir, '.git/trail/spool')).filter((n) => n === 'transcripts'),
      [],
      'no transcript cursor: the transcript was not read',
    );
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    assert.deepEqual(
      readdirSync(join(repo.dir, '.git/trail/spool')).filter((n) => n === 'transcripts'),
      ['transcripts'],
      'the Stop read it',
    );
  });
});

describe('Claude Code: calls denied by the permission settings or another hook, or failed with no after-hook (the transcript at Stop)', () => {
  test('an Edit a deny rule stopped credits no line to itself once the turn ends, the rule’s answer its summary', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'rule-denied-edit', transcript);
    const input = editWritingPersonLine(repo);
    assert.ok(call(send, 'toolu_x', 'Edit', input).pre());
    rejectionTranscript(transcript, [
      { id: 'toolu_x', tool: 'Edit', input, answer: 'Permission to use Edit has been denied.' },
    ]);
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    assert.deepEqual(markers(repo.dir), [], 'the Stop hook took the denied call’s marker');
    await personThenAgent(repo, send, 'rule-denied-edit', 'denied: Permission to use Edit has been denied.');
  });

  test('a command another PreToolUse hook blocked no longer makes a person’s changes unknown, and its reason is kept redacted', async () => {
    const repo = setup();
    // Outside the repository: the commit would take the transcript, token and all, into git.
    const outside = tempDir('trail-transcript-');
    after(() => rmSync(outside, { recursive: true, force: true }));
    const transcript = join(outside, 'session.jsonl');
    const send = session(repo, 'hook-denied-bash', transcript);
    const input = { command: 'gh release create v1' };
    assert.ok(call(send, 'toolu_x', 'Bash', input).pre());
    const answer = `PreToolUse:Bash hook error: [policy-check]: releases need a ticket (token ${TOKEN} is not allowed)\nsee the wiki`;
    rejectionTranscript(transcript, [{ id: 'toolu_x', tool: 'Bash', input, answer }]);
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    writeFileSync(join(repo.dir, 'a.py'), PERSON);
    const origins = await agentEditThenCommit(repo, send, 'toolu_y', 'a person, then the agent');
    assert.equal(origins[1], 'human', 'the person’s line, not `unknown`');
    assert.equal(origins[4], 'ai');
    const { events, gaps } = await ledger(repo.dir, 'hook-denied-bash');
    assert.deepEqual(gaps, []);
    assert.deepEqual(
      events.filter((e) => e.type === 'tool-call' && e.ok === false),
      [
        {
          type: 'tool-call',
          tool: 'Bash',
          toolUseId: 'toolu_x',
          summary:
            'denied: PreToolUse:Bash hook error: [policy-check]: releases need a ticket (token [REDACTED:github-token] is not allowed)',
          ok: false,
        },
      ],
    );
    assert.ok(!everythingStored(repo.dir).includes(TOKEN), 'the token is stored nowhere');
  });

  test('a failed Edit with no after-hook is over at the turn end; a failed command with none keeps its hold', async () => {
    const repo = setup();
    const transcript = join(repo.dir, '.transcript.jsonl');
    const send = session(repo, 'failed-no-after-hook', transcript);
    const file = join(repo.dir, 'a.py');
    const edit = { file_path: file, old_string: '    return 9', new_string: '    return 111  # a person' };
    const command = { command: 'make release' };
    assert.ok(call(send, 'toolu_x', 'Edit', edit).pre());
    assert.ok(call(send, 'toolu_c', 'Bash', command).pre());
    assert.equal(markers(repo.dir).length, 2);
    // Settings from before PostToolUseFailure was installed, or a hook that timed out: the
    // failures reach Trail only through the transcript.
    rejectionTranscript(transcript, [
      {
        id: 'toolu_x',
        tool: 'Edit',
        input: edit,
        answer: '<tool_use_error>String to replace not found in file.</tool_use_error>',
      },
      { id: 'toolu_c', tool: 'Bash', input: command, answer: 'Exit code 2\nmake: *** [release] Error 2' },
    ]);
    assert.ok(send('Stop', '', { stop_hook_active: false }));
    // The command may have changed files before it failed: what it changed cannot be told from
    // a person's change, so its marker stays and holds them `unknown`, as before.
    assert.equal(markers(repo.dir).length, 1, 'the Edit’s marker was taken, the command’s kept');
    writeFileSync(file, PERSON);
    const origins = await agentEditThenCommit(repo, send, 'toolu_y', 'a person while a failed command holds');
    assert.equal(origins[1], 'unknown', 'a change while the failed command still counts as running');
    assert.equal(origins[4], 'ai');
    const { events } = await ledger(repo.dir, 'failed-no-after-hook');
    assert.deepEqual(
      events.filter((e) => e.type === 'tool-call' && e.ok === false),
      [
        {
          type: 'tool-call',
          tool: 'Edit',
          toolUseId: 'toolu_x',
          summary: 'failed: <tool_use_error>String to replace not found in file.</tool_use_error>',
          ok: false,
        },
      ],
    );
  });
});
