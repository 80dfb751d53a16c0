/**
 * Gemini CLI's AfterAgent hook reads the chat recording a turn at a time where it is JSON
 * lines: only the lines appended since the last turn end, with the latest messages carried
 * (a message is written again each time it changes, so a later copy adds only what is new).
 * An older release's recording, one JSON document rewritten at each change, is read whole.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseGeminiTranscript, parseGeminiTranscriptFrom } from '../../src/capture/agents/gemini-cli.js';
import { readGaps } from '../../src/capture/gaps.js';
import { trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';
import { fixtureLines, readInPieces, seededCuts } from '../helpers/transcript-pieces.js';

const FIXTURES = new URL('../fixtures/gemini-cli/', import.meta.url);
const LINES = fixtureLines(new URL('session-2026-01-14T09-12-3f1c2a9b.jsonl', FIXTURES));
const DOCUMENT = readFileSync(new URL('session-2025-10-02T14-03-8a2d5f61.json', FIXTURES), 'utf8');
const WHOLE = parseGeminiTranscript(LINES.join(''));

type Summary = ReturnType<typeof parseGeminiTranscript>;
const reasoningOf = (events: Summary['events']) =>
  events.flatMap((e) => (e.event.type === 'reasoning' ? [e.event.text] : [])).sort();
const byModel = (usage: Summary['usage']) => [...usage].sort((a, b) => a.model.localeCompare(b.model));
const facts = (s: Summary) => ({
  usage: byModel(s.usage),
  model: s.model,
  models: s.models,
  sessionId: s.sessionId,
  startedAt: s.startedAt,
  endedAt: s.endedAt,
});

describe('a recording read in pieces (pure)', () => {
  test('the fixture writes messages again as they change, with reasoning and usage', () => {
    const ids = LINES.map((l) => /^\{"id":"([^"]+)"/.exec(l)?.[1]).filter(Boolean);
    assert.ok(ids.length > new Set(ids).size, 'some message is written more than once');
    assert.ok(reasoningOf(WHOLE.events).length >= 3);
    assert.ok(WHOLE.usage.length > 0);
  });

  // Cut after the first line: an empty first piece says nothing of the file's form, so it is
  // read whole (and holds nothing).
  test('cut at any line, two pieces take each reasoning once, and the facts are the whole read', () => {
    for (let cut = 1; cut <= LINES.length; cut++) {
      const pieces = readInPieces(LINES, [cut], parseGeminiTranscriptFrom);
      assert.deepEqual(reasoningOf(pieces.events), reasoningOf(WHOLE.events), `cut at line ${cut}`);
      assert.deepEqual(facts(pieces.summary), facts(WHOLE), `cut at line ${cut}`);
    }
  });

  test('a line at a time gives the whole read too', () => {
    const pieces = readInPieces(
      LINES,
      LINES.map((_, i) => i + 1),
      parseGeminiTranscriptFrom,
    );
    assert.deepEqual(reasoningOf(pieces.events), reasoningOf(WHOLE.events));
    assert.deepEqual(facts(pieces.summary), facts(WHOLE));
  });

  test('a recording that is one JSON document, on one line or many, or a checkpoint, is left to a whole read', () => {
    assert.equal(parseGeminiTranscriptFrom(DOCUMENT, undefined), undefined);
    assert.equal(
      parseGeminiTranscriptFrom(`${JSON.stringify(JSON.parse(DOCUMENT))}\n`, undefined),
      undefined,
    );
    const checkpoint = readFileSync(new URL('checkpoint-discount.json', FIXTURES), 'utf8');
    assert.equal(parseGeminiTranscriptFrom(checkpoint, undefined), undefined);
    assert.ok(parseGeminiTranscriptFrom(LINES.join(''), undefined));
  });
});

describe('a long recording read in pieces (pure)', () => {
  /**
   * 200 model messages, each written two or three times as it is made (thoughts, then its
   * reply and tokens), under two models, with a prompt before every tenth: more messages than
   * a carry keeps one by one, so older ones are summed up as reading goes on.
   */
  const LONG = (() => {
    const lines = [
      `${JSON.stringify({ sessionId: 'long-0000', startTime: '2026-01-14T09:00:00.000Z', kind: 'main' })}\n`,
    ];
    const at = (m: number) => new Date(Date.UTC(2026, 0, 14, 9, 0, m)).toISOString();
    for (let m = 0; m < 200; m++) {
      if (m % 10 === 0)
        lines.push(
          `${JSON.stringify({ id: `u-${m}`, timestamp: at(m), type: 'user', content: [{ text: `Prompt ${m}` }] })}\n`,
        );
      const model = m % 3 === 0 ? 'gemini-2.5-flash' : 'gemini-2.5-pro';
      const thought = (n: number) => ({
        subject: `Step ${m}.${n}`,
        description: `thinking ${m}.${n}`,
        timestamp: at(m),
      });
      const base = { id: `g-${m}`, timestamp: at(m), type: 'gemini', model };
      lines.push(`${JSON.stringify({ ...base, content: '', thoughts: [thought(1)] })}\n`);
      if (m % 2 === 0)
        lines.push(`${JSON.stringify({ ...base, content: '', thoughts: [thought(1), thought(2)] })}\n`);
      lines.push(
        `${JSON.stringify({ ...base, content: `Reply ${m}`, thoughts: [thought(1), thought(2)], tokens: { input: 1000 + m, cached: 100, output: 50 + m, thoughts: 7 } })}\n`,
      );
    }
    return lines;
  })();
  const whole = parseGeminiTranscript(LONG.join(''));

  test("under seeded cuts, each reasoning is taken once and the usage is the whole read's", () => {
    assert.equal(reasoningOf(whole.events).length, 600);
    for (let seed = 1; seed <= 20; seed++) {
      const cuts = seededCuts(seed, LONG.length, 2 + (seed % 9));
      const pieces = readInPieces(LONG, cuts, parseGeminiTranscriptFrom);
      assert.deepEqual(reasoningOf(pieces.events), reasoningOf(whole.events), `cuts ${cuts}`);
      assert.deepEqual(facts(pieces.summary), facts(whole), `cuts ${cuts}`);
    }
  });
});

describe("Gemini CLI's AfterAgent hook over a growing recording", () => {
  let repo: TempRepo;
  let chats: string;

  before(() => {
    repo = initialisedRepo();
    chats = tempDir('trail-gemini-chats-');
  });
  after(() => repo.cleanup());

  const afterAgent = (sessionId: string, transcript: string) => {
    const payload = {
      session_id: sessionId,
      transcript_path: transcript,
      cwd: repo.dir,
      hook_event_name: 'AfterAgent',
      timestamp: '2026-01-14T09:14:58.377Z',
      stop_hook_active: false,
    };
    const run = trailProcess(repo.dir, ['hook', 'gemini-cli', 'AfterAgent'], JSON.stringify(payload));
    assert.equal(run.code, 0, run.stderr);
  };
  /** The reasoning the session's spool holds, and each model's latest usage. */
  const spooled = (sessionId: string) => {
    const dir = join(repo.dir, '.git/trail/spool/sessions');
    const lines = readdirSync(dir)
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line))
      .filter((line) => line.sessionId === sessionId && line.type === 'event');
    const usage = new Map<string, unknown>();
    for (const line of lines) if (line.event.type === 'usage') usage.set(line.event.model, line.event);
    return {
      reasoning: lines.filter((l) => l.event.type === 'reasoning').map((l) => l.event.text as string),
      usage: [...usage.values()],
    };
  };
  const gaps = () => readGaps(join(repo.dir, '.git/trail'));

  test('turn ends anywhere in the recording spool each reasoning once, and the whole usage', () => {
    const sessionId = '3f1c2a9b-0000-4c1a-9b2e-000000000001';
    const transcript = join(chats, 'session-lines.jsonl');
    writeFileSync(transcript, LINES.slice(0, 4).join(''));
    afterAgent(sessionId, transcript);
    appendFileSync(transcript, LINES.slice(4, 8).join(''));
    afterAgent(sessionId, transcript);
    appendFileSync(transcript, LINES.slice(8).join(''));
    afterAgent(sessionId, transcript);
    afterAgent(sessionId, transcript); // nothing new
    const now = spooled(sessionId);
    assert.deepEqual([...now.reasoning].sort(), reasoningOf(WHOLE.events));
    assert.deepEqual(
      byModel(now.usage as Summary['usage']),
      byModel(WHOLE.usage).map((u) => ({ type: 'usage', ...u })),
    );
    assert.deepEqual(gaps(), []);
  });

  test('a recording past 64 MiB is still read, a turn at a time', () => {
    const sessionId = '3f1c2a9b-0000-4c1a-9b2e-000000000002';
    const transcript = join(chats, 'session-large.jsonl');
    /** A shell call's message whose output Gemini CLI kept whole: `mib` of it. */
    const bigMessage = (id: string, mib: number) =>
      `${JSON.stringify({
        id,
        timestamp: '2026-01-14T09:13:30.000Z',
        type: 'gemini',
        content: '',
        model: 'gemini-2.5-pro',
        toolCalls: [
          {
            id: `run_shell_command-${id}`,
            name: 'run_shell_command',
            args: { command: 'npm test' },
            status: 'success',
            result: [
              {
                functionResponse: {
                  id,
                  name: 'run_shell_command',
                  response: { output: 'y\n'.repeat(mib * 2 ** 19) },
                },
              },
            ],
          },
        ],
      })}\n`;
    const reply = (id: string, text: string) =>
      `${JSON.stringify({ id, timestamp: '2026-01-14T09:20:00.000Z', type: 'gemini', content: text, model: 'gemini-2.5-pro' })}\n`;
    writeFileSync(transcript, `${LINES.slice(0, 4).join('')}${bigMessage('big-1', 40)}`);
    afterAgent(sessionId, transcript);
    appendFileSync(transcript, bigMessage('big-2', 30));
    afterAgent(sessionId, transcript);
    appendFileSync(transcript, reply('reply-3', 'A reply after 70 MiB of recording.'));
    afterAgent(sessionId, transcript);
    const reasoning = spooled(sessionId).reasoning;
    assert.equal(reasoning.filter((r) => r === 'A reply after 70 MiB of recording.').length, 1);
    assert.deepEqual(gaps(), []);
  });

  test('a recording that is one JSON document is read whole at each turn end, each reasoning once', () => {
    const sessionId = '8a2d5f61-3b7e-4c09-a1d4-6e9f2b0c7d35';
    const transcript = join(chats, 'session-document.json');
    const document = JSON.parse(DOCUMENT) as { messages: unknown[] };
    // Gemini CLI rewrites the file whole: first with the first two messages, then all of them.
    writeFileSync(
      transcript,
      JSON.stringify({ ...document, messages: document.messages.slice(0, 2) }, null, 2),
    );
    afterAgent(sessionId, transcript);
    writeFileSync(transcript, DOCUMENT);
    afterAgent(sessionId, transcript);
    const reasoning = spooled(sessionId).reasoning;
    assert.deepEqual([...reasoning].sort(), reasoningOf(parseGeminiTranscript(DOCUMENT).events));
  });
});
