/**
 * Codex's turn ends read the rollout a turn at a time: only the lines appended since the last
 * read, from a byte offset, with what the lines before leave to them (usage totals, the model
 * and boundary in force, the calls already taken). Reading it so must take what reading it
 * whole did, each prompt, act and reasoning event once, and must go on past the 64 MiB a
 * whole read is limited to.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseCodexRollout, parseCodexRolloutFrom } from '../../src/capture/agents/codex.js';
import { readGaps } from '../../src/capture/gaps.js';
import { sessionKey, spoolDir } from '../../src/capture/spool.js';
import { codexFixtureRepo, codexNotifyArgv, runNotify } from '../helpers/agent-hooks.js';
import { fixtureLines, readInPieces, seededCuts } from '../helpers/transcript-pieces.js';

const FIXTURE = new URL('../fixtures/codex/rollout.jsonl', import.meta.url);
const LINES = fixtureLines(FIXTURE);
const WHOLE = parseCodexRollout(LINES.join(''));
/** Where each turn after the first begins: a turn_context line, where Codex's notify has read up to. */
const TURN_STARTS = LINES.flatMap((line, i) => (i > 3 && line.includes('"type":"turn_context"') ? [i] : []));

type Summary = ReturnType<typeof parseCodexRollout>;
const ofType = (events: Summary['events'], type: string) => events.filter((e) => e.event.type === type);
const texts = (events: Summary['events'], type: string) =>
  ofType(events, type).map(({ event }) => JSON.stringify(event));
/** Commands and tool calls by what they ran, not by the results a later line fills in. */
const acts = (events: Summary['events']) =>
  events.flatMap(({ event }) =>
    event.type === 'command' ? [`command ${event.command}`] : event.type === 'tool-call' ? [event.tool] : [],
  );
/** The summary's facts about the whole rollout. */
const sessionFacts = (s: Summary) => ({
  usage: s.usage,
  model: s.model,
  models: s.models,
  boundary: s.boundary,
  agentVersion: s.agentVersion,
  sessionId: s.sessionId,
  cwd: s.cwd,
  originator: s.originator,
  modelProvider: s.modelProvider,
  gitBranch: s.gitBranch,
  startedAt: s.startedAt,
  endedAt: s.endedAt,
});

describe('a rollout read in pieces (pure)', () => {
  test('the fixture has two turns, two models, commands, a patch, reasoning and usage', () => {
    assert.equal(TURN_STARTS.length, 1);
    assert.deepEqual(WHOLE.models, ['gpt-5-codex', 'gpt-5']);
    assert.equal(ofType(WHOLE.events, 'command').length, 2);
    assert.ok(ofType(WHOLE.events, 'file-edit').length >= 2);
    assert.ok(ofType(WHOLE.events, 'reasoning').length >= 2);
  });

  test('cut where a turn begins, the pieces give the whole read, event for event', () => {
    const pieces = readInPieces(LINES, TURN_STARTS, parseCodexRolloutFrom);
    assert.deepEqual(pieces.events, WHOLE.events);
    assert.deepEqual(sessionFacts(pieces.summary), sessionFacts(WHOLE));
  });

  test('cut at any line, each prompt, reasoning, context and act is taken once, and the facts are the whole read', () => {
    for (let cut = 0; cut <= LINES.length; cut++) {
      const pieces = readInPieces(LINES, [cut], parseCodexRolloutFrom);
      for (const type of ['prompt', 'reasoning', 'context'])
        assert.deepEqual(
          texts(pieces.events, type),
          texts(WHOLE.events, type),
          `${type}, cut at line ${cut}`,
        );
      assert.deepEqual(acts(pieces.events), acts(WHOLE.events), `cut at line ${cut}`);
      assert.deepEqual(sessionFacts(pieces.summary), sessionFacts(WHOLE), `cut at line ${cut}`);
    }
  });

  test('a line at a time gives the whole read too', () => {
    const pieces = readInPieces(
      LINES,
      LINES.map((_, i) => i),
      parseCodexRolloutFrom,
    );
    assert.deepEqual(texts(pieces.events, 'reasoning'), texts(WHOLE.events, 'reasoning'));
    assert.deepEqual(acts(pieces.events), acts(WHOLE.events));
    assert.deepEqual(sessionFacts(pieces.summary), sessionFacts(WHOLE));
  });

  test("a command's end read after the command is not taken for another command", () => {
    const call = JSON.stringify({
      timestamp: '2026-03-02T10:00:09.000Z',
      type: 'response_item',
      payload: {
        type: 'function_call',
        name: 'shell',
        arguments: JSON.stringify({ command: ['bash', '-lc', 'make lint'] }),
        call_id: 'call_L1',
      },
    });
    const end = JSON.stringify({
      timestamp: '2026-03-02T10:00:12.000Z',
      type: 'event_msg',
      payload: {
        type: 'exec_command_end',
        call_id: 'call_L1',
        command: ['bash', '-lc', 'make lint'],
        exit_code: 2,
      },
    });
    const pieces = readInPieces([`${call}\n`, `${end}\n`], [1], parseCodexRolloutFrom);
    assert.deepEqual(acts(pieces.events), ['command make lint']);
    // Read whole, the end fills in the command's exit code.
    const whole = parseCodexRollout(`${call}\n${end}\n`);
    assert.deepEqual(
      ofType(whole.events, 'command').map(({ event }) => event.type === 'command' && event.exitCode),
      [2],
    );
  });

  test('a command unified exec still ran at a cut ends as a command of its own, with what the whole read gives it', () => {
    const lines = fixtureLines(new URL('../fixtures/codex/unified-exec.jsonl', import.meta.url));
    const tests = (events: Summary['events']) =>
      ofType(events, 'command').filter(
        ({ event }) => event.type === 'command' && event.command === 'cargo test',
      );
    const [ended] = tests(parseCodexRollout(lines.join('')).events);
    assert.equal(ended?.event.type === 'command' && ended.event.exitCode, 101);
    // From the line after its first answer (which says it runs on) to the one that reports its exit.
    const running = lines.findIndex((line) => line.includes('Process running with session ID 42')) + 1;
    const exited = lines.findIndex((line) => line.includes('Process exited with code 101')) + 1;
    for (let cut = running; cut < exited; cut++) {
      const pieces = readInPieces(lines, [cut], parseCodexRolloutFrom);
      const [taken, end, ...more] = tests(pieces.events);
      assert.deepEqual(more, [], `cut at line ${cut}`);
      // Taken as it stood at the cut: running, its output so far.
      assert.equal(taken?.event.type === 'command' && taken.event.exitCode, undefined, `cut at line ${cut}`);
      // Recorded as it ended, when it ended: the same command, exit code, duration and output.
      assert.deepEqual(end?.event, ended?.event, `cut at line ${cut}`);
      assert.equal(end?.at, '2026-03-02T10:01:05.500Z');
    }
    // Cut between the call and its first answer (and again after it), the call is taken before
    // anything says it runs on: it keeps no exit code (as any call whose output comes after the turn end that
    // took it), and nothing is recorded without its command.
    const beforeAnswer = readInPieces(lines, [running - 1, running], parseCodexRolloutFrom);
    assert.deepEqual(
      tests(beforeAnswer.events).map(({ event }) => event),
      [{ type: 'command', command: 'cargo test' }],
    );
    assert.deepEqual(acts(beforeAnswer.events), acts(parseCodexRollout(lines.join('')).events));
    // Cut a line at a time, the same.
    const lineByLine = readInPieces(lines, lines.map((_, i) => i).slice(running), parseCodexRolloutFrom);
    assert.deepEqual(tests(lineByLine.events).at(-1)?.event, ended?.event);
    assert.equal(tests(lineByLine.events).length, 2);
  });

  test("Codex's own paths for a patch, read after the patch, are taken once", () => {
    const patch = JSON.stringify({
      timestamp: '2026-03-02T10:00:20.000Z',
      type: 'response_item',
      payload: {
        type: 'custom_tool_call',
        call_id: 'call_P1',
        name: 'apply_patch',
        input: '*** Begin Patch\n*** Update File: lib/a.rs\n@@\n-x\n+y\n*** End Patch\n',
      },
    });
    const applied = JSON.stringify({
      timestamp: '2026-03-02T10:00:20.050Z',
      type: 'event_msg',
      payload: {
        type: 'patch_apply_end',
        call_id: 'call_P1',
        success: true,
        changes: { '/work/crate/lib/a.rs': { update: { unified_diff: '-x\n+y\n' } } },
      },
    });
    const edits = (events: Summary['events']) =>
      ofType(events, 'file-edit').map(({ event }) => event.type === 'file-edit' && event.path);
    const exactFirst = readInPieces([`${applied}\n`, `${patch}\n`], [1], parseCodexRolloutFrom);
    assert.deepEqual(edits(exactFirst.events), ['/work/crate/lib/a.rs']);
    const patchFirst = readInPieces([`${patch}\n`, `${applied}\n`], [1], parseCodexRolloutFrom);
    assert.deepEqual(edits(patchFirst.events), ['lib/a.rs', '/work/crate/lib/a.rs']);
  });
});

describe('a long rollout read in pieces (pure)', () => {
  /** The fixture's turns 40 times over, each round's call ids its own. */
  const LONG = [
    ...LINES.slice(0, 3),
    ...Array.from({ length: 40 }, (_, round) =>
      LINES.slice(3).map((line) => line.replace(/call_[A-Z0-9]+/g, (id) => `${id}_${round}`)),
    ).flat(),
  ];
  const whole = parseCodexRollout(LONG.join(''));

  test('under seeded cuts, each prompt, reasoning, context and act is taken once, and the facts are the whole read', () => {
    assert.equal(ofType(whole.events, 'command').length, 80);
    for (let seed = 1; seed <= 20; seed++) {
      const cuts = seededCuts(seed, LONG.length, 2 + (seed % 9));
      const pieces = readInPieces(LONG, cuts, parseCodexRolloutFrom);
      for (const type of ['prompt', 'reasoning', 'context'])
        assert.deepEqual(texts(pieces.events, type), texts(whole.events, type), `${type}, cuts ${cuts}`);
      assert.deepEqual(acts(pieces.events), acts(whole.events), `cuts ${cuts}`);
      assert.deepEqual(sessionFacts(pieces.summary), sessionFacts(whole), `cuts ${cuts}`);
    }
  });
});

describe("Codex's notify over a growing rollout", () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const cleanup of cleanups) cleanup();
  });

  /** A repository with Trail set up for Codex, holding the files the fixture's patch names. */
  async function codexRepo() {
    const { repo, codexHome } = await codexFixtureRepo(cleanups);
    // As the patch leaves them.
    repo.write('src/limit.rs', 'pub const MAX: usize = 1 << 20;\n');
    // The fixture's turns were on 2026-03-02: what was written here before them is older. (A
    // turn that ran a command takes for its own what changed since it began: `unknown` lines.)
    const before = new Date('2026-03-02T09:00:00.000Z');
    for (const path of repo.git('ls-files', '-m', '-o', '--exclude-standard').split('\n').filter(Boolean))
      utimesSync(join(repo.dir, path), before, before);
    const day = join(codexHome, 'sessions', '2026', '03', '02');
    mkdirSync(day, { recursive: true });
    return { repo, codexHome, argv: codexNotifyArgv(codexHome), day };
  }

  type CodexRepo = Awaited<ReturnType<typeof codexRepo>>;

  /** The fixture's lines as Codex would write them for this thread in this repository. */
  const rolloutLines = ({ repo }: CodexRepo, threadId: string, lines: readonly string[] = LINES) =>
    lines.map((line) =>
      line
        .split('/home/dev/acme-api')
        .join(repo.dir)
        .split('0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b')
        .join(threadId),
    );
  const rolloutPath = ({ day }: CodexRepo, threadId: string) =>
    join(day, `rollout-2026-03-02T10-00-00-${threadId}.jsonl`);
  /** A turn's notify that carries neither prompt nor message: all of the turn is the rollout's. */
  const notify = ({ repo, argv, codexHome }: CodexRepo, threadId: string) => {
    const run = runNotify(
      argv,
      JSON.stringify({ type: 'agent-turn-complete', 'thread-id': threadId, 'turn-id': '1', cwd: repo.dir }),
      { cwd: repo.dir, env: { CODEX_HOME: codexHome } },
    );
    assert.equal(run.code, 0, run.stderr);
  };
  /** What the thread's turns spooled: its events, and each model's latest usage. */
  const spooled = ({ repo }: CodexRepo, threadId: string) => {
    const dir = join(repo.dir, '.git/trail/spool/sessions');
    const lines = readdirSync(dir)
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line))
      .filter((line) => line.sessionId === threadId && line.type === 'event');
    const usage = new Map<string, string>();
    const events: string[] = [];
    for (const line of lines) {
      if (line.event.type === 'usage') usage.set(line.event.model, JSON.stringify(line.event));
      else events.push(JSON.stringify({ provenance: line.provenance, ...line.event }));
    }
    return { events: events.sort(), usage: [...usage.values()].sort() };
  };
  const gaps = ({ repo }: CodexRepo) => readGaps(join(repo.dir, '.git/trail'));

  test('a turn at a time spools what one read of the whole rollout does', async () => {
    // Two repositories, so that the second session's edits are not diffed against the first's.
    const thread = '0199a1b2-0000-4000-8000-000000000001';
    const once = await codexRepo();
    writeFileSync(rolloutPath(once, thread), rolloutLines(once, thread).join(''));
    notify(once, thread);

    const turns = await codexRepo();
    const lines = rolloutLines(turns, thread);
    const path = rolloutPath(turns, thread);
    writeFileSync(path, lines.slice(0, TURN_STARTS[0]).join(''));
    notify(turns, thread);
    appendFileSync(path, lines.slice(TURN_STARTS[0]).join(''));
    notify(turns, thread);
    notify(turns, thread); // nothing new

    const whole = spooled(once, thread);
    assert.ok(whole.events.some((e) => e.includes('"type":"command"') && e.includes('"exitCode":101')));
    assert.ok(whole.events.some((e) => e.includes('"path":"src/limit.rs","change":"created"')));
    assert.ok(whole.events.some((e) => e.includes('Explain the limit in the README')));
    assert.equal(whole.usage.length, 2);
    const withRepo = (list: string[], dir: string) => list.map((e) => e.split(dir).join('<repo>'));
    assert.deepEqual(
      withRepo(spooled(turns, thread).events, turns.repo.dir),
      withRepo(whole.events, once.repo.dir),
    );
    assert.deepEqual(spooled(turns, thread).usage, whole.usage);
    assert.deepEqual(gaps(turns), []);
  });

  test('the final message a notify carries, which its rollout holds too, is recorded once', async () => {
    const thread = '0199a1b2-0000-4000-8000-000000000005';
    const repo = await codexRepo();
    const lines = rolloutLines(repo, thread);
    writeFileSync(rolloutPath(repo, thread), lines.slice(0, TURN_STARTS[0]).join(''));
    const carried = JSON.parse(
      readFileSync(new URL('../fixtures/codex/notify-agent-turn-complete.json', import.meta.url), 'utf8'),
    );
    const run = runNotify(
      repo.argv,
      JSON.stringify({ ...carried, 'thread-id': thread, cwd: repo.repo.dir }),
      {
        cwd: repo.repo.dir,
        env: { CODEX_HOME: repo.codexHome },
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const said = (text: string) =>
      spooled(repo, thread)
        .events.map((e) => JSON.parse(e))
        .filter((e) => e.text === text);
    const final = said(carried['last-assistant-message']);
    assert.deepEqual(final, [
      { provenance: 'agent-reported', type: 'reasoning', text: carried['last-assistant-message'] },
    ]);
    assert.equal(said(carried['input-messages'][0]).length, 1, 'the prompt, once too');
    assert.deepEqual(gaps(repo), []);
  });

  test('a state kept before turns were read so (counts over the whole rollout) takes nothing twice', async () => {
    const thread = '0199a1b2-0000-4000-8000-000000000002';
    const upgraded = await codexRepo();
    const lines = rolloutLines(upgraded, thread);
    const path = rolloutPath(upgraded, thread);
    writeFileSync(path, lines.slice(0, TURN_STARTS[0]).join(''));
    notify(upgraded, thread);
    // As the hook before offsets left it: counts, models and path, but no offset or carry.
    const state = join(
      spoolDir(join(upgraded.repo.dir, '.git/trail')),
      'transcripts',
      `${sessionKey('codex', thread)}.json`,
    );
    const {
      offset: _offset,
      carry: _carry,
      head: _head,
      ...counts
    } = JSON.parse(readFileSync(state, 'utf8'));
    assert.ok(counts.acts > 0 && counts.reasoning > 0 && counts.prompts > 0);
    writeFileSync(state, JSON.stringify(counts));
    appendFileSync(path, lines.slice(TURN_STARTS[0]).join(''));
    notify(upgraded, thread);
    const events = spooled(upgraded, thread).events;
    assert.equal(new Set(events).size, events.length, 'no event spooled twice');
    assert.ok(events.some((e) => e.includes('Explain the limit in the README')));
  });

  test("a command still running at a turn end is spooled again with the exit code a later turn's poll reports", async () => {
    const thread = '0199a1b2-0000-4000-8000-000000000004';
    const repo = await codexRepo();
    const lines = rolloutLines(
      repo,
      thread,
      fixtureLines(new URL('../fixtures/codex/unified-exec.jsonl', import.meta.url)),
    );
    const path = rolloutPath(repo, thread);
    // The turn ends after the first poll, while `cargo test` runs on.
    const cut = lines.findIndex((line) => line.includes('running 4 tests')) + 1;
    writeFileSync(path, lines.slice(0, cut).join(''));
    notify(repo, thread);
    appendFileSync(path, lines.slice(cut).join(''));
    notify(repo, thread);
    const commands = spooled(repo, thread)
      .events.map((e) => JSON.parse(e))
      .filter((e) => e.type === 'command' && e.command === 'cargo test');
    assert.deepEqual(commands, [
      // Taken at the first turn end as it stood: running, with its output so far.
      {
        provenance: 'transcript',
        type: 'command',
        command: 'cargo test',
        outputTail: 'Compiling acme\nrunning 4 tests\n',
      },
      {
        provenance: 'transcript',
        type: 'command',
        command: 'cargo test',
        exitCode: 101,
        durationMs: 65_500,
        outputTail: 'Compiling acme\nrunning 4 tests\ntest result: FAILED. 3 passed; 1 failed\n',
      },
    ]);
    assert.deepEqual(gaps(repo), []);
  });

  test('a rollout past 64 MiB is still read, a turn at a time', async () => {
    const thread = '0199a1b2-0000-4000-8000-000000000003';
    const large = await codexRepo();
    const lines = rolloutLines(large, thread);
    const path = rolloutPath(large, thread);
    // A command whose output Codex kept whole: 40 MiB, then 30 MiB more in the next turn.
    const bigOutput = (callId: string, mib: number) =>
      `${JSON.stringify({
        timestamp: '2026-03-02T10:00:13.200Z',
        type: 'response_item',
        payload: { type: 'function_call_output', call_id: callId, output: 'y\n'.repeat(mib * 2 ** 19) },
      })}\n`;
    const thinking = (text: string) =>
      `${JSON.stringify({
        timestamp: '2026-03-02T10:06:00.000Z',
        type: 'response_item',
        payload: { type: 'reasoning', summary: [{ type: 'summary_text', text }] },
      })}\n`;
    writeFileSync(path, `${lines.slice(0, TURN_STARTS[0]).join('')}${bigOutput('call_A1', 40)}`);
    notify(large, thread);
    appendFileSync(path, `${lines.slice(TURN_STARTS[0]).join('')}${bigOutput('call_C3', 30)}`);
    notify(large, thread);
    appendFileSync(path, thinking('Reasoning of a turn that ends past 70 MiB of rollout.'));
    notify(large, thread);
    const events = spooled(large, thread).events;
    assert.equal(
      events.filter((e) => e.includes('Reasoning of a turn that ends past 70 MiB of rollout.')).length,
      1,
    );
    assert.ok(events.some((e) => e.includes('Explain the limit in the README')));
    assert.deepEqual(gaps(large), []);
  });
});
