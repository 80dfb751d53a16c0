/**
 * Codex runs a patch in the folder of its call (the shell call's `workdir`, a `cd` before a
 * heredoc, else the turn's cwd), and names the files it changed by absolute path in its
 * `patch_apply_*` events. Trail must credit the lines where they really are, record a gap for
 * what it cannot follow, and not lose a prompt whose notify payload was too large to arrive.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseCodexRollout } from '../../src/capture/agents/codex.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { codexNotifyArgv, codexRepo, originsByLine, runNotify } from '../helpers/agent-hooks.js';
import { trailProcess } from '../helpers/cli.js';
import { spoolEvents } from '../helpers/spool.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

type Json = Record<string, unknown>;
const line = (type: string, payload: Json) =>
  JSON.stringify({ timestamp: '2026-12-06T10:00:00.000Z', type, payload });
const turn = (cwd: string) => line('turn_context', { cwd, model: 'gpt-5-codex' });
const shellCall = (callId: string, command: string[], args: Json = {}) =>
  line('response_item', {
    type: 'function_call',
    name: 'shell',
    call_id: callId,
    arguments: JSON.stringify({ command, ...args }),
  });
const userMessage = (text: string) =>
  line('response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

function edits(rollout: string[]): Array<[string, string]> {
  return parseCodexRollout(rollout.join('\n')).events.flatMap(({ event }) =>
    event.type === 'file-edit' ? [[event.path, event.change] as [string, string]] : [],
  );
}

const PATCH = [
  '*** Begin Patch',
  '*** Add File: src/new_mod.rs',
  '+pub fn added() -> u32 { 42 }',
  '*** Update File: src/lib.rs',
  '@@',
  '-fn b() {}',
  '+fn b() { changed() }',
  '*** End Patch',
  '',
].join('\n');

describe('parseCodexRollout: the folder a patch ran in', () => {
  test('a shell apply_patch resolves against its workdir, absolute or relative to the turn cwd', () => {
    assert.deepEqual(
      edits([turn('/r'), shellCall('c1', ['apply_patch', PATCH], { workdir: '/r/pkg/core' })]),
      [
        ['/r/pkg/core/src/new_mod.rs', 'created'],
        ['/r/pkg/core/src/lib.rs', 'modified'],
      ],
    );
    assert.deepEqual(edits([turn('/r'), shellCall('c1', ['apply_patch', PATCH], { workdir: 'pkg/core' })]), [
      ['/r/pkg/core/src/new_mod.rs', 'created'],
      ['/r/pkg/core/src/lib.rs', 'modified'],
    ]);
  });

  test('`cd <dir> && apply_patch <<EOF` resolves against the cd, from the workdir', () => {
    const script = `cd core && apply_patch <<'EOF'\n${PATCH}EOF\n`;
    assert.deepEqual(edits([turn('/r'), shellCall('c1', ['bash', '-lc', script], { workdir: '/r/pkg' })]), [
      ['/r/pkg/core/src/new_mod.rs', 'created'],
      ['/r/pkg/core/src/lib.rs', 'modified'],
    ]);
  });

  test('the apply_patch tool, freeform or function, resolves against the latest turn cwd', () => {
    const rollout = [
      turn('/r'),
      turn('/r/app'),
      line('response_item', { type: 'custom_tool_call', name: 'apply_patch', call_id: 'c1', input: PATCH }),
      line('response_item', {
        type: 'function_call',
        name: 'apply_patch',
        call_id: 'c2',
        arguments: JSON.stringify({ input: '*** Begin Patch\n*** Delete File: old.rs\n*** End Patch\n' }),
      }),
    ];
    assert.deepEqual(edits(rollout), [
      ['/r/app/src/new_mod.rs', 'created'],
      ['/r/app/src/lib.rs', 'modified'],
      ['/r/app/old.rs', 'deleted'],
    ]);
  });

  test("Codex's absolute paths in patch_apply_begin / patch_apply_end replace Trail's reading, in place", () => {
    const rollout = [
      turn('/r'),
      shellCall('c1', ['apply_patch', PATCH]),
      line('event_msg', {
        type: 'patch_apply_begin',
        call_id: 'c1',
        auto_approved: true,
        changes: {
          '/r/x/src/new_mod.rs': { type: 'add', content: 'pub fn added() -> u32 { 42 }\n' },
          '/r/x/src/lib.rs': { type: 'update', unified_diff: '', move_path: '/r/x/src/lib2.rs' },
        },
      }),
      // Older versions: externally tagged; a repeat of the same call is not recorded twice.
      line('event_msg', {
        type: 'patch_apply_end',
        call_id: 'c1',
        success: true,
        changes: {
          '/r/x/src/new_mod.rs': { add: { content: '' } },
          '/r/x/src/lib.rs': { update: { move_path: null } },
        },
      }),
      shellCall('c2', ['bash', '-lc', 'cargo test']),
      // Relative keys name no folder Trail knows: the patch's own reading stays.
      shellCall('c3', ['apply_patch', '*** Begin Patch\n*** Delete File: gone.rs\n*** End Patch\n']),
      line('event_msg', {
        type: 'patch_apply_end',
        call_id: 'c3',
        success: true,
        changes: { 'gone.rs': { type: 'delete' } },
      }),
    ];
    const events = parseCodexRollout(rollout.join('\n')).events.map((e) => e.event);
    assert.deepEqual(
      events.map((e) => (e.type === 'file-edit' ? `${e.change} ${e.path}` : e.type)),
      [
        'tool-call',
        'created /r/x/src/new_mod.rs',
        'modified /r/x/src/lib.rs',
        'command',
        'tool-call',
        'deleted /r/gone.rs',
      ],
    );
  });
});

describe('parseCodexRollout: what a patch wrote goes with the paths Codex named', () => {
  const applied = (callId: string) =>
    line('event_msg', {
      type: 'patch_apply_end',
      call_id: callId,
      success: true,
      changes: {
        '/r/x/src/lib.rs': { type: 'update', unified_diff: '' },
        '/r/x/src/new_mod.rs': { type: 'add', content: '' },
      },
    });
  const writes = (rollout: string[]) =>
    parseCodexRollout(rollout.join('\n')).events.flatMap(({ event, writes }) =>
      event.type === 'file-edit' ? [[event.path, writes?.map((w) => w.new)]] : [],
    );
  const expected = [
    ['/r/x/src/lib.rs', ['fn b() { changed() }\n']],
    ['/r/x/src/new_mod.rs', ['pub fn added() -> u32 { 42 }\n']],
  ];

  test('Codex’s paths after the call', () => {
    assert.deepEqual(writes([turn('/r'), shellCall('c1', ['apply_patch', PATCH]), applied('c1')]), expected);
  });

  test('Codex’s paths before the call', () => {
    assert.deepEqual(writes([turn('/r'), applied('c1'), shellCall('c1', ['apply_patch', PATCH])]), expected);
  });
});

async function setUp(files: Record<string, string>): Promise<{ repo: TempRepo; home: string }> {
  const { repo, codexHome } = await codexRepo(cleanups, files);
  repo.commit('Trail set up');
  return { repo, home: codexHome };
}

function writeRollout(home: string, threadId: string, lines: string[]): void {
  const day = join(home, 'sessions', '2026', '12', '06');
  mkdirSync(day, { recursive: true });
  writeFileSync(join(day, `rollout-2026-12-06T10-00-00-${threadId}.jsonl`), `${lines.join('\n')}\n`);
}

function notify(repo: TempRepo, home: string, threadId: string, inputs: string[]): void {
  const payload = {
    type: 'agent-turn-complete',
    'thread-id': threadId,
    'turn-id': randomUUID(),
    cwd: repo.dir,
    'input-messages': inputs,
    'last-assistant-message': 'Done.',
  };
  const run = runNotify(codexNotifyArgv(home), JSON.stringify(payload), {
    cwd: repo.dir,
    env: { CODEX_HOME: home },
  });
  assert.equal(run.code, 0, run.stderr);
}

async function commitAndRead(repo: TempRepo, threadId: string) {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'agent work');
  const index = await loadIndex(await findRepo(repo.dir));
  const events = (index.eventsBySession.get(threadId) ?? []).map((e) => e.record.event);
  return {
    checkpoint: index.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))?.record,
    events,
    gaps: index.gaps.map((g) => g.record.why),
  };
}

describe('notify: Codex patches in a subfolder', () => {
  test("a patch run with workdir <repo>/pkg/core credits that folder's lines to the session", async () => {
    const { repo, home } = await setUp({
      'pkg/core/src/lib.rs': 'fn a() {}\nfn b() {}\n',
      'pkg/core/src/old.rs': 'old\n',
    });
    const threadId = randomUUID();
    const patch = `${PATCH.replace('*** End Patch\n', '')}*** Delete File: src/old.rs\n*** End Patch\n`;
    writeRollout(home, threadId, [
      line('session_meta', { id: threadId, cwd: repo.dir, cli_version: '0.50.0' }),
      turn(repo.dir),
      userMessage('refactor the core crate'),
      shellCall('c1', ['apply_patch', patch], { workdir: join(repo.dir, 'pkg/core') }),
    ]);
    // What the patch did on disk, in pkg/core.
    repo.write('pkg/core/src/new_mod.rs', 'pub fn added() -> u32 { 42 }\n');
    repo.write('pkg/core/src/lib.rs', 'fn a() {}\nfn b() { changed() }\n');
    rmSync(join(repo.dir, 'pkg/core/src/old.rs'));

    notify(repo, home, threadId, ['refactor the core crate']);
    const { checkpoint, events, gaps } = await commitAndRead(repo, threadId);
    assert.deepEqual(gaps, []);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'file-edit' ? [[e.path, e.change, e.ranges]] : [])).sort(),
      [
        ['pkg/core/src/lib.rs', 'modified', [{ start: 2, end: 2 }]],
        ['pkg/core/src/new_mod.rs', 'created', [{ start: 1, end: 1 }]],
        ['pkg/core/src/old.rs', 'deleted', []],
      ],
    );
    assert.ok(checkpoint, 'the commit has a checkpoint');
    assert.equal(checkpoint.files.find((f) => f.path === 'pkg/core/src/lib.rs')?.aiLines, 1);
    assert.equal(checkpoint.files.find((f) => f.path === 'pkg/core/src/new_mod.rs')?.aiLines, 1);
  });

  test('a file outside the repository, or added but absent after the turn, is a gap, not a deletion', async () => {
    const { repo, home } = await setUp({ 'src/lib.rs': 'fn a() {}\n' });
    const outside = tempDir('trail-codex-outside-');
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const threadId = randomUUID();
    writeRollout(home, threadId, [
      turn(repo.dir),
      userMessage('two patches'),
      shellCall('c1', ['apply_patch', '*** Begin Patch\n*** Add File: notes.txt\n+x\n*** End Patch\n'], {
        workdir: outside,
      }),
      shellCall('c2', ['apply_patch', '*** Begin Patch\n*** Add File: src/gone.rs\n+x\n*** End Patch\n']),
    ]);
    writeFileSync(join(outside, 'notes.txt'), 'x\n');
    repo.write('src/lib.rs', 'fn a() {}\nfn b() {}\n');

    notify(repo, home, threadId, ['two patches']);
    const { events, gaps } = await commitAndRead(repo, threadId);
    assert.deepEqual(
      events.filter((e) => e.type === 'file-edit'),
      [],
      'nothing recorded as deleted',
    );
    // One capture gap for the turn, naming both.
    const why = gaps.join('\n');
    // The folder is named from its home folder on (`~/…`) where it lies under HOME: gap-home-path.test.ts.
    assert.ok(why.includes(`${basename(outside)}/notes.txt, outside the repository`), why);
    assert.ok(why.includes('src/gone.rs, which is not there after the turn'), why);
  });
});

describe('notify: the lines a patch wrote are the agent’s, not what else changed in its file', () => {
  test('a person’s pending change to a file Codex patches is `unknown`, not the agent’s; the patch’s line is the agent’s', async () => {
    const { repo, home } = await setUp({ 'src/lib.rs': 'fn a() {}\nfn b() {}\n' });
    const threadId = randomUUID();
    // The person's change, not yet seen by Trail (no hook runs before a notify-only turn end).
    repo.write('src/lib.rs', 'fn a() {}\nfn b() {}\nfn person() {}\n');
    writeRollout(home, threadId, [
      line('session_meta', { id: threadId, cwd: repo.dir, cli_version: '0.60.1' }),
      turn(repo.dir),
      userMessage('make b return 1'),
      shellCall('c1', [
        'apply_patch',
        '*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-fn b() {}\n+fn b() { 1 }\n*** End Patch\n',
      ]),
      // Codex's own absolute path replaces Trail's reading: what the patch wrote comes along.
      line('event_msg', {
        type: 'patch_apply_end',
        call_id: 'c1',
        success: true,
        changes: { [join(repo.dir, 'src/lib.rs')]: { type: 'update', unified_diff: '' } },
      }),
    ]);
    repo.write('src/lib.rs', 'fn a() {}\nfn b() { 1 }\nfn person() {}\n');

    notify(repo, home, threadId, ['make b return 1']);
    const { checkpoint, events, gaps } = await commitAndRead(repo, threadId);
    assert.deepEqual(gaps, []);
    // Line 1 is the base's, committed before Trail tracked the repository (codexRepo).
    assert.deepEqual(await originsByLine(repo.dir, 'src/lib.rs'), ['unknown', 'ai', 'unknown']);
    assert.equal(checkpoint?.files.find((f) => f.path === 'src/lib.rs')?.aiLines, 1);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'file-edit' ? [[e.path, e.ranges]] : [])),
      [['src/lib.rs', [{ start: 2, end: 2 }]]],
    );
  });

  test('a file patched twice in a turn: both patches’ lines are the agent’s, the first one’s rewritten text no gap', async () => {
    const { repo, home } = await setUp({ 'src/lib.rs': 'fn a() {}\nfn b() {}\n' });
    const threadId = randomUUID();
    const patch = (from: string, to: string) =>
      `*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-${from}\n+${to}\n*** End Patch\n`;
    writeRollout(home, threadId, [
      turn(repo.dir),
      userMessage('change a, then b, then a again'),
      shellCall('c1', ['apply_patch', patch('fn a() {}', 'fn a() { 1 }')]),
      shellCall('c2', ['apply_patch', patch('fn b() {}', 'fn b() { 2 }')]),
      shellCall('c3', ['apply_patch', patch('fn a() { 1 }', 'fn a() { 3 }')]),
    ]);
    repo.write('src/lib.rs', 'fn a() { 3 }\nfn b() { 2 }\n');

    notify(repo, home, threadId, ['change a, then b, then a again']);
    const { gaps } = await commitAndRead(repo, threadId);
    assert.deepEqual(gaps, []);
    assert.deepEqual(await originsByLine(repo.dir, 'src/lib.rs'), ['ai', 'ai']);
  });
});

describe('notify: calls the person declined at the approval prompt', () => {
  test('a declined patch credits no line of the file it named, and a declined command is no command run', async () => {
    const { repo, home } = await setUp({ 'src/lib.rs': 'fn a() {}\nfn b() {}\n' });
    const threadId = randomUUID();
    // The person's own change, not yet seen by Trail (Codex's notify runs only at turn ends).
    repo.write('src/lib.rs', 'fn a() {}\nfn b() {}\nfn person() {}\n');
    const answer = (callId: string, output: string) =>
      line('response_item', { type: 'function_call_output', call_id: callId, output });
    const patch = (body: string) => `*** Begin Patch\n${body}*** End Patch\n`;
    writeRollout(home, threadId, [
      line('session_meta', { id: threadId, cwd: repo.dir, cli_version: '0.60.1' }),
      turn(repo.dir),
      userMessage('tidy lib.rs and publish'),
      shellCall('c1', ['apply_patch', patch('*** Update File: src/lib.rs\n@@\n-fn b() {}\n+fn b() { 1 }\n')]),
      answer('c1', 'patch rejected by user'),
      shellCall('c2', ['bash', '-lc', 'npm publish']),
      answer('c2', 'exec command rejected by user'),
      // What the person let through: the commit carries the session for it.
      shellCall('c3', ['apply_patch', patch('*** Add File: src/new.rs\n+fn added() {}\n')]),
      answer('c3', 'Success. Updated the following files:\nA src/new.rs\n'),
    ]);
    repo.write('src/new.rs', 'fn added() {}\n');

    notify(repo, home, threadId, ['tidy lib.rs and publish']);
    const { checkpoint, events, gaps } = await commitAndRead(repo, threadId);
    assert.deepEqual(gaps, []);
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'file-edit' ? [e.path] : e.type === 'command' ? [e.command] : [])),
      ['src/new.rs'],
      'no edit of src/lib.rs, and no command run',
    );
    const denied = (tool: string, toolUseId: string) => ({
      type: 'tool-call',
      tool,
      toolUseId,
      summary: 'denied: the person rejected it',
      ok: false,
    });
    assert.deepEqual(
      events.filter((e) => e.type === 'tool-call' && e.ok === false),
      [denied('apply_patch', 'c1'), denied('shell', 'c2')],
    );
    // The person's line is the person's: the declined patch named its file, but wrote nothing.
    assert.ok(checkpoint, 'the commit has a checkpoint');
    assert.equal(checkpoint.files.find((f) => f.path === 'src/lib.rs')?.aiLines ?? 0, 0);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/new.rs')?.aiLines, 1);
  });
});

describe('Codex hooks: a call declined at the approval prompt', () => {
  test('the next prompt takes the marker of a patch the person declined, and records the denial', async () => {
    const { repo, home } = await setUp({ 'src/lib.rs': 'fn a() {}\n' });
    const threadId = randomUUID();
    const day = join(home, 'sessions', '2026', '12', '06');
    const rollout = join(day, `rollout-2026-12-06T10-00-00-${threadId}.jsonl`);
    const patch =
      '*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-fn a() {}\n+fn a() { 1 }\n*** End Patch\n';
    // Codex's hooks (`[features] codex_hooks`), which a person enables: Claude-shaped payloads.
    const hook = (event: string, fields: Json) => {
      const payload = {
        session_id: threadId,
        transcript_path: rollout,
        cwd: repo.dir,
        hook_event_name: event,
        ...fields,
      };
      const run = trailProcess(repo.dir, ['hook', 'codex', event], JSON.stringify(payload), {
        CODEX_HOME: home,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
    };
    const markers = () =>
      readdirSync(join(repo.dir, '.git/trail/spool/pre')).filter((n) => n.endsWith('.json'));
    hook('PreToolUse', { tool_name: 'apply_patch', tool_input: { command: patch }, tool_use_id: 'call_p1' });
    assert.equal(markers().length, 1, 'the before-hook left its marker');
    writeRollout(home, threadId, [
      turn(repo.dir),
      userMessage('change a'),
      line('response_item', {
        type: 'custom_tool_call',
        name: 'apply_patch',
        call_id: 'call_p1',
        input: patch,
      }),
      line('response_item', {
        type: 'function_call_output',
        call_id: 'call_p1',
        output: 'patch rejected by user',
      }),
    ]);
    // The person aborted the turn at the prompt: no Stop came. Their next prompt ends it.
    hook('UserPromptSubmit', { prompt: 'leave a() as it is' });
    assert.deepEqual(markers(), [], 'the declined patch’s marker was taken');
    const denials = (await spoolEvents(repo.dir, 'codex', threadId)).flatMap(({ event }) =>
      event.type === 'tool-call' && event.ok === false ? [[event.tool, event.toolUseId, event.summary]] : [],
    );
    assert.deepEqual(denials, [['apply_patch', 'call_p1', 'denied: the person rejected it']]);
  });
});

describe('notify: a prompt too large for its notify payload', () => {
  test('a turn whose notify never arrived has its prompt taken from the rollout, each prompt once', async () => {
    const { repo, home } = await setUp({ 'README.md': '# demo\n' });
    const threadId = randomUUID();
    // Over Linux's 128 KiB limit for one argument: Codex could not start the notify program.
    const pasted = `summarise this log:\n${'0123456789abcdef'.repeat(9000)}`;
    const first = [turn(repo.dir), userMessage('first')];
    writeRollout(home, threadId, first);
    notify(repo, home, threadId, ['first']);
    // The pasted turn: no notify. Then a third turn, whose prompt repeats the first one's words.
    writeRollout(home, threadId, [...first, userMessage(pasted), userMessage('first')]);
    notify(repo, home, threadId, ['first']);

    const prompts = (await spoolEvents(repo.dir, 'codex', threadId)).flatMap(({ event }) =>
      event.type === 'prompt' ? [event.text.slice(0, 18)] : [],
    );
    assert.deepEqual(prompts.sort(), ['first', 'first', 'summarise this log'].sort());
  });
});
